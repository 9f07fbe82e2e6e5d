"""The platform's services, by name (imported lazily: each process loads only its own)."""

from __future__ import annotations

import importlib

from shared.runtime import ServiceDefinition

SERVICES: tuple[str, ...] = ("needs", "projects", "procurement", "monitoring")


def definition(name: str) -> ServiceDefinition:
    """The definition of a service, e.g. `definition("needs")`."""
    if name not in SERVICES:
        raise KeyError(f"unknown service {name!r}; choose from {', '.join(SERVICES)}")
    module = importlib.import_module(f"services.{name}.service")
    found: ServiceDefinition = module.definition
    return found
