"""The indicator catalogue is data: every starter indicator is example configuration and
refers to outcomes and agencies the trust has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.domain.catalogue import CatalogueError, catalogue_from_mapping
from services.needs.entrypoints.http import inbound_json_schema
from shared.trust import load_trust_config

SCHEMA_FILE = (
    Path(__file__).resolve().parents[3]
    / "docs/schemas/events/needs.IndicatorValueSubmitted.v1.schema.json"
)


def test_the_starter_catalogue_covers_the_frameworks_priorities_as_example_configuration() -> None:
    catalogue = load_catalogue()
    trust = load_trust_config()
    catalogue.check_references(trust.outcome_ids, (a.id for a in trust.agencies))
    assert {i.id for i in catalogue} == {
        "teenage_conceptions",
        "camhs_waiting_time",
        "looked_after_attainment",
        "neet_16_17",
        "first_time_entrants_youth_justice",
        "childhood_obesity_year6",
        "caf_assessments_started",
        "speech_language_referrals",
    }
    assert all(i.example for i in catalogue)
    assert [i.id for i in catalogue if i.caf_activity] == ["caf_assessments_started"]


def test_a_catalogue_naming_an_unknown_agency_or_outcome_is_refused() -> None:
    entry = {
        "id": "x",
        "outcomes": ["be_healthy"],
        "value_type": "count",
        "polarity": "higher_is_worse",
        "owning_agency": "nobody",
    }
    catalogue = catalogue_from_mapping({"indicators": [entry]})
    with pytest.raises(CatalogueError, match="owning_agency: unknown agency 'nobody'"):
        catalogue.check_references(["be_healthy"], ["pct"])
    with pytest.raises(CatalogueError, match="polarity"):
        catalogue_from_mapping({"indicators": [{**entry, "polarity": "up"}]})
    with pytest.raises(CatalogueError, match="repeated"):
        catalogue_from_mapping({"indicators": [entry, entry]})


def test_the_published_inbound_schema_matches_the_contract() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == inbound_json_schema()
