"""Minting development tokens (shared-secret mode only)."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from shared.auth.policy import Role, missing_scope
from shared.auth.settings import AuthSettings


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
    if not subject.strip():
        raise ValueError("subject: a token needs a non-empty subject")
    if ttl > settings.max_token_lifetime:
        raise ValueError(
            f"ttl: {ttl} exceeds the maximum token lifetime of {settings.max_token_lifetime}"
        )
    for claim, value, known in (
        ("locality", locality, settings.localities),
        ("agency", agency, settings.agencies),
    ):
        if value is not None and known is not None and value not in known:
            raise ValueError(f"{claim}: {value!r} is unknown to the trust")
    role_set = frozenset(Role(role) for role in roles)
    if not role_set:
        raise ValueError("roles: a token needs at least one role")
    missing = missing_scope(role_set, locality, provider_id, agency)
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
