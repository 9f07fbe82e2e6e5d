"""The platform's services, found through the `commissioning.services` entry point group.

A service declares itself once, in `pyproject.toml`:

    [project.entry-points."commissioning.services"]
    needs = "services.needs.service:definition"

and nothing in `shared/` names it. Definitions are imported lazily: a process loads only
the services it asks for, except when the whole list is wanted (`up`, `migrate`).
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from shared.runtime import ServiceDefinition

GROUP = "commissioning.services"


class UnknownService(KeyError):
    """A service name no installed distribution declares."""

    def __str__(self) -> str:
        return str(self.args[0])


@cache
def _declared() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def declared() -> tuple[str, ...]:
    """Every declared service's name, alphabetically, without importing any of them."""
    return tuple(sorted(_declared()))


def names() -> tuple[str, ...]:
    """Every declared service, in port order (the order `up` starts them)."""
    return tuple(sorted(_declared(), key=lambda name: (definition(name).port, name)))


@cache
def definition(name: str) -> ServiceDefinition:
    """The definition of a service, e.g. `definition("needs")`."""
    declared = _declared()
    if name not in declared:
        raise UnknownService(
            f"unknown service {name!r}; choose from {', '.join(sorted(declared)) or 'none'}"
        )
    found = declared[name].load()
    if not isinstance(found, ServiceDefinition) or found.name != name:
        raise TypeError(f"entry point {name!r} of {GROUP} must be a ServiceDefinition named so")
    return found


def definitions() -> tuple[ServiceDefinition, ...]:
    """Every declared service's definition, in port order; ports must not be shared."""
    found = tuple(definition(name) for name in names())
    ports: dict[int, str] = {}
    for d in found:
        if d.port in ports:
            raise ValueError(f"services {ports[d.port]} and {d.name} both declare port {d.port}")
        ports[d.port] = d.name
    return found
