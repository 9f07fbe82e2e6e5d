"""FastAPI dependencies: the verified caller, and 401/403 answers naming field and rule.

Each service app sets ``app.state.token_verifier = TokenVerifier(settings.auth(...))`` at
startup; these dependencies read it from ``request.app.state.token_verifier`` so that one
settings object decides how every service checks tokens.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.policy import Principal, Role
from shared.auth.verification import KeySetUnavailable, TokenRejected, TokenVerifier

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
