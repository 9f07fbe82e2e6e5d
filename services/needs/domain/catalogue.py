"""The indicator catalogue: what each indicator measures and how it is judged.

Indicators are data, not code (outcome frameworks are data, not code). Every
indicator is tagged with the Every Child Matters outcome(s) it serves, has a value type that
decides its interval method, a polarity that decides better/worse, a benchmark comparator
and the one partner agency allowed to publish it (Urbanham appendix 6; Gateshead Activity
One). The starter catalogue in ``services/needs/catalogue.yaml`` is EXAMPLE configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.needs.domain.statistics import ComparisonConfidence, Polarity


class ValueType(StrEnum):
    """How an indicator's value is built from what agencies submit."""

    PROPORTION = "proportion"
    """numerator / denominator x multiplier (e.g. percent), Wilson limits."""
    RATE = "rate"
    """numerator / denominator x multiplier (e.g. per 1,000), Byar's/exact limits."""
    COUNT = "count"
    """A count of events or children, Byar's/exact limits."""
    MEAN = "mean"
    """A mean over `denominator` children, Student's t limits from the standard deviation."""
    WAITING_TIME = "waiting_time"
    """A mean waiting time (e.g. weeks), treated as a mean."""


class Comparator(StrEnum):
    """The benchmark an indicator is compared with (Urbanham appendix 6)."""

    ENGLAND = "england"
    REGION = "region"
    STATISTICAL_NEIGHBOURS = "statistical_neighbours"
    TRUST = "trust"
    """For locally collected indicators with no national figure (e.g. CAF activity): a
    locality is compared with its trust."""


BREAKDOWN_DIMENSIONS: frozenset[str] = frozenset(
    {
        "age_band",
        "sex",
        "ethnicity",
        "disability",
        "religion",
        "looked_after",
        "sen",
        "risk_of_offending",
        "need_category",
    }
)
"""Groups agencies may break values down by (Urbanham, toolkit appendix 6; Medway,
paragraph 2.5: "broken down by ethnicity, gender, ... looked after status, risk of
criminality"). ``need_category`` is for CAF activity (Durham, Section 2: "our analysis of
CAF activity")."""


class CatalogueError(ValueError):
    """An indicator definition that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue."""

    id: str
    name: str
    outcomes: tuple[str, ...]
    value_type: ValueType
    polarity: Polarity
    owning_agency: str
    multiplier: float = 1.0
    unit: str = ""
    comparator: Comparator | None = None
    """None: the trust's default comparator (TrustConfig.benchmark.default_comparator)."""
    confidence: ComparisonConfidence = ComparisonConfidence.CI95
    breakdowns: frozenset[str] = BREAKDOWN_DIMENSIONS - {"need_category"}
    caf_activity: bool = False
    """CAF activity is evidence of unmet need per locality and need category (Durham,
    Section 2)."""
    description: str = ""
    example: bool = True
    comparator_range: tuple[float, float] | None = None
    """Where a comparator's value (England, region, statistical neighbour) can plausibly
    lie, in the indicator's unit: a value outside it is refused, which catches a figure on
    the wrong scale (England's NEET 0.054, a fraction, sent for 5.4%)."""

    def __post_init__(self) -> None:
        if self.comparator_range is not None and not (
            0 <= self.comparator_range[0] < self.comparator_range[1]
        ):
            raise CatalogueError(
                f"indicators.{self.id}.comparator_range: [low, high] with 0 <= low < high"
            )
        if not self.outcomes:
            raise CatalogueError(f"indicators.{self.id}.outcomes: at least one outcome")
        if self.multiplier <= 0:
            raise CatalogueError(f"indicators.{self.id}.multiplier: must be positive")
        unknown = self.breakdowns - BREAKDOWN_DIMENSIONS
        if unknown:
            raise CatalogueError(
                f"indicators.{self.id}.breakdowns: unknown dimension(s) {sorted(unknown)}"
            )

    @property
    def has_counts(self) -> bool:
        """Whether the numerator is a count of children or events (disclosure applies)."""
        return self.value_type in (ValueType.PROPORTION, ValueType.RATE, ValueType.COUNT)

    def comparator_or(self, default: str) -> str:
        """This indicator's comparator, or the trust's default."""
        return self.comparator.value if self.comparator is not None else default


class Catalogue:
    """Indicators by id."""

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        self._by_id: dict[str, Indicator] = {}
        for indicator in indicators:
            if indicator.id in self._by_id:
                raise CatalogueError(f"indicators: id {indicator.id!r} repeated")
            self._by_id[indicator.id] = indicator

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def get(self, indicator_id: str) -> Indicator | None:
        return self._by_id.get(indicator_id)

    def __getitem__(self, indicator_id: str) -> Indicator:
        return self._by_id[indicator_id]

    def check_references(self, outcome_ids: Iterable[str], agency_ids: Iterable[str]) -> None:
        """Every outcome and owning agency must exist in the trust's configuration."""
        outcomes, agencies = set(outcome_ids), set(agency_ids)
        for indicator in self:
            missing = [o for o in indicator.outcomes if o not in outcomes]
            if missing:
                raise CatalogueError(
                    f"indicators.{indicator.id}.outcomes: unknown outcome(s) {missing}; "
                    f"known: {sorted(outcomes)}"
                )
            if indicator.owning_agency not in agencies:
                raise CatalogueError(
                    f"indicators.{indicator.id}.owning_agency: unknown agency "
                    f"{indicator.owning_agency!r}; known: {sorted(agencies)}"
                )


_POLARITIES: Mapping[str, Polarity] = {
    "higher_is_better": Polarity.HIGH_IS_GOOD,
    "higher_is_worse": Polarity.LOW_IS_GOOD,
    "no_judgement": Polarity.NO_JUDGEMENT,
}


def catalogue_from_mapping(data: Any) -> Catalogue:
    """Build a catalogue from parsed YAML: ``{"indicators": [{...}, ...]}``."""
    if not isinstance(data, Mapping) or not isinstance(data.get("indicators"), list):
        raise CatalogueError("indicators: the catalogue must be a mapping with a list")
    return Catalogue(_indicator(entry) for entry in data["indicators"])


def _indicator(entry: Any) -> Indicator:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
        raise CatalogueError("indicators: each entry needs an id")
    where = f"indicators.{entry['id']}"
    try:
        polarity = _POLARITIES[entry["polarity"]]
    except KeyError:
        raise CatalogueError(f"{where}.polarity: one of {sorted(_POLARITIES)}") from None
    try:
        value_type = ValueType(entry["value_type"])
        comparator = Comparator(entry["comparator"]) if entry.get("comparator") else None
        confidence = ComparisonConfidence(entry.get("confidence", "95%"))
    except (KeyError, ValueError) as error:
        raise CatalogueError(f"{where}: {error}") from None
    breakdowns = entry.get("breakdowns")
    return Indicator(
        id=entry["id"],
        name=str(entry.get("name", entry["id"])),
        outcomes=tuple(entry.get("outcomes", ())),
        value_type=value_type,
        polarity=polarity,
        owning_agency=str(entry.get("owning_agency", "")),
        multiplier=float(entry.get("multiplier", 1.0)),
        unit=str(entry.get("unit", "")),
        comparator=comparator,
        confidence=confidence,
        breakdowns=(
            frozenset(breakdowns)
            if breakdowns is not None
            else BREAKDOWN_DIMENSIONS - {"need_category"}
        ),
        caf_activity=bool(entry.get("caf_activity", False)),
        description=str(entry.get("description", "")),
        example=bool(entry.get("example", True)),
        comparator_range=_range(where, entry.get("comparator_range")),
    )


def _range(where: str, raw: Any) -> tuple[float, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        raise CatalogueError(f"{where}.comparator_range: a list [low, high]")
    try:
        return (float(raw[0]), float(raw[1]))
    except (TypeError, ValueError):
        raise CatalogueError(f"{where}.comparator_range: numbers [low, high]") from None
