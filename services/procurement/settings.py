"""Settings of the procurement service process (environment prefix ``PROCUREMENT_``)."""

from __future__ import annotations

import base64

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_ONLY_BID_KEY = base64.b64encode(b"development-only-bid-key-32bytes").decode()
"""Used when ``PROCUREMENT_BID_KEY`` is unset; a deployment sets its own from a secret."""


class ProcurementSettings(BaseSettings):
    """``PROCUREMENT_BID_KEY``: base64 of the 32-byte key that wraps each tender's data key.
    ``PROCUREMENT_OCID_PREFIX``: the trust's registered OCDS prefix (``ocds-`` + 6 chars)."""

    model_config = SettingsConfigDict(env_prefix="PROCUREMENT_", extra="ignore")

    bid_key: SecretStr = SecretStr(DEVELOPMENT_ONLY_BID_KEY)
    environment: str = Field(default="development", validation_alias="COMMISSIONING_ENVIRONMENT")
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    """``PROCUREMENT_PUBLIC_URL``: where the trust publishes this service, used in the OCDS
    packages' ``uri``; set it in production (otherwise the request's own address is used)."""
    ocid_prefix: str = Field(
        default="ocds-unregistered", pattern=r"^ocds-[a-z0-9]{6,}$|^ocds-unregistered$"
    )

    @field_validator("bid_key")
    @classmethod
    def _thirty_two_bytes(cls, value: SecretStr) -> SecretStr:
        try:
            raw = base64.b64decode(value.get_secret_value(), validate=True)
        except ValueError as error:
            raise ValueError("bid_key must be base64") from error
        if len(raw) != 32:
            raise ValueError("bid_key must decode to 32 bytes (AES-256)")
        return value

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> ProcurementSettings:
        """The development key is in the source: with it, anyone holding a database copy
        could open bids before close. Production refuses to start on it."""
        production = self.environment.strip().lower() == "production"
        if production and self.bid_key.get_secret_value() == DEVELOPMENT_ONLY_BID_KEY:
            raise ValueError(
                "PROCUREMENT_BID_KEY: the development-only bid key is refused in production; "
                "set a random 32-byte key, base64-encoded, from a secret"
            )
        return self

    def bid_key_bytes(self) -> bytes:
        return base64.b64decode(self.bid_key.get_secret_value())
