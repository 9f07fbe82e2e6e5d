"""The broker `commissioning up` embeds: durable Apache Kafka where Java is present, else
the memory-only Tansu. docs/decisions/0002-embedded-broker.md gives the measurements.

Apache Kafka runs in KRaft mode (one combined broker and controller) from the Maven jars
that `deploy/local/apache-kafka.sh fetch` caches, with its log under the data directory,
so a broker crash or a second `up` loses nothing the broker acknowledged.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from shared.embedded import (
    EmbeddedKafka,
    alive,
    free_port,
    port_is_free,
    stop_with_parent,
    wait_for_port,
)

KAFKA_VERSION = "4.1.1"
FETCH_SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "local" / "apache-kafka.sh"
HEAP = ["-Xms128m", "-Xmx512m"]


class Broker(Protocol):
    """What `up` needs of an embedded broker."""

    durable: bool
    port: int
    process: subprocess.Popen[bytes] | None

    @property
    def bootstrap_servers(self) -> str: ...

    def start(self, timeout_s: float = ...) -> str: ...

    def stop(self) -> None: ...


def cache_dir() -> Path:
    return Path.home() / ".cache" / "commissioning" / f"kafka-{KAFKA_VERSION}"


def apache_kafka_available() -> bool:
    """Java, and either the cached jars or Maven and the script that fetches them."""
    if shutil.which("java") is None:
        return False
    if (cache_dir() / "libs" / ".fetched").exists():
        return True
    return shutil.which("mvn") is not None and FETCH_SCRIPT.exists()


BrokerChoice = Literal["auto", "apache-kafka", "tansu"]


def choose_broker(choice: BrokerChoice, data_dir: Path) -> EmbeddedApacheKafka | EmbeddedKafka:
    """The broker to embed; `auto` prefers the durable one."""
    if choice == "apache-kafka" or (choice == "auto" and apache_kafka_available()):
        return EmbeddedApacheKafka(data_dir / "kafka")
    data_dir.mkdir(parents=True, exist_ok=True)
    return EmbeddedKafka(log_path=data_dir / "broker.log")


def _cluster_id() -> str:
    """Kafka's form: 16 random bytes, base64url, unpadded, not starting with '-'."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


@dataclass
class EmbeddedApacheKafka:
    """A single-node Apache Kafka whose log survives restarts, in `home`."""

    home: Path
    port: int = 0
    controller_port: int = 0
    durable: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    def start(self, timeout_s: float = 120.0) -> str:
        """Fetch the jars once, format the log once, start, wait until it serves metadata."""
        self.home.mkdir(parents=True, exist_ok=True)
        stop_leftover_broker(self.pid_file)
        libs = self._fetch()
        self._choose_ports()
        config = self._write_config()
        if not (self.home / "data" / "meta.properties").exists():
            subprocess.run(
                [
                    *("java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", f"{libs}/*"),
                    *("kafka.tools.StorageTool", "format", "--cluster-id", _cluster_id()),
                    *("--config", str(config)),
                ],
                check=True,
                capture_output=True,
            )
        log = open(self.home / "console.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [
                *("java", *HEAP, "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError"),
                *("-Djava.awt.headless=true", f"-Dkafka.logs.dir={self.home / 'logs'}"),
                *("-cp", f"{libs}/*", "kafka.Kafka", str(config)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=stop_with_parent,
        )
        self.pid_file.write_text(str(self.process.pid))
        wait_for_port(self.port, timeout_s, self.process)
        asyncio.run(_wait_for_metadata(self.bootstrap_servers, timeout_s))
        return self.bootstrap_servers

    def _fetch(self) -> Path:
        libs = cache_dir() / "libs"
        if not (libs / ".fetched").exists():
            subprocess.run(
                ["bash", str(FETCH_SCRIPT), "fetch"],
                check=True,
                env={**os.environ, "KAFKA_VERSION": KAFKA_VERSION},
            )
        return libs

    def _choose_ports(self) -> None:
        """Keep the ports of the last run where they are free (clients remember them)."""
        saved = self.home / "ports.json"
        known = json.loads(saved.read_text()) if saved.exists() else {}
        self.port = self.port or known.get("port", 0)
        self.controller_port = self.controller_port or known.get("controller", 0)
        if not self.port or not port_is_free(self.port):
            self.port = free_port()
        if not self.controller_port or not port_is_free(self.controller_port):
            self.controller_port = free_port()
        saved.write_text(json.dumps({"port": self.port, "controller": self.controller_port}))

    def _write_config(self) -> Path:
        (self.home / "logs").mkdir(exist_ok=True)
        host, port, controller = "127.0.0.1", self.port, self.controller_port
        config = self.home / "server.properties"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@{host}:{controller}",
                    f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}",
                    f"advertised.listeners=PLAINTEXT://{host}:{port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={self.home / 'data'}",
                    "num.partitions=6",
                    # Domain events are kept for ever (projections are rebuilt from the
                    # first event): no deletion by age or size by default, so a topic the
                    # broker creates by itself keeps its history too. Dead-letter topics
                    # set their own 30 days (shared/kafka.topic_config).
                    "log.retention.ms=-1",
                    "log.retention.bytes=-1",
                    "default.replication.factor=1",
                    "min.insync.replicas=1",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=8",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "num.network.threads=2",
                    "num.io.threads=4",
                    "",
                ]
            )
        )
        return config

    def stop(self) -> None:
        """Controlled shutdown (SIGTERM): the log is flushed and closed cleanly."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
        self.pid_file.unlink(missing_ok=True)


def stop_leftover_broker(pid_file: Path, timeout_s: float = 60.0) -> int | None:
    """Stop a broker an earlier `up` left running on this data directory; its pid."""
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (ValueError, OSError):
        pid_file.unlink(missing_ok=True)
        return None
    if b"kafka.Kafka" not in cmdline:
        pid_file.unlink(missing_ok=True)
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
    return pid


async def _wait_for_metadata(bootstrap: str, timeout_s: float) -> None:
    """Until a client can bootstrap and the metadata lists a broker."""
    from aiokafka.admin import AIOKafkaAdminClient

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await asyncio.wait_for(admin.start(), 10)
            if (await asyncio.wait_for(admin.describe_cluster(), 10)).get("brokers"):
                return
        except Exception:  # not ready yet: keep asking until the deadline
            await asyncio.sleep(0)
        finally:
            await admin.close()
        await asyncio.sleep(0.5)
    raise TimeoutError(f"Apache Kafka at {bootstrap} not ready after {timeout_s}s")
