"""A board subscribes only for itself; deliveries back off with jitter and park."""

from __future__ import annotations

import random
import uuid

import pytest

from services.monitoring.application.delivery import RetryPolicy
from services.monitoring.application.problems import Forbidden, NotFound
from services.monitoring.application.subscriptions import redrive, subscribe
from shared.auth import Principal, Role
from shared.contracts.monitoring import Audience, Severity
from tests.monitoring.unit.fakes import FakeUnitOfWork


def caller(role: Role, **scope: str) -> Principal:
    return Principal(subject="x", roles=frozenset({role}), trust="county-durham", **scope)


EASINGTON = caller(Role.LOCAL_BOARD_MEMBER, locality="easington")


async def test_a_local_board_subscription_is_pinned_to_its_locality() -> None:
    uow = FakeUnitOfWork()
    s = await subscribe(
        uow,
        EASINGTON,
        url="http://127.0.0.1/x",
        audience=None,
        locality=None,
        severities=[Severity.HIGH],
    )
    assert (s.audience, s.locality, s.severities) == (Audience.LOCAL_BOARD, "easington", ("high",))
    assert s.secret.startswith("whsec_")
    with pytest.raises(Forbidden):
        await subscribe(
            uow,
            EASINGTON,
            url="http://127.0.0.1/x",
            audience=None,
            locality="derwentside",
            severities=[],
        )


async def test_only_a_board_subscribes_and_only_for_a_board_it_sits_on() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Forbidden):
        await subscribe(
            uow,
            caller(Role.PROVIDER, provider_id="p"),
            url="http://h/",
            audience=None,
            locality=None,
            severities=[],
        )
    with pytest.raises(Forbidden):
        await subscribe(
            uow,
            caller(Role.JCU),
            url="http://h/",
            audience=Audience.EXECUTIVE_BOARD,
            locality=None,
            severities=[],
        )


async def test_another_board_cannot_redrive_a_boards_webhook() -> None:
    uow = FakeUnitOfWork()
    s = await subscribe(
        uow, EASINGTON, url="http://h/", audience=None, locality=None, severities=[]
    )
    other = caller(Role.LOCAL_BOARD_MEMBER, locality="derwentside")
    with pytest.raises(NotFound):
        await redrive(uow, other, s.subscription_id)
    with pytest.raises(NotFound):
        await redrive(uow, EASINGTON, uuid.uuid4())
    assert await redrive(uow, EASINGTON, s.subscription_id) == 1


def test_retries_back_off_exponentially_with_jitter_then_park() -> None:
    policy = RetryPolicy(base_seconds=1, cap_seconds=30, max_attempts=6)
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(1, 7)]
    for n, delay in enumerate(delays[:5], start=1):
        ceiling = min(30, 2 ** (n - 1))
        assert delay is not None and ceiling / 2 <= delay <= ceiling
    assert delays[5] is None
    assert len({policy.delay(3, rng) for _ in range(5)}) > 1  # jittered, not in lockstep
