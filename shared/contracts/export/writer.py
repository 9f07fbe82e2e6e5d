"""Writing the exported files: every JSON Schema, the AsyncAPI document (JSON and YAML)
and the README, deterministically."""

from __future__ import annotations

import importlib.metadata
import json
import tomllib
from pathlib import Path
from typing import Any

import yaml

from shared.contracts.export.asyncapi import asyncapi_document
from shared.contracts.export.readme import readme
from shared.contracts.json_schema import (
    ENVELOPE_FILE,
    EVENTS_DIR,
    envelope_json_schema,
    event_json_schema,
    event_schema_path,
)
from shared.contracts.registry import registry

DEFAULT_TITLE = "Joint commissioning of children's services: events"


def export(out_dir: Path, *, title: str = DEFAULT_TITLE, version: str | None = None) -> list[Path]:
    """Write the AsyncAPI document, every JSON Schema and a README into out_dir."""
    files = _render(title, version or _platform_version())
    out_dir.mkdir(parents=True, exist_ok=True)
    events_dir = out_dir / EVENTS_DIR
    if events_dir.is_dir():  # drop schemas of event types no longer registered
        for stale in sorted(events_dir.glob("*.schema.json")):
            if f"{EVENTS_DIR}/{stale.name}" not in files:
                stale.unlink()
    written = []
    for relative, text in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def _render(title: str, version: str) -> dict[str, str]:
    """Every exported file's relative path and text, in a stable order."""
    document = asyncapi_document(title, version)
    files = {
        "asyncapi.json": _json(document),
        "asyncapi.yaml": _yaml(document),
        ENVELOPE_FILE: _json(envelope_json_schema()),
    }
    for contract in registry:
        files[event_schema_path(contract.type)] = _json(event_json_schema(contract))
    files["README.md"] = readme()
    return files


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line strings as literal blocks (readable descriptions)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _yaml(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def _platform_version() -> str:
    """The platform's version: pyproject.toml in a checkout, else installed metadata."""
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == "commissioning" and "version" in project:
            return str(project["version"])
    try:
        return importlib.metadata.version("commissioning")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"
