"""The error shape, documented on every route, and the use cases' refusals mapped onto it:
`{"detail": [{field, rule}, ...]}`, always naming the field and the rule it broke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, Field

from services.boards.application.access import Forbidden, NotFound, Refused


class ProblemDetail(BaseModel):
    field: str = Field(description="The field, header or parameter at fault.")
    rule: str = Field(description="The rule it broke, in words.")


class ErrorBody(BaseModel):
    """Every 4xx and 503 answer: what was wrong, by field and rule."""

    detail: ProblemDetail | list[ProblemDetail]


_MEANINGS = {
    401: "No bearer token, or one that is invalid or expired (WWW-Authenticate says which).",
    403: "The token's roles or locality do not allow reading this board.",
    404: "The trust has no such locality.",
    422: "A parameter broke a rule.",
    503: "The token's signing keys are unavailable; retry later.",
}

AUTHENTICATED = (401, 403, 422, 503)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": ErrorBody, "description": _MEANINGS[code]} for code in sorted(set(codes))
    }


@contextmanager
def refusals_as_http() -> Iterator[None]:
    try:
        yield
    except Refused as refused:
        code = (
            404 if isinstance(refused, NotFound) else 403 if isinstance(refused, Forbidden) else 422
        )
        raise HTTPException(code, detail=[p.as_dict() for p in refused.problems]) from None
