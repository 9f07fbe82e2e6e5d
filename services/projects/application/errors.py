"""The use cases' refusals, each naming the field and the rule it broke."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    field: str
    rule: str

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "rule": self.rule}


class Refused(Exception):
    """Base of the refusals; ``status`` is the HTTP status the entrypoint answers with."""

    status = 400

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.rule}" for p in problems))
        self.problems = list(problems)

    @classmethod
    def of(cls, field: str, rule: str) -> Refused:
        return cls([Problem(field, rule)])


class Forbidden(Refused):
    status = 403


class NotFound(Refused):
    """Also the answer for a project the caller may not see: its existence is not leaked."""

    status = 404


class Conflict(Refused):
    """The project's state does not allow it (e.g. a gate for a stage it is not at)."""

    status = 409


class StaleVersion(Refused):
    """The caller's If-Match names a version that is no longer current."""

    status = 412


class Unprocessable(Refused):
    """The request broke a rule, or a gate lacks evidence: every problem is listed."""

    status = 422
