"""The chart's policy check refuses what admission control would (deploy/helm/policy.py).

check.sh runs it over every render; these show that each rule catches its violation.
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.deploy.chart import HELM_DIR, of_kind, render


def load_policy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("policy", HELM_DIR / "policy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


policy = load_policy()


def deployment() -> dict[str, Any]:
    return copy.deepcopy(of_kind(render(), "Deployment")["needs"])


def container(doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = doc["spec"]["template"]["spec"]["containers"][0]
    return found


def test_the_rendered_chart_passes() -> None:
    assert policy.violations(render()) == []


@pytest.mark.parametrize(
    ("break_it", "complaint"),
    [
        (lambda d: container(d)["securityContext"].update(runAsUser=0), "runs as UID 0"),
        (lambda d: container(d)["securityContext"].update(runAsNonRoot=False), "runAsNonRoot"),
        (lambda d: container(d)["securityContext"].pop("allowPrivilegeEscalation"), "Escalation"),
        (lambda d: container(d)["resources"]["limits"].pop("memory"), "no memory limit"),
        (lambda d: container(d)["resources"].pop("limits"), "no cpu limit"),
    ],
)
def test_each_rule_catches_its_violation(break_it: Any, complaint: str) -> None:
    doc = deployment()
    break_it(doc)
    (found,) = [v for v in policy.violations([doc]) if complaint in v] or [None]
    assert found is not None and "Deployment needs container service" in found


def test_the_pod_level_root_setting_counts_when_the_container_says_nothing() -> None:
    doc = deployment()
    container(doc)["securityContext"].pop("runAsNonRoot")
    container(doc)["securityContext"].pop("runAsUser")
    doc["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 0
    assert any("UID 0" in v for v in policy.violations([doc]))


@pytest.mark.parametrize("field", ["data", "stringData"])
def test_a_secret_with_a_literal_value_is_refused(field: str) -> None:
    secret = {"kind": "Secret", "metadata": {"name": "db"}, field: {"password": "x"}}
    assert policy.violations([secret]) == ["Secret db: holds literal values"]


def test_the_command_line_fails_on_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Secret\nmetadata: {name: s}\nstringData: {a: b}\n", encoding="utf-8")
    assert policy.main(["policy.py", str(bad)]) == 1
