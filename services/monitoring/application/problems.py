"""How a use case refuses: the field and the rule it broke."""

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
    """Base of the refusals; `str()` is `field: rule; ...` for dead-letter reasons."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.rule}" for p in problems))
        self.problems = list(problems)


class NotFound(Refused):
    pass


class Forbidden(Refused):
    pass


class Unprocessable(Refused):
    pass


class Conflict(Refused):
    pass
