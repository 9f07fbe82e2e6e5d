"""Deterministic failpoints: SIGKILL the process at a named point in the backbone.

The fault suite (tests/faults/) proves the outbox and inbox guarantees by killing a relay
or a consumer exactly inside the windows where a crash is dangerous (after the inbox
insert but before the commit, after the commit but before the offset commit, after the
broker's ack but before the outbox row is marked, between two savepoints of the fallback
path), instead of at timed moments that may or may not fall inside them.

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
INBOX_AFTER_COMMIT = "inbox.after_commit_before_offset_commit"
"""The batch is committed (and dead letters acknowledged); Kafka offsets are not."""
INBOX_AFTER_DECODE_NEXT = "inbox.after_decode_before_previous_commit"
"""Pipelined consumption: batch k+1 is fetched and decoded; batch k's transaction and offset
commit may still be under way (or done), batch k+1's not begun."""
INBOX_BETWEEN_SAVEPOINTS = "inbox.fallback_between_savepoints"
"""Event-by-event fallback: some events' savepoints are released, the rest still to come."""
OUTBOX_AFTER_PUBLISH = "outbox.after_publish_before_mark"
"""The broker acknowledged a batch; its outbox rows are still `pending`."""

POINTS = (
    INBOX_AFTER_INSERT,
    INBOX_AFTER_COMMIT,
    INBOX_AFTER_DECODE_NEXT,
    INBOX_BETWEEN_SAVEPOINTS,
    OUTBOX_AFTER_PUBLISH,
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
