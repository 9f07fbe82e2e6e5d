"""Indicator values as agencies submit them, and the rules a value must meet to be stored.

Aggregates only: "published breakdowns of small populations must not identify children"
(Urbanham appendix 6) starts with never accepting a record about one child, so a
value that looks individual-level (a denominator of one, an identifying breakdown key or
value) is refused. Every refusal names the field and the rule (issue 3, item 2).

Values are versioned by ``revision``: the same revision resubmitted with the same figures is
a no-op, a higher revision supersedes and the history is kept (the repository enforces it;
``ReportedValue.digest`` is what "the same figures" means).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from services.needs.domain.catalogue import Catalogue, Indicator, ValueType


class AreaKind(StrEnum):
    """Kinds of area a value describes (Urbanham appendix 6: locality, trust, comparators)."""

    LOCALITY = "locality"
    TRUST = "trust"
    STATISTICAL_NEIGHBOUR = "statistical_neighbour"
    REGION = "region"
    ENGLAND = "england"


ANALYSED_KINDS: Final = frozenset({AreaKind.LOCALITY, AreaKind.TRUST})
"""Areas the trust is responsible for: their needs are detected and their figures are
disclosure-controlled."""


class SubmissionRefused(ValueError):
    """A submitted value broke a rule; ``field`` and ``rule`` say which and why."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


# --------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------

_PERIOD: Final = re.compile(
    r"^(?P<year>[0-9]{4})(?:/(?P<next>[0-9]{2})|-Q(?P<quarter>[1-4])|-(?P<month>[0-9]{2})"
    r"|-H(?P<half>[12]))?$"
)


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: its granularity and its position in time (for ordering)."""

    granularity: str
    ordinal: int
    text: str = field(compare=False)


def parse_period(text: str) -> Period:
    """2025 (calendar year), 2025/26 (financial/academic year), 2025-Q3, 2025-07, 2025-H1."""
    match = _PERIOD.match(text)
    if match is None:
        raise SubmissionRefused(
            "period", f"{text!r} is not a period such as 2025, 2025/26, 2025-Q3, 2025-07, 2025-H1"
        )
    year = int(match["year"])
    if match["next"] is not None:
        if int(match["next"]) != (year + 1) % 100:
            raise SubmissionRefused(
                "period", f"{text!r}: a financial or academic year runs into the next year"
            )
        return Period("year_span", year, text)
    if match["quarter"] is not None:
        return Period("quarter", year * 4 + int(match["quarter"]) - 1, text)
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise SubmissionRefused("period", f"{text!r}: month must be 01 to 12")
        return Period("month", year * 12 + month - 1, text)
    if match["half"] is not None:
        return Period("half", year * 2 + int(match["half"]) - 1, text)
    return Period("year", year, text)


# --------------------------------------------------------------------------------------
# Breakdowns
# --------------------------------------------------------------------------------------

Breakdown = tuple[tuple[str, str], ...]
"""A group within an area as sorted (dimension, value) pairs; () means all children."""

_IDENTIFYING_KEY_PARTS: Final = (
    "childid",
    "personid",
    "pupilid",
    "name",
    "forename",
    "surname",
    "dob",
    "dateofbirth",
    "birthdate",
    "upn",
    "uln",
    "nhsnumber",
    "nhsno",
    "postcode",
    "address",
    "caseid",
    "clientid",
)
_IDENTIFYING_VALUES: Final = (
    (re.compile(r"^[0-9]{3}\s?[0-9]{3}\s?[0-9]{4}$"), "an NHS number"),
    (re.compile(r"^[A-Za-z][0-9]{11}[0-9A-Za-z]$"), "a unique pupil number"),
    (re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), "a date of birth"),
)
_BREAKDOWN_VALUE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.+/-]{0,63}$")


def breakdown_key(breakdown: Breakdown) -> str:
    """'' for all children; otherwise 'dimension=value;...' in dimension order."""
    return ";".join(f"{dimension}={value}" for dimension, value in breakdown)


def parse_breakdown_key(key: str) -> Breakdown:
    """The inverse of ``breakdown_key``."""
    if not key:
        return ()
    return tuple(
        (dimension, value)
        for dimension, _, value in (part.partition("=") for part in key.split(";"))
    )


def check_breakdown(breakdown: Mapping[str, str], indicator: Indicator) -> Breakdown:
    """Allowed dimensions only, no identifying keys or values; returns the sorted form."""
    for dimension, value in breakdown.items():
        where = f"breakdown.{dimension}"
        squeezed = re.sub(r"[^a-z0-9]", "", dimension.lower())
        if any(part in squeezed for part in _IDENTIFYING_KEY_PARTS):
            raise SubmissionRefused(
                where,
                "looks like a record about an individual child; only aggregate figures "
                "are accepted",
            )
        for pattern, what in _IDENTIFYING_VALUES:
            if pattern.match(value.strip()):
                raise SubmissionRefused(
                    where,
                    f"value looks like {what}; only aggregate figures are accepted",
                )
        if dimension not in indicator.breakdowns:
            raise SubmissionRefused(
                where,
                f"indicator {indicator.id!r} is not broken down by {dimension!r}; allowed: "
                f"{', '.join(sorted(indicator.breakdowns)) or 'none'}",
            )
        if not _BREAKDOWN_VALUE.match(value):
            raise SubmissionRefused(
                where, "value must be 1-64 letters, digits, spaces or _ . + / -"
            )
    return tuple(sorted(breakdown.items()))


# --------------------------------------------------------------------------------------
# Submissions and stored values
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """One value as an agency submitted it (the contract's fields, framework-free)."""

    indicator_id: str
    agency: str
    area_kind: AreaKind
    area_code: str
    period: str
    breakdown: Mapping[str, str] = field(default_factory=dict)
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    standard_deviation: float | None = None
    revision: int = 1
    note: str | None = None


@dataclass(frozen=True)
class ReportedValue:
    """An accepted value: one revision of (indicator, area, period, breakdown)."""

    indicator_id: str
    agency: str
    area_kind: AreaKind
    area_code: str
    period: str
    breakdown: Breakdown = ()
    numerator: int | None = None
    denominator: float | None = None
    value: float | None = None
    standard_deviation: float | None = None
    revision: int = 1
    note: str | None = None

    @property
    def breakdown_key(self) -> str:
        return breakdown_key(self.breakdown)

    @property
    def identity(self) -> tuple[str, str, str, str, str]:
        """What a revision supersedes: indicator, area kind and code, period, breakdown."""
        return (
            self.indicator_id,
            self.area_kind.value,
            self.area_code,
            self.period,
            self.breakdown_key,
        )

    def digest(self) -> str:
        """A fingerprint of the figures: equal digests mean an identical resubmission."""
        figures = "|".join(
            repr(x)
            for x in (
                *self.identity,
                self.agency,
                self.numerator,
                self.denominator,
                self.value,
                self.standard_deviation,
                self.revision,
                self.note,
            )
        )
        return hashlib.sha256(figures.encode()).hexdigest()[:32]


MAX_COUNT: Final = 2**63 - 1
"""The largest count stored (a 64-bit integer): far beyond any number of children."""

VALUE_TOLERANCE: Final = 0.01
"""A submitted value may differ from numerator/denominator x multiplier by 1% (rounding)."""


ENGLAND_CODE: Final = "E92000001"
"""The ONS code for England: one national figure per indicator and period."""

DEFAULT_COMPARATOR_CODES: Final[Mapping[AreaKind, frozenset[str]]] = {
    AreaKind.ENGLAND: frozenset({ENGLAND_CODE})
}
"""Comparator codes accepted when a trust configures none: England's only (region and
statistical-neighbour codes are then open)."""


def accept(
    submission: Submission,
    catalogue: Catalogue,
    *,
    trust_id: str,
    locality_ids: Collection[str],
    comparator_codes: Mapping[AreaKind, Collection[str]] = DEFAULT_COMPARATOR_CODES,
) -> ReportedValue:
    """Check every rule and return the value to store, or raise ``SubmissionRefused``.

    ``comparator_codes``: the area codes the trust benchmarks against, by kind; a kind left
    out accepts any code (two England codes for one period would give two benchmarks).
    """
    indicator = catalogue.get(submission.indicator_id)
    if indicator is None:
        raise SubmissionRefused(
            "indicator_id",
            f"unknown indicator {submission.indicator_id!r}; see GET /indicators",
        )
    if submission.agency != indicator.owning_agency:
        raise SubmissionRefused(
            "agency",
            f"indicator {indicator.id!r} is published by agency {indicator.owning_agency!r}, "
            f"not {submission.agency!r}",
        )
    _check_area(submission, trust_id, locality_ids)
    _check_comparator(submission, indicator, comparator_codes)
    if submission.note is not None and "\x00" in submission.note:
        raise SubmissionRefused("note", "must not contain NUL characters")
    parse_period(submission.period)
    breakdown = check_breakdown(submission.breakdown, indicator)
    numerator = _check_figures(submission, indicator)
    return ReportedValue(
        indicator_id=indicator.id,
        agency=submission.agency,
        area_kind=submission.area_kind,
        area_code=submission.area_code,
        period=submission.period,
        breakdown=breakdown,
        numerator=numerator,
        denominator=submission.denominator,
        value=submission.value,
        standard_deviation=submission.standard_deviation,
        revision=submission.revision,
        note=submission.note,
    )


def _check_area(submission: Submission, trust_id: str, locality_ids: Collection[str]) -> None:
    if submission.area_kind is AreaKind.LOCALITY and submission.area_code not in locality_ids:
        raise SubmissionRefused(
            "area.code",
            f"unknown locality {submission.area_code!r}; known: {', '.join(sorted(locality_ids))}",
        )
    if submission.area_kind is AreaKind.TRUST and submission.area_code != trust_id:
        raise SubmissionRefused(
            "area.code", f"this platform serves trust {trust_id!r}, not {submission.area_code!r}"
        )


def _check_comparator(
    submission: Submission, indicator: Indicator, codes: Mapping[AreaKind, Collection[str]]
) -> None:
    """Comparator codes from the trust's configuration; values on the indicator's scale."""
    kind = submission.area_kind
    if kind in ANALYSED_KINDS:
        return
    known = codes.get(kind)
    if known is not None and submission.area_code not in known:
        raise SubmissionRefused(
            "area.code",
            f"{submission.area_code!r} is not a {kind.value} code this trust benchmarks "
            f"against; known: {', '.join(sorted(known))}",
        )
    value = submission.value
    if value is None and submission.numerator is not None and submission.denominator:
        value = submission.numerator / submission.denominator * indicator.multiplier
    span = indicator.comparator_range
    if value is not None and span is not None and not span[0] <= value <= span[1]:
        raise SubmissionRefused(
            "value",
            f"{value:g} is outside {span[0]:g}-{span[1]:g} {indicator.unit}, where a "
            f"{kind.value} figure for {indicator.id!r} lies; is it on another scale "
            "(a fraction sent for a percentage)?",
        )


def _check_figures(submission: Submission, indicator: Indicator) -> int | None:
    """The figures must make sense for the value type; returns the whole numerator."""
    numerator, denominator, value = (
        submission.numerator,
        submission.denominator,
        submission.value,
    )
    for name, number in (
        ("numerator", numerator),
        ("denominator", denominator),
        ("value", value),
        ("standard_deviation", submission.standard_deviation),
    ):
        if number is not None and not math.isfinite(number):
            raise SubmissionRefused(name, "must be a finite number")
        if number is not None and number < 0:
            raise SubmissionRefused(name, "must not be negative")
    ours = submission.area_kind in ANALYSED_KINDS
    kind = indicator.value_type
    if numerator is not None and numerator != int(numerator):
        raise SubmissionRefused("numerator", "must be a whole number of children or events")
    if kind is ValueType.PROPORTION and value is not None and value > indicator.multiplier:
        raise SubmissionRefused(
            "value", f"a proportion lies between 0 and {indicator.multiplier:g}; got {value:g}"
        )
    if numerator is not None and numerator > MAX_COUNT:
        raise SubmissionRefused("numerator", f"must be at most {MAX_COUNT}")
    if kind in (ValueType.PROPORTION, ValueType.RATE):
        if ours or value is None:
            _require(numerator, "numerator", kind)
            _require(denominator, "denominator", kind)
        if numerator is not None and denominator is not None:
            if kind is ValueType.PROPORTION:
                if denominator != int(denominator):
                    raise SubmissionRefused("denominator", "must be a whole number of children")
                if numerator > denominator:
                    raise SubmissionRefused(
                        "numerator",
                        f"must not exceed the denominator for a proportion "
                        f"({numerator:g} > {denominator:g})",
                    )
            _refuse_single_child(denominator)
            if value is not None:
                expected = numerator / denominator * indicator.multiplier
                if abs(value - expected) > VALUE_TOLERANCE * max(abs(expected), 1.0):
                    raise SubmissionRefused(
                        "value",
                        f"{value:g} does not match numerator/denominator x "
                        f"{indicator.multiplier:g} = {expected:.4g}",
                    )
    elif kind is ValueType.COUNT:
        if ours or value is None:
            _require(numerator, "numerator", kind)
        if numerator is not None and value is not None and value != numerator:
            raise SubmissionRefused("value", "for a count must equal the numerator")
    else:
        _require(value, "value", kind)
        if ours:
            _require(denominator, "denominator", kind)
        if denominator is not None:
            if denominator != int(denominator):
                raise SubmissionRefused("denominator", "must be a whole number of children")
            _refuse_single_child(denominator)
    return None if numerator is None else int(numerator)


def _require(number: float | None, name: str, kind: ValueType) -> None:
    if number is None:
        raise SubmissionRefused(name, f"is required for a {kind.value} indicator")


def _refuse_single_child(denominator: float) -> None:
    if denominator < 2:
        raise SubmissionRefused(
            "denominator",
            f"{denominator:g} describes a single child; only aggregate figures are accepted",
        )
