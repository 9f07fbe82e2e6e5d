"""What the needs service's handlers need to know about the trust, built once per process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.needs.domain.analysis import AnalysisSettings
from services.needs.domain.catalogue import Catalogue
from services.needs.domain.disclosure import SuppressionRule
from services.needs.domain.model import DEFAULT_COMPARATOR_CODES, AreaKind
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
    comparator_codes: Mapping[AreaKind, frozenset[str]] = field(
        default_factory=lambda: dict(DEFAULT_COMPARATOR_CODES)
    )
    """The area codes values may carry per comparator kind (a kind left out accepts any)."""


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
        comparator_codes=comparator_codes(trust),
    )


def comparator_codes(trust: TrustConfig) -> dict[AreaKind, frozenset[str]]:
    """England's code, and the region and statistical neighbours the trust configures."""
    codes = dict(DEFAULT_COMPARATOR_CODES)
    if trust.benchmark.region is not None:
        codes[AreaKind.REGION] = frozenset({trust.benchmark.region})
    if trust.benchmark.statistical_neighbours:
        codes[AreaKind.STATISTICAL_NEIGHBOUR] = frozenset(trust.benchmark.statistical_neighbours)
    return codes
