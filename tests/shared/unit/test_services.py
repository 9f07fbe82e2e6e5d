"""Services declare themselves once (the `commissioning.services` entry point group); the
platform finds them, their ports, and where the infrastructure is, from that alone."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared.cli import app
from shared.infrastructure import broker, database
from shared.services import GROUP, UnknownService, declared, definition, definitions, names
from shared.stack import Stack

ROOT = Path(__file__).resolve().parents[3]


def test_every_service_in_pyproject_is_found_with_its_own_definition() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    in_pyproject = pyproject["project"]["entry-points"][GROUP]

    assert {"needs", "projects", "procurement", "monitoring"} <= set(in_pyproject)
    assert declared() == tuple(sorted(in_pyproject))
    for name in declared():
        assert definition(name).name == name


def test_services_start_in_port_order_and_no_two_share_a_port() -> None:
    ports = [d.port for d in definitions()]

    assert ports == sorted(set(ports))
    assert names() == tuple(d.name for d in definitions())


def test_an_unknown_service_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(UnknownService) as refused:
        definition("billing")
    assert str(refused.value) == f"unknown service 'billing'; choose from {', '.join(declared())}"
    result = CliRunner().invoke(app, ["serve", "billing"])
    assert result.exit_code == 2
    assert "unknown service 'billing'" in result.output


def test_up_uses_each_services_own_port_the_one_serve_uses() -> None:
    ports = Stack(data_dir=Path("unused")).ports()

    assert ports == {d.name: d.port for d in definitions()}


def test_up_can_shift_every_port_keeping_their_spacing() -> None:
    own = {d.name: d.port for d in definitions()}
    first = min(own.values())

    shifted = Stack(data_dir=Path("unused"), port_base=first + 1000).ports()

    assert shifted == {name: port + 1000 for name, port in own.items()}


def test_named_infrastructure_is_used_as_is_and_nothing_is_started(tmp_path: Path) -> None:
    environ = {
        "DATABASE_URL": "postgresql://app@db.internal:5432/commissioning",
        "KAFKA_BOOTSTRAP_SERVERS": "kafka-0.internal:9092",
    }

    assert database(tmp_path / "pg", environ) == (environ["DATABASE_URL"], None)
    assert broker(Path("/nonexistent"), environ) == (environ["KAFKA_BOOTSTRAP_SERVERS"], None)
    assert not (tmp_path / "pg").exists()
