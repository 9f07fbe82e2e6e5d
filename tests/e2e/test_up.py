"""`commissioning up` brings every service up healthy and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from shared.embedded import free_port
from shared.services import SERVICES

pytestmark = pytest.mark.e2e


def test_up_starts_every_service_ready_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    data_dir = Path("/tmp") / f"commissioning-up-{os.getpid()}"
    port_base = free_port() % 20_000 + 30_000
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shared.cli",
            "up",
            "--data-dir",
            str(data_dir),
            "--port-base",
            str(port_base),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 180
        assert up.stdout is not None
        while time.monotonic() < deadline:
            line = up.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        assert any("Press Ctrl-C" in line for line in lines), "".join(lines)
        children = psutil.Process(up.pid).children(recursive=True)
        assert len(children) >= len(SERVICES) + 2  # services, broker, PostgreSQL
        for index, _ in enumerate(SERVICES):
            with urllib.request.urlopen(f"http://127.0.0.1:{port_base + index}/readyz") as r:
                assert json.load(r)["ready"] is True
        up.send_signal(signal.SIGINT)
        rest, _ = up.communicate(timeout=60)
        assert up.returncode == 0, rest
        assert "stopping PostgreSQL" in rest
        time.sleep(0.5)
        alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"left running: {[c.cmdline() for c in alive]}"
    finally:
        if up.poll() is None:
            up.kill()
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
