"""Rules the relay and topic set-up live by, without infrastructure."""

from __future__ import annotations

from shared.kafka import topic_config
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings


def test_the_broker_epoch_record_never_expires() -> None:
    """An expired epoch record would make the relay take a live broker for a fresh one."""
    assert topic_config("platform.broker-epoch") == {"retention.ms": "-1", "retention.bytes": "-1"}


def test_dead_letters_are_kept_for_a_month_and_ordinary_topics_use_broker_defaults() -> None:
    assert topic_config("needs.events.v1.dlq") == {"retention.ms": str(30 * 24 * 3600 * 1000)}
    assert topic_config("needs.events.v1") == {}


def relay() -> OutboxRelay:
    return OutboxRelay(
        service="needs", database_url="postgresql://x@h/d", schema="needs", kafka=KafkaSettings()
    )


def test_a_standby_relay_is_ready_but_a_failing_or_stalled_leader_is_not() -> None:
    standby = relay()
    assert standby.is_healthy(now=100.0)

    leader = relay()
    leader.is_leader = True
    assert not leader.is_healthy(now=100.0), "a leader that has not published yet"
    leader.last_round = 95.0
    assert leader.is_healthy(now=100.0)
    assert not leader.is_healthy(now=200.0), "no round for over a minute"

    leader.last_failure = 99.0
    assert not leader.is_healthy(now=100.0), "failing since its last round"
    leader.last_round = 99.5
    assert leader.is_healthy(now=100.0)
