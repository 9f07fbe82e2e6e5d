"""Every service process runs on uvloop: uvicorn picks it by itself when it is installed
(a runtime dependency), and long-running commands and the benchmarks run on it too."""

from __future__ import annotations

import asyncio

import uvicorn
import uvloop

from shared import event_loop


def test_uvicorn_runs_a_service_on_uvloop() -> None:
    factory = uvicorn.Config(app="shared.runtime:create_app").get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_commands_run_on_uvloop_too() -> None:
    async def kind() -> str:
        return event_loop.loop_name()

    assert event_loop.run(kind()) == "uvloop"
    assert asyncio.run(kind()) == "asyncio"
