"""Settings of the needs service process (environment prefix ``NEEDS_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NeedsSettings(BaseSettings):
    """``NEEDS_CATALOGUE``: a trust's own indicator catalogue (default: the example one).
    ``NEEDS_MAX_BATCH_VALUES``: the most values one HTTP batch may hold."""

    model_config = SettingsConfigDict(env_prefix="NEEDS_", extra="ignore")

    catalogue: Path | None = None
    max_batch_values: int = Field(default=5_000, ge=1)
