"""What the needs service's handlers need to know about the trust, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from services.needs.domain.analysis import AnalysisSettings
from services.needs.domain.catalogue import Catalogue
from services.needs.domain.disclosure import SuppressionRule
from services.needs.domain.publication import rule_from_trust
from shared.trust import TrustConfig


@dataclass(frozen=True)
class NeedsConfig:
    """The catalogue, the trust's localities, benchmark settings and disclosure rule."""

    catalogue: Catalogue
    trust_id: str
    locality_ids: frozenset[str]
    analysis: AnalysisSettings
    rule: SuppressionRule


def needs_config(trust: TrustConfig, catalogue: Catalogue) -> NeedsConfig:
    """The trust's settings with its catalogue, checked against its outcomes and agencies."""
    catalogue.check_references(trust.outcome_ids, (a.id for a in trust.agencies))
    rule = rule_from_trust(
        trust.disclosure.threshold,
        trust.disclosure.rounding,
        trust.disclosure.suppressed_marker,
    )
    return NeedsConfig(
        catalogue=catalogue,
        trust_id=trust.id,
        locality_ids=trust.locality_ids,
        analysis=AnalysisSettings(
            trust_id=trust.id,
            default_comparator=trust.benchmark.default_comparator.value,
            trend_periods=trust.benchmark.trend_periods,
            worsening_periods_to_flag=trust.benchmark.worsening_periods_to_flag,
            disclosure=rule,
        ),
        rule=rule,
    )
