"""The error shape, documented on every route, and the use cases' refusals mapped onto it:
`{"detail": [{field, rule}, ...]}`, always naming the field and the rule it broke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from services.monitoring.application.problems import (
    Conflict,
    Forbidden,
    NotFound,
    Refused,
    Unprocessable,
)
from shared.error_shape import SIGNED_IN_MEANINGS, error_responses

_MEANINGS = {
    **SIGNED_IN_MEANINGS,
    403: "The token's roles or scope (locality, provider) do not allow this.",
    404: "The contract or alert does not exist or is not visible to the caller.",
    409: "The revision was already received with other content, or the alert's state "
    "does not allow the step.",
    413: "An event this request would publish exceeds the broker's size limit.",
    422: "A parameter or the body broke a rule.",
}

AUTHENTICATED = (401, 403, 503)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(_MEANINGS, codes)


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
