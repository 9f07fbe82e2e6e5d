"""Where the platform's PostgreSQL and Kafka are, decided once for `up`, tests and benches:
the ones named by `DATABASE_URL` / `KAFKA_BOOTSTRAP_SERVERS`; for tests and benches on a
machine whose Docker engine answers, testcontainers; else embedded ones (PostgreSQL from its
wheel, the embedded broker) started here and stopped by the caller.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from shared.embedded import EmbeddedPostgres
from shared.embedded_broker import Broker, BrokerChoice, choose_broker

EMBEDDED_KAFKA_TUNING = {
    # Group joins on Tansu take about half the session timeout, so a short one keeps
    # consumer start-up and rebalances quick on the embedded broker.
    "KAFKA_SESSION_TIMEOUT_MS": "2000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
}


def database(
    data_dir: Path, environ: Mapping[str, str] | None = None
) -> tuple[str, EmbeddedPostgres | None]:
    """`DATABASE_URL` if set; else the URL of an embedded PostgreSQL started with its data in
    `data_dir`, returned with it so the caller can stop it."""
    environ = os.environ if environ is None else environ
    if url := environ.get("DATABASE_URL"):
        return url, None
    server = EmbeddedPostgres(data_dir)
    return server.start(), server


def broker(
    data_dir: Path, environ: Mapping[str, str] | None = None, *, choice: BrokerChoice = "tansu"
) -> tuple[str, Broker | None]:
    """`KAFKA_BOOTSTRAP_SERVERS` if set; else those of an embedded broker started here with
    its files in `data_dir` (`choice`: see `choose_broker`; Tansu's clients want
    `EMBEDDED_KAFKA_TUNING`), returned with it so the caller can stop it."""
    environ = os.environ if environ is None else environ
    if servers := environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return servers, None
    server = choose_broker(choice, data_dir)
    return server.start(), server


def docker_answers() -> bool:
    """True when a Docker engine answers (testcontainers is then preferred to embedded)."""
    if os.environ.get("COMMISSIONING_TEST_NO_DOCKER"):
        return False
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


@contextmanager
def running_database(data_dir: Path, *, remove_data: bool = False) -> Iterator[str]:
    """`database()` for the length of a `with` block (tests, benches); a testcontainers
    PostgreSQL instead of the embedded one where Docker answers."""
    if "DATABASE_URL" not in os.environ and docker_answers():  # pragma: no cover - no Docker here
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:17", driver=None) as container:
            yield container.get_connection_url()
        return
    url, embedded = database(data_dir)
    try:
        yield url
    finally:
        if embedded is not None:
            embedded.stop()
            if remove_data:
                shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def running_broker(data_dir: Path) -> Iterator[str]:
    """`broker()` for the length of a `with` block (tests, benches); a testcontainers Kafka
    instead of the embedded one where Docker answers."""
    if "KAFKA_BOOTSTRAP_SERVERS" not in os.environ and docker_answers():  # pragma: no cover
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    servers, embedded = broker(data_dir)
    try:
        yield servers
    finally:
        if embedded is not None:
            embedded.stop()
