"""The Kubernetes manifests under deploy/k8s hold what the platform's code needs.

These tests read YAML only; nothing here talks to a cluster. Expectations come from the
code (the topic catalogue, the services and their consumers, the settings' limits), so a
new topic, service or consumer without its manifests fails here. When `kubectl` (or
`kustomize`) is on PATH the overlays are also rendered and checked as they would apply.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.services import SERVICES, definition
from shared.settings import KafkaSettings
from shared.topics import CATALOGUE, DLQ_SUFFIX, EPOCH_TOPIC, INDICATOR_VALUES, all_physical_names
from shared.trust import TrustConfig, load_trust_config

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
STRIMZI = K8S / "strimzi"
OVERLAYS = ("production", "development")
PORT = 8080
PARTITIONS = 6
MAX_MESSAGE_BYTES = 1_048_588
SECRETS = "commissioning-secrets"
CONFIG = "commissioning-config"
TRUST = "commissioning-trust"
TOPICS_USER = "commissioning-topics"

# Topics each service consumes beyond what its definition declares today (boards' read
# side comes later).
PLANNED_CONSUMPTION: dict[str, set[str]] = {}

Doc = dict[str, Any]


def yaml_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*") if p.suffix in (".yaml", ".yml"))


def load(path: Path) -> list[Doc]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def generator_inputs() -> set[Path]:
    """Files that kustomizations turn into ConfigMaps (data, not Kubernetes objects)."""
    inputs: set[Path] = set()
    for kustomization in K8S.rglob("kustomization.yaml"):
        for doc in load(kustomization):
            for generator in doc.get("configMapGenerator", []):
                for name in generator.get("envs", []) + generator.get("files", []):
                    inputs.add((kustomization.parent / name.split("=")[-1]).resolve())
    return inputs


def resources(paths: Iterable[Path]) -> list[Doc]:
    """Kubernetes objects in `paths`: not kustomization files, not generator inputs."""
    skip = generator_inputs()
    return [
        d
        for p in paths
        if p.name != "kustomization.yaml" and p.resolve() not in skip
        for d in load(p)
    ]


def of_kind(docs: Iterable[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


BASE_DOCS = resources(p for p in yaml_files() if BASE in p.parents)
STRIMZI_DOCS = resources(p for p in yaml_files() if STRIMZI in p.parents)


def env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {k.strip(): v.strip() for k, v in pairs}


def pod_spec(workload: Doc) -> Doc:
    spec: Doc = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: Doc) -> list[Doc]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def env_value(container: Doc, name: str) -> Any:
    found = [e for e in container.get("env", []) if e["name"] == name]
    assert len(found) == 1, f"{container['name']}: expected one {name}"
    return found[0].get("value", found[0].get("valueFrom"))


# ---- every file ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_yaml_file_parses_into_named_objects(path: Path) -> None:
    docs = load(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        assert isinstance(doc, dict)
        if path.name == "kustomization.yaml":
            assert doc["kind"] in ("Kustomization", "Component")
            continue
        if path.resolve() in generator_inputs():
            continue
        assert doc.get("apiVersion") and doc.get("kind"), f"{path}: apiVersion and kind"
        assert doc.get("metadata", {}).get("name"), f"{path}: metadata.name"


def test_kustomizations_name_only_files_that_exist_and_never_the_secret() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        (doc,) = load(kustomization)
        here = kustomization.parent
        named = list(doc.get("resources", []))
        named += [p["path"] for p in doc.get("patches", []) if "path" in p]
        for generator in doc.get("configMapGenerator", []):
            named += generator.get("envs", []) + generator.get("files", [])
        for entry in named:
            assert (here / entry).exists(), f"{kustomization}: {entry} does not exist"
            assert "secret.example" not in entry, f"{kustomization} must not apply the example"
        assert "secretGenerator" not in doc, "secrets are created out of band"


def test_secret_example_holds_placeholders_only() -> None:
    (secret,) = load(BASE / "secret.example.yaml")
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == SECRETS
    values = secret["stringData"]
    assert set(values) == {"DATABASE_URL", "COMMISSIONING_JWT_SECRET"}
    for key, value in values.items():
        assert "CHANGE-ME" in value, f"{key} must be a placeholder"


def test_trust_config_mounted_from_the_config_map_validates() -> None:
    trust = load_trust_config(BASE / "trust.yaml")
    assert trust.id and trust.localities


def test_shared_config_is_not_secret_and_matches_the_topics() -> None:
    config = env_file(BASE / "config.env")
    assert not {"DATABASE_URL", "COMMISSIONING_JWT_SECRET"} & set(config)
    # KafkaTopics, ACLs and consumer-group prefixes assume unprefixed topic names.
    assert config["KAFKA_TOPIC_PREFIX"] == ""
    assert int(config["KAFKA_DEFAULT_PARTITIONS"]) == PARTITIONS
    limit = int(config["KAFKA_MAX_EVENT_BYTES"])
    assert limit == KafkaSettings().max_event_bytes
    assert limit < MAX_MESSAGE_BYTES, "topics must accept the largest event the platform sends"


# ---- services -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Deployment", "Service", "PodDisruptionBudget"])
def test_one_of_each_per_service(kind: str) -> None:
    assert set(of_kind(BASE_DOCS, kind)) == set(SERVICES)


def test_one_autoscaler_per_service_within_the_partition_count() -> None:
    hpas = of_kind(BASE_DOCS, "HorizontalPodAutoscaler")
    assert set(hpas) == set(SERVICES)
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        # A consumer group has at most one active member per partition.
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= PARTITIONS


def test_service_files_differ_only_by_the_service_name() -> None:
    template = (BASE / "services" / "needs.yaml").read_text(encoding="utf-8")
    for name in SERVICES:
        text = (BASE / "services" / f"{name}.yaml").read_text(encoding="utf-8")
        assert text.replace(name, "needs") == template, f"services/{name}.yaml drifted"


def assert_hardened(workload: Doc) -> None:
    pod = pod_spec(workload)
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for c in containers(workload):
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] is True, c["name"]
        assert sc["readOnlyRootFilesystem"] is True, c["name"]
        assert sc["allowPrivilegeEscalation"] is False, c["name"]
        assert sc["capabilities"]["drop"] == ["ALL"], c["name"]
        assert sc["seccompProfile"]["type"] == "RuntimeDefault", c["name"]
        assert "/tmp" in {m["mountPath"] for m in c["volumeMounts"]}, c["name"]
        for bound in ("requests", "limits"):
            assert set(c["resources"][bound]) >= {"cpu", "memory"}, f"{c['name']} {bound}"
        otel = env_value(c, "OTEL_SERVICE_NAME")
        assert otel == {"fieldRef": {"fieldPath": "metadata.labels['app.kubernetes.io/name']"}}


@pytest.mark.parametrize("name", SERVICES)
def test_deployment_runs_migrations_then_the_service_with_probes(name: str) -> None:
    deployment = of_kind(BASE_DOCS, "Deployment")[name]
    assert_hardened(deployment)
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    template = deployment["spec"]["template"]
    assert template["metadata"]["labels"]["app.kubernetes.io/name"] == name
    assert template["metadata"]["annotations"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(PORT),
        "prometheus.io/path": "/metrics",
    }
    (migrate,) = pod_spec(deployment)["initContainers"]
    (service,) = pod_spec(deployment)["containers"]
    assert migrate["args"] == ["migrate", name]
    assert service["args"] == ["serve", name, "--host", "0.0.0.0", "--port", str(PORT)]
    assert service["ports"] == [{"name": "http", "containerPort": PORT, "protocol": "TCP"}]
    for probe, path in [
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ]:
        assert service[probe]["httpGet"] == {"path": path, "port": "http"}, probe
    for c in (migrate, service):
        assert env_value(c, "DATABASE_SCHEMA") == name
        assert c["envFrom"] == [
            {"configMapRef": {"name": CONFIG}},
            {"secretRef": {"name": SECRETS}},
        ]
    trust_path = Path(env_value(service, "COMMISSIONING_TRUST_CONFIG"))
    (mount,) = [m for m in service["volumeMounts"] if m["name"] == "trust"]
    assert trust_path.parent == Path(mount["mountPath"]) and mount["readOnly"] is True
    (volume,) = [v for v in pod_spec(deployment)["volumes"] if v["name"] == "trust"]
    assert volume["configMap"]["name"] == TRUST
    assert volume["configMap"]["items"] == [{"key": "trust.yaml", "path": trust_path.name}]


@pytest.mark.parametrize("name", SERVICES)
def test_service_and_disruption_budget_select_the_deployment(name: str) -> None:
    pods = of_kind(BASE_DOCS, "Deployment")[name]["spec"]["selector"]["matchLabels"]
    service = of_kind(BASE_DOCS, "Service")[name]["spec"]
    assert service["selector"] == pods
    assert service["ports"][0]["targetPort"] == "http"
    pdb = of_kind(BASE_DOCS, "PodDisruptionBudget")[name]["spec"]
    assert pdb["selector"]["matchLabels"] == pods
    assert pdb["maxUnavailable"] == 1, "a single-replica install must stay drainable"


def test_topics_job_creates_topics_without_database_secrets() -> None:
    job = of_kind(BASE_DOCS, "Job")["commissioning-topics"]
    assert_hardened(job)
    (c,) = pod_spec(job)["containers"]
    assert c["args"] == ["topics", "create"]
    assert c["envFrom"] == [{"configMapRef": {"name": CONFIG}}]


def test_network_policies_deny_ingress_and_allow_only_dependencies() -> None:
    policies = of_kind(BASE_DOCS, "NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    http = policies["allow-http-from-ingress-and-prometheus"]["spec"]
    assert {p["port"] for rule in http["ingress"] for p in rule["ports"]} == {PORT}
    assert len(http["ingress"]) == 2, "ingress controller and Prometheus"
    egress = policies["allow-egress-to-dependencies"]["spec"]
    assert egress["policyTypes"] == ["Egress"]
    ports = {(p["protocol"], p["port"]) for rule in egress["egress"] for p in rule["ports"]}
    assert {("UDP", 53), ("TCP", 53), ("TCP", 9092), ("TCP", 5432)} <= ports


# ---- Strimzi ------------------------------------------------------------------------------


def kafka_topics() -> dict[str, Doc]:
    topics = of_kind(STRIMZI_DOCS, "KafkaTopic")
    return {t["spec"].get("topicName", name): t for name, t in topics.items()}


def base_trust() -> TrustConfig:
    return load_trust_config(BASE / "trust.yaml")


def agencies() -> list[str]:
    return [a.id for a in base_trust().agencies]


def platform_topics() -> set[str]:
    return set(all_physical_names(agencies())) | {EPOCH_TOPIC}


def catalogue_pairs() -> list[tuple[str, str]]:
    """(topic, dead-letter topic) for every catalogue topic, per-agency families expanded."""
    return [(n, n + DLQ_SUFFIX) for t in CATALOGUE for n in t.physical(agencies())]


def test_every_catalogue_topic_has_a_kafka_topic_and_a_dead_letter_topic() -> None:
    topics = kafka_topics()
    for name, dead_letter in catalogue_pairs():
        assert name in topics, f"no KafkaTopic for {name}"
        assert dead_letter in topics, f"no KafkaTopic for {dead_letter}"
    assert set(topics) == platform_topics()


def test_topic_settings_hold_the_platform_s_limits() -> None:
    topics = kafka_topics()
    largest_event = KafkaSettings().max_event_bytes
    for name, dead_letter in catalogue_pairs():
        main, dlq = topics[name]["spec"], topics[dead_letter]["spec"]
        for spec in (main, dlq):
            assert spec["partitions"] == PARTITIONS and spec["replicas"] == 3
            assert spec["config"]["min.insync.replicas"] == 2
        assert main["config"]["max.message.bytes"] == MAX_MESSAGE_BYTES
        assert main["config"]["max.message.bytes"] > largest_event
        # A dead letter is the original record plus dlq.* headers.
        assert dlq["config"]["max.message.bytes"] > main["config"]["max.message.bytes"]
        assert dlq["config"]["retention.ms"] > main["config"]["retention.ms"]
    epoch = topics[EPOCH_TOPIC]["spec"]
    assert epoch["partitions"] == 1
    # The relay reads the epoch topic's first record for as long as the cluster lives.
    assert epoch["config"]["retention.ms"] == -1
    assert epoch["config"]["retention.bytes"] == -1


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
    users = of_kind(STRIMZI_DOCS, "KafkaUser")
    publishers = {f"commissioning-agency-{a}" for a in agencies()}
    expected = {f"commissioning-{s}" for s in SERVICES} | publishers | {TOPICS_USER}
    assert set(users) == expected
    for user in users.values():
        assert user["apiVersion"] == "kafka.strimzi.io/v1"
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        assert user["spec"]["authorization"]["type"] == "simple"
        for rule in user["spec"]["authorization"]["acls"]:
            assert rule.get("type", "allow") == "allow"
            assert not {"All", "Delete", "Alter", "AlterConfigs"} & set(rule["operations"])


@pytest.mark.parametrize("name", SERVICES)
def test_service_user_writes_only_its_own_topics_and_reads_what_it_consumes(name: str) -> None:
    user = of_kind(STRIMZI_DOCS, "KafkaUser")[f"commissioning-{name}"]
    declared = {t for spec in definition(name).consumers for t in spec.topic_names(base_trust())}
    reads = topics_allowed(user, "Read") - {EPOCH_TOPIC}
    assert declared | PLANNED_CONSUMPTION.get(name, set()) <= reads, "consumed topics"
    assert not any(t.endswith(DLQ_SUFFIX) for t in reads)
    own = {t.name for t in CATALOGUE if t.publisher == name}
    dead_letters = {t + DLQ_SUFFIX for t in reads}
    assert topics_allowed(user, "Write") == own | dead_letters | {EPOCH_TOPIC}
    assert topics_allowed(user, "Create") == set()
    # The relay lists topics and creates those it cannot see: it must see them all.
    assert topics_allowed(user, "Describe") == platform_topics()
    groups = [(n, p, ops) for kind, n, p, ops in acls(user) if kind == "group"]
    # Consumer groups are named <service>.<consumer> (shared/runtime.py).
    assert groups == [(f"{name}.", "prefix", {"Read"})]
    assert not [r for r in acls(user) if r[0] in ("cluster", "transactionalId")]


def test_each_agency_may_only_write_its_own_indicator_values_topic() -> None:
    """The topic establishes the agency: no agency can write another's."""
    users = of_kind(STRIMZI_DOCS, "KafkaUser")
    for agency in agencies():
        user = users[f"commissioning-agency-{agency}"]
        own = INDICATOR_VALUES.for_agency(agency)
        assert acls(user) == [("topic", own, "literal", {"Write", "Describe"})]


def test_topics_user_may_only_create_the_platform_topics() -> None:
    user = of_kind(STRIMZI_DOCS, "KafkaUser")[TOPICS_USER]
    assert topics_allowed(user, "Create") == platform_topics()
    assert {op for *_, ops in acls(user) for op in ops} == {"Create", "Describe"}


# ---- rendered overlays (needs kubectl or kustomize) ---------------------------------------


@cache
def kustomize_command() -> tuple[str, ...] | None:
    if shutil.which("kustomize"):
        return ("kustomize", "build")
    if shutil.which("kubectl"):
        probe = subprocess.run(
            ["kubectl", "version", "--client"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return ("kubectl", "kustomize")
    return None


@cache
def render(directory: str) -> tuple[Doc, ...]:
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    result = subprocess.run(
        [*command, str(K8S / directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d is not None)


def rendered_config(docs: Iterable[Doc]) -> dict[str, str]:
    (config,) = [
        d
        for d in docs
        if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith(CONFIG + "-")
    ]
    data: dict[str, str] = config["data"]
    return data


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_with_every_reference_resolved(overlay: str) -> None:
    docs = render(f"overlays/{overlay}")
    config_maps = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    for d in docs:
        if d["kind"] != "Namespace":
            assert d["metadata"]["namespace"] == "commissioning", d["metadata"]["name"]
        if d["kind"] not in ("Deployment", "Job"):
            continue
        for c in containers(d):
            assert c["image"].startswith("registry.example.invalid/commissioning"), c["image"]
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps
        for volume in pod_spec(d).get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps


def test_production_overlay() -> None:
    docs = render("overlays/production")
    config = rendered_config(docs)
    assert config["COMMISSIONING_ENVIRONMENT"] == "production"
    assert config["COMMISSIONING_AUTH_MODE"] == "jwks"
    assert config["COMMISSIONING_JWKS_URL"].startswith("https://")
    assert config["KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    assert config["KAFKA_REPLICATION_FACTOR"] == "3"
    for hpa in (d for d in docs if d["kind"] == "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] == 2
    images = {c["image"] for d in docs if d["kind"] == "Deployment" for c in containers(d)}
    (image,) = images
    tag = image.rsplit(":", 1)[1] if "@" not in image else image.rsplit("@", 1)[1]
    assert tag not in ("latest", "dev") and any(ch.isdigit() for ch in tag), image


def test_development_overlay() -> None:
    docs = render("overlays/development")
    config = rendered_config(docs)
    assert config["COMMISSIONING_ENVIRONMENT"] == "development"
    assert config["COMMISSIONING_AUTH_MODE"] == "shared-secret"
    for hpa in (d for d in docs if d["kind"] == "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] == hpa["spec"]["maxReplicas"] == 1


def test_strimzi_resources_render_into_the_kafka_cluster_namespace() -> None:
    docs = render("strimzi")
    assert len(docs) == len(STRIMZI_DOCS)
    for d in docs:
        assert d["metadata"]["namespace"] == "kafka"
        assert d["metadata"]["labels"]["strimzi.io/cluster"]
