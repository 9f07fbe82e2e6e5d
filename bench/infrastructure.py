"""The infrastructure a benchmark runs on: `shared.infrastructure`'s choice (DATABASE_URL /
KAFKA_BOOTSTRAP_SERVERS, else embedded), started for the run and described in its report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.infrastructure import running_broker, running_database


@dataclass(frozen=True)
class Infra:
    database_url: str
    bootstrap: str
    described: tuple[str, ...]


@contextmanager
def infrastructure() -> Iterator[Infra]:
    """PostgreSQL and Kafka for one run; embedded ones are stopped (and their data removed)
    when the run ends."""
    # Under /tmp: as root, the embedded server runs as an unprivileged user who must be
    # able to traverse every parent directory of the data dir.
    data_dir = Path("/tmp") / f"commissioning-bench-pg-{os.getpid()}"
    with (
        running_database(data_dir, remove_data=True) as url,
        running_broker(data_dir.with_name(data_dir.name + "-broker")) as bootstrap,
    ):
        described = (
            "PostgreSQL from DATABASE_URL"
            if os.environ.get("DATABASE_URL")
            else f"embedded PostgreSQL ({url})",
            f"Kafka from KAFKA_BOOTSTRAP_SERVERS ({bootstrap})"
            if os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            else f"embedded Tansu broker {bootstrap}",
        )
        yield Infra(url, bootstrap, described)
