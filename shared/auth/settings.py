"""How tokens are checked: one settings object decides it for every service."""

from datetime import timedelta
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

DEVELOPMENT_ONLY_SECRET = "DEVELOPMENT-ONLY-insecure-shared-secret-never-use-in-production"
"""Default HS256 secret so a laptop can run the platform; refused when environment is
'production' (see ``AuthSettings``)."""

_HS256_MINIMUM_SECRET_BYTES = 32  # RFC 7518 §3.2: key at least as long as the hash output
DEFAULT_MAX_TOKEN_LIFETIME = timedelta(hours=12)
"""A working day and a margin: a leaked token is useless by the next morning."""

AuthMode = Literal["shared-secret", "jwks"]


class AuthSettings(BaseModel):
    """How tokens are checked. Embedded in each service's settings (not a BaseSettings).

    ``shared-secret`` (HS256) is for development and tests; ``jwks`` (RS256) trusts an
    identity provider's published keys, from a URL or, to work offline, a JWKS file.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: AuthMode = "shared-secret"
    environment: str = Field(
        default="development",
        description="Deployment environment; 'production' refuses the development secret.",
    )
    secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_ONLY_SECRET),
        description="HS256 shared secret (shared-secret mode). The default is DEVELOPMENT ONLY.",
    )
    jwks_url: str | None = Field(default=None, description="JWKS endpoint (jwks mode).")
    jwks_file: Path | None = Field(default=None, description="JWKS JSON document (jwks mode).")
    issuer: str = Field(default="commissioning-dev", min_length=1)
    audience: str = Field(default="commissioning-platform", min_length=1)
    trust: str = Field(
        default="county-durham",
        min_length=1,
        description="Trust id every token's 'trust' claim must carry (TrustConfig.id).",
    )
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    max_token_lifetime: timedelta = Field(
        default=DEFAULT_MAX_TOKEN_LIFETIME,
        gt=timedelta(0),
        description="Longest accepted token lifetime (exp - iat); longer tokens are refused.",
    )
    localities: frozenset[str] | None = Field(
        default=None,
        description="The trust's locality ids; a token naming another is refused (None: the "
        "trust configuration is not known here, e.g. a bare verifier in a unit test).",
    )
    agencies: frozenset[str] | None = Field(
        default=None, description="The trust's partner agency ids, likewise."
    )

    @model_validator(mode="after")
    def _mode_is_complete(self) -> Self:
        self.refuse_unsafe_configuration()
        return self

    @property
    def is_production(self) -> bool:
        return self.environment.strip().lower() == "production"

    @property
    def algorithm(self) -> Literal["HS256", "RS256"]:
        """The one algorithm accepted in this mode; pinning it prevents alg confusion."""
        return "HS256" if self.mode == "shared-secret" else "RS256"

    def refuse_unsafe_configuration(self) -> None:
        """Raise ValueError naming the setting when the configuration cannot be trusted."""
        if self.mode == "shared-secret":
            secret = self.secret.get_secret_value()
            if self.is_production and secret == DEVELOPMENT_ONLY_SECRET:
                raise ValueError(
                    "secret: the development-only default secret is refused in production"
                )
            if len(secret.encode()) < _HS256_MINIMUM_SECRET_BYTES:
                raise ValueError(
                    f"secret: must be at least {_HS256_MINIMUM_SECRET_BYTES} bytes for HS256"
                )
            return
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ValueError("jwks_url/jwks_file: jwks mode needs exactly one of them")
        if self.jwks_url is not None:
            scheme = self.jwks_url.split(":", 1)[0].lower()
            if scheme not in ("http", "https"):
                raise ValueError("jwks_url: must be an http(s) URL")
            if self.is_production and scheme != "https":
                raise ValueError("jwks_url: must use https in production")
