"""Compiling OCDS records with the official merge routine (``ocdsmerge``), over the
vendored OCDS 1.1.5 release schema (no network: the schema ships with the service)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import ocdsmerge

RELEASE_SCHEMA = Path(__file__).parent / "ocds" / "release-schema.json"


@cache
def _merger() -> ocdsmerge.Merger:
    return ocdsmerge.Merger(json.loads(RELEASE_SCHEMA.read_text(encoding="utf-8")))


def compile_release(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release: the latest value of every field across ``releases``."""
    compiled: dict[str, Any] = _merger().create_compiled_release(releases)
    return compiled
