"""A run's configuration (the command line) and its results (one `Timed` per phase)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.backbone.measure import (
    Timed,
)


@dataclass
class Config:
    events: int
    partitions: int
    naive_sample: int
    keys: int
    per_tx: int
    raw_repeats: int
    repeats: int
    relay: str  # "process" | "loop"
    tracing: str  # "service" | "off"
    gc_freeze: bool
    profile: bool
    loop: str = "uvloop"  # "uvloop" | "asyncio"


@dataclass
class Results:
    record_bytes: float = 0.0
    raw_produce: Timed = field(default_factory=Timed)
    raw: Timed = field(default_factory=Timed)
    raw_join_s: float | None = None
    outbox_write: Timed = field(default_factory=Timed)
    e2e_total: Timed = field(default_factory=Timed)
    e2e_steady: Timed = field(default_factory=Timed)
    e2e_relay: Timed = field(default_factory=Timed)
    relay_startup_s: float | None = None
    consumer_only: Timed = field(default_factory=Timed)
    consumer_join_s: float | None = None
    naive: Timed = field(default_factory=Timed)
    faststream: Timed = field(default_factory=Timed)
    relay_only: Timed = field(default_factory=Timed)
    failures: list[str] = field(default_factory=list)
