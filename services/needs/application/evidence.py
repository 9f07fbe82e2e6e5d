"""Turning analysis results into what may be published: figures, evidence, table rows.

Every figure below trust level goes through ``EvidencePublisher``, which applies the trust's
disclosure rule to whole tables (one per indicator and period) so that events, API answers
and downloads hide the same cells (see ``domain/publication.py``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.needs.domain.analysis import (
    Benchmark,
    IndicatorData,
    Measured,
    SeriesAssessment,
)
from services.needs.domain.disclosure import SuppressionRule
from services.needs.domain.model import AreaKind, ReportedValue
from services.needs.domain.publication import (
    PublishedFigures,
    published,
)
from shared.contracts.needs import (
    Area,
    BenchmarkEvidence,
    DataVersion,
    NeedEvidence,
    PublishedValue,
)
from shared.contracts.needs import AreaKind as ContractAreaKind


class EvidencePublisher:
    """Disclosure-controlled figures of one indicator's current values."""

    def __init__(self, data: IndicatorData, rule: SuppressionRule, trust_id: str) -> None:
        self.data = data
        self.rule = rule
        self.trust_id = trust_id

    def figures(self, measured: Measured) -> PublishedFigures:
        """What may be shown of one value."""
        reported = measured.reported
        cell = (reported.area_kind.value, reported.area_code, reported.breakdown_key)
        disclosure = self.data.disclosure_at(reported.period, self.rule).get(cell)
        return published(measured, self.data.indicator, disclosure, self.rule)

    def value(self, measured: Measured) -> PublishedValue:
        return PublishedValue(**asdict(self.figures(measured)))

    def benchmark(self, benchmark: Benchmark | None) -> BenchmarkEvidence | None:
        """The benchmark as published: below national level it is disclosure-controlled."""
        if benchmark is None:
            return None
        value = self.data.published_benchmark_value(benchmark, self.rule)
        return BenchmarkEvidence(
            comparator=benchmark.comparator,
            area_code=benchmark.area_code,
            period=benchmark.period,
            value=value,
        )

    def evidence(self, assessment: SeriesAssessment) -> NeedEvidence:
        """The evidence of a need (or of its resolution), disclosure-controlled."""
        series = [self.value(point) for point in assessment.points]
        overall = assessment.area_overall
        group_benchmark = None
        if overall is not None:
            group_benchmark = BenchmarkEvidence(
                comparator=assessment.area_kind.value,
                area_code=assessment.area_code,
                period=overall.period,
                value=self.figures(overall).value,
            )
        return NeedEvidence(
            latest=series[-1],
            series=series,
            benchmark=self.benchmark(assessment.benchmark),
            comparison=assessment.comparison.value,
            trend=assessment.trend.value,
            consecutive_worsening_periods=assessment.consecutive_worsening,
            group_benchmark=group_benchmark,
            comparison_with_area=(
                assessment.comparison_with_area.value
                if assessment.comparison_with_area is not None
                else None
            ),
            data_versions=data_versions(assessment),
            disclosure_rule=self.rule.name,
        )

    def row(self, assessment: SeriesAssessment) -> dict[str, Any]:
        """One line of a comparison table or download (Fingertips' export columns)."""
        indicator = assessment.indicator
        latest = self.figures(assessment.latest)
        benchmark = self.benchmark(assessment.benchmark)
        overall = assessment.area_overall
        return {
            "indicator_id": indicator.id,
            "indicator_name": indicator.name,
            "outcomes": list(indicator.outcomes),
            "unit": indicator.unit,
            "polarity": indicator.polarity.value,
            "area_kind": assessment.area_kind.value,
            "area_code": assessment.area_code,
            "breakdown": dict(assessment.breakdown),
            "period": latest.period,
            "value": latest.value,
            "lower_ci_95": latest.lower95,
            "upper_ci_95": latest.upper95,
            "lower_ci_99_8": latest.lower998,
            "upper_ci_99_8": latest.upper998,
            "count": latest.count,
            "denominator": latest.denominator,
            "count_suppressed": latest.count_suppressed,
            "denominator_suppressed": latest.denominator_suppressed,
            "value_note": latest.value_note,
            "revision": latest.revision,
            "comparator": benchmark.comparator if benchmark else None,
            "benchmark_value": benchmark.value if benchmark else None,
            "compared_to_benchmark": assessment.comparison.value,
            "area_value": self.figures(overall).value if overall is not None else None,
            "compared_to_area": (
                assessment.comparison_with_area.value
                if assessment.comparison_with_area is not None
                else None
            ),
            "recent_trend": assessment.trend.value,
            "consecutive_worsening_periods": assessment.consecutive_worsening,
            "quintile": assessment.quintile.label.value if assessment.quintile else None,
            "worse_and_worsening": assessment.worse_and_worsening,
            "vulnerable_group": assessment.vulnerable_group,
            "need_reason": assessment.reason.value if assessment.reason else None,
        }


def contract_area(kind: AreaKind, code: str) -> Area:
    return Area(kind=ContractAreaKind(kind.value), code=code)


def data_version(reported: ReportedValue) -> DataVersion:
    return DataVersion(
        indicator_id=reported.indicator_id,
        area=contract_area(reported.area_kind, reported.area_code),
        period=reported.period,
        breakdown_key=reported.breakdown_key,
        revision=reported.revision,
    )


def data_versions(assessment: SeriesAssessment) -> list[DataVersion]:
    """The exact stored revisions an assessment used: its points, benchmark and area value."""
    used = [p.reported for p in assessment.points]
    if assessment.benchmark is not None:
        used.extend(assessment.benchmark.sources)
    if assessment.area_overall is not None:
        used.append(assessment.area_overall.reported)
    unique = {(*r.identity, r.revision): r for r in used}
    return [data_version(r) for _, r in sorted(unique.items())]
