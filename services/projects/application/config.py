"""What the projects use cases need from the trust's configuration."""

from __future__ import annotations

from dataclasses import dataclass

from services.projects.domain.calendar import Calendar
from shared.trust import CommissioningActivity, TrustConfig


@dataclass(frozen=True)
class ProjectsConfig:
    """Localities, outcomes and partners of the trust; its stages and calendar."""

    trust_id: str
    localities: frozenset[str]
    outcomes: frozenset[str]
    agencies: frozenset[str]
    stage_activities: dict[int, str]
    calendar: Calendar


def projects_config(trust: TrustConfig) -> ProjectsConfig:
    return ProjectsConfig(
        trust_id=trust.id,
        localities=trust.locality_ids,
        outcomes=trust.outcome_ids,
        agencies=frozenset(agency.id for agency in trust.agencies),
        stage_activities={s.number: s.activity.value for s in trust.commissioning_stages},
        calendar=_calendar(trust),
    )


def _calendar(trust: TrustConfig) -> Calendar:
    dates = trust.commissioning_calendar
    windows = {
        a.value: (dates.window(a).from_month, dates.window(a).to_month)
        for a in CommissioningActivity
    }
    return Calendar(windows, cycle_start=dates.assess.from_month)
