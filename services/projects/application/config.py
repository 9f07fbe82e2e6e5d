"""What the projects use cases need from the trust's configuration."""

from __future__ import annotations

from dataclasses import dataclass

from shared.trust import TrustConfig


@dataclass(frozen=True)
class ProjectsConfig:
    trust_id: str
    localities: frozenset[str]
    outcomes: frozenset[str]
    agencies: frozenset[str]


def projects_config(trust: TrustConfig) -> ProjectsConfig:
    return ProjectsConfig(
        trust_id=trust.id,
        localities=trust.locality_ids,
        outcomes=trust.outcome_ids,
        agencies=frozenset(agency.id for agency in trust.agencies),
    )
