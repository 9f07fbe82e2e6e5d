"""A published needs assessment: one version for one area (JSNA snapshot, Gateshead
Activity One stage 3), with the exact stored revisions it used so it can be reproduced."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.needs.domain.model import AreaKind


@dataclass(frozen=True)
class NeedsAssessment:
    """Versions of an area's assessment count up from 1; a version never changes."""

    assessment_id: uuid.UUID
    area_kind: AreaKind
    area_code: str
    version: int
    published_at: datetime
    requested_by: str
    data_version: str
    body: Mapping[str, Any]
    csv: str

    @property
    def locality(self) -> str | None:
        return self.area_code if self.area_kind is AreaKind.LOCALITY else None
