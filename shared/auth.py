"""Who is calling, and what they may see: bearer-token authentication for every service.

The roles mirror the Children's Trust governance in DOMAIN.md "Who is involved" (Durham
seed 001, Section 3 "How and who will commission"): the Children's Executive Board, the
Joint Commissioning Unit, Lead Commissioners and Commissioning Officers work trust-wide;
a Local Children's Board member works for one locality; providers and partner agencies
act only for themselves.

Each service app sets ``app.state.token_verifier = TokenVerifier(settings.auth)`` at
startup; the FastAPI dependencies below read it from ``request.app.state.token_verifier``
so that one settings object decides how every service checks tokens.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = [
    "DEVELOPMENT_ONLY_SECRET",
    "SCOPE_CLAIMS",
    "TRUST_WIDE_ROLES",
    "AuthMode",
    "AuthSettings",
    "KeySetUnavailable",
    "Principal",
    "Role",
    "TokenRejected",
    "TokenVerifier",
    "current_principal",
    "mint_token",
    "require_locality_access",
    "require_roles",
]


class Role(StrEnum):
    """Platform roles, one per governance body or partner in DOMAIN.md "Who is involved"."""

    EXECUTIVE_BOARD = "executive_board"
    JCU = "jcu"
    LEAD_COMMISSIONER = "lead_commissioner"
    COMMISSIONING_OFFICER = "commissioning_officer"
    LOCAL_BOARD_MEMBER = "local_board_member"
    PROVIDER = "provider"
    AGENCY_PUBLISHER = "agency_publisher"
    OPERATOR = "operator"


TRUST_WIDE_ROLES: frozenset[Role] = frozenset(
    {Role.EXECUTIVE_BOARD, Role.JCU, Role.LEAD_COMMISSIONER, Role.COMMISSIONING_OFFICER}
)
"""Roles that see every locality: the Executive Board and the JCU oversee all commissioning
and lead commissioners/officers gather "central data by locality" (Durham seed 001,
Section 3, stage table). ``operator`` runs the platform and is deliberately not here: it
has no business reading children's data (DOMAIN.md "Needs intelligence")."""

SCOPE_CLAIMS: Mapping[Role, str] = {
    Role.LOCAL_BOARD_MEMBER: "locality",
    Role.PROVIDER: "provider_id",
    Role.AGENCY_PUBLISHER: "agency",
}
"""Scoped roles and the claim naming their scope; a scoped role without it is unusable."""

DEVELOPMENT_ONLY_SECRET = "DEVELOPMENT-ONLY-insecure-shared-secret-never-use-in-production"
"""Default HS256 secret so a laptop can run the platform; refused when environment is
'production' (see ``AuthSettings``)."""

_HS256_MINIMUM_SECRET_BYTES = 32  # RFC 7518 §3.2: key at least as long as the hash output
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


def _missing_scope(
    roles: Iterable[Role], locality: str | None, provider_id: str | None, agency: str | None
) -> tuple[Role, str] | None:
    """The first scoped role whose scope claim is absent, so callers can name it."""
    present = {"locality": locality, "provider_id": provider_id, "agency": agency}
    for role in sorted(roles):
        claim = SCOPE_CLAIMS.get(role)
        if claim is not None and not present[claim]:
            return role, claim
    return None


class Principal(BaseModel):
    """The authenticated caller, as carried by a verified token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = Field(min_length=1)
    roles: frozenset[Role] = Field(min_length=1)
    locality: str | None = None
    provider_id: str | None = None
    agency: str | None = None
    trust: str = Field(min_length=1)

    @model_validator(mode="after")
    def _scoped_roles_have_scope(self) -> Self:
        missing = _missing_scope(self.roles, self.locality, self.provider_id, self.agency)
        if missing is not None:
            role, claim = missing
            raise ValueError(f"role {role.value} requires {claim}")
        return self

    def has_any(self, *roles: Role) -> bool:
        """True when the caller holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_trust_wide(self) -> bool:
        """True for the bodies that commission across the whole trust (``TRUST_WIDE_ROLES``)."""
        return self.has_any(*TRUST_WIDE_ROLES)

    def can_see_locality(self, locality: str) -> bool:
        """Local Children's Boards hold local intelligence for their own locality only
        (Durham seed 001, Section 3 "Local Children's Boards"); trust-wide roles see all;
        providers and agency publishers see none unless they also hold a trust-wide role."""
        if self.is_trust_wide:
            return True
        return Role.LOCAL_BOARD_MEMBER in self.roles and self.locality == locality

    def can_act_for_provider(self, provider_id: str) -> bool:
        """A provider reports activity and outcomes for its own contracts only."""
        return Role.PROVIDER in self.roles and self.provider_id == provider_id

    def can_publish_for_agency(self, agency: str) -> bool:
        """A partner agency publishes data and events under its own name only."""
        return Role.AGENCY_PUBLISHER in self.roles and self.agency == agency


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


class TokenRejected(Exception):
    """A bearer token the platform will not accept; ``field`` and ``rule`` go in the 401 body."""

    def __init__(self, rule: str, field: str = "Authorization") -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class KeySetUnavailable(Exception):
    """The identity provider's keys could not be fetched: our fault, not the caller's (503)."""


_JWT_ERROR_RULES: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "bearer token expired"),
    (jwt.ImmatureSignatureError, "bearer token not yet valid"),
    (jwt.InvalidIssuedAtError, "bearer token issued in the future"),
    (jwt.InvalidSignatureError, "bearer token signature does not verify"),
    (jwt.InvalidAlgorithmError, "bearer token algorithm not accepted"),
    (jwt.DecodeError, "bearer token is malformed"),
)


class TokenVerifier:
    """Verifies bearer JWTs and turns their claims into a ``Principal``.

    exp, iat, iss, aud and sub are required; the algorithm is pinned by mode (HS256 or
    RS256) so 'none' and alg-confusion tokens (HS256 signed with an RSA public key) fail.
    """

    def __init__(self, settings: AuthSettings) -> None:
        settings.refuse_unsafe_configuration()
        self.settings = settings
        self._jwks_client: jwt.PyJWKClient | None = None
        self._jwks_file_keys: dict[str, jwt.PyJWK] = {}
        if settings.mode == "jwks" and settings.jwks_url is not None:
            self._jwks_client = jwt.PyJWKClient(settings.jwks_url, cache_jwk_set=True, timeout=10)
        elif settings.mode == "jwks" and settings.jwks_file is not None:
            self._jwks_file_keys = _load_jwks_file(settings.jwks_file)

    def verify(self, token: str) -> Principal:
        """Return the caller, or raise ``TokenRejected`` (401) / ``KeySetUnavailable`` (503)."""
        algorithm = self.settings.algorithm
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenRejected("bearer token is malformed") from error
        presented = header.get("alg")
        if presented != algorithm:
            raise TokenRejected(
                f"bearer token algorithm {presented!r} not accepted; use {algorithm}"
            )
        key = self._verification_key(header)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": _REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
            )
        except jwt.MissingRequiredClaimError as error:
            raise TokenRejected(f"bearer token lacks required claim '{error.claim}'") from error
        except jwt.InvalidAudienceError as error:
            raise TokenRejected(
                f"bearer token audience not accepted; expected {self.settings.audience!r}"
            ) from error
        except jwt.InvalidIssuerError as error:
            raise TokenRejected(
                f"bearer token issuer not accepted; expected {self.settings.issuer!r}"
            ) from error
        except jwt.PyJWTError as error:
            rule = next(
                (rule for kind, rule in _JWT_ERROR_RULES if isinstance(error, kind)),
                "bearer token is invalid",
            )
            raise TokenRejected(rule) from error
        return self._principal_from(claims)

    def _verification_key(self, header: Mapping[str, Any]) -> str | bytes | jwt.PyJWK:
        if self.settings.mode == "shared-secret":
            return self.settings.secret.get_secret_value().encode()
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("bearer token header has no 'kid' to select a signing key")
        if self._jwks_client is None:
            try:
                return self._jwks_file_keys[kid]
            except KeyError:
                raise TokenRejected(f"no signing key with kid {kid!r}") from None
        try:
            return self._jwks_client.get_signing_key(kid)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError) as error:
            raise KeySetUnavailable(str(error)) from error
        except jwt.PyJWKClientError as error:
            raise TokenRejected(f"no signing key with kid {kid!r}") from error

    def _principal_from(self, claims: Mapping[str, Any]) -> Principal:
        raw_roles = claims.get("roles")
        if not isinstance(raw_roles, list) or not raw_roles:
            raise TokenRejected("claim 'roles' must be a non-empty list")
        known = {role.value for role in Role}
        roles: set[Role] = set()
        for value in raw_roles:
            if not isinstance(value, str) or value not in known:
                raise TokenRejected(f"claim 'roles' has unknown role {value!r}")
            roles.add(Role(value))
        scope: dict[str, str | None] = {}
        for claim in ("locality", "provider_id", "agency"):
            value = claims.get(claim)
            if value is not None and (not isinstance(value, str) or not value):
                raise TokenRejected(f"claim '{claim}' must be a non-empty string")
            scope[claim] = value
        missing = _missing_scope(roles, scope["locality"], scope["provider_id"], scope["agency"])
        if missing is not None:
            role, claim = missing
            raise TokenRejected(f"role {role.value} requires claim '{claim}'")
        trust = claims.get("trust")
        if trust != self.settings.trust:
            raise TokenRejected(f"claim 'trust' must be {self.settings.trust!r}")
        return Principal(
            subject=claims["sub"],
            roles=frozenset(roles),
            locality=scope["locality"],
            provider_id=scope["provider_id"],
            agency=scope["agency"],
            trust=self.settings.trust,
        )


def _load_jwks_file(path: Path) -> dict[str, jwt.PyJWK]:
    """Signing keys by kid from a JWKS document, so RS256 works without network access."""
    try:
        key_set = jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, jwt.PyJWTError) as error:
        raise ValueError(f"jwks_file: cannot load signing keys from {path}: {error}") from error
    keys = {
        key.key_id: key
        for key in key_set
        if key.key_id and key.public_key_use in (None, "sig") and key.algorithm_name == "RS256"
    }
    if not keys:
        raise ValueError(f"jwks_file: {path} holds no RS256 signing key with a kid")
    return keys


def mint_token(
    settings: AuthSettings,
    subject: str,
    roles: Iterable[Role | str],
    *,
    locality: str | None = None,
    provider_id: str | None = None,
    agency: str | None = None,
    trust: str | None = None,
    ttl: timedelta = timedelta(hours=8),
    issued_at: datetime | None = None,
) -> str:
    """Mint an HS256 token for development and tests; refused in jwks mode, where only the
    identity provider issues tokens. ``trust`` defaults to ``settings.trust``."""
    if settings.mode != "shared-secret":
        raise ValueError("mint_token: only available in shared-secret (development) mode")
    role_set = frozenset(Role(role) for role in roles)
    if not role_set:
        raise ValueError("roles: a token needs at least one role")
    missing = _missing_scope(role_set, locality, provider_id, agency)
    if missing is not None:
        role, claim = missing
        raise ValueError(f"{claim}: role {role.value} requires it")
    now = issued_at or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": sorted(role.value for role in role_set),
        "trust": trust or settings.trust,
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    for claim, value in (("locality", locality), ("provider_id", provider_id), ("agency", agency)):
        if value is not None:
            claims[claim] = value
    return jwt.encode(claims, settings.secret.get_secret_value(), algorithm="HS256")


bearer_scheme = HTTPBearer(auto_error=False, bearerFormat="JWT")
"""Declared so OpenAPI documents the bearer scheme; ``current_principal`` words the errors."""


def _unauthorised(rule: str, *, invalid_token: bool) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail={"field": "Authorization", "rule": rule},
        headers={"WWW-Authenticate": challenge},
    )


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """FastAPI dependency: the verified caller, or 401 naming what is wrong with the token.

    Uses ``request.app.state.token_verifier`` (a ``TokenVerifier``), which each service app
    must set at startup. A plain ``def`` so FastAPI runs it in a worker thread: fetching a
    JWKS over the network must not block the event loop.
    """
    if credentials is None:
        header = request.headers.get("Authorization")
        rule = (
            "bearer token required"
            if not header
            else "Authorization must use the Bearer scheme with a token"
        )
        raise _unauthorised(rule, invalid_token=False)
    verifier = getattr(request.app.state, "token_verifier", None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError("app.state.token_verifier is not set: set it at service startup")
    try:
        principal = verifier.verify(credentials.credentials)
    except TokenRejected as rejected:
        raise _unauthorised(rejected.rule, invalid_token=True) from rejected
    except KeySetUnavailable as unavailable:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={"field": "Authorization", "rule": "signing keys unavailable; retry later"},
        ) from unavailable
    request.state.principal = principal
    return principal


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through callers holding any of ``roles`` and 403s the rest,
    naming the roles required."""
    if not roles:
        raise ValueError("require_roles: name at least one role")
    names = ", ".join(role.value for role in roles)

    def holds_required_role(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if not principal.has_any(*roles):
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail={"field": "roles", "rule": f"requires one of: {names}"},
            )
        return principal

    return holds_required_role


def require_locality_access(
    locality: str, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    """403 unless the caller may see ``locality`` (see ``Principal.can_see_locality``).

    Use as ``Depends(require_locality_access)`` on a route with a ``{locality}`` path (or
    query) parameter, or call it directly: ``require_locality_access(locality, principal)``.
    """
    if not principal.can_see_locality(locality):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail={"field": "locality", "rule": f"no access to locality {locality!r}"},
        )
    return principal
