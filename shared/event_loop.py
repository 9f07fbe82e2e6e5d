"""The event loop the platform's processes run on: uvloop where it is installed (a runtime
dependency, except on Windows), else asyncio's own.

uvicorn picks uvloop by itself for every service (`commissioning serve`, its default loop
"auto"); long-running commands (a projection rebuild) and the benchmarks use `run`, so they
measure and behave as the services do. In paired bench.backbone runs the inbox consumer
does about as many events per second on either loop (its time is pydantic's and
aiokafka's, not the loop's); a FastStream consumer does 12-29% more on uvloop
(bench/README.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on uvloop when it is installed."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(main)
    return uvloop.run(main)


def loop_name() -> str:
    """The running loop's kind, for reports: 'uvloop' or 'asyncio'."""
    loop = asyncio.get_running_loop()
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
