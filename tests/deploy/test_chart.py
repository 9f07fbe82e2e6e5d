"""The Helm chart deploys what the platform's code needs, and no more.

Expectations come from the code: the services, their consumers, the topic catalogue and the
settings' limits, so a new service, topic or consumer without its place in the chart fails
here. The chart is rendered with the pinned helm that deploy/helm/check.sh builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.services import definition, names
from shared.settings import KafkaSettings
from shared.topics import CATALOGUE
from tests.deploy.chart import (
    AGENCIES,
    CHART,
    PRODUCTION,
    RELEASE,
    TRUST,
    Doc,
    containers,
    env,
    family,
    hook,
    of_kind,
    pod_spec,
    refused,
    render,
    secrets_used,
)

SERVICES = names()

PORT = 8080
PARTITIONS = 6
VALUES: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
MIGRATOR_SECRET = VALUES["database"]["migration"]["existingSecret"]
JWT_SECRET = VALUES["jwtSecret"]["existingSecret"]
PRODUCTION_VALUES: dict[str, Any] = yaml.safe_load(PRODUCTION.read_text(encoding="utf-8"))
# CA certificates: public, shared by every client.
CERTIFICATES = {VALUES["kafka"]["tls"]["caSecret"], PRODUCTION_VALUES["database"]["caSecret"]}


def db_secret(name: str) -> str:
    secret: str = VALUES["services"][name]["database"]["existingSecret"]
    return secret


def kafka_user(name: str) -> str:
    return f"commissioning-{name}"


def production() -> tuple[Doc, ...]:
    return render("-f", str(PRODUCTION))


# ---- the values follow the code ----------------------------------------------------------


def test_the_chart_s_topic_catalogue_is_the_platform_s() -> None:
    topics = {t["name"]: t for t in VALUES["kafka"]["topics"]}
    assert set(topics) == {t.name for t in CATALOGUE}
    for t in CATALOGUE:
        assert topics[t.name].get("inbound", False) is t.inbound, t.name
        assert topics[t.name].get("perAgency", False) is t.per_agency, t.name
        if not t.inbound:
            assert topics[t.name]["publisher"] == t.published_by


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_publishes_its_topics_and_consumes_what_its_code_consumes(
    name: str,
) -> None:
    values = VALUES["services"][name]
    assert set(values["publishes"]) == {t.name for t in CATALOGUE if t.published_by == name}
    # A per-agency family is named once; the chart expands it over kafka.agencies.
    declared = {family(t) for spec in definition(name).consumers for t in spec.topic_names(TRUST)}
    assert set(values["consumes"]) == declared


def test_the_chart_s_agencies_are_the_default_trust_s() -> None:
    assert [a["id"] for a in VALUES["kafka"]["agencies"]] == AGENCIES


def test_the_shared_configuration_holds_the_platform_s_limits() -> None:
    (config,) = of_kind(render(), "ConfigMap").values()
    data = config["data"]
    assert data["KAFKA_TOPIC_PREFIX"] == "", "KafkaTopics and ACLs assume unprefixed names"
    assert int(data["KAFKA_DEFAULT_PARTITIONS"]) == PARTITIONS
    assert int(data["KAFKA_MAX_EVENT_BYTES"]) == KafkaSettings().max_event_bytes
    assert not {"DATABASE_URL", "COMMISSIONING_JWT_SECRET", "KAFKA_SASL_PASSWORD"} & set(data)


# ---- services -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Deployment", "Service", "PodDisruptionBudget"])
def test_one_of_each_per_service(kind: str) -> None:
    assert set(of_kind(render(), kind)) == set(SERVICES)


def test_autoscalers_stay_within_the_partition_count() -> None:
    for docs, floor in ((render(), 1), (production(), 2)):
        scalers = {**of_kind(docs, "HorizontalPodAutoscaler"), **of_kind(docs, "ScaledObject")}
        assert set(scalers) == set(SERVICES)
        for hpa in of_kind(docs, "HorizontalPodAutoscaler").values():
            assert floor <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= PARTITIONS
        for scaled in of_kind(docs, "ScaledObject").values():
            spec = scaled["spec"]
            assert floor <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= PARTITIONS


def test_production_scales_needs_on_its_consumer_lag() -> None:
    (scaled,) = of_kind(production(), "ScaledObject").values()
    assert scaled["spec"]["scaleTargetRef"] == {"name": "needs"}
    (trigger,) = scaled["spec"]["triggers"]
    assert "commissioning_consumer_lag" in trigger["metadata"]["query"]
    assert 'consumer=~"needs\\\\..+"' in trigger["metadata"]["query"]


def test_per_service_values_change_only_that_service() -> None:
    docs = render("--set", "services.projects.autoscaling.enabled=false",
                  "--set", "services.projects.replicas=3")  # fmt: skip
    deployments = of_kind(docs, "Deployment")
    assert deployments["projects"]["spec"]["replicas"] == 3
    assert "projects" not in of_kind(docs, "HorizontalPodAutoscaler")
    for name in set(SERVICES) - {"projects"}:
        assert "replicas" not in deployments[name]["spec"], "the autoscaler owns the count"


def assert_hardened(workload: Doc) -> None:
    pod = pod_spec(workload)
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for c in containers(workload):
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] is True and sc["runAsUser"] != 0, c["name"]
        assert sc["readOnlyRootFilesystem"] is True, c["name"]
        assert sc["allowPrivilegeEscalation"] is False, c["name"]
        assert sc["capabilities"]["drop"] == ["ALL"], c["name"]
        assert "/tmp" in {m["mountPath"] for m in c["volumeMounts"]}, c["name"]
        for bound in ("requests", "limits"):
            assert set(c["resources"][bound]) >= {"cpu", "memory"}, f"{c['name']} {bound}"


@pytest.mark.parametrize("name", SERVICES)
def test_deployment_serves_with_probes_on_a_hardened_pod(name: str) -> None:
    deployment = of_kind(render(), "Deployment")[name]
    assert_hardened(deployment)
    (service,) = pod_spec(deployment)["containers"]
    assert "initContainers" not in pod_spec(deployment), "migrations run in their own Job"
    assert service["args"] == ["serve", name, "--host", "0.0.0.0", "--port", str(PORT)]
    for probe, path in [
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ]:
        assert service[probe]["httpGet"] == {"path": path, "port": "http"}, probe
    assert pod_spec(deployment)["serviceAccountName"] == f"{RELEASE}-{name}"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_uses_only_its_own_secret_and_database_role(name: str) -> None:
    for docs in (render(), production()):
        deployment = of_kind(docs, "Deployment")[name]
        own = {db_secret(name), kafka_user(name)}
        its_keys = {
            r["existingSecret"] for r in VALUES["services"][name].get("secretEnv", {}).values()
        }
        assert secrets_used(deployment) - CERTIFICATES <= own | its_keys | {JWT_SECRET}
        assert own <= secrets_used(deployment)
        (service,) = pod_spec(deployment)["containers"]
        values = env(service)
        assert values["DATABASE_SCHEMA"] == name
        for variable, key in (("DB_USER", "username"), ("DB_PASSWORD", "password")):
            assert values[variable] == {"secretKeyRef": {"name": db_secret(name), "key": key}}
        assert values["DATABASE_URL"].startswith("postgresql://$(DB_USER):$(DB_PASSWORD)@")
        assert values["KAFKA_SASL_USERNAME"] == kafka_user(name)
        assert values["KAFKA_SASL_PASSWORD"] == {
            "secretKeyRef": {"name": kafka_user(name), "key": "password"}
        }
        assert values["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


def test_procurement_takes_its_bid_key_from_a_secret_only_it_reads() -> None:
    for docs in (render(), production()):
        deployments = of_kind(docs, "Deployment")
        (service,) = pod_spec(deployments["procurement"])["containers"]
        assert env(service)["PROCUREMENT_BID_KEY"] == {
            "secretKeyRef": {
                "name": "commissioning-procurement-bid-key",
                "key": "PROCUREMENT_BID_KEY",
            }
        }
        others = [n for n in deployments if n != "procurement"]
        assert all(
            "commissioning-procurement-bid-key" not in secrets_used(deployments[n]) for n in others
        )


def test_production_uses_jwks_and_a_pinned_image_and_no_shared_jwt_secret() -> None:
    docs = production()
    (config,) = of_kind(docs, "ConfigMap").values()
    assert config["data"]["COMMISSIONING_ENVIRONMENT"] == "production"
    assert config["data"]["COMMISSIONING_AUTH_MODE"] == "jwks"
    assert config["data"]["COMMISSIONING_JWKS_URL"].startswith("https://")
    for deployment in of_kind(docs, "Deployment").values():
        assert JWT_SECRET not in secrets_used(deployment)
        for c in containers(deployment):
            assert "@sha256:" in c["image"], c["image"]


def test_the_chart_renders_no_secret() -> None:
    for docs in (render(), production()):
        assert not of_kind(docs, "Secret"), "Secrets are created out of band"


# ---- migrations ---------------------------------------------------------------------------


def test_migrations_run_before_the_deployments_under_the_migration_role() -> None:
    docs = production()
    job = of_kind(docs, "Job")[f"{RELEASE}-migrations"]
    events_weight = hook(job)
    assert events_weight is not None, "the migration Job must be a Helm hook"
    events, weight = events_weight
    assert events == {"pre-install", "pre-upgrade"}
    # Helm applies ordinary objects only after every pre-install/pre-upgrade hook succeeded.
    for kind in ("Deployment", "ConfigMap", "HorizontalPodAutoscaler", "ScaledObject"):
        for doc in of_kind(docs, kind).values():
            assert hook(doc) is None, f"{kind} {doc['metadata']['name']} must not be a hook"
    # What the Job needs exists before it: lower hook weights run first.
    for doc in docs:
        other = hook(doc)
        if doc is job or other is None:
            continue
        needed = doc["kind"] in ("ServiceAccount", "NetworkPolicy", "Cluster")
        assert (other[1] < weight) is needed, f"{doc['kind']} {doc['metadata']['name']}"
    assert_hardened(job)
    assert pod_spec(job)["restartPolicy"] == "Never"


@pytest.mark.parametrize("name", SERVICES)
def test_the_migration_grants_each_service_role_its_own_schema_only(name: str) -> None:
    job = of_kind(render(), "Job")[f"{RELEASE}-migrations"]
    (c,) = [c for c in containers(job) if c["name"] == f"migrate-{name}"]
    assert c["args"] == ["migrate", name, "--grant-to", "$(SERVICE_DB_USER)"]
    values = env(c)
    assert values["DATABASE_SCHEMA"] == name
    assert values["DB_USER"] == {"secretKeyRef": {"name": MIGRATOR_SECRET, "key": "username"}}
    assert values["SERVICE_DB_USER"] == {
        "secretKeyRef": {"name": db_secret(name), "key": "username"}
    }
    assert not any(k.startswith("KAFKA_") for k in values), "migrations need no Kafka"


def test_the_migration_job_reads_only_database_secrets() -> None:
    job = of_kind(render(), "Job")[f"{RELEASE}-migrations"]
    assert secrets_used(job) - CERTIFICATES == {MIGRATOR_SECRET} | {db_secret(n) for n in SERVICES}


# ---- bad values fail at install ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--set", "services.needs.replicas=-1"), "/services/needs/replicas"),
        (("--set", "services.billing.enabled=true"), "/services"),
        (("--set", "config.environment=production"), "/config"),
        (("--set", "kafka.authentication=plain"), "/kafka/authentication"),
        (("--set", "image.digest=latest"), "/image/digest"),
        (("--set", "services.needs.database.role=needs; drop"), "/services/needs/database/role"),
        (("--set", "serviceDefaults.resources.limits=null"), "/serviceDefaults/resources"),
        (("--set", "nonsense=1"), "nonsense"),
        # An agency writes its own topic of each family: it cannot be given another's.
        (
            (
                "--set",
                "kafka.agencies[0].id=durham-county-council",
                "--set",
                "kafka.agencies[0].topics[0]=needs.indicator-values.nhs-county-durham.v1",
            ),
            "/kafka/agencies/0",
        ),
        (("--set", "kafka.agencies={}"), "/kafka/agencies"),
        (("--set", "services.projects.consumes[0]=needs.evnts.v1"), "needs.evnts.v1"),
        (("--set-string", "trust.yaml=agencies: [{id: durham-county-council}]"), "kafka.agencies"),
    ],
)
def test_bad_values_are_refused_naming_the_value(args: tuple[str, ...], complaint: str) -> None:
    assert complaint in refused(*args)


def test_values_schema_is_valid_json() -> None:
    import json

    schema = json.loads(Path(CHART / "values.schema.json").read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False


# ---- monitoring and exposure --------------------------------------------------------------


def exported(metric: Any) -> str:
    """The name Prometheus sees (counters gain `_total`)."""
    from prometheus_client import Counter

    name: str = metric._name
    return f"{name}_total" if isinstance(metric, Counter) else name


def test_the_alerts_watch_the_metrics_the_platform_exports() -> None:
    from shared import telemetry

    (rule,) = of_kind(production(), "PrometheusRule").values()
    exprs = {r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert exported(telemetry.OUTBOX_BACKLOG) in exprs["CommissioningOutboxBacklog"]
    assert exported(telemetry.OUTBOX_FAILED) in exprs["CommissioningOutboxFailed"]
    assert exported(telemetry.CONSUMER_LAG) in exprs["CommissioningConsumerLag"]
    assert exported(telemetry.EVENTS_DEAD_LETTERED) in exprs["CommissioningDeadLetters"]


def test_the_pod_monitor_scrapes_every_service_s_metrics() -> None:
    (monitor,) = of_kind(production(), "PodMonitor").values()
    selector = monitor["spec"]["selector"]["matchLabels"]
    for deployment in of_kind(production(), "Deployment").values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()
    assert monitor["spec"]["podMetricsEndpoints"][0]["path"] == "/metrics"


def test_each_service_is_exposed_at_its_own_host() -> None:
    (ingress,) = of_kind(production(), "Ingress").values()
    hosts = {r["host"]: r["http"]["paths"][0]["backend"]["service"]["name"] for r in
             ingress["spec"]["rules"]}  # fmt: skip
    assert hosts == {f"{s}.commissioning.example.invalid": s for s in SERVICES}
    routes = of_kind(render("--set", "gateway.enabled=true",
                            "--set", "gateway.parentRefs[0].name=public"), "HTTPRoute")  # fmt: skip
    assert set(routes) == set(SERVICES)
