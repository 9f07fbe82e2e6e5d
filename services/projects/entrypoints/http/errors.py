"""The project's error shape on every route, and the use cases' refusals mapped onto it:
`{"detail": {field, rule}}` or `{"detail": [{field, rule}, ...]}`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from services.projects.application.errors import Refused
from services.projects.domain.project import StateConflict
from shared.error_shape import SIGNED_IN_MEANINGS, error_responses

_MEANINGS = {
    **SIGNED_IN_MEANINGS,
    403: "The token's roles do not allow this (a gate names the bodies that decide it).",
    404: "No such project, or one outside the caller's locality.",
    409: "The project's state does not allow it (e.g. a gate for a stage it is not at).",
    412: "If-Match names a version that is not the project's current one.",
    413: "An event this request would publish exceeds the broker's size limit.",
    422: "The body broke a rule, or a gate lacks evidence: every problem is listed.",
    428: "If-Match is required: the version (ETag) the change was made against.",
}

SIGNED_IN = (401, 503)
AUTHENTICATED = (*SIGNED_IN, 403)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(_MEANINGS, codes)


@contextmanager
def refusals_as_http() -> Iterator[None]:
    """Refusals become their status with every problem listed; a state conflict a 409."""
    try:
        yield
    except Refused as refused:
        problems = [p.as_dict() for p in refused.problems]
        detail: Any = problems[0] if len(problems) == 1 and refused.status != 422 else problems
        raise HTTPException(refused.status, detail=detail) from None
    except StateConflict as conflict:
        raise HTTPException(409, detail={"field": conflict.field, "rule": conflict.rule}) from None


ETAG_HEADER = {"ETag": {"description": "The project's version", "schema": {"type": "string"}}}


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int:
    """The version an If-Match names; 428 without one, 412 for one that names no version."""
    if if_match is None or not if_match.strip():
        raise HTTPException(
            428, detail={"field": "If-Match", "rule": "send the ETag of the version you changed"}
        )
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 9:
        raise HTTPException(
            412, detail={"field": "If-Match", "rule": f"{if_match!r} is not a project version"}
        )
    return int(text)
