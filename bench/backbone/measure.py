"""Measuring a phase: wall and CPU clocks, rates, progress, and settling the process."""

from __future__ import annotations

import asyncio
import cProfile
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from shared.db import plain_url

CORES = os.cpu_count() or 1


def say(message: str) -> None:
    print(message, flush=True)


def rate(count: int, seconds: float | None) -> float | None:
    if not count or seconds is None or seconds <= 0:
        return None
    return count / seconds


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def settle(freeze: bool) -> None:
    """With --gc-freeze: collect, then move every live object out of the collector's sight
    (what a service could do once started), so collections scan only per-batch garbage."""
    if freeze:
        gc.collect()
        gc.freeze()


class Ticker:
    """Prints `label: done/total` about once a second while a phase runs."""

    def __init__(self, label: str, total: int, count: Callable[[], int]) -> None:
        self.label, self.total, self.count = label, total, count
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        started = time.perf_counter()
        while True:
            await asyncio.sleep(1.0)
            elapsed = time.perf_counter() - started
            say(f"    {self.label}: {self.count():,}/{self.total:,} after {elapsed:.1f}s")

    def __enter__(self) -> Ticker:
        self._task = asyncio.ensure_future(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()


def host_cpu() -> tuple[float, float] | None:
    """(busy, total) jiffies of the whole machine from /proc/stat; None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [float(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    total = sum(fields[:8])
    return total - idle, total


@dataclass
class Timed:
    """Events, wall time, this process's CPU and the whole machine's CPU over a phase."""

    count: int = 0
    seconds: float | None = None
    cpu_seconds: float | None = None
    host_busy: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def per_s(self) -> float | None:
        return rate(self.count, self.seconds)

    @property
    def cpu_pct(self) -> str:
        if not self.seconds or self.cpu_seconds is None:
            return ""
        return f"{100 * self.cpu_seconds / self.seconds:.0f}%"

    @property
    def host_pct(self) -> str:
        if self.host_busy is None:
            return ""
        return f"{100 * self.host_busy * CORES:.0f}%"


class Clock:
    """Wall, process-CPU and machine-CPU clocks for a phase, optionally under cProfile."""

    def __init__(self, profile: cProfile.Profile | None = None) -> None:
        self.profile = profile
        self.wall0 = self.cpu0 = 0.0
        self.host0: tuple[float, float] | None = None

    def start(self, at: float | None = None) -> None:
        self.wall0 = at if at is not None else time.perf_counter()
        self.cpu0 = time.process_time()
        self.host0 = host_cpu()
        if self.profile is not None:
            self.profile.enable()

    def stop(self, timed: Timed, count: int, wall_end: float | None = None) -> None:
        if self.profile is not None:
            self.profile.disable()
        end = wall_end if wall_end is not None else time.perf_counter()
        timed.count = count
        timed.seconds = end - self.wall0
        timed.cpu_seconds = time.process_time() - self.cpu0
        host1 = host_cpu()
        if self.host0 is not None and host1 is not None and host1[1] > self.host0[1]:
            timed.host_busy = (host1[0] - self.host0[0]) / (host1[1] - self.host0[1])


async def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.perf_counter() + timeout_s
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout_s:.0f}s")
        await asyncio.sleep(0.005)


async def count_rows(url: str, schema: str, sql: str) -> int:
    conn = await asyncpg.connect(plain_url(url), server_settings={"search_path": schema})
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def batch_note(records: int, batches: int) -> str:
    mean = records / batches if batches else 0
    return f"{batches:,} non-empty getmany batches, mean {mean:,.0f} records"


def median_run(runs: list[Timed], what: str) -> Timed:
    """The run with the median rate, noting every run's rate in the order they ran."""
    chosen = sorted(runs, key=lambda t: t.per_s or 0.0)[len(runs) // 2]
    if len(runs) > 1:
        shown = ", ".join(fmt_rate(t.per_s) for t in runs)
        chosen.notes.insert(0, f"median of {len(runs)} {what}, each a new group: {shown}")
    return chosen


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None
