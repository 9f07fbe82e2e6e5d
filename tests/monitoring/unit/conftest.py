from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.trust import TrustConfig, load_trust_config

NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def trust() -> TrustConfig:
    return load_trust_config()


def clock() -> datetime:
    return NOW
