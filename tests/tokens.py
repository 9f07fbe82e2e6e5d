"""Bearer headers for tests: one development token per call, scoped as its caller says."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict, Unpack

from shared.auth import AuthSettings, Role, mint_token


class TokenScope(TypedDict, total=False):
    """The scope claims a token may carry (a locality, a provider, an agency)."""

    locality: str | None
    provider_id: str | None
    agency: str | None


def bearer(
    auth: AuthSettings, subject: str, roles: Iterable[Role | str], **scope: Unpack[TokenScope]
) -> dict[str, str]:
    """The Authorization header of a freshly minted token for ``subject``."""
    return {"Authorization": f"Bearer {mint_token(auth, subject, roles, **scope)}"}
