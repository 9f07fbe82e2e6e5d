"""Open Contracting Data Standard 1.1.5 release and record packages: what was bought, from
whom and for how much, for auditors and the public (docs/domain/procurement.md, "Open
Contracting Data Standard 1.1.5"). Never a bid's contents or a losing price."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from services.procurement.application.common import NotFound, ProcurementConfig
from services.procurement.application.ports import Clock, ProcurementUnitOfWork
from services.procurement.domain.ocds import Buyer, ProcurementFacts, Release, ocid, releases

Compiler = Callable[[list[Release]], Release]
"""Compiles a record's releases into one (the service uses ``ocdsmerge``)."""
VERSION = "1.1"


async def _facts(uow: ProcurementUnitOfWork) -> list[ProcurementFacts]:
    names = {p.provider_id: p.name for p in await uow.providers.list()}
    contracts = {c.procurement_id: c for c in await uow.contracts.list(None)}
    found = []
    for p in await uow.procurements.list(None):
        bidders = [b.provider_id for b in await uow.bids.of(p.procurement_id)]
        tenderers = tuple((b, names.get(b, b)) for b in bidders)
        supplier = names.get(p.awarded_provider) if p.awarded_provider else None
        found.append(ProcurementFacts(p, tenderers, supplier, contracts.get(p.procurement_id)))
    return found


def _package(config: ProcurementConfig, clock: Clock, uri: str) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": clock().isoformat(),
        "publisher": {"name": config.trust_name},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    }


async def release_package(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    clock: Clock,
    base: str,
    procurement_id: uuid.UUID | None,
) -> dict[str, Any]:
    buyer = Buyer(config.trust_id, config.trust_name)
    chosen = [
        f
        for f in await _facts(uow)
        if procurement_id is None or f.procurement.procurement_id == procurement_id
    ]
    if procurement_id is not None and not chosen:
        raise NotFound("procurement_id", f"no procurement {procurement_id}")
    every = [r for f in chosen for r in releases(config.ocid_prefix, buyer, f)]
    return _package(config, clock, f"{base}/ocds/releases") | {"releases": every}


async def record_package(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    clock: Clock,
    base: str,
    compile_release: Compiler,
    wanted_ocid: str | None,
) -> dict[str, Any]:
    buyer = Buyer(config.trust_id, config.trust_name)
    records = []
    for facts in await _facts(uow):
        the_ocid = ocid(config.ocid_prefix, facts)
        if wanted_ocid is not None and the_ocid != wanted_ocid:
            continue
        found = releases(config.ocid_prefix, buyer, facts)
        records.append(
            {"ocid": the_ocid, "releases": found, "compiledRelease": compile_release(found)}
        )
    if wanted_ocid is not None and not records:
        raise NotFound("ocid", f"no record {wanted_ocid}")
    return _package(config, clock, f"{base}/ocds/records") | {"records": records}
