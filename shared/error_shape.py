"""The project's error shape, one definition for every service's API.

Every 4xx and 503 answer is `{"detail": {field, rule}}` or `{"detail": [{index?, field,
rule}, ...]}`: it always names the field and the rule it broke. The edge
(shared/edge.py), the request-validation handlers (shared/runtime.py) and each service's
refusals answer in it; each service documents it on its routes with `error_responses`,
saying what each status means there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field


class ProblemDetail(BaseModel):
    """One thing wrong with a request."""

    index: int | None = Field(default=None, description="The item of a batch, if any.")
    field: str = Field(description="The field, header or parameter at fault.")
    rule: str = Field(description="The rule it broke, in words.")


class ErrorBody(BaseModel):
    """Every 4xx and 503 answer: what was wrong, by field and rule."""

    detail: ProblemDetail | list[ProblemDetail]


SIGNED_IN_MEANINGS = {
    401: "No bearer token, or one that is invalid or expired (WWW-Authenticate says which).",
    503: "The token's signing keys are unavailable; retry later.",
}
"""What 401 and 503 mean on every route behind a token, whatever the service."""


def error_responses(
    meanings: Mapping[int, str], codes: tuple[int, ...]
) -> dict[int | str, dict[str, Any]]:
    """`responses=` documenting the error shape for each status listed, with its meaning
    in this service (a status with no meaning given is a defect: KeyError at import)."""
    return {
        code: {"model": ErrorBody, "description": meanings[code]} for code in sorted(set(codes))
    }
