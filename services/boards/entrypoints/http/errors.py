"""The error shape, documented on every route, and the use cases' refusals mapped onto it:
`{"detail": [{field, rule}, ...]}`, always naming the field and the rule it broke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from services.boards.application.access import Forbidden, NotFound, Refused
from shared.error_shape import SIGNED_IN_MEANINGS, error_responses

_MEANINGS = {
    **SIGNED_IN_MEANINGS,
    403: "The token's roles or locality do not allow reading this board.",
    404: "The trust has no such locality.",
    422: "A parameter broke a rule.",
}

AUTHENTICATED = (401, 403, 422, 503)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(_MEANINGS, codes)


@contextmanager
def refusals_as_http() -> Iterator[None]:
    try:
        yield
    except Refused as refused:
        code = (
            404 if isinstance(refused, NotFound) else 403 if isinstance(refused, Forbidden) else 422
        )
        raise HTTPException(code, detail=[p.as_dict() for p in refused.problems]) from None
