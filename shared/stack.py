"""`commissioning up`: the whole platform on one machine, stopped cleanly by Ctrl-C.

Order: infrastructure (embedded unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS are set),
topics, migrations, then one process per service, each waited on until `/readyz` says so.
Every process it starts is its child and is stopped on exit, whatever the exit path.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from shared.embedded import EmbeddedKafka, EmbeddedPostgres, port_is_free, stop_with_parent
from shared.infrastructure import EMBEDDED_KAFKA_TUNING, broker, database
from shared.services import definitions
from shared.settings import KafkaSettings


def say(message: str) -> None:
    print(message, flush=True)


@dataclass
class Stack:
    data_dir: Path
    port_base: int | None = None
    ready_timeout: float = 90.0
    postgres: EmbeddedPostgres | None = None
    kafka: EmbeddedKafka | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _stopping: bool = False

    def run(self) -> int:
        """Start everything, wait for Ctrl-C or a crash, stop everything; the exit code."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            env = self.start()
            self._print_summary(env)
            return self.watch()
        except KeyboardInterrupt:
            return 0
        except Exception as exc:
            say(f"commissioning up failed: {exc}")
            return 1
        finally:
            self.stop()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if not self._stopping:
            self._stopping = True
            raise KeyboardInterrupt

    def ports(self) -> dict[str, int]:
        """Each service's own port; with `port_base`, all shifted so the first is there."""
        found = definitions()
        shift = 0 if self.port_base is None or not found else self.port_base - found[0].port
        return {d.name: d.port + shift for d in found}

    def start(self) -> dict[str, str]:
        ports = self.ports()
        busy = [port for port in ports.values() if not port_is_free(port)]
        if busy:
            raise RuntimeError(
                f"port(s) {', '.join(map(str, busy))} already in use; "
                "choose other ports with --port-base"
            )
        env = dict(os.environ)
        self.data_dir = self.data_dir.resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        say("[1/5] PostgreSQL (DATABASE_URL, else embedded) ...")
        env["DATABASE_URL"], self.postgres = database(self.data_dir / "postgres", env)
        where = f"embedded, data in {self.data_dir / 'postgres'}" if self.postgres else None
        say(f"      {where or 'from DATABASE_URL'}")
        say("[2/5] Kafka (KAFKA_BOOTSTRAP_SERVERS, else embedded Tansu in memory) ...")
        env["KAFKA_BOOTSTRAP_SERVERS"], self.kafka = broker(self.data_dir / "broker.log", env)
        say(f"      {'embedded Tansu broker' if self.kafka else 'from KAFKA_BOOTSTRAP_SERVERS'}")
        if self.kafka is not None:
            for key, value in EMBEDDED_KAFKA_TUNING.items():
                env.setdefault(key, value)
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")})

        from shared.kafka import ensure_topics
        from shared.migrations import upgrade

        say("[3/5] creating topics ...")
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"])))
        say("[4/5] migrating service schemas ...")
        for d in definitions():
            asyncio.run(upgrade(env["DATABASE_URL"], d.name, d.migrations))
        say("[5/5] starting services ...")
        logs = self.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        for name, port in ports.items():
            log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "shared.cli", "serve", name, "--port", str(port)],
                env={**env, "OTEL_SERVICE_NAME": name},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=stop_with_parent,
            )
        for name, port in ports.items():
            self._wait_ready(name, port, logs / f"{name}.log")
        return env

    def _wait_ready(self, name: str, port: int, log: Path) -> None:
        deadline = time.monotonic() + self.ready_timeout
        url = f"http://127.0.0.1:{port}/readyz"
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                tail = log.read_text(errors="replace").splitlines()[-20:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n" + "\n".join(tail))
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        say(f"      {name:12} ready on port {port}")
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{name} not ready within {self.ready_timeout}s; see {log}")

    def _print_summary(self, env: dict[str, str]) -> None:
        say("")
        say("The platform is up. Press Ctrl-C to stop everything.")
        for name, port in self.ports().items():
            base = f"http://127.0.0.1:{port}"
            say(f"  {name:12} {base}/docs   health {base}/readyz   metrics {base}/metrics")
        say(f"  PostgreSQL   {env['DATABASE_URL']}")
        say(f"  Kafka        {env['KAFKA_BOOTSTRAP_SERVERS']}")
        say(f"  logs         {self.data_dir / 'logs'}")
        say("  a token:     commissioning token --role jcu")

    def watch(self) -> int:
        """Block until Ctrl-C (exit 0) or a service dies (exit 1)."""
        while True:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    say(f"{name} exited unexpectedly with {process.returncode}; stopping")
                    return 1
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop services (SIGTERM, then SIGKILL), then the broker, then PostgreSQL."""
        if self.processes:
            say("stopping services ...")
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.processes.clear()
        if self.kafka is not None:
            say("stopping broker ...")
            self.kafka.stop()
            self.kafka = None
        if self.postgres is not None:
            say("stopping PostgreSQL ...")
            self.postgres.stop()
            self.postgres = None
