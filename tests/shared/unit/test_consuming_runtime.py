"""How every process consumes: on uvloop (uvicorn picks it by itself when it is installed
(a runtime dependency), and so do long-running commands and the benchmarks), and with a
short fetch wait."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import uvicorn
import uvloop
from typer.testing import CliRunner

from shared import cli, event_loop


def test_serve_runs_a_service_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(options, app=app))
    result = CliRunner().invoke(cli.app, ["serve", "needs"])
    assert result.exit_code == 0, result.output
    factory = uvicorn.Config(**served).get_loop_factory()  # what uvicorn.run would use
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


async def test_consumers_ask_the_broker_to_hold_an_empty_fetch_for_100_ms_not_500() -> None:
    from shared.kafka import consumer
    from shared.settings import KafkaSettings

    assert consumer(KafkaSettings(), group_id="g")._fetch_max_wait_ms == 100
    tuned = KafkaSettings(fetch_max_wait_ms=250)
    assert consumer(tuned, group_id="g")._fetch_max_wait_ms == 250
