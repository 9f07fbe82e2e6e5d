"""Policy over rendered manifests: what an operations team's admission control would refuse.

- no container may run as root: runAsNonRoot true, and no runAsUser 0, at pod or container
  level (the container's setting wins);
- every container and init container has CPU and memory limits;
- no Secret with a literal value: the chart refers to Secrets created out of band and never
  renders one with `data` or `stringData`.

Usage: python deploy/helm/policy.py RENDERED.yaml...   (exit 1 and one line per violation)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


def pod_spec(doc: Doc) -> Doc | None:
    if doc.get("kind") == "Pod":
        spec: Doc = doc["spec"]
        return spec
    if doc.get("kind") == "CronJob":
        spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    if doc.get("kind") in WORKLOADS:
        spec = doc["spec"]["template"]["spec"]
        return spec
    return None


def container_violations(where: str, pod: Doc, container: Doc) -> list[str]:
    found = []
    context = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    if context.get("runAsNonRoot") is not True:
        found.append(f"{where}: runAsNonRoot is not true")
    if context.get("runAsUser") == 0:
        found.append(f"{where}: runs as UID 0")
    if context.get("allowPrivilegeEscalation") is not False:
        found.append(f"{where}: allowPrivilegeEscalation is not false")
    limits = container.get("resources", {}).get("limits", {})
    for resource in ("cpu", "memory"):
        if resource not in limits:
            found.append(f"{where}: no {resource} limit")
    return found


def violations(docs: Iterable[Doc]) -> list[str]:
    """Every policy violation in `docs`, one line each."""
    found: list[str] = []
    for doc in docs:
        kind, name = doc.get("kind"), doc.get("metadata", {}).get("name")
        if kind == "Secret" and (doc.get("data") or doc.get("stringData")):
            found.append(f"Secret {name}: holds literal values")
        pod = pod_spec(doc)
        if pod is None:
            continue
        for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
            where = f"{kind} {name} container {container.get('name')}"
            found += container_violations(where, pod, container)
    return found


def load(paths: Iterable[Path]) -> list[Doc]:
    return [
        d
        for p in paths
        for d in yaml.safe_load_all(p.read_text(encoding="utf-8"))
        if isinstance(d, dict)
    ]


def main(argv: list[str]) -> int:
    docs = load(Path(a) for a in argv[1:])
    found = violations(docs)
    for line in found:
        print(f"policy: {line}", file=sys.stderr)
    print(f"policy: {len(docs)} objects, {len(found)} violations")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
