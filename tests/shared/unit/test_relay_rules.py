"""Rules the relay and topic set-up live by, without infrastructure."""

from __future__ import annotations

from pathlib import Path

from shared.embedded_broker import EmbeddedApacheKafka
from shared.kafka import topic_config
from shared.outbox import OutboxRelay
from shared.settings import KafkaSettings, RelaySettings
from shared.topics import DLQ_SUFFIX, all_physical_names


def test_the_broker_epoch_record_never_expires() -> None:
    """An expired epoch record would make the relay take a live broker for a fresh one."""
    assert topic_config("platform.broker-epoch") == {"retention.ms": "-1", "retention.bytes": "-1"}


def test_dead_letters_are_kept_for_a_month() -> None:
    assert topic_config("needs.events.v1.dlq") == {"retention.ms": str(30 * 24 * 3600 * 1000)}


def test_every_domain_event_topic_keeps_its_whole_history() -> None:
    """Projections are rebuilt from the first event: no deletion by age or size, whatever
    the broker's defaults."""
    for name in all_physical_names(["council", "nhs-county-durham"]):
        if not name.endswith(DLQ_SUFFIX):
            assert topic_config(name) == {"retention.ms": "-1", "retention.bytes": "-1"}, name


def test_the_embedded_apache_kafka_deletes_nothing_by_age_or_size_by_default(
    tmp_path: Path,
) -> None:
    """Broker defaults govern topics the broker creates by itself."""
    broker = EmbeddedApacheKafka(tmp_path, port=19092, controller_port=19093)
    config = broker._write_config().read_text().splitlines()
    assert "log.retention.ms=-1" in config
    assert "log.retention.bytes=-1" in config
    finite = ("log.retention.hours", "log.retention.minutes")
    assert not any(line.startswith(finite) for line in config)


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


def test_the_relay_re_publishes_the_whole_history_unless_a_window_is_chosen() -> None:
    assert RelaySettings().republish_window_hours is None
    assert RelaySettings(republish_window_hours=24).republish_window_hours == 24
