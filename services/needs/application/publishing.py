"""What an agency needs to know to publish indicator values to this trust, from the
configuration in force (printed by `commissioning trust show`, explained in
docs/publishing.md)."""

from __future__ import annotations

from services.needs.application.config import NeedsConfig, needs_config
from services.needs.domain.catalogue import Catalogue, Comparator
from services.needs.domain.model import AreaKind
from shared.trust import TrustConfig

PERIODS = (
    ("2025", "calendar year (the table its quarters, halves and months add up to)"),
    ("2025/26", "financial or academic year"),
    ("2025-H1", "half of a calendar year"),
    ("2025-Q3", "quarter of a calendar year"),
    ("2025-07", "month"),
)
NEED_RULES = (
    "worse than its benchmark at 99.8% (shown beside the value at the indicator's level)",
    "worsening: a significant recent trend (Fingertips: five points, chi-squared 99.8%)",
    "a group worse than its area's value for all children at 99.8% (a vulnerable group)",
)


def publishing_facts(trust: TrustConfig, catalogue: Catalogue) -> list[str]:
    """Agencies, comparator codes, who publishes what, breakdowns, periods, thresholds."""
    config = needs_config(trust, catalogue)
    lines = [f"{trust.name} (trust id: {trust.id})", "", "Localities:"]
    lines += [f"  {loc.id}: {loc.name}" for loc in trust.localities]
    lines += ["", "Agencies (the `agency` of a value; a token publishes for one):"]
    lines += [f"  {a.id}: {a.name} ({a.kind.value})" for a in trust.agencies]
    lines += ["", "Area codes:", *_area_codes(config)]
    lines += ["", "Indicators (each published, benchmarks included, by its owning agency):"]
    for indicator in catalogue:
        comparator = indicator.comparator_or(trust.benchmark.default_comparator.value)
        lines += [
            f"  {indicator.id}: {indicator.name}",
            f"    {indicator.value_type.value}, {indicator.unit or 'no unit'}; "
            f"published by {indicator.owning_agency}",
            f"    benchmark: {_benchmark(comparator)}",
            f"    breakdowns: {', '.join(sorted(indicator.breakdowns)) or 'none'}",
        ]
        if indicator.comparator_range is not None:
            low, high = indicator.comparator_range
            lines.append(f"    comparator values must lie in {low:g}-{high:g} {indicator.unit}")
    lines += ["", "Breakdown values: 1-64 letters, digits, spaces or _ . + / - (e.g. yes, no)"]
    lines += ["", "Periods:", *(f"  {p}: {meaning}" for p, meaning in PERIODS)]
    rule = config.rule
    lines += [
        "",
        "Defaults and thresholds in force:",
        f"  default comparator: {trust.benchmark.default_comparator.value}",
        f"  trend periods: {trust.benchmark.trend_periods}; a run of "
        f"{trust.benchmark.worsening_periods_to_flag} worsening periods is reported",
        f"  disclosure: {rule.name}: counts 1-{rule.threshold - 1} shown as "
        f"{rule.symbol!r}, others rounded to the nearest {rule.rounding_base}",
        "  a series is a need when it is any of:",
        *(f"    {r}" for r in NEED_RULES),
    ]
    return lines


def _area_codes(config: NeedsConfig) -> list[str]:
    codes = config.comparator_codes
    found = [f"  trust: {config.trust_id}", "  locality: the locality ids above"]
    for kind in (AreaKind.ENGLAND, AreaKind.REGION, AreaKind.STATISTICAL_NEIGHBOUR):
        known = codes.get(kind)
        found.append(f"  {kind.value}: {', '.join(sorted(known)) if known else 'any code'}")
    return found


def _benchmark(comparator: str) -> str:
    if comparator == Comparator.TRUST.value:
        return "trust (the trust's own value; no comparator values needed)"
    if comparator == Comparator.STATISTICAL_NEIGHBOURS.value:
        return "statistical_neighbours (mean of the neighbours' values)"
    return comparator
