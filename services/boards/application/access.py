"""Who may read which board (scoping lives here, not in the routers, so it is tested with
the use cases).

A Local Children's Board member reads its own locality's board only (Durham Children's
Trust framework, section 3, "Local Children's Boards"). The bodies that commission across
the trust (the Executive Board, the JCU, lead commissioners and commissioning officers)
read every board. Providers, partner agencies' publishers and operators read none: they
have no business with the boards' intelligence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.auth import TRUST_WIDE_ROLES, Principal, Role

READERS = ", ".join(sorted(r.value for r in TRUST_WIDE_ROLES))


@dataclass(frozen=True)
class Problem:
    """What was wrong with a request: the field and the rule it broke."""

    field: str
    rule: str

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "rule": self.rule}


class Refused(Exception):
    """A read the caller may not make, with the problems that say why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.rule for p in problems))
        self.problems = list(problems)


class Forbidden(Refused):
    """The caller's roles or scope do not allow it (403)."""


class NotFound(Refused):
    """There is no such board (404)."""


def require_local_board(principal: Principal, locality: str, known: frozenset[str]) -> None:
    """A trust-wide reader may open any locality's board (404 for one the trust has not);
    a local board member only its own (403 for any other, known or not)."""
    if principal.is_trust_wide:
        if locality not in known:
            raise NotFound([Problem("locality", f"the trust has no locality {locality!r}")])
        return
    if principal.has_any(Role.LOCAL_BOARD_MEMBER) and principal.locality == locality:
        return
    if principal.has_any(Role.LOCAL_BOARD_MEMBER):
        rule = f"a local board member reads only its own locality's board ({principal.locality})"
        raise Forbidden([Problem("locality", rule)])
    raise Forbidden([Problem("roles", f"requires local_board_member or one of: {READERS}")])


def require_trust_wide(principal: Principal, board: str) -> None:
    """The JCU's and the Executive Board's views cover every locality."""
    if not principal.is_trust_wide:
        raise Forbidden([Problem("roles", f"the {board} view requires one of: {READERS}")])
