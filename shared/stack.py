"""`commissioning up`: the whole platform on one machine, stopped cleanly by Ctrl-C.

Order: infrastructure (embedded unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS are set),
topics, migrations, then one process per service, each waited on until `/readyz` says so.
Every process it starts is its child and is stopped on exit, whatever the exit path.

While it runs, `up` supervises: a service that dies is restarted with back-off (the broker
and the database keep running); a dead broker or PostgreSQL is restarted on its port and
data; each is reported on the console. One `up` per data directory: a second one refuses
while the first lives, and stops what a dead one left running.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from shared.embedded import EmbeddedPostgres, alive, port_is_free, stop_with_parent
from shared.embedded_broker import Broker
from shared.infrastructure import EMBEDDED_KAFKA_TUNING, broker, database
from shared.services import definitions
from shared.settings import KafkaSettings, PlatformSettings
from shared.supervision import Backoff

RESTART_BACKOFF = Backoff(initial_s=1.0, max_s=30.0, jitter_s=1.0, reset_after_s=60.0)

NOT_DURABLE_WARNING = (
    "WARNING: the embedded broker is Tansu with memory storage (Java 17+ and Maven were not "
    "found for Apache Kafka). Records it acknowledged but no service has consumed yet are "
    "LOST if it stops; services report not-ready while it is down. Install Java 17+ and "
    "Maven, or set KAFKA_BOOTSTRAP_SERVERS, for a durable broker."
)


def say(message: str) -> None:
    print(message, flush=True)


@dataclass
class Watched:
    """A process `up` restarts when it dies, and when it may next try."""

    restarts: int = 0
    next_try: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def schedule(self) -> float:
        """Back off before the next restart; a run that lasted a while starts over."""
        now = time.monotonic()
        if now - self.started >= RESTART_BACKOFF.reset_after_s:
            self.restarts = 0
        delay = RESTART_BACKOFF.delay(self.restarts)
        self.restarts += 1
        self.next_try = now + delay
        return delay


@dataclass
class Stack:
    data_dir: Path
    port_base: int | None = None
    ready_timeout: float = 90.0
    postgres: EmbeddedPostgres | None = None
    kafka: Broker | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    watched: dict[str, Watched] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    _stopping: bool = False
    _lock: Path | None = None

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
        busy = [port for port in self.ports().values() if not port_is_free(port)]
        if busy:
            raise RuntimeError(
                f"port(s) {', '.join(map(str, busy))} already in use; "
                "choose other ports with --port-base"
            )
        env = dict(os.environ)
        self.data_dir = self.data_dir.resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        say("[1/5] PostgreSQL (DATABASE_URL, else embedded) ...")
        env["DATABASE_URL"], self.postgres = database(self.data_dir / "postgres", env)
        if self.postgres is None:
            say("      from DATABASE_URL")
        else:
            say(f"      embedded, data in {self.data_dir / 'postgres'}")
            if self.postgres.stopped_leftover:
                say(
                    f"      stopped PostgreSQL (pid {self.postgres.stopped_leftover}) left "
                    "running on this data by an earlier `commissioning up`"
                )
        say("[2/5] Kafka (KAFKA_BOOTSTRAP_SERVERS, else embedded) ...")
        env["KAFKA_BOOTSTRAP_SERVERS"], self.kafka = broker(
            self.data_dir, env, choice=PlatformSettings().broker
        )
        if self.kafka is None:
            say("      from KAFKA_BOOTSTRAP_SERVERS")
        elif self.kafka.durable:
            say(f"      embedded Apache Kafka, log in {self.data_dir / 'kafka'}")
        else:
            say(NOT_DURABLE_WARNING)
            say("      embedded Kafka-compatible broker (Tansu, memory storage)")
            for key, value in EMBEDDED_KAFKA_TUNING.items():
                env.setdefault(key, value)
            env["COMMISSIONING_BROKER_DURABLE"] = "false"
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")})

        from shared.kafka import ensure_topics
        from shared.migrations import upgrade

        say("[3/5] creating topics ...")
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"])))
        say("[4/5] migrating service schemas ...")
        for d in definitions():
            asyncio.run(upgrade(env["DATABASE_URL"], d.name, d.migrations))
        say("[5/5] starting services ...")
        self.env = env
        (self.data_dir / "logs").mkdir(exist_ok=True)
        for name in self.ports():
            self._start_service(name)
        for name, port in self.ports().items():
            self._wait_ready(name, port, self._log(name))
        return env

    def _log(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{name}.log"

    def _start_service(self, name: str) -> None:
        port = self.ports()[name]
        log = open(self._log(name), "ab")  # noqa: SIM115 - owned by the child
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "serve", name, "--port", str(port)],
            env={**self.env, "OTEL_SERVICE_NAME": name},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=stop_with_parent,
        )
        self.watched.setdefault(name, Watched()).started = time.monotonic()

    def _take_lock(self) -> None:
        """One `up` per data directory: refuse while another lives, else take over."""
        lock = self.data_dir / "up.pid"
        try:
            other = int(lock.read_text())
        except (OSError, ValueError):
            other = 0
        if other and other != os.getpid() and alive(other):
            raise RuntimeError(
                f"another commissioning up (pid {other}) is running on {self.data_dir}; "
                "stop it first, or use another --data-dir"
            )
        lock.write_text(str(os.getpid()))
        self._lock = lock

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
        cli = Path(sys.executable).with_name("commissioning")
        say(f"  a token:     {cli} token --role jcu")
        say("  other commands (dlq, topics) against this broker and database:")
        say(f"    export KAFKA_BOOTSTRAP_SERVERS={env['KAFKA_BOOTSTRAP_SERVERS']}")
        say(f"    export DATABASE_URL={env['DATABASE_URL']}")

    def watch(self) -> int:
        """Supervise until Ctrl-C: restart whatever dies, infrastructure first."""
        while True:
            self._supervise_infrastructure()
            for name, process in list(self.processes.items()):
                if process.poll() is None:
                    continue
                watched = self.watched[name]
                if watched.next_try == 0.0:
                    delay = watched.schedule()
                    say(
                        f"{name} exited unexpectedly with {process.returncode}; restarting "
                        f"in {delay:.1f}s (restart {watched.restarts}); see {self._log(name)}"
                    )
                elif time.monotonic() >= watched.next_try:
                    watched.next_try = 0.0
                    self._start_service(name)
                    say(f"{name} restarted (pid {self.processes[name].pid})")
            time.sleep(0.5)

    def _supervise_infrastructure(self) -> None:
        """A dead broker or PostgreSQL is restarted on the same port and data."""
        pg = self.postgres
        if pg is not None and pg.process is not None and (code := pg.process.poll()) is not None:
            say(f"PostgreSQL exited unexpectedly with {code}; restarting it ...")
            self._restart("PostgreSQL", pg.start)
        kafka = self.kafka
        code = kafka.process.poll() if kafka is not None and kafka.process is not None else None
        if kafka is not None and code is not None:
            say(f"the broker exited unexpectedly with {code}; restarting it ...")
            if not kafka.durable:
                say(
                    "WARNING: the restarted broker is empty: records it had acknowledged "
                    "and no service had consumed are lost (outbox events are re-published)"
                )
            self._restart("the broker", kafka.start)

    def _restart(self, what: str, start: Callable[[], str]) -> None:
        """Start `what` again, backing off while it fails (services ride the outage out)."""
        for attempt in range(1_000_000):
            try:
                address = start()
            except Exception as exc:
                delay = RESTART_BACKOFF.delay(attempt)
                say(f"{what} did not restart ({exc}); trying again in {delay:.1f}s")
                time.sleep(delay)
                continue
            say(f"{what} restarted on {address}")
            return

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
        if self._lock is not None:
            self._lock.unlink(missing_ok=True)
            self._lock = None
