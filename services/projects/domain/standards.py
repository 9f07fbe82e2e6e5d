"""Self-evaluation against the thirteen commissioning standards of the DCSF-DoH
Commissioning Support Programme's self-analysis tool, as North Yorkshire scored itself
(North Yorkshire, paragraph 4.2 and Appendix B). Scores run from 1 (no clear agreement on
what is needed) to 5 (fully achieved across the trust), in half points so that North
Yorkshire's "1/2" (between the two) can be recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

STANDARDS: dict[int, str] = {
    1: "We are clear and agreed about the outcome priorities we need to deliver",
    2: "We have robust, up-to-date commissioning arrangements which deliver the priority outcomes",
    3: "We have the right governance and partnership arrangements to deliver our priority "
    "outcomes through commissioning",
    4: "We have clear, agreed and effective arrangements which support joint commissioning",
    5: "Partners and stakeholders, including service users, trust the approach we take to "
    "commissioning",
    6: "We really understand the needs of children, young people and their families in our area",
    7: "We influence the market effectively to improve outcomes",
    8: "We successfully monitor the impact and manage the performance of services",
    9: "Our commissioners work effectively together to secure improved services and outcomes",
    10: "We successfully secure major service reconfiguration and change through commissioning",
    11: "Our leaders understand commissioning and work together to embed best practice across "
    "the trust",
    12: "We have the right people with the right skills, knowledge and expertise to "
    "commission effectively",
    13: "We have a culture of continuous learning and improvement involving all commissioners, "
    "providers and stakeholders",
}


def score_rule(score: Decimal) -> str | None:
    """None for a valid score; else the rule it breaks (North Yorkshire, Appendix B)."""
    if not Decimal(1) <= score <= Decimal(5) or (score * 2) % 1 != 0:
        return "a score runs from 1 to 5 in half points (1/2 is recorded as 1.5)"
    return None


@dataclass(frozen=True)
class StandardScore:
    standard: int
    score: Decimal
    evidence: str
    actions: str


@dataclass(frozen=True)
class SelfEvaluation:
    evaluation_id: uuid.UUID
    as_of: date
    scores: tuple[StandardScore, ...]
    recorded_by: str
    recorded_at: datetime

    def score(self, standard: int) -> Decimal:
        return next(s.score for s in self.scores if s.standard == standard)


def movement(current: SelfEvaluation, previous: SelfEvaluation | None) -> dict[int, Decimal]:
    """Change in each standard's score since the previous evaluation (empty for the first)."""
    if previous is None:
        return {}
    return {s.standard: s.score - previous.score(s.standard) for s in current.scores}


def missing_standards(scored: set[int]) -> list[int]:
    """An evaluation scores every standard: the trust's whole picture at one date."""
    return [n for n in STANDARDS if n not in scored]
