"""Who may talk to whom: Kafka ACLs and NetworkPolicies follow the topic catalogue.

Services talk only through Kafka topics. A service's Kafka user may write what it
publishes (and the dead letters of what it consumes) and read what it consumes; a partner
agency may only write its own topic of each inbound family, so the topic a record came from
establishes its agency (docs/decisions/0003-producer-identity.md). On the network, no
platform pod may reach another: every flow between services goes through the brokers.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.contracts import Contract, registry
from shared.services import definition, names
from shared.settings import KafkaSettings
from shared.topics import CATALOGUE, DLQ_SUFFIX, EPOCH_TOPIC, topic_for
from tests.deploy.chart import (
    AGENCIES,
    PRODUCTION,
    RELEASE,
    TRUST,
    Doc,
    of_kind,
    platform_topics,
    render,
)

SERVICES = names()


PARTITIONS = 6
THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000
Peer = tuple[str, str]  # (what, which): ("namespace", "kafka"), ("pods", "needs"), ...


def production() -> tuple[Doc, ...]:
    return render("-f", str(PRODUCTION))


# ---- Strimzi topics -----------------------------------------------------------------------


def kafka_topics() -> dict[str, Doc]:
    return of_kind(render(), "KafkaTopic")


def test_every_catalogue_topic_has_a_kafka_topic_and_a_dead_letter_topic() -> None:
    assert set(kafka_topics()) == platform_topics()
    for topic in kafka_topics().values():
        assert topic["metadata"]["namespace"] == "kafka", "where the Topic Operator watches"
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "commissioning"


def test_events_are_kept_forever_and_dead_letters_thirty_days() -> None:
    topics = kafka_topics()
    largest_event = KafkaSettings().max_event_bytes
    for name in (n for t in CATALOGUE for n in t.physical(AGENCIES)):
        main, dlq = topics[name]["spec"], topics[name + DLQ_SUFFIX]["spec"]
        for spec in (main, dlq):
            assert spec["partitions"] == PARTITIONS and spec["replicas"] == 3
            assert spec["config"]["min.insync.replicas"] == 2
        # Domain events are the record of what happened: no deletion by age or size.
        assert main["config"]["retention.ms"] == -1
        assert main["config"]["retention.bytes"] == -1
        assert dlq["config"]["retention.ms"] == THIRTY_DAYS_MS
        assert main["config"]["max.message.bytes"] > largest_event
        # A dead letter is the original record plus dlq.* headers.
        assert dlq["config"]["max.message.bytes"] > main["config"]["max.message.bytes"]
    epoch = topics[EPOCH_TOPIC]["spec"]
    assert epoch["partitions"] == 1
    assert epoch["config"]["retention.ms"] == epoch["config"]["retention.bytes"] == -1


# ---- Strimzi users ------------------------------------------------------------------------


def acls(user: Doc) -> list[tuple[str, str, str, set[str]]]:
    """(resource type, name, pattern type, operations) for each ACL rule."""
    return [
        (
            rule["resource"]["type"],
            rule["resource"].get("name", ""),
            rule["resource"].get("patternType", "literal"),
            set(rule["operations"]),
        )
        for rule in user["spec"]["authorization"]["acls"]
    ]


def topics_allowed(user: Doc, operation: str) -> set[str]:
    rules = acls(user)
    assert all(p == "literal" for kind, _, p, _ in rules if kind == "topic")
    return {name for kind, name, _, ops in rules if kind == "topic" and operation in ops}


def test_users_authenticate_and_use_only_simple_allow_rules() -> None:
    users = of_kind(production(), "KafkaUser")
    assert {f"commissioning-{s}" for s in SERVICES} <= set(users)
    for user in users.values():
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        assert user["spec"]["authorization"]["type"] == "simple"
        for rule in user["spec"]["authorization"]["acls"]:
            assert rule.get("type", "allow") == "allow"
            assert not {"All", "Delete", "Alter", "AlterConfigs"} & set(rule["operations"])


@pytest.mark.parametrize("name", SERVICES)
def test_service_user_writes_only_its_own_topics_and_reads_what_it_consumes(name: str) -> None:
    user = of_kind(render(), "KafkaUser")[f"commissioning-{name}"]
    # Exactly the topics its consumers subscribe to under the default trust, whose agencies
    # the default values list: every agency's topic of a per-agency family.
    declared = {t for spec in definition(name).consumers for t in spec.topic_names(TRUST)}
    reads = topics_allowed(user, "Read") - {EPOCH_TOPIC}
    assert reads == declared
    own = {n for t in CATALOGUE if t.published_by == name for n in t.physical(AGENCIES)}
    assert topics_allowed(user, "Write") == own | {t + DLQ_SUFFIX for t in reads} | {EPOCH_TOPIC}
    assert topics_allowed(user, "Create") == set()
    # The relay lists topics and creates those it cannot see: it must see them all.
    assert topics_allowed(user, "Describe") == platform_topics()
    groups = [(n, p, ops) for kind, n, p, ops in acls(user) if kind == "group"]
    # Consumer groups are named <service>.<consumer> (shared/runtime.py).
    assert groups == [(f"{name}.", "prefix", {"Read"})]
    assert not [r for r in acls(user) if r[0] in ("cluster", "transactionalId")]


@pytest.mark.parametrize("contract", list(registry), ids=lambda c: c.type)
def test_whoever_emits_an_event_may_write_its_topic(contract: Contract) -> None:
    users = of_kind(render(), "KafkaUser")
    [topic] = [t for t in CATALOGUE if t.name == contract.topic]
    if topic.inbound and not topic.per_agency:
        pytest.skip(f"{topic.name}: provider systems' Kafka users are not in the chart yet")
    if topic.inbound:  # partner agencies' systems, each to its own topic
        for agency in AGENCIES:
            user = users[f"commissioning-agency-{agency}"]
            assert topic_for(topic.name, agency) in topics_allowed(user, "Write")
    else:  # the service named by the event type's prefix, through its outbox
        service = contract.name.split(".")[0]
        assert topic.name in topics_allowed(users[f"commissioning-{service}"], "Write")


def test_each_agency_has_its_own_user_that_may_only_write_its_own_inbound_topics() -> None:
    users = of_kind(production(), "KafkaUser")
    agencies = {n: u for n, u in users.items() if n.startswith("commissioning-agency-")}
    assert set(agencies) == {f"commissioning-agency-{a}" for a in AGENCIES}
    families = [t for t in CATALOGUE if t.inbound and t.per_agency]
    for agency in AGENCIES:
        user = agencies[f"commissioning-agency-{agency}"]
        own = {t.for_agency(agency) for t in families}
        assert acls(user) == [("topic", t, "literal", {"Write", "Describe"}) for t in own]
        assert user["spec"]["quotas"]["producerByteRate"] == 1_048_576


def test_a_new_agency_gets_its_own_topics_its_own_user_and_the_needs_service_reads_them() -> None:
    docs = render("--set", "kafka.agencies[0].id=gateshead-council")
    topic = "needs.indicator-values.gateshead-council.v1"
    assert {topic, topic + DLQ_SUFFIX} <= set(of_kind(docs, "KafkaTopic"))
    users = of_kind(docs, "KafkaUser")
    assert [n for n in users if "agency" in n] == ["commissioning-agency-gateshead-council"]
    assert acls(users["commissioning-agency-gateshead-council"]) == [
        ("topic", topic, "literal", {"Write", "Describe"})
    ]
    assert topic in topics_allowed(users["commissioning-needs"], "Read")
    assert topic + DLQ_SUFFIX in topics_allowed(users["commissioning-needs"], "Write")


def test_the_topics_user_may_only_create_and_describe_the_platform_topics() -> None:
    docs = render("--set", "kafka.topicsJob.enabled=true")
    user = of_kind(docs, "KafkaUser")["commissioning-topics"]
    assert topics_allowed(user, "Create") == platform_topics()
    assert {op for *_, ops in acls(user) for op in ops} == {"Create", "Describe"}


# ---- network policies ---------------------------------------------------------------------


def peer(rule_peer: dict[str, Any]) -> Peer:
    """Name a NetworkPolicy peer: a namespace, platform pods, CNPG pods or an address block."""
    if "ipBlock" in rule_peer:
        return ("cidr", rule_peer["ipBlock"]["cidr"])
    pods = rule_peer.get("podSelector", {}).get("matchLabels", {})
    namespace = rule_peer.get("namespaceSelector", {}).get("matchLabels", {})
    if namespace:
        return ("namespace", namespace["kubernetes.io/metadata.name"])
    if pods.get("app.kubernetes.io/part-of") == "commissioning":
        return ("pods", pods.get("app.kubernetes.io/name", "*"))
    return ("pods", ",".join(f"{k}={v}" for k, v in sorted(pods.items())))


def allowed(policy: Doc, direction: str) -> set[Peer]:
    key = "to" if direction == "egress" else "from"
    return {peer(p) for rule in policy["spec"].get(direction, []) for p in rule.get(key, [])}


def policies() -> dict[str, Doc]:
    return of_kind(production(), "NetworkPolicy")


def test_everything_not_allowed_is_denied() -> None:
    deny = policies()[f"{RELEASE}-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny and "egress" not in deny
    assert deny["podSelector"]["matchLabels"]["app.kubernetes.io/part-of"] == "commissioning"


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_reaches_kafka_and_its_database_and_no_other_service(name: str) -> None:
    policy = policies()[name]
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == name
    # Every service publishes or consumes catalogue topics, so it needs the brokers.
    assert any(t.published_by == name for t in CATALOGUE) or definition(name).consumers
    egress = allowed(policy, "egress")
    assert {("namespace", "kafka"), ("namespace", "kube-system")} <= egress
    assert ("pods", f"cnpg.io/cluster={RELEASE}-db") in egress
    # Services exchange nothing but events: no platform pod is a destination or a source.
    assert not {p for p in egress | allowed(policy, "ingress") if p[0] == "pods" and
                not p[1].startswith("cnpg.io/")}  # fmt: skip
    assert allowed(policy, "ingress") == {
        ("namespace", "ingress-nginx"),
        ("namespace", "monitoring"),
    }
    ports = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
    assert ports == {8080}


def test_the_migration_job_reaches_only_dns_and_the_database() -> None:
    policy = policies()[f"{RELEASE}-migrations"]
    egress = allowed(policy, "egress")
    assert ("namespace", "kafka") not in egress, "migrations need no Kafka"
    assert {p for p in egress if p[0] == "namespace"} == {
        ("namespace", "kube-system"),
        ("namespace", "commissioning"),
    }
    assert allowed(policy, "ingress") == set()


def test_the_topics_job_reaches_only_dns_and_kafka() -> None:
    docs = render("--set", "kafka.topicsJob.enabled=true")
    policy = of_kind(docs, "NetworkPolicy")[f"{RELEASE}-topics"]
    assert allowed(policy, "egress") == {("namespace", "kube-system"), ("namespace", "kafka")}
