"""COMMISSIONING_FAILPOINT names a known failpoint, optionally with the hit to kill at."""

from __future__ import annotations

import pytest

from shared import failpoints


def test_unset_arms_nothing() -> None:
    assert failpoints.parse(None) is None
    assert failpoints.parse("") is None


def test_a_name_alone_kills_at_the_first_hit_and_a_count_at_that_hit() -> None:
    point = failpoints.INBOX_AFTER_COMMIT
    assert failpoints.parse(point) == (point, 1)
    assert failpoints.parse(f"{point}@3") == (point, 3)


def test_an_unknown_name_or_a_hit_below_one_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="unknown failpoint 'inbox.typo'; known: inbox."):
        failpoints.parse("inbox.typo")
    with pytest.raises(ValueError, match="at least 1"):
        failpoints.parse(f"{failpoints.OUTBOX_AFTER_PUBLISH}@0")


def test_a_failpoint_that_is_not_armed_returns() -> None:
    failpoints.failpoint(failpoints.INBOX_AFTER_INSERT)  # the test process is not killed
