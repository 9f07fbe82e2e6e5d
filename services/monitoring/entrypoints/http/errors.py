"""The error shape, documented on every route, and the use cases' refusals mapped onto it:
`{"detail": [{field, rule}, ...]}`, always naming the field and the rule it broke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, Field

from services.monitoring.application.problems import (
    Conflict,
    Forbidden,
    NotFound,
    Refused,
    Unprocessable,
)


class ProblemDetail(BaseModel):
    field: str = Field(description="The field, header or parameter at fault.")
    rule: str = Field(description="The rule it broke, in words.")


class ErrorBody(BaseModel):
    """Every 4xx and 503 answer: what was wrong, by field and rule."""

    detail: ProblemDetail | list[ProblemDetail]


_MEANINGS = {
    401: "No bearer token, or one that is invalid or expired (WWW-Authenticate says which).",
    403: "The token's roles or scope (locality, provider) do not allow this.",
    404: "The contract or alert does not exist or is not visible to the caller.",
    409: "The revision was already received with other content, or the alert's state "
    "does not allow the step.",
    413: "An event this request would publish exceeds the broker's size limit.",
    422: "A parameter or the body broke a rule.",
    503: "The token's signing keys are unavailable; retry later.",
}

AUTHENTICATED = (401, 403, 503)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": ErrorBody, "description": _MEANINGS[code]} for code in sorted(set(codes))
    }


_STATUS: tuple[tuple[type[Refused], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (Unprocessable, 422),
)


@contextmanager
def refusals_as_http() -> Iterator[None]:
    try:
        yield
    except Refused as refused:
        code = next(c for kind, c in _STATUS if isinstance(refused, kind))
        raise HTTPException(code, detail=[p.as_dict() for p in refused.problems]) from None
