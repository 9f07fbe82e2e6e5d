"""The project's error shape, documented on every route, and the mapping of the use cases'
refusals onto it: `{"detail": {field, rule}}` or `{"detail": [{index?, field, rule}, ...]}`,
always naming the field and the rule it broke."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, status

from services.needs.application.queries import Forbidden, NotFound, Problem, Unprocessable
from shared.error_shape import SIGNED_IN_MEANINGS, error_responses

_MEANINGS = {
    **SIGNED_IN_MEANINGS,
    403: "The token's roles or scope (locality, agency) do not allow this.",
    404: "The locality, indicator or assessment does not exist.",
    409: "A revision was already received with different figures.",
    413: "An event this request would publish exceeds the broker's size limit.",
    422: "A parameter or the body broke a rule (listed on every operation with inputs).",
}

SIGNED_IN = (401, 503)
"""What every route behind a token may answer besides success: no valid token, or no keys
to check one with."""

AUTHENTICATED = (*SIGNED_IN, 403)
"""... and, behind a role or a scope, a caller without it."""


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` documenting the project's error shape for each status listed."""
    return error_responses(_MEANINGS, codes)


def _details(problems: Sequence[Problem]) -> Any:
    """A batch's problems are a list (with their item's index); a single one is an object."""
    if any(p.index is not None for p in problems) or len(problems) > 1:
        return [p.as_dict() for p in problems]
    return problems[0].as_dict()


@contextmanager
def refusals_as_http() -> Iterator[None]:
    """Turn the use cases' refusals into 403, 404 and 422 answers in the error shape."""
    try:
        yield
    except NotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=missing.problem.as_dict()) from None
    except Forbidden as forbidden:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=_details(forbidden.problems)
        ) from None
    except Unprocessable as refused:
        detail = [p.as_dict() for p in refused.problems]
        raise HTTPException(422, detail=detail) from None
