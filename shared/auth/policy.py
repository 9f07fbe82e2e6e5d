"""Who may do what: the platform's roles, their scopes and the authenticated caller.

The roles mirror the Children's Trust governance (Durham Children's Trust commissioning
framework, section 3 "How and who will commission"): the Children's Executive Board, the
Joint Commissioning Unit, Lead Commissioners and Commissioning Officers work trust-wide;
a Local Children's Board member works for one locality; providers and partner agencies
act only for themselves.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Role(StrEnum):
    """Platform roles, one per governance body or partner of a Children's Trust."""

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
and lead commissioners/officers gather "central data by locality" (Durham Children's
Trust commissioning framework, section 3, stage table). ``operator`` runs the platform and
is deliberately not here: it has no business reading children's data."""

SCOPE_CLAIMS: Mapping[Role, str] = {
    Role.LOCAL_BOARD_MEMBER: "locality",
    Role.PROVIDER: "provider_id",
    Role.AGENCY_PUBLISHER: "agency",
}
"""Scoped roles and the claim naming their scope; a scoped role without it is unusable."""


def missing_scope(
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
        missing = missing_scope(self.roles, self.locality, self.provider_id, self.agency)
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
        (Durham Children's Trust commissioning framework, section 3 "Local Children's
        Boards"); trust-wide roles see all; providers and agency publishers see none unless
        they also hold a trust-wide role."""
        if self.is_trust_wide:
            return True
        return Role.LOCAL_BOARD_MEMBER in self.roles and self.locality == locality

    def can_publish_for_agency(self, agency: str) -> bool:
        """A partner agency publishes data and events under its own name only."""
        return Role.AGENCY_PUBLISHER in self.roles and self.agency == agency
