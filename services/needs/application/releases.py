"""Suppression decisions persist: every publication path reads the earlier releases of a
table before deciding it, and records what it published.

A reader who keeps every assessment version, need event and API answer holds all the
releases of a table at once; "the trust now minus the localities then" recovers a count
that each release alone protects (issue 8, attack 3). So the needs assessments, the need
events and the API reads of values and comparisons all load the stored releases into
``IndicatorData(..., released=...)`` (cells hidden before stay hidden, and the protection
check covers a reader holding those releases) and record the tables they published
(``IndicatorData.releases``). Only the numerators and denominators and the hidden cells
are stored; the complements and relations are rebuilt from them (``relations.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from typing import cast

from services.needs.application.config import NeedsConfig
from services.needs.application.ports import NeedsUnitOfWork, StoredRelease
from services.needs.domain.analysis import IndicatorData
from services.needs.domain.catalogue import Indicator, ValueType
from services.needs.domain.disclosure import Release
from services.needs.domain.relations import DENOMINATOR, NUMERATOR, Key, related_table

Released = dict[str, list[Release[Hashable]]]
"""Earlier releases of one indicator's tables, by calendar year (or year span)."""


def stored(indicator_id: str, family: str, release: Release[Hashable]) -> StoredRelease:
    """The record to persist: counts of the published cells and the hidden keys."""
    counts = sorted(
        (tuple(cast(Key, key)), count)
        for key, count in release.counts.items()
        if cast(Key, key)[0] in (NUMERATOR, DENOMINATOR)
    )
    hidden = sorted(tuple(cast(Key, key)) for key in release.hidden)
    return StoredRelease(indicator_id, family, tuple(counts), tuple(hidden))


def restored(record: StoredRelease, indicator: Indicator) -> Release[Hashable]:
    """The release as ``disclose_table`` takes it, complements and relations rebuilt."""
    counts = {cast(Key, key): count for key, count in record.counts}
    table = related_table(counts, complements=indicator.value_type is ValueType.PROPORTION)
    hidden = frozenset(cast(Hashable, key) for key in record.hidden)
    return Release(table.counts, table.groups, hidden, table.unpublished)


async def load_released(
    uow: NeedsUnitOfWork, config: NeedsConfig, indicator_ids: Iterable[str]
) -> dict[str, Released]:
    """Every stored release of the indicators' tables, by indicator and calendar year."""
    found: dict[str, Released] = defaultdict(lambda: defaultdict(list))
    for record in await uow.releases.of(indicator_ids):
        indicator = config.catalogue.get(record.indicator_id)
        if indicator is not None:
            found[record.indicator_id][record.family].append(restored(record, indicator))
    return {indicator_id: dict(families) for indicator_id, families in found.items()}


async def record_releases(
    uow: NeedsUnitOfWork, config: NeedsConfig, datas: Mapping[str, IndicatorData]
) -> None:
    """Record the tables these data published (caller commits, with what it published)."""
    records = [
        stored(indicator_id, family, release)
        for indicator_id, data in datas.items()
        for family, release in sorted(data.releases(config.rule).items())
        if release.counts
    ]
    if records:
        await uow.releases.add(records)
