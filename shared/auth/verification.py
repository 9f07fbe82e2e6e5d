"""Verifying bearer JWTs and turning their claims into a `Principal`."""

import json
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt

from shared.auth.policy import Principal, Role, missing_scope
from shared.auth.settings import AuthSettings

_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


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
        except (OverflowError, ValueError, TypeError) as error:
            # A signed token with an absurd exp/iat/nbf (e.g. 10**30) overflows PyJWT's
            # date handling: the caller's fault, never a 500.
            raise TokenRejected("bearer token has a time claim out of range") from error
        except jwt.PyJWTError as error:
            rule = next(
                (rule for kind, rule in _JWT_ERROR_RULES if isinstance(error, kind)),
                "bearer token is invalid",
            )
            raise TokenRejected(rule) from error
        self._check_lifetime(claims)
        return self._principal_from(claims)

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        """A token may live at most `max_token_lifetime` from its issue (exp - iat)."""
        try:
            lifetime = timedelta(seconds=float(claims["exp"]) - float(claims["iat"]))
        except (OverflowError, ValueError, TypeError) as error:
            raise TokenRejected("bearer token has a time claim out of range") from error
        longest = self.settings.max_token_lifetime
        if lifetime > longest:
            raise TokenRejected(
                f"bearer token lifetime (exp - iat) of {lifetime} exceeds the maximum of {longest}"
            )

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
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip():
            raise TokenRejected("claim 'sub' must be a non-empty string")
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
        self._check_known_to_trust(scope)
        missing = missing_scope(roles, scope["locality"], scope["provider_id"], scope["agency"])
        if missing is not None:
            role, claim = missing
            raise TokenRejected(f"role {role.value} requires claim '{claim}'")
        trust = claims.get("trust")
        if trust != self.settings.trust:
            raise TokenRejected(f"claim 'trust' must be {self.settings.trust!r}")
        return Principal(
            subject=subject,
            roles=frozenset(roles),
            locality=scope["locality"],
            provider_id=scope["provider_id"],
            agency=scope["agency"],
            trust=self.settings.trust,
        )

    def _check_known_to_trust(self, scope: Mapping[str, str | None]) -> None:
        """A locality or agency the trust does not have would otherwise be a scope that
        matches nothing, or worse, one a future configuration gives to someone else."""
        for claim, known in (
            ("locality", self.settings.localities),
            ("agency", self.settings.agencies),
        ):
            value = scope[claim]
            if value is not None and known is not None and value not in known:
                raise TokenRejected(f"claim '{claim}' names {value!r}, unknown to the trust")


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
