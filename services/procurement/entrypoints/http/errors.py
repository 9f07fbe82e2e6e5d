"""The project's error shape on every route, and the use cases' refusals mapped onto it:
``{"detail": {field, rule}}``, always naming the field and the rule it broke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, Field

from services.procurement.application.common import Problem


class ProblemDetail(BaseModel):
    field: str = Field(description="The field, header or parameter at fault.")
    rule: str = Field(description="The rule it broke, in words.")


class ErrorBody(BaseModel):
    detail: ProblemDetail | list[dict[str, Any]]


_MEANINGS = {
    401: "No bearer token, or one that is invalid or expired.",
    403: "The token's roles or scope (locality, provider) do not allow this.",
    404: "The procurement, provider, contract or fund does not exist or is not visible to you.",
    409: "The procurement's state forbids this now (e.g. bids sealed until close, late bid).",
    422: "A parameter or the body broke a rule.",
    503: "The token's signing keys are unavailable; retry later.",
}

READ = (401, 403, 404, 422, 503)
WRITE = (*READ, 409)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorBody, "description": _MEANINGS[c]} for c in sorted(set(codes))}


@contextmanager
def refusals_as_http() -> Iterator[None]:
    try:
        yield
    except Problem as problem:
        raise HTTPException(
            problem.status, detail={"field": problem.field, "rule": problem.rule}
        ) from None
