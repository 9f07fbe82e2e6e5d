"""Facts from the procurement and monitoring services' events: the procurement pipeline,
contracts with their funding, monitored contracts, their latest RAG, and alerts (Durham
framework, section 3, "Procurement and Contracting Function" and PPDG duty 4; Gateshead
handbook, Activity Four)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from services.boards.application.facts import Fact, merge, replace, text
from services.boards.domain.documents import Document, Kind
from shared.contracts.monitoring import (
    AlertRaised,
    AlertStepRecorded,
    Audience,
    MonitoredContract,
    PerformanceReturnAccepted,
)
from shared.contracts.procurement import (
    BidReceived,
    ContractAwarded,
    ContractStarted,
    ContractTerminated,
    ContractVaried,
    ProcurementOpened,
    SelectListChange,
    SelectListChanged,
    TenderClosed,
    TenderPublished,
)


def procurement_opened(p: ProcurementOpened) -> list[Fact]:
    key = str(p.procurement_id)
    body = {
        "title": p.title,
        "locality": p.locality,
        "priority": p.priority,
        "value": str(p.value),
        "specialist": p.specialist,
        "outcomes": list(p.outcomes),
        "route": p.route.value,
        "project_id": text(p.project_id),
        "stage": "opened",
        "bids": 0,
        "deadline": None,
        "provider_id": None,
        "awarded_value": None,
        "opened_at": p.opened_at.isoformat(),
    }
    change = replace(Kind.PROCUREMENT, key, (p.locality,), body, p.opened_at)
    said = f"Procurement opened: {p.title} ({p.route.value}, £{p.value})"
    return [Fact(Kind.PROCUREMENT, key, change, said)]


def tender_published(p: TenderPublished) -> list[Fact]:
    key = str(p.procurement_id)
    at = p.published_at
    change = merge(Kind.PROCUREMENT, key, at, stage="tendering", deadline=p.deadline.isoformat())
    return [Fact(Kind.PROCUREMENT, key, change, f"Tender published: {p.title}")]


def bid_received(p: BidReceived) -> list[Fact]:
    """One more sealed bid: a count, so it relies on the inbox to apply each bid once."""
    key = str(p.procurement_id)

    def change(previous: Document | None) -> Document | None:
        if previous is None:
            return None
        body = {**previous.body, "bids": int(previous.body.get("bids", 0)) + 1}
        return Document(Kind.PROCUREMENT, key, previous.localities, body, p.received_at)

    return [Fact(Kind.PROCUREMENT, key, change, "A sealed bid was received")]


def tender_closed(p: TenderClosed) -> list[Fact]:
    key = str(p.procurement_id)
    change = merge(Kind.PROCUREMENT, key, p.closed_at, stage="closed", bids=p.bids_received)
    return [Fact(Kind.PROCUREMENT, key, change, f"Tender closed with {p.bids_received} bids")]


def contract_awarded(p: ContractAwarded) -> list[Fact]:
    key = str(p.procurement_id)
    change = merge(
        Kind.PROCUREMENT,
        key,
        p.awarded_at,
        stage="awarded",
        provider_id=p.provider_id,
        awarded_value=str(p.value),
        standstill_ends=p.standstill_ends.isoformat(),
    )
    return [Fact(Kind.PROCUREMENT, key, change, f"Contract awarded to {p.provider_id}")]


MONEY_LIMIT = Decimal(10) ** 12
PENNY = Decimal("0.01")


def money(value: Decimal, field: str) -> str:
    """A sum as the platform's money (procurement's Money: pounds to the penny, under
    £10^12). Any other refuses the event (the inbox dead-letters it with this reason), so no
    board holds a figure its sums cannot add up."""
    if not (abs(value) < MONEY_LIMIT and value == value.quantize(PENNY)):
        raise ValueError(f"{field}: {value} is not an amount of money (pounds to the penny)")
    return str(value)


def contract_started(p: ContractStarted) -> list[Fact]:
    key = str(p.contract_id)
    body = {
        "procurement_id": str(p.procurement_id),
        "provider_id": p.provider_id,
        "title": p.title,
        "value": money(p.value, "value"),
        "localities": list(p.localities),
        "outcomes": list(p.outcomes),
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "route": p.route.value,
        "level": text(p.level),
        "status": "live",
        "terminated_on": None,
        "funding": [
            {
                "fund_id": f.fund_id,
                "amount": money(f.amount, "funding.amount"),
                "partners": {
                    k: money(v, "funding.partners") for k, v in sorted(f.partners.items())
                },
            }
            for f in p.funding
        ],
        "started_at": p.started_at.isoformat(),
    }
    change = replace(Kind.CONTRACT, key, tuple(p.localities), body, p.started_at)
    said = f"Contract started: {p.title} with {p.provider_id} (£{p.value})"
    return [Fact(Kind.CONTRACT, key, change, said)]


def contract_varied(p: ContractVaried) -> list[Fact]:
    key = str(p.contract_id)
    ends = {} if p.ends_on is None else {"ends_on": p.ends_on.isoformat()}
    change = merge(Kind.CONTRACT, key, p.varied_at, **ends)
    return [Fact(Kind.CONTRACT, key, change, f"Contract varied: {p.reason}")]


def contract_terminated(p: ContractTerminated) -> list[Fact]:
    key = str(p.contract_id)
    change = merge(
        Kind.CONTRACT,
        key,
        p.terminated_at,
        status="terminated",
        terminated_on=p.terminated_on.isoformat(),
    )
    return [Fact(Kind.CONTRACT, key, change, f"Contract terminated: {p.reason}")]


def monitored_contract(p: MonitoredContract, at: datetime) -> list[Fact]:
    """A contract registered for monitoring; a later version supersedes an earlier one.
    Its event carries no time of its own, so `at` is the envelope's `occurred_at`."""
    key = p.contract_id
    where = (p.locality,) if p.locality else ()
    body = {
        "title": p.title,
        "provider_id": p.provider_id,
        "level": p.level.value,
        "locality": p.locality,
        "outcomes": list(p.outcomes),
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "version": p.version,
    }

    def change(previous: Document | None) -> Document | None:
        if previous is not None and int(previous.body.get("version", 0)) >= p.version:
            return None
        return Document(Kind.MONITORED_CONTRACT, key, where, body, at)

    said = f"Contract under monitoring: {p.title} ({p.level.value}, version {p.version})"
    return [Fact(Kind.MONITORED_CONTRACT, key, change, said, where)]


def return_accepted(p: PerformanceReturnAccepted, at: datetime, locality: str | None) -> list[Fact]:
    """The latest period's RAG (a higher revision of a period corrects it; an older period
    never overwrites a newer one). `at` and `locality` are the envelope's."""
    key = p.contract_id
    where = (locality,) if locality else ()
    body = {
        "period": p.period,
        "revision": p.revision,
        "status": p.contract_status.value,
        "results": [{"kpi_id": r.kpi_id, "value": r.value, "rag": r.rag.value} for r in p.results],
    }

    def change(previous: Document | None) -> Document | None:
        if previous is not None:
            then = (str(previous.body["period"]), int(previous.body["revision"]))
            if then >= (p.period, p.revision):
                return None
        return Document(Kind.PERFORMANCE, key, where, body, at)

    said = f"Return for {p.period} on contract {p.contract_id}: {p.contract_status.value}"
    return [Fact(Kind.PERFORMANCE, key, change, said, where)]


def alert_raised(p: AlertRaised) -> list[Fact]:
    key = str(p.alert_id)
    where = (p.locality,) if p.locality else ()
    body = {
        "contract_id": p.contract_id,
        "provider_id": p.provider_id,
        "kpi_id": p.kpi_id,
        "period": p.period,
        "rule": p.rule.value,
        "severity": p.severity.value,
        "audience": p.audience.value,
        "locality": p.locality,
        "evidence": p.evidence,
        "recommendation": None if p.recommendation is None else p.recommendation.value,
        "state": "raised",
        "raised_at": p.raised_at.isoformat(),
        "updated_at": p.raised_at.isoformat(),
        "review_on": None,
    }
    change = replace(Kind.ALERT, key, where, body, p.raised_at)
    said = f"Alert for the {p.audience.value.replace('_', ' ')}: {p.rule.value} ({p.period})"
    return [Fact(Kind.ALERT, key, change, said, told_to_locality(p.audience, p.locality))]


def told_to_locality(audience: Audience, locality: str | None) -> tuple[str, ...]:
    """The locality whose board's story tells of an alert: only a local board's own alerts.
    Monitoring shows a local board member no alert raised for the JCU or the Executive Board,
    even one about a contract in its locality (an escalation), so its story does not tell it."""
    return (locality,) if locality and audience is Audience.LOCAL_BOARD else ()


def alert_step(p: AlertStepRecorded) -> list[Fact]:
    key = str(p.alert_id)
    change = merge(
        Kind.ALERT,
        key,
        p.recorded_at,
        state=p.state.value,
        updated_at=p.recorded_at.isoformat(),
        review_on=text(p.review_on),
    )
    said = f"Alert on contract {p.contract_id}: {p.state.value.replace('_', ' ')}"
    return [Fact(Kind.ALERT, key, change, said, told_to_locality(p.audience, p.locality))]


def select_list_changed(p: SelectListChanged) -> list[Fact]:
    """A board's select list for a priority: the providers on it, in order of id."""
    key = f"{p.locality}/{p.priority}"

    def change(previous: Document | None) -> Document | None:
        members = set(previous.body["providers"]) if previous is not None else set()
        if p.change is SelectListChange.ADMITTED:
            members.add(p.provider_id)
        else:
            members.discard(p.provider_id)
        body = {"locality": p.locality, "priority": p.priority, "providers": sorted(members)}
        return Document(Kind.SELECT_LIST, key, (p.locality,), body, p.decided_at)

    said = f"Select list for {p.priority}: {p.provider_id} {p.change.value}"
    return [Fact(Kind.SELECT_LIST, key, change, said)]
