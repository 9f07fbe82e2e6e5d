"""Routing a procurement by value (Durham Children's Trust framework, section 3,
"Procurement and Contracting Function", and its stage table).

- a specialist (county-wide, low-incidence, high-need) service is awarded by the JCU;
- a local service under the trust's select-list limit (Durham: £50,000) goes to a
  mini-competition among the locality's select list of preferred providers;
- anything else goes to open tender (Durham sends exactly £50,000 to open tender; the
  project's choice, see docs/domain/procurement.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Route(StrEnum):
    """How a procurement is bought; the OCDS ``procurementMethod`` of each is in
    ``ocds_method``."""

    SELECT_LIST = "select_list"
    OPEN_TENDER = "open_tender"
    JCU_AWARD = "jcu_award"

    @property
    def ocds_method(self) -> str:
        """OCDS 1.1.5 ``tender.procurementMethod`` codelist value."""
        return {"select_list": "selective", "open_tender": "open", "jcu_award": "direct"}[
            self.value
        ]

    @property
    def competitive(self) -> bool:
        return self is not Route.JCU_AWARD


@dataclass(frozen=True)
class RoutingDecision:
    """The route chosen and, in words, the rule that chose it (recorded on the
    procurement and in its audit trail)."""

    route: Route
    rule: str


def choose_route(
    value: Decimal, *, specialist: bool, select_list_below: Decimal
) -> RoutingDecision:
    """The route for a service of ``value`` pounds (Durham section 3)."""
    if specialist:
        return RoutingDecision(
            Route.JCU_AWARD,
            "specialist service: awarded by the Joint Commissioning Unit "
            "(Durham framework, section 3, stage table)",
        )
    if value < select_list_below:
        return RoutingDecision(
            Route.SELECT_LIST,
            f"local service under £{select_list_below:,.0f}: mini-competition among the "
            "locality's select list (Durham framework, section 3)",
        )
    return RoutingDecision(
        Route.OPEN_TENDER,
        f"£{select_list_below:,.0f} or more: open tender (Durham framework, section 3)",
    )
