"""Deterministic failpoints: SIGKILL the process at a named point in the backbone or in a
service's use case.

The fault suite (tests/faults/) proves the outbox and inbox guarantees by killing a relay,
a consumer or a service exactly inside the windows where a crash is dangerous (after the
inbox insert but before the commit, after the commit but before the offset commit, after
the broker's ack but before the outbox row is marked, between two savepoints of the
fallback path, between the writes of a service's use case), instead of at timed moments
that may or may not fall inside them.

`COMMISSIONING_FAILPOINT=<name>` kills at the first time `<name>` is reached;
`<name>@<n>` at the n-th time. The variable is read once, at import: unset (as it is in
production), `failpoint()` returns at once and nothing else is done.
"""

from __future__ import annotations

import os
import signal
import sys

ENV_VAR = "COMMISSIONING_FAILPOINT"

INBOX_AFTER_INSERT = "inbox.after_insert_before_commit"
"""The batch's inbox rows and effects are written; the transaction is not committed."""
INBOX_REDELIVERY_AFTER_INSERT = "inbox.redelivery_after_insert_before_commit"
"""A batch holding an event received before: its COPY was refused and rolled back, and the
statement's inbox rows and the new events' effects are written; the transaction is open."""

INBOX_AFTER_COMMIT = "inbox.after_commit_before_offset_commit"
"""The batch is committed (and dead letters acknowledged); Kafka offsets are not."""
INBOX_AFTER_DECODE_NEXT = "inbox.after_decode_before_previous_commit"
"""Pipelined consumption: batch k+1 is fetched and decoded; batch k's transaction and offset
commit may still be under way (or done), batch k+1's not begun."""
INBOX_BETWEEN_SAVEPOINTS = "inbox.fallback_between_savepoints"
"""Event-by-event fallback: some events' savepoints are released, the rest still to come."""
OUTBOX_AFTER_PUBLISH = "outbox.after_publish_before_mark"
"""The broker acknowledged a batch; its outbox rows are still `pending`."""

MONITORING_RETURN_COMMITTED = "monitoring.return_committed_before_delivery"
"""A return (with its alerts and their delivery rows) is committed over HTTP; the provider
has no answer yet and no webhook has been sent."""
MONITORING_WEBHOOK_SENT = "monitoring.webhook_sent_before_mark"
"""Webhooks were sent (and acknowledged by their receivers); their delivery rows are still
`pending`."""
MONITORING_RETURN_APPLIED = "monitoring.return_applied_before_commit"
"""A return from a provider's system is applied (alerts and delivery rows written) in the
inbox's transaction, which is not committed."""

# Service use cases that make several writes in one transaction (tests/faults/README.md).
PROJECTS_HANDED_ON = "projects.gate.after_hand_on_before_commit"
"""A stage-6 gate approved: the project advanced, audited, its ProcurementRequested (or
DecommissioningDecided) staged; nothing committed."""
PROJECTS_FLAGGED = "projects.needs.after_flag_before_commit"
"""A need identified or resolved under a project past stage 3: the project flagged for
review, audited, ProjectFlaggedForReview and ProjectChanged staged, inside the inbox's
transaction; nothing committed."""
PROJECTS_CONTRACT_STARTED = "projects.contract_started.after_record_before_commit"
"""A ContractStarted recorded on its project (project, audit, ProjectChanged staged)
inside the inbox's transaction; nothing committed."""
PROCUREMENT_OPENED = "procurement.request.after_open_before_commit"
"""A procurement request routed and recorded (procurement, project link, audit,
ProcurementOpened staged), over HTTP or from a ProcurementRequested; nothing committed."""
PROCUREMENT_BID_SEALED = "procurement.bid.after_seal_before_commit"
"""A provider's bid accepted: its sealed contents stored, audited, BidReceived staged;
nothing committed."""
PROCUREMENT_KEY_RELEASED = "procurement.tender.after_key_release_before_commit"
"""A tender closing: its data key released in the clear, the procurement not yet closed,
TenderClosed not yet staged; nothing committed."""
PROCUREMENT_COMMITTED = "procurement.contract.after_commitment_before_contract"
"""Starting a contract: its funding committed against each pooled fund; the contract, the
procurement's new state, the audit and ContractStarted not yet written; nothing committed."""

POINTS = (
    INBOX_AFTER_INSERT,
    INBOX_REDELIVERY_AFTER_INSERT,
    INBOX_AFTER_COMMIT,
    INBOX_AFTER_DECODE_NEXT,
    INBOX_BETWEEN_SAVEPOINTS,
    OUTBOX_AFTER_PUBLISH,
    MONITORING_RETURN_COMMITTED,
    MONITORING_WEBHOOK_SENT,
    MONITORING_RETURN_APPLIED,
    PROJECTS_HANDED_ON,
    PROJECTS_FLAGGED,
    PROJECTS_CONTRACT_STARTED,
    PROCUREMENT_OPENED,
    PROCUREMENT_BID_SEALED,
    PROCUREMENT_KEY_RELEASED,
    PROCUREMENT_COMMITTED,
)


def parse(spec: str | None) -> tuple[str, int] | None:
    """`name` or `name@n` -> (name, n); None when unset. Unknown names are refused."""
    if not spec:
        return None
    name, _, count = spec.partition("@")
    if name not in POINTS:
        raise ValueError(f"{ENV_VAR}: unknown failpoint {name!r}; known: {', '.join(POINTS)}")
    hits = int(count) if count else 1
    if hits < 1:
        raise ValueError(f"{ENV_VAR}: the hit count must be at least 1, got {count!r}")
    return name, hits


_armed = parse(os.environ.get(ENV_VAR))
_hits = 0


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if `name` is the armed failpoint and its hit is due."""
    if _armed is None or _armed[0] != name:
        return
    global _hits
    _hits += 1
    if _hits >= _armed[1]:
        sys.stderr.write(f"failpoint {name} reached (hit {_hits}): SIGKILL\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
