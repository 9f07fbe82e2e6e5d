"""Settings of the monitoring service process (environment prefix ``MONITORING_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MonitoringSettings(BaseSettings):
    """How often the clock looks for missing returns, and how webhooks are delivered."""

    model_config = SettingsConfigDict(env_prefix="MONITORING_", extra="ignore")

    missing_check_seconds: float = Field(default=300.0, gt=0)
    webhook_poll_seconds: float = Field(default=0.05, gt=0)
    webhook_workers: int = Field(
        default=4, ge=1, le=64, description="Delivery rounds in flight at once (SKIP LOCKED)."
    )
    webhook_batch: int = Field(default=16, ge=1, le=500, description="Deliveries per round.")
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    webhook_backoff_seconds: float = Field(default=1.0, gt=0)
    webhook_backoff_cap_seconds: float = Field(default=300.0, gt=0)
    webhook_max_attempts: int = Field(default=10, ge=1)
    stream_poll_seconds: float = Field(default=0.05, gt=0)
