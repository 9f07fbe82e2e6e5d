"""The boards entry points: HTTP routers and event consumers."""
