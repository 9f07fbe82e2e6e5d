"""Ingest indicator values and re-analyse what they change: the one path for HTTP and Kafka.

Invariants protected here:
- A batch is all or nothing: any refused value refuses the batch with every reason (HTTP
  answers 422; the Kafka consumer retries event by event so only the bad ones are
  dead-lettered), and nothing of a refused batch is stored.
- Needs events are published only on a change of state (opened, resolved), in the same
  transaction as the stored values and the need, and analyses of one indicator are
  serialised (`ValueRepository.lock`) so a need is never opened twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.needs.application.config import NeedsConfig
from services.needs.application.evidence import EvidencePublisher, contract_area
from services.needs.application.ports import (
    NeedsUnitOfWork,
    RevisionsConflict,
    StoreOutcome,
)
from services.needs.application.releases import load_released, record_releases
from services.needs.domain.analysis import (
    IndicatorData,
    NeedTransition,
    SeriesAssessment,
    affected_series,
    assess_series,
    need_key,
    need_transition,
)
from services.needs.domain.model import (
    AreaKind,
    ReportedValue,
    Submission,
    SubmissionRefused,
    accept,
)
from services.needs.domain.need import Need
from shared.contracts.needs import IndicatorValueSubmitted, NeedIdentified, NeedReason, NeedResolved
from shared.envelope import Envelope


@dataclass(frozen=True)
class Refusal:
    """Why item ``index`` of a batch was refused."""

    index: int
    field: str
    rule: str


class BatchRefused(ValueError):
    """At least one value of the batch broke a rule; nothing was stored."""

    def __init__(self, refusals: Sequence[Refusal], *, conflict: bool = False) -> None:
        super().__init__("; ".join(f"{r.field}: {r.rule}" for r in refusals))
        self.refusals = list(refusals)
        self.conflict = conflict


@dataclass(frozen=True)
class Incoming:
    """A submitted value and, from Kafka, the event it came in."""

    submission: IndicatorValueSubmitted
    event: Envelope | None = None


@dataclass(frozen=True)
class IngestResult:
    """What became of one value: stored, or a duplicate of what was already held."""

    index: int
    outcome: str
    current: bool
    """False when a higher revision is already held (kept in the history only)."""


@dataclass(frozen=True)
class NeedChange:
    """A need opened or resolved by an ingest."""

    need_key: str
    transition: NeedTransition


def to_submission(payload: IndicatorValueSubmitted) -> Submission:
    """The contract's fields as a domain submission."""
    return Submission(
        indicator_id=payload.indicator_id,
        agency=payload.agency,
        area_kind=AreaKind(payload.area.kind.value),
        area_code=payload.area.code,
        period=payload.period,
        breakdown=payload.breakdown,
        numerator=payload.numerator,
        denominator=payload.denominator,
        value=payload.value,
        standard_deviation=payload.standard_deviation,
        revision=payload.revision,
        note=payload.note,
    )


def check_batch(items: Sequence[Incoming], config: NeedsConfig) -> list[ReportedValue]:
    """Every value must pass every rule, or the batch is refused with all the reasons."""
    accepted: list[ReportedValue] = []
    refusals: list[Refusal] = []
    for index, item in enumerate(items):
        try:
            if item.event is not None:
                check_envelope(item.event, item.submission, config)
            accepted.append(
                accept(
                    to_submission(item.submission),
                    config.catalogue,
                    trust_id=config.trust_id,
                    locality_ids=config.locality_ids,
                    comparator_codes=config.comparator_codes,
                )
            )
        except SubmissionRefused as refused:
            refusals.append(Refusal(index, refused.field, refused.rule))
    if refusals:
        raise BatchRefused(refusals)
    return accepted


def subject_of(payload: IndicatorValueSubmitted) -> str:
    """The subject (and partition key) of a value's event: its series and period, so that
    revisions of one value stay in order."""
    area = payload.area
    return f"{payload.indicator_id}/{area.kind.value}/{area.code}/{payload.period}"


def check_envelope(event: Envelope, payload: IndicatorValueSubmitted, config: NeedsConfig) -> None:
    """The envelope must describe its payload: the trust served, the value's subject, and
    its locality (routing and scoping read the envelope, not the payload)."""
    if event.trust != config.trust_id:
        raise SubmissionRefused(
            "trust", f"event is for trust {event.trust!r}, not {config.trust_id!r}"
        )
    subject = subject_of(payload)
    if event.subject != subject:
        raise SubmissionRefused(
            "subject", f"envelope subject {event.subject!r} does not match the payload: {subject!r}"
        )
    locality = payload.area.code if payload.area.kind.value == AreaKind.LOCALITY.value else None
    if event.locality != locality:
        expected = "no locality" if locality is None else f"locality {locality!r}"
        raise SubmissionRefused(
            "locality",
            f"envelope locality {event.locality!r} does not match the payload: {expected}",
        )


async def ingest(
    items: Sequence[Incoming], uow: NeedsUnitOfWork, config: NeedsConfig, *, via: str
) -> tuple[list[IngestResult], list[NeedChange]]:
    """Check, store and re-analyse a batch; stage needs events in ``uow`` (caller commits)."""
    accepted = check_batch(items, config)
    if not accepted:
        return [], []
    await uow.values.lock(v.indicator_id for v in accepted)
    try:
        outcomes = await uow.values.add(
            accepted, via=via, event_ids=[i.event.id if i.event else None for i in items]
        )
    except RevisionsConflict as conflict:
        raise BatchRefused(
            [Refusal(c.index, "revision", c.rule) for c in conflict.conflicts], conflict=True
        ) from conflict
    changed = [
        value
        for value, outcome in zip(accepted, outcomes, strict=True)
        if outcome is StoreOutcome.STORED
    ]
    causes = {
        (value.indicator_id, value.area_kind, value.area_code, value.breakdown_key): item.event
        for value, item, outcome in zip(accepted, items, outcomes, strict=True)
        if item.event is not None and outcome is StoreOutcome.STORED
    }
    current, changes = await reanalyse(changed, uow, config, causes)
    results = [
        IngestResult(
            index=i,
            outcome=outcome.value,
            current=current.get(value.identity, value.revision) <= value.revision,
        )
        for i, (value, outcome) in enumerate(zip(accepted, outcomes, strict=True))
    ]
    return results, changes


async def reanalyse(
    changed: Sequence[ReportedValue],
    uow: NeedsUnitOfWork,
    config: NeedsConfig,
    causes: dict[SeriesKey, Envelope],
) -> tuple[dict[tuple[str, str, str, str, str], int], list[NeedChange]]:
    """Re-assess the series the changed values touch; open and resolve needs on change,
    honouring and recording the releases their events publish (``releases.py``)."""
    if not changed:
        return {}, []
    by_indicator: dict[str, list[ReportedValue]] = defaultdict(list)
    for value in changed:
        by_indicator[value.indicator_id].append(value)
    values = await uow.values.current(by_indicator)
    released = await load_released(uow, config, by_indicator)
    open_needs = await uow.needs.open_by_key(by_indicator)
    published: dict[str, IndicatorData] = {}
    current_revisions = {v.identity: v.revision for held in values.values() for v in held}
    changes: list[NeedChange] = []
    now = datetime.now(UTC)
    for indicator_id, indicator_changes in sorted(by_indicator.items()):
        indicator = config.catalogue[indicator_id]
        data = IndicatorData(indicator, values.get(indicator_id, ()), released.get(indicator_id))
        publisher = EvidencePublisher(data, config.rule, config.trust_id)
        relevant = [v for v in indicator_changes if current_revisions.get(v.identity) == v.revision]
        for kind, code, bk in affected_series(relevant, data):
            assessment = assess_series(data, kind, code, bk, config.analysis)
            key = need_key(indicator_id, kind, code, bk)
            held = open_needs.get(key)
            transition = need_transition(assessment, held is not None)
            if transition is NeedTransition.UNCHANGED or assessment is None:
                continue
            cause = cause_of(causes, indicator_id, kind, code, bk)
            if transition is NeedTransition.IDENTIFY:
                await identify(uow, assessment, publisher, now, cause)
            elif held is not None:
                await resolve(uow, held, assessment, publisher, now, cause)
            changes.append(NeedChange(key, transition))
            published[indicator_id] = data
    await record_releases(uow, config, published)
    return current_revisions, changes


SeriesKey = tuple[str, AreaKind, str, str]
"""Indicator, area kind, area code, breakdown key."""


def cause_of(
    causes: dict[SeriesKey, Envelope], indicator_id: str, kind: AreaKind, code: str, bk: str
) -> Envelope | None:
    """The event that changed this series: its own value's, else its area's total (the
    vulnerable-group comparison), else a value of its comparator group. Never simply the
    batch's first or last event: each needs event names its own cause."""
    found = causes.get((indicator_id, kind, code, bk)) or causes.get((indicator_id, kind, code, ""))
    if found is None:
        found = next(
            (e for (i, _, _, b), e in causes.items() if i == indicator_id and b == bk), None
        )
    return found


async def identify(
    uow: NeedsUnitOfWork,
    assessment: SeriesAssessment,
    publisher: EvidencePublisher,
    now: datetime,
    cause: Envelope | None,
) -> None:
    """Open a need and publish NeedIdentified with its disclosure-controlled evidence."""
    evidence = publisher.evidence(assessment)
    reasons = [NeedReason(r.value) for r in assessment.reasons]
    assert assessment.reason is not None
    need = Need.identify(
        need_key=assessment.need_key,
        indicator_id=assessment.indicator.id,
        area_kind=assessment.area_kind,
        area_code=assessment.area_code,
        breakdown_key=assessment.breakdown_key,
        reason=assessment.reason.value,
        reasons=tuple(r.value for r in reasons),
        outcomes=tuple(assessment.indicator.outcomes),
        vulnerable_group=assessment.vulnerable_group,
        at=now,
        evidence=evidence.model_dump(mode="json"),
    )
    await uow.needs.add(need)
    event = NeedIdentified(
        need_id=need.need_id,
        need_key=need.need_key,
        indicator_id=need.indicator_id,
        indicator_name=assessment.indicator.name,
        outcomes=list(need.outcomes),
        area=contract_area(need.area_kind, need.area_code),
        locality=need.locality,
        breakdown=dict(need.breakdown),
        vulnerable_group=need.vulnerable_group,
        reason=NeedReason(need.reason),
        reasons=reasons,
        evidence=evidence,
        identified_at=now,
    )
    uow.publish(event, subject=event.need_key, locality=event.locality, caused_by=cause)


async def resolve(
    uow: NeedsUnitOfWork,
    held: Need,
    assessment: SeriesAssessment,
    publisher: EvidencePublisher,
    now: datetime,
    cause: Envelope | None,
) -> None:
    """Close a need and publish NeedResolved with the evidence that closed it."""
    evidence = publisher.evidence(assessment)
    held.resolve(at=now, evidence=evidence.model_dump(mode="json"))
    await uow.needs.save(held)
    event = NeedResolved(
        need_id=held.need_id,
        need_key=held.need_key,
        indicator_id=held.indicator_id,
        area=contract_area(held.area_kind, held.area_code),
        locality=held.locality,
        breakdown=dict(held.breakdown),
        evidence=evidence,
        resolved_at=now,
    )
    uow.publish(event, subject=event.need_key, locality=event.locality, caused_by=cause)
