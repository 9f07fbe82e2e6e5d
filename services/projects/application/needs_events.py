"""The needs service's events, taken into this service's own projection; a need resolved
or newly identified under a project that has passed needs analysis (stage 3) flags it for
review (Gateshead handbook, Activity One step 7: the cycle feeds back)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.projects.application.changes import locality_of, now, snapshot, subject
from services.projects.application.ports import AuditEntry, ProjectsUnitOfWork, PublishedNeed
from services.projects.domain.project import Project, ReviewFlag
from shared.contracts.needs import NeedIdentified, NeedResolved, NeedsAssessmentPublished
from shared.contracts.projects import ProjectChanged, ProjectFlaggedForReview
from shared.envelope import Envelope, Event
from shared.failpoints import PROJECTS_FLAGGED, failpoint

SYSTEM = "needs-events"


async def take_needs_events(events: Sequence[Event[Any]], uow: ProjectsUnitOfWork) -> None:
    for event in events:
        payload = event.payload
        if isinstance(payload, NeedIdentified):
            need = PublishedNeed(
                payload.need_id, payload.need_key, payload.locality, tuple(payload.outcomes)
            )
            await uow.needs.record_need(need)
            for project in await uow.projects.past_needs_analysis():
                if project.concerns(need.locality, frozenset(need.outcomes)):
                    await _flag(uow, project, "need_identified", need, event.envelope)
        elif isinstance(payload, NeedResolved):
            await uow.needs.resolve_need(payload.need_id)
            resolved = PublishedNeed(payload.need_id, payload.need_key, payload.locality, ())
            for project in await uow.projects.past_needs_analysis():
                if project.cites_need(payload.need_id):
                    await _flag(uow, project, "need_resolved", resolved, event.envelope)
        elif isinstance(payload, NeedsAssessmentPublished):
            area = f"{payload.area.kind.value}/{payload.area.code}"
            await uow.needs.record_assessment(payload.assessment_id, area)


async def _flag(
    uow: ProjectsUnitOfWork, project: Project, reason: str, need: PublishedNeed, cause: Envelope
) -> None:
    if any(f.need_id == need.need_id and f.reason == reason for f in project.review_flags):
        return
    at = now()
    flag = ReviewFlag(reason, need.need_id, need.need_key, at)
    flagged = project.changed(review_flags=(*project.review_flags, flag))
    if not await uow.projects.save(flagged):
        raise RuntimeError(f"project {project.project_id} changed while being flagged; retry")
    await uow.audit.record(
        AuditEntry(
            subject(project.project_id),
            SYSTEM,
            (),
            "flagged_for_review",
            at,
            reason,
            {"need_id": str(need.need_id), "need_key": need.need_key},
        )
    )
    flagged_event = ProjectFlaggedForReview(
        project_id=project.project_id,
        reason=reason,
        need_id=need.need_id,
        need_key=need.need_key,
        flagged_at=at,
    )
    where = locality_of(project)
    uow.publish(flagged_event, subject=subject(project.project_id), locality=where, caused_by=cause)
    changed = ProjectChanged(
        project_id=flagged.project_id,
        version=flagged.version,
        change="flagged_for_review",
        project=snapshot(flagged),
        changed_by=SYSTEM,
        changed_at=at,
    )
    uow.publish(changed, subject=subject(project.project_id), locality=where, caused_by=cause)
    failpoint(PROJECTS_FLAGGED)
