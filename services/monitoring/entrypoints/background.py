"""Supervised background loops: the missing-return clock and the webhook dispatcher.

A failed round is logged and the loop carries on at its next tick, so one bad round never
stops the service's clock or its deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def supervised(
    name: str,
    every_seconds: float | Callable[[], float],
    stop: asyncio.Event,
    round_: Callable[[], Awaitable[int]],
) -> None:
    """Run `round_` until `stop`; waits `every_seconds` (or as long as it says, when it is
    a function) after a round that did nothing."""
    wait = every_seconds if callable(every_seconds) else lambda: every_seconds
    while not stop.is_set():
        try:
            done = await round_()
        except Exception:
            log.exception("%s: round failed; retrying at the next tick", name)
            done = 0
        if done:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait())
