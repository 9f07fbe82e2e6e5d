"""The `commissioning` command line, where it needs no infrastructure."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shared.auth import Role, TokenVerifier
from shared.cli import app
from shared.settings import PlatformSettings
from shared.trust import load_trust_config

runner = CliRunner()


def test_a_development_token_verifies_and_carries_its_scope() -> None:
    minted = runner.invoke(
        app, ["token", "--role", "local_board_member", "--locality", "easington"]
    )
    assert minted.exit_code == 0, minted.output
    trust = load_trust_config(None)
    principal = TokenVerifier(PlatformSettings().auth(trust.id)).verify(minted.output.strip())
    assert principal.roles == frozenset({Role.LOCAL_BOARD_MEMBER})
    assert principal.locality == "easington"


def test_a_token_for_a_locality_or_agency_the_trust_does_not_have_is_refused() -> None:
    wrong_place = runner.invoke(
        app, ["token", "--role", "local_board_member", "--locality", "atlantis"]
    )
    assert wrong_place.exit_code == 2
    assert "unknown locality 'atlantis'" in wrong_place.output
    wrong_agency = runner.invoke(app, ["token", "--role", "agency_publisher", "--agency", "x"])
    assert wrong_agency.exit_code == 2
    assert "unknown agency 'x'" in wrong_agency.output


def test_a_scoped_role_without_its_scope_is_refused() -> None:
    result = runner.invoke(app, ["token", "--role", "provider"])
    assert result.exit_code == 2
    assert "provider_id" in result.output


def test_the_packaged_trust_configuration_validates() -> None:
    result = runner.invoke(app, ["trust", "validate"])
    assert result.exit_code == 0
    assert "5 localities" in result.output


def test_an_invalid_trust_configuration_is_reported_with_its_field(tmp_path: Path) -> None:
    bad = tmp_path / "trust.yaml"
    bad.write_text("id: x\nname: X\nlocalities: []\n")
    result = runner.invoke(app, ["trust", "validate", str(bad)])
    assert result.exit_code == 1
    assert "localities" in result.output


def test_the_topic_catalogue_lists_every_topic_with_its_dead_letter_topic() -> None:
    result = runner.invoke(app, ["topics", "list"])
    assert result.exit_code == 0
    pct = "needs.indicator-values.nhs-county-durham.v1"
    assert f"{pct} inbound publisher: agency nhs-county-durham only" in " ".join(
        result.output.split()
    )
    assert f"{pct}.dlq" in result.output
    assert "needs.indicator-values.durham-county-council.v1.dlq" in result.output
    assert "needs.events.v1.dlq" in result.output


def test_serve_refuses_an_unknown_service() -> None:
    result = runner.invoke(app, ["serve", "billing"])
    assert result.exit_code == 2
    assert "unknown service 'billing'" in result.output


def test_a_development_token_longer_than_the_maximum_lifetime_is_refused() -> None:
    result = runner.invoke(app, ["token", "--role", "jcu", "--hours", "13"])

    assert result.exit_code == 2
    assert "maximum token lifetime" in result.output
