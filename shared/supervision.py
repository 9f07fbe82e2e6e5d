"""Background work that survives its failures, and says so.

Two layers, both retrying with exponential back-off and jitter (`stamina`), so that many
processes recovering from the same outage do not retry in lock-step:

- `retry_with_backoff` retries what is expected to fail now and then (a broker or database
  outage) inside a task;
- `Supervisor` restarts a whole task that died of anything else (a defect), reports it in
  `/healthz` detail, in the log and in the `commissioning_background_task_*` metrics, and
  keeps the process alive: one broken loop must not take the HTTP API down with it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import stamina
from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

T = TypeVar("T")

TASK_RESTARTS = Counter(
    "commissioning_background_task_restarts_total",
    "Background tasks restarted after dying unexpectedly",
    ["service", "task"],
)
TASK_UP = Gauge(
    "commissioning_background_task_up",
    "1 while a background task runs, 0 while it waits to be restarted",
    ["service", "task"],
)
COMPONENT_UP = Gauge(
    "commissioning_component_up",
    "1 while a dependency (database, broker) answers this service, else 0",
    ["service", "component"],
)


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with jitter; it starts again after a run that lasted
    `reset_after_s`, so a failure after hours of health is retried quickly."""

    initial_s: float = 0.2
    max_s: float = 10.0
    jitter_s: float = 0.5
    reset_after_s: float = 60.0

    def delay(self, attempt: int) -> float:
        """The wait before retry number `attempt` (0-based), for loops that are not a
        single call `stamina` can wrap (e.g. restarting a process)."""
        exponential = self.initial_s * 2.0 ** min(attempt, 30)
        return min(self.max_s, exponential) + random.uniform(0, self.jitter_s)


async def retry_with_backoff(
    body: Callable[[], Awaitable[T]],
    *,
    stop: asyncio.Event,
    transient: Callable[[BaseException], bool],
    on_retry: Callable[[BaseException], None] = lambda _exc: None,
    backoff: Backoff = Backoff(),
) -> T:
    """Run `body` until it returns; retry its transient failures.

    Anything not transient is raised at once, and so is a transient failure once `stop` is
    set (the caller decides what stopping mid-failure means).
    """
    loop = asyncio.get_running_loop()
    run = _Run(started=loop.time())

    def retry_on(exc: Exception) -> bool:
        if stop.is_set() or not transient(exc):
            return False
        on_retry(exc)
        run.fresh_start = loop.time() - run.started >= backoff.reset_after_s
        return not run.fresh_start

    while True:
        run.fresh_start = False
        try:
            async for attempt in stamina.retry_context(
                on=retry_on,
                attempts=None,
                timeout=None,
                wait_initial=backoff.initial_s,
                wait_max=backoff.max_s,
                wait_jitter=backoff.jitter_s,
            ):
                with attempt:
                    run.started = loop.time()
                    return await body()
        except Exception:
            if not run.fresh_start:
                raise


@dataclass
class _Run:
    started: float
    fresh_start: bool = False


@dataclass
class TaskState:
    """What `/healthz` says about one supervised task."""

    running: bool = False
    restarts: int = 0
    last_error: str | None = None
    last_failure_at: str | None = None

    def as_detail(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "last_failure_at": self.last_failure_at,
        }


@dataclass
class Supervisor:
    """Runs a service's background tasks and restarts the ones that die."""

    service: str
    backoff: Backoff = Backoff(initial_s=0.5, max_s=30.0, jitter_s=1.0, reset_after_s=120.0)
    tasks: dict[str, TaskState] = field(default_factory=dict)
    _handles: list[asyncio.Task[None]] = field(default_factory=list)

    def start(
        self, name: str, run: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        """Start `run(stop)` as a supervised task; it should return only once `stop` is set."""
        self.tasks[name] = TaskState()
        self._handles.append(asyncio.create_task(self._supervise(name, run, stop), name=name))

    async def _supervise(
        self, name: str, run: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event
    ) -> None:
        state = self.tasks[name]

        async def once() -> None:
            state.running = True
            TASK_UP.labels(self.service, name).set(1)
            try:
                await run(stop)
            finally:
                state.running = False
                TASK_UP.labels(self.service, name).set(0)
            if not stop.is_set():
                raise RuntimeError(f"background task {name} returned while the service runs")

        def report(exc: BaseException) -> None:
            state.restarts += 1
            state.last_error = f"{type(exc).__name__}: {exc}"
            state.last_failure_at = datetime.now(UTC).isoformat()
            TASK_RESTARTS.labels(self.service, name).inc()
            log.error("background task %s died; restarting it", name, exc_info=exc)

        try:
            await retry_with_backoff(once, stop=stop, transient=lambda _: True, on_retry=report)
        except Exception as exc:  # only once stopping: the service is shutting down anyway
            log.warning("background task %s failed while stopping: %r", name, exc)

    @property
    def all_running(self) -> bool:
        """Every task is alive or being restarted (its supervisor has not given up)."""
        return all(not handle.done() for handle in self._handles)

    async def stop(self, grace_s: float = 15.0) -> None:
        """Wait for the tasks to finish after `stop` was set; cancel the ones that do not."""
        if not self._handles:
            return
        _, pending = await asyncio.wait(self._handles, timeout=grace_s)
        for handle in pending:
            handle.cancel()
        await asyncio.gather(*self._handles, return_exceptions=True)
