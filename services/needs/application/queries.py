"""What a caller may read and publish, and the reads themselves (scoping lives here, not in
the routers, so it is tested with the use cases).

Trust-wide roles see every area; a Local Children's Board member sees their own locality,
the trust and the comparator areas (Durham Children's Trust framework, section 3, "Local
Children's Boards"); an agency publisher submits values for its own agency's indicators and
reads back its own submissions' history.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.needs.application import reports
from services.needs.application.assessments import Publication, publish_assessment
from services.needs.application.config import NeedsConfig
from services.needs.application.ports import Area, NeedsUnitOfWork, ValueRevision
from services.needs.application.releases import record_releases
from services.needs.domain.assessment import NeedsAssessment
from services.needs.domain.model import AreaKind
from services.needs.domain.need import NeedState
from shared.auth import Principal

COMPARATOR_KINDS = frozenset(AreaKind) - {AreaKind.LOCALITY, AreaKind.TRUST}


@dataclass(frozen=True)
class Problem:
    """What was wrong with a request: the field and the rule it broke."""

    field: str
    rule: str
    index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"field": self.field, "rule": self.rule}
        return found if self.index is None else {"index": self.index, **found}


class NotFound(LookupError):
    def __init__(self, field: str, rule: str) -> None:
        super().__init__(rule)
        self.problem = Problem(field, rule)


class Forbidden(PermissionError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.rule for p in problems))
        self.problems = list(problems)


class Unprocessable(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.rule for p in problems))
        self.problems = list(problems)


def visible_areas(principal: Principal, config: NeedsConfig) -> list[Area] | None:
    """None for trust-wide roles (everything); else the trust and the member's locality."""
    if principal.is_trust_wide:
        return None
    areas: list[Area] = [(AreaKind.TRUST, config.trust_id)]
    if principal.locality:
        areas.append((AreaKind.LOCALITY, principal.locality))
    return areas


def check_locality(principal: Principal, locality: str, config: NeedsConfig) -> None:
    """404 for a locality the trust does not have; 403 for one the caller may not see."""
    if locality not in config.locality_ids:
        raise NotFound("locality", f"unknown locality {locality!r}")
    if not principal.can_see_locality(locality):
        rule = f"a local board member sees locality {principal.locality!r} only"
        raise Forbidden([Problem("area", rule)])


def check_indicator(indicator_id: str | None, config: NeedsConfig) -> None:
    if indicator_id is not None and indicator_id not in config.catalogue:
        raise NotFound("indicator_id", f"unknown indicator {indicator_id!r}")


def check_agencies(principal: Principal, agencies: Sequence[str]) -> None:
    """A token publishes for its own agency only: every foreign value is named."""
    wrong = [
        Problem("agency", f"this token publishes for agency {principal.agency!r} only", i)
        for i, agency in enumerate(agencies)
        if not principal.can_publish_for_agency(agency)
    ]
    if wrong:
        raise Forbidden(wrong)


@dataclass(frozen=True)
class Filters:
    """Narrowing of a read: one indicator, one outcome, a group dimension (or 'all')."""

    indicator_id: str | None = None
    outcome: str | None = None
    group: str | None = None


async def values_of(
    uow: NeedsUnitOfWork, config: NeedsConfig, area: tuple[AreaKind, str | None], f: Filters
) -> list[dict[str, Any]]:
    """Current values of an area (code None: every area of a comparator kind); the tables
    they come from are recorded as released (caller commits)."""
    check_indicator(f.indicator_id, config)
    datas = await reports.load(uow, config, [f.indicator_id] if f.indicator_id else None)
    kind, code = area
    rows = reports.value_rows(datas, config, kind, code, outcome=f.outcome, group=f.group)
    await record_releases(uow, config, datas)
    return rows


async def comparisons_of(
    uow: NeedsUnitOfWork, config: NeedsConfig, area: Area, f: Filters
) -> list[dict[str, Any]]:
    check_indicator(f.indicator_id, config)
    datas = await reports.load(uow, config, [f.indicator_id] if f.indicator_id else None)
    kind, code = area
    rows = reports.comparison_rows(datas, config, kind, code, outcome=f.outcome, group=f.group)
    await record_releases(uow, config, datas)
    return rows


async def needs_of(
    uow: NeedsUnitOfWork,
    config: NeedsConfig,
    areas: Sequence[Area] | None,
    state: NeedState | None,
    f: Filters,
    vulnerable: bool | None = None,
) -> list[dict[str, Any]]:
    """Needs of the areas (None: every area), newest first."""
    found = await uow.needs.find(areas=areas, state=state)
    found = reports.filter_needs(found, config, outcome=f.outcome, group=f.group)
    if vulnerable is not None:
        found = [n for n in found if n.vulnerable_group == vulnerable]
    return [reports.need_view(n) for n in found]


async def value_history(
    uow: NeedsUnitOfWork,
    config: NeedsConfig,
    principal: Principal,
    indicator_id: str,
    area: Area,
    period: str | None,
    breakdown_key: str | None,
) -> list[ValueRevision]:
    """The owning agency reads back its own submissions, superseded revisions included."""
    check_indicator(indicator_id, config)
    owner = config.catalogue[indicator_id].owning_agency
    if not principal.can_publish_for_agency(owner):
        rule = f"indicator {indicator_id!r} belongs to agency {owner!r}"
        raise Forbidden([Problem("agency", rule)])
    return await uow.values.history(indicator_id, area, period, breakdown_key)


def assessment_areas(names: Sequence[str], config: NeedsConfig) -> list[Area]:
    """'trust' and locality ids as areas; none named means the trust and every locality."""
    wanted = list(names) or ["trust", *sorted(config.locality_ids)]
    areas: list[Area] = []
    refused: list[Problem] = []
    for index, name in enumerate(wanted):
        if name == "trust":
            areas.append((AreaKind.TRUST, config.trust_id))
        elif name in config.locality_ids:
            areas.append((AreaKind.LOCALITY, name))
        else:
            refused.append(Problem(f"areas.{index}", f"unknown area {name!r}"))
    if refused:
        raise Unprocessable(refused)
    return areas


async def publish_assessments(
    uow: NeedsUnitOfWork, config: NeedsConfig, principal: Principal, names: Sequence[str]
) -> list[Publication]:
    """Publish the next version for each area named whose content changed (caller
    commits); an unchanged area keeps its latest version."""
    areas = assessment_areas(names, config)
    return [
        await publish_assessment(uow, config, kind, code, principal.subject) for kind, code in areas
    ]


async def visible_assessments(
    uow: NeedsUnitOfWork, config: NeedsConfig, principal: Principal
) -> list[NeedsAssessment]:
    return await uow.assessments.list(visible_areas(principal, config))


async def visible_assessment(
    uow: NeedsUnitOfWork, principal: Principal, assessment_id: uuid.UUID
) -> NeedsAssessment:
    """An assessment of a locality the caller may not see is answered as absent (404), so
    its id's existence is not confirmed either."""
    found = await uow.assessments.get(assessment_id)
    if found is None or (
        found.locality is not None and not principal.can_see_locality(found.locality)
    ):
        raise NotFound("assessment_id", f"no needs assessment {assessment_id}")
    return found
