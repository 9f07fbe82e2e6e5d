"""Who is calling, and what they may see: bearer-token authentication for every service.

`policy` (roles, scopes, the caller), `settings` (how tokens are checked), `verification`
(JWTs to callers), `minting` (development tokens) and `dependencies` (FastAPI).
"""

from shared.auth.dependencies import (
    bearer_scheme,
    current_principal,
    require_locality_access,
    require_roles,
)
from shared.auth.minting import mint_token
from shared.auth.policy import SCOPE_CLAIMS, TRUST_WIDE_ROLES, Principal, Role
from shared.auth.settings import DEVELOPMENT_ONLY_SECRET, AuthMode, AuthSettings
from shared.auth.verification import KeySetUnavailable, TokenRejected, TokenVerifier

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
    "bearer_scheme",
    "current_principal",
    "mint_token",
    "require_locality_access",
    "require_roles",
]
