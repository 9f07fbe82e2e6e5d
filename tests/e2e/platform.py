"""Running `commissioning up` for end-to-end tests: start it on its own ports and data
directory, wait until it says it is up, Ctrl-C it afterwards and check it left nothing
running; plain HTTP against its services."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from shared.services import names

SERVICES = names()


@dataclass
class Platform:
    process: subprocess.Popen[str]
    output: list[str]
    port_base: int
    database_url: str
    bootstrap_servers: str


def start_up(
    data_dir: Path, port_base: int, broker: str = "tansu", env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start `commissioning up` with the embedded stack (no external infrastructure); the
    memory-only Tansu broker unless `broker` says otherwise (it starts in milliseconds).
    `env` adds to the environment (e.g. COMMISSIONING_TRUST_CONFIG)."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS") and not k.startswith("KAFKA_")
    }
    env = inherited | (env or {}) | {"COMMISSIONING_BROKER": broker}
    return subprocess.Popen(
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


def wait_until_up(process: subprocess.Popen[str]) -> str:
    """Read `up`'s output until it has printed its summary; return what it printed."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "a token:" in line:
            break
    printed = "".join(lines)
    assert "Press Ctrl-C" in printed, printed
    return printed


@contextmanager
def platform_up(
    data_dir: Path, port_base: int, broker: str = "tansu", env: dict[str, str] | None = None
) -> Iterator[Platform]:
    """Run `commissioning up` until it says it is up; Ctrl-C it afterwards and check it.
    What `up` prints meanwhile is collected in `Platform.output`."""
    process = start_up(data_dir, port_base, broker, env)
    try:
        printed = wait_until_up(process)
        database_url = re.search(r"^\s+PostgreSQL\s+(postgresql://\S+)", printed, re.M)
        bootstrap = re.search(r"^\s+Kafka\s+(\S+)$", printed, re.M)
        assert database_url and bootstrap, printed
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= len(SERVICES) + 2  # services, broker, PostgreSQL
        platform = Platform(process, printed.splitlines(), port_base, database_url[1], bootstrap[1])
        reader = threading.Thread(target=collect_output, args=(platform,), daemon=True)
        reader.start()
        yield platform
        children = psutil.Process(process.pid).children(recursive=True)  # restarts included
        process.send_signal(signal.SIGINT)
        process.wait(90)
        reader.join(10)
        rest = "\n".join(platform.output)
        assert process.returncode == 0, rest
        assert "stopping PostgreSQL" in rest
        time.sleep(0.5)
        alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"left running: {[c.cmdline() for c in alive]}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def collect_output(platform: Platform) -> None:
    assert platform.process.stdout is not None
    for line in platform.process.stdout:
        platform.output.append(line.rstrip("\n"))


def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
