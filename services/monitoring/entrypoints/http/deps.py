"""What every router is built over: the trust's rules, units of work and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from services.monitoring.application.evaluation import Clock
from services.monitoring.application.ports import UnitOfWorkFactory
from shared.trust import TrustConfig


@dataclass(frozen=True)
class Wiring:
    trust: TrustConfig
    unit_of_work: UnitOfWorkFactory
    clock: Clock
    stream_poll_seconds: float = 0.05
    stream_unit_of_work: UnitOfWorkFactory | None = None
    """Where the live streams read the feed; the request's units of work when None."""
