"""Rendering the Helm chart for tests: the pinned helm that deploy/helm/check.sh builds."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.topics import CATALOGUE, DLQ_SUFFIX, EPOCH_TOPIC
from shared.trust import load_trust_config

ROOT = Path(__file__).resolve().parents[2]
HELM_DIR = ROOT / "deploy" / "helm"
CHART = HELM_DIR / "commissioning"
PRODUCTION = CHART / "values-production.yaml"
RELEASE = "commissioning"
KUBE_VERSION = "1.33.0"

Doc = dict[str, Any]

# The packaged default trust: the chart's default values list its partner agencies.
TRUST = load_trust_config()
AGENCIES = [a.id for a in TRUST.agencies]


def family(name: str) -> str:
    """The catalogue name of physical topic `name` (a per-agency topic's family)."""
    for topic in CATALOGUE:
        if name == topic.name or topic.agency_of(name) is not None:
            return topic.name
    raise KeyError(f"{name} is not a catalogue topic")


def platform_topics() -> set[str]:
    """Every physical topic of the default trust, its dead letter, and the epoch topic."""
    return {
        n for t in CATALOGUE for name in t.physical(AGENCIES) for n in (name, name + DLQ_SUFFIX)
    } | {EPOCH_TOPIC}


def tool_versions() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (HELM_DIR / "tools.env").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    )
    return {k: v.strip('"') for k, v in pairs}


@cache
def helm() -> Path:
    """The helm binary check.sh built (HELM overrides); the chart tests skip without it."""
    if override := os.environ.get("HELM"):
        return Path(override)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    tools = Path(os.environ.get("COMMISSIONING_TOOLS_DIR", cache_home / "commissioning-tools"))
    version = tool_versions()["HELM_VERSION"]
    return tools / f"helm-{version}" / "helm"


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    binary = helm()
    if not binary.exists():
        pytest.skip(f"no helm at {binary}: `bash deploy/helm/check.sh` builds it")
    return subprocess.run(
        [str(binary), "template", RELEASE, str(CHART), "--namespace", RELEASE,
         "--kube-version", KUBE_VERSION, *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@cache
def render(*args: str) -> tuple[Doc, ...]:
    result = run_helm(*args)
    assert result.returncode == 0, result.stderr
    return tuple(d for d in yaml.safe_load_all(result.stdout) if isinstance(d, dict))


def refused(*args: str) -> str:
    """The error with which the chart refuses these values."""
    result = run_helm(*args)
    assert result.returncode != 0, "the chart accepted the values"
    return result.stderr


def of_kind(docs: Iterable[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(workload: Doc) -> Doc:
    spec: Doc = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: Doc) -> list[Doc]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def env(container: Doc) -> dict[str, Any]:
    """A container's environment: name to value, or to its valueFrom."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def secrets_used(workload: Doc) -> set[str]:
    """Every Secret a workload's pods read: env, envFrom and volumes."""
    names = {v["secret"]["secretName"] for v in pod_spec(workload)["volumes"] if "secret" in v}
    for c in containers(workload):
        names |= {s["secretRef"]["name"] for s in c.get("envFrom", []) if "secretRef" in s}
        names |= {
            e["valueFrom"]["secretKeyRef"]["name"]
            for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
    return names


def hook(doc: Doc) -> tuple[set[str], int] | None:
    """(hook events, weight) of a Helm hook, or None for an ordinary release object."""
    annotations = doc["metadata"].get("annotations", {})
    if "helm.sh/hook" not in annotations:
        return None
    events = set(annotations["helm.sh/hook"].split(","))
    return events, int(annotations.get("helm.sh/hook-weight", "0"))
