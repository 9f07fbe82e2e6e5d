"""Entry points of the projects service: HTTP routers and the needs-events consumer."""
