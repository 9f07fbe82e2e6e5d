"""Ports for tests that start `commissioning up`'s services or check its port guard."""

from __future__ import annotations

import random

from shared.embedded import port_is_free
from shared.services import names


def service_ports() -> int:
    """A base for one free port per service, consecutive and below Linux's ephemeral range
    (32768+), where the ports the embedded PostgreSQL and broker pick cannot land on them.
    An ephemeral port from the kernel is free, but its neighbours may not be."""
    count = len(names())
    for _ in range(200):
        base = random.randrange(20_000, 32_000, 10)
        if all(port_is_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports between 20000 and 32000")
