"""Platform settings, read from the environment (prefix-free names an operator expects).

`DATABASE_URL` and `KAFKA_BOOTSTRAP_SERVERS` choose external infrastructure; when they are
unset, `commissioning up` starts the embedded PostgreSQL and Tansu broker and passes their
addresses to every service process it starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth import DEVELOPMENT_ONLY_SECRET, AuthSettings


class KafkaSettings(BaseSettings):
    """How the platform talks to Kafka; defaults suit the embedded broker and tests."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    # Tansu refuses InitProducerId (docs/stack-facts.md): idempotence is opt-in.
    enable_idempotence: bool = False
    acks: Literal["all", "1", "0"] = "all"
    linger_ms: int = 5
    max_batch_size: int = 262_144
    # Apache Kafka refuses records over 1 MiB by default; Tansu does not enforce a limit
    # (docs/stack-facts.md), so the platform refuses oversized events itself, at the edge.
    max_event_bytes: int = 1_000_000
    # Tansu's group joins take about half the session timeout (docs/stack-facts.md);
    # 2 s / 0.5 s suit the embedded stack and tests, and Apache Kafka refuses less than 6 s.
    # Production values belong in the deployment.
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    max_poll_records: int = 2_000
    fetch_max_wait_ms: int = 100
    """How long the broker may hold a fetch that has nothing new. Kafka's 500 ms default
    left the inbox consumer idle for half a second in a third of bench.backbone's reads on
    Tansu (42-49k events/s at 100 ms against 28-47k at 500 ms); when idle it costs 10
    fetch requests a second per consumer."""
    topic_prefix: str = ""
    default_partitions: int = 6
    replication_factor: int = 1
    compression_type: Literal["gzip", "none"] = "none"

    # Authenticated listeners (the per-service KafkaUsers of deploy/helm need them).
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None

    def client_options(self) -> dict[str, Any]:
        """Connection options shared by every aiokafka client the platform creates."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol in ("SSL", "SASL_SSL"):
            import ssl

            options["ssl_context"] = ssl.create_default_context(
                cafile=str(self.ssl_cafile) if self.ssl_cafile else None
            )
        if self.sasl_mechanism:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        return options

    def topic(self, name: str) -> str:
        """The physical topic name for a catalogue name (tests isolate with a prefix)."""
        return f"{self.topic_prefix}{name}"


class DatabaseSettings(BaseSettings):
    """PostgreSQL connection; each service owns a schema named after it."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/postgres", alias="DATABASE_URL"
    )
    database_schema: str | None = Field(default=None, alias="DATABASE_SCHEMA")
    pool_size: int = Field(default=10, alias="DATABASE_POOL_SIZE")

    @property
    def async_url(self) -> str:
        """The URL with the asyncpg driver that SQLAlchemy needs."""
        url = self.database_url
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url!r}")


class RelaySettings(BaseSettings):
    """Outbox relay tuning."""

    model_config = SettingsConfigDict(env_prefix="OUTBOX_", extra="ignore")

    batch_size: int = 2_000
    poll_interval_s: float = 0.5
    epoch_check_interval_s: float = 15.0
    republish_window_hours: int | None = Field(default=None, gt=0)
    """Unset (the default): after a fresh broker the relay re-publishes the service's whole
    history, so every projection can be rebuilt from the first event. An explicit opt-in
    (OUTBOX_REPUBLISH_WINDOW_HOURS) re-publishes only the events of the last N hours:
    older events are then missing from the fresh broker for good."""


class PlatformSettings(BaseSettings):
    """Top-level settings shared by every service process."""

    model_config = SettingsConfigDict(env_prefix="COMMISSIONING_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".commissioning")
    trust_config: Path | None = None
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    auth_mode: Literal["shared-secret", "jwks"] = "shared-secret"
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_ONLY_SECRET)
    jwks_url: str | None = None
    jwks_file: Path | None = None
    jwt_issuer: str = "commissioning-dev"
    jwt_audience: str = "commissioning-platform"
    max_token_lifetime_hours: float = Field(default=12.0, gt=0)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    """Largest request body a service reads (413 above it), checked before parsing."""
    broker_durable: bool = True
    """False when the broker forgets acknowledged records if it stops (the embedded Tansu,
    memory storage): readiness then also requires the broker. `up` sets it."""
    broker: Literal["auto", "apache-kafka", "tansu"] = "auto"
    """The broker `up` embeds: Apache Kafka (durable, needs Java 17+ and Maven), Tansu
    (memory only), or auto: Apache Kafka where Java and Maven are found, else Tansu."""

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    relay: RelaySettings = Field(default_factory=RelaySettings)

    def auth(
        self,
        trust: str,
        *,
        localities: Iterable[str] | None = None,
        agencies: Iterable[str] | None = None,
    ) -> AuthSettings:
        """Token checking for `trust`, whose locality and agency ids (when given) are the only
        scopes a token may name; refuses the development secret in production."""
        return AuthSettings(
            mode=self.auth_mode,
            environment=self.environment,
            secret=self.jwt_secret,
            jwks_url=self.jwks_url,
            jwks_file=self.jwks_file,
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            trust=trust,
            max_token_lifetime=timedelta(hours=self.max_token_lifetime_hours),
            localities=None if localities is None else frozenset(localities),
            agencies=None if agencies is None else frozenset(agencies),
        )
