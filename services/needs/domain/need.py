"""The `Need` aggregate: a need found in one series, open until the analysis stops finding it.

A need is identified when a series' assessment first finds it (worse than its benchmark,
or worsening for the trust's number of periods: Gateshead Activity One, stage 3) and is
resolved, once, when a later assessment no longer does. Its evidence is kept exactly as it
was published, so the record answers "what did we know when we opened it".
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.needs.domain.model import AreaKind, Breakdown, parse_breakdown_key


class NeedState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class NeedAlreadyResolved(ValueError):
    """A resolved need is history: it is never resolved again, nor reopened."""


@dataclass
class Need:
    """One need of one series (indicator, area, breakdown) and its lifecycle."""

    need_id: uuid.UUID
    need_key: str
    indicator_id: str
    area_kind: AreaKind
    area_code: str
    breakdown_key: str
    reason: str
    reasons: tuple[str, ...]
    outcomes: tuple[str, ...]
    vulnerable_group: bool
    identified_at: datetime
    evidence: Mapping[str, Any]
    state: NeedState = NeedState.OPEN
    resolved_at: datetime | None = None
    resolution_evidence: Mapping[str, Any] | None = None

    @classmethod
    def identify(
        cls,
        *,
        need_key: str,
        indicator_id: str,
        area_kind: AreaKind,
        area_code: str,
        breakdown_key: str,
        reason: str,
        reasons: tuple[str, ...],
        outcomes: tuple[str, ...],
        vulnerable_group: bool,
        at: datetime,
        evidence: Mapping[str, Any],
        need_id: uuid.UUID | None = None,
    ) -> Need:
        """Open a need with the evidence that found it."""
        return cls(
            need_id=need_id or uuid.uuid4(),
            need_key=need_key,
            indicator_id=indicator_id,
            area_kind=area_kind,
            area_code=area_code,
            breakdown_key=breakdown_key,
            reason=reason,
            reasons=reasons,
            outcomes=outcomes,
            vulnerable_group=vulnerable_group,
            identified_at=at,
            evidence=evidence,
        )

    @property
    def is_open(self) -> bool:
        return self.state is NeedState.OPEN

    @property
    def breakdown(self) -> Breakdown:
        return parse_breakdown_key(self.breakdown_key)

    @property
    def locality(self) -> str | None:
        """The locality whose board the need concerns (None above locality level)."""
        return self.area_code if self.area_kind is AreaKind.LOCALITY else None

    def resolve(self, *, at: datetime, evidence: Mapping[str, Any]) -> None:
        """Close the need with the evidence that no longer finds it."""
        if not self.is_open:
            raise NeedAlreadyResolved(f"need {self.need_key} was resolved at {self.resolved_at}")
        if at < self.identified_at:
            raise ValueError(f"need {self.need_key} cannot be resolved before it was identified")
        self.state = NeedState.RESOLVED
        self.resolved_at = at
        self.resolution_evidence = evidence
