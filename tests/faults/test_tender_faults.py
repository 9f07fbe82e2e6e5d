"""A tender's two dangerous windows, in the real procurement process (`commissioning serve
procurement`), SIGKILLed at a failpoint and restarted:

- a bid accepted, its sealed contents stored and BidReceived staged, not yet committed:
  the provider's retry must leave one sealed bid and one BidReceived per provider;
- a tender closing, its data key released in the clear, the tender not yet closed: the
  key must not outlive the kill while the tender is still open (which would unseal the
  bids before close), and the retry must close it once.

Each is also run with its mechanism disabled (tests/faults/serve.py), and its check must
find the damage.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared import failpoints
from shared.auth import Role
from shared.settings import KafkaSettings
from shared.topics import PROCUREMENT_EVENTS
from tests.backbone.support import eventually
from tests.faults.services import ServiceUnderFault, service_processes
from tests.faults.test_procurement_faults import EVIDENCE, service_caught_up

pytestmark = [pytest.mark.broker, pytest.mark.database]

BIDS = {"home-start": "40000.00", "family-action": "42000.00"}


@pytest.fixture
def procurement(
    database_url: str, kafka: KafkaSettings, unique_schema: str, schemas: list[str], tmp_path: Path
) -> ServiceUnderFault:
    schemas.append(unique_schema)
    return ServiceUnderFault("procurement", database_url, kafka, unique_schema, tmp_path)


async def select_list_tender(service: ServiceUnderFault, deadline: datetime) -> str:
    """A £45,000 service in Easington: a mini-competition among its select list of two."""
    officer = service.token("olive", Role.COMMISSIONING_OFFICER)
    board = service.token("bella", Role.LOCAL_BOARD_MEMBER, locality="easington")
    for provider_id in BIDS:
        body = {"provider_id": provider_id, "name": provider_id, "sector": "voluntary"}
        await expect(service, "PUT", f"/providers/{provider_id}", officer, body | EVIDENCE, 200)
        path = "/select-lists/easington/parenting/providers"
        await expect(service, "POST", path, board, {"provider_id": provider_id}, 204)
    request = {
        "request_id": str(uuid.uuid4()),
        "title": "Parenting support",
        "locality": "easington",
        "priority": "parenting",
        "value": "45000.00",
        "outcomes": ["be_healthy"],
    }
    opened = await expect(service, "POST", "/procurements", officer, request, 201)
    pid: str = opened["procurement_id"]
    tender = {"deadline": deadline.isoformat(), "quality_weight": 60, "price_weight": 40}
    await expect(service, "POST", f"/procurements/{pid}/tender", officer, tender, 200)
    return pid


async def expect(
    service: ServiceUnderFault,
    method: str,
    path: str,
    headers: dict[str, str],
    body: object,
    status: int,
) -> dict[str, str]:
    answer = await service.call(method, path, headers, body)
    assert answer is not None and answer.status_code == status, (
        answer.text if answer is not None else "no answer"
    )
    return dict(answer.json()) if answer.content else {}


async def bid(service: ServiceUnderFault, pid: str, provider_id: str) -> int | None:
    body = {"price": BIDS[provider_id], "proposal": f"{provider_id} runs weekly groups"}
    headers = service.token(f"{provider_id}-user", Role.PROVIDER, provider_id=provider_id)
    answer = await service.call("POST", f"/procurements/{pid}/bids", headers, body)
    return None if answer is None else answer.status_code


async def received(service: ServiceUnderFault, pid: str) -> tuple[int, int]:
    """(bids stored, BidReceived published) for the tender."""
    bids = await service.rows("SELECT 1 FROM bid WHERE procurement_id::text = $1", pid)
    events = [
        e
        for e in await service.events(PROCUREMENT_EVENTS.name)
        if e["type"] == "procurement.BidReceived.v1" and e["payload"]["procurement_id"] == pid
    ]
    return len(bids), len(events)


@dataclass
class Bids:
    after_kill: tuple[int, int]
    retried: int | None
    stored: int
    announced: int
    in_the_clear: int
    """Stored bids whose proposal or price can be read in the row."""

    @property
    def violations(self) -> list[str]:
        found = []
        if self.after_kill != (0, 0):
            found.append(
                f"after the kill: {self.after_kill[0]} bids, {self.after_kill[1]} announced"
            )
        if (self.stored, self.announced) != (2, 2):
            found.append(f"{self.stored} bids stored, {self.announced} BidReceived")
        if self.in_the_clear:
            found.append(f"{self.in_the_clear} bids readable in their rows")
        return found


async def bid_killed_and_retried(service: ServiceUnderFault, mutation: str | None = None) -> Bids:
    await service.prepare()
    with service_processes(service):
        await service.start(failpoints.PROCUREMENT_BID_SEALED, mutation)
        pid = await select_list_tender(service, datetime.now(UTC) + timedelta(hours=1))
        assert await bid(service, pid, "home-start") is None, "the armed service answered"
        await service.killed_at_failpoint()
        after_kill = await received(service, pid)
        await service.start(mutation=mutation)
        retried = await bid(service, pid, "home-start")
        assert await bid(service, pid, "family-action") == 201
        await eventually(service_caught_up(service), 30, 0.5)
        stored, announced = await received(service, pid)
        rows = await service.rows("SELECT sealed FROM bid WHERE procurement_id::text = $1", pid)
    clear = [r for r in rows if b"weekly groups" in r["sealed"] or b"40000" in r["sealed"]]
    return Bids(after_kill, retried, stored, announced, len(clear))


async def test_a_kill_after_a_bid_is_sealed_leaves_no_trace_and_the_retry_bids_once(
    procurement: ServiceUnderFault,
) -> None:
    bids = await bid_killed_and_retried(procurement)
    print(f"\n[fault] procurement, {failpoints.PROCUREMENT_BID_SEALED}: {bids}")
    assert procurement.kills == 1
    assert bids.retried == 201
    assert bids.violations == []


async def test_with_events_published_outside_the_transaction_the_check_finds_a_phantom_bid(
    procurement: ServiceUnderFault,
) -> None:
    """The test of the test: BidReceived escapes for a bid that was never stored."""
    bids = await bid_killed_and_retried(procurement, "publish-outside-transaction")
    print(f"\n[fault] procurement, mutation publish-outside-transaction (bid): {bids}")
    assert bids.violations, "the check missed a BidReceived for a bid never stored"


@dataclass
class Closing:
    after_kill: tuple[str, bool, int]
    """(the tender's state, its key released, TenderClosed published) once killed."""
    retried: int | None
    closed: tuple[str, bool, int]

    @property
    def violations(self) -> list[str]:
        found = []
        state, released, announced = self.after_kill
        if released and state != "closed":
            found.append(f"the key was in the clear while the tender was {state}")
        if announced:
            found.append(f"after the kill: {announced} TenderClosed for an open tender")
        if self.closed != ("closed", True, 1):
            found.append(f"in the end: {self.closed}")
        return found


async def closing(service: ServiceUnderFault, pid: str) -> tuple[str, bool, int]:
    [row] = await service.rows(
        "SELECT p.state, k.released_key IS NOT NULL AS released FROM procurement p "
        "JOIN tender_key k USING (procurement_id) WHERE p.procurement_id::text = $1",
        pid,
    )
    events = [
        e
        for e in await service.events(PROCUREMENT_EVENTS.name)
        if e["type"] == "procurement.TenderClosed.v1" and e["payload"]["procurement_id"] == pid
    ]
    return str(row["state"]), bool(row["released"]), len(events)


async def close_killed_and_retried(
    service: ServiceUnderFault, mutation: str | None = None
) -> Closing:
    officer = service.token("olive", Role.COMMISSIONING_OFFICER)
    await service.prepare()
    with service_processes(service):
        await service.start(failpoints.PROCUREMENT_KEY_RELEASED, mutation)
        deadline = datetime.now(UTC) + timedelta(seconds=4)
        pid = await select_list_tender(service, deadline)
        for provider_id in BIDS:
            assert await bid(service, pid, provider_id) == 201
        await eventually(past(deadline), 30, 0.2)
        lost = await service.call("POST", f"/procurements/{pid}/close", officer)
        assert lost is None, "the armed service answered"
        await service.killed_at_failpoint()
        after_kill = await closing(service, pid)
        await service.start(mutation=mutation)
        retried = await service.call("POST", f"/procurements/{pid}/close", officer)
        await eventually(service_caught_up(service), 30, 0.5)
        closed = await closing(service, pid)
    return Closing(after_kill, retried.status_code if retried else None, closed)


def past(moment: datetime) -> Callable[[], Awaitable[bool]]:
    async def passed() -> bool:
        return datetime.now(UTC) > moment

    return passed


async def test_a_kill_after_the_key_is_released_keeps_the_bids_sealed_and_closes_once(
    procurement: ServiceUnderFault,
) -> None:
    closing_ = await close_killed_and_retried(procurement)
    print(f"\n[fault] procurement, {failpoints.PROCUREMENT_KEY_RELEASED}: {closing_}")
    assert procurement.kills == 1
    assert closing_.retried == 200
    assert closing_.violations == []


async def test_with_the_key_released_in_its_own_transaction_the_check_finds_it_in_the_clear(
    procurement: ServiceUnderFault,
) -> None:
    """The test of the test: the released key outlives the kill, the tender still open."""
    closing_ = await close_killed_and_retried(procurement, "key-release-outside-transaction")
    print(f"\n[fault] procurement, mutation key-release-outside-transaction: {closing_}")
    assert closing_.violations, "the check missed a key in the clear for an open tender"
