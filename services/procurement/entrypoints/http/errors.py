"""The project's error shape on every route, and the use cases' refusals mapped onto it:
``{"detail": {field, rule}}``, always naming the field and the rule it broke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from services.procurement.application.common import Problem
from shared.error_shape import SIGNED_IN_MEANINGS, error_responses

_MEANINGS = {
    **SIGNED_IN_MEANINGS,
    403: "The token's roles or scope (locality, provider) do not allow this.",
    404: "The procurement, provider, contract or fund does not exist or is not visible to you.",
    409: "The procurement's state forbids this now (e.g. bids sealed until close, late bid).",
    422: "A parameter or the body broke a rule.",
}

READ = (401, 403, 404, 422, 503)
WRITE = (*READ, 409)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(_MEANINGS, codes)


@contextmanager
def refusals_as_http() -> Iterator[None]:
    try:
        yield
    except Problem as problem:
        raise HTTPException(
            problem.status, detail={"field": problem.field, "rule": problem.rule}
        ) from None
