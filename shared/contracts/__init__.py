"""Integration events that cross services: versioned pydantic contracts.

Importing this package registers every contract in `shared.contracts.registry.registry`.
"""

from shared.contracts import monitoring, needs, procurement, projects
from shared.contracts.registry import Contract, EventRegistry, InvalidEvent, registry

__all__ = [
    "Contract",
    "EventRegistry",
    "InvalidEvent",
    "monitoring",
    "needs",
    "procurement",
    "projects",
    "registry",
]
