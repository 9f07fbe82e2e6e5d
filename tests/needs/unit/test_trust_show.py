"""`commissioning trust show` prints what a publisher needs from the configuration in
force: agency ids, area and comparator codes, who publishes each indicator and its
benchmarks, breakdowns, periods, defaults and thresholds (issue 8)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from services.needs.adapters.catalogue_file import load_catalogue
from shared.cli import app
from shared.trust import load_trust_config


def test_trust_show_prints_what_a_publisher_needs() -> None:
    shown = CliRunner().invoke(app, ["trust", "show"])
    assert shown.exit_code == 0, shown.output
    trust = load_trust_config()
    assert f"trust id: {trust.id}" in shown.output
    for agency in trust.agencies:
        assert f"  {agency.id}: " in shown.output
    for locality in trust.localities:
        assert f"  {locality.id}: " in shown.output
    assert "england: E92000001" in shown.output
    assert f"region: {trust.benchmark.region}" in shown.output
    assert all(code in shown.output for code in trust.benchmark.statistical_neighbours)
    for indicator in load_catalogue():
        assert f"  {indicator.id}: {indicator.name}" in shown.output
        assert f"published by {indicator.owning_agency}" in shown.output
    assert "2025/26: financial or academic year" in shown.output
    assert "counts 1-7 shown as '*', others rounded to the nearest 5" in shown.output
    assert "trend periods: 5" in shown.output


def test_trust_show_follows_the_configuration_file(tmp_path: Path) -> None:
    text = (Path(__file__).parents[3] / "shared" / "trust_defaults.yaml").read_text()
    edited = text.replace("threshold: 7", "threshold: 9").replace("rounding: 5", "rounding: 1")
    path = tmp_path / "trust.yaml"
    path.write_text(edited)
    shown = CliRunner().invoke(app, ["trust", "show", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "counts 1-9 shown as '*', others rounded to the nearest 1" in shown.output


def test_trust_show_refuses_a_configuration_that_disables_suppression(tmp_path: Path) -> None:
    text = (Path(__file__).parents[3] / "shared" / "trust_defaults.yaml").read_text()
    path = tmp_path / "trust.yaml"
    path.write_text(text.replace("threshold: 7", "threshold: 0"))
    shown = CliRunner().invoke(app, ["trust", "show", str(path)])
    assert shown.exit_code == 1
    assert "threshold" in shown.output
