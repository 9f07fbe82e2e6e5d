"""Key improvement priorities: agreed per year by the Executive Board, each tied to
outcomes and led by a lead commissioner; the Annual Commissioning Plan lists the projects
under each (Durham, Section 2, "Commissioning Plans and Priorities"; Section 3, "The
Children's Executive Board", duty 1, and "Lead Commissioner"; Medway, paragraph 5.2)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Priority:
    priority_id: uuid.UUID
    year: str
    """The plan year, e.g. 2026/27 (the financial year the cycle follows)."""
    title: str
    description: str
    outcomes: tuple[str, ...]
    lead_commissioner: str
    agreed_by: str
    agreed_at: datetime
