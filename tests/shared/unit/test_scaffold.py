"""`commissioning new-service`: a new service in the platform's one shape, declared once.

That the scaffolded service starts, migrates, is ready and passes its own generated tests
is checked by scaffolding one in a copy of the repository (see the ADR on services)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared.cli import app
from shared.scaffold import ScaffoldError, scaffold
from shared.services import GROUP, definitions

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    (tmp_path / "services").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        (ROOT / "pyproject.toml").read_text(), encoding="utf-8"
    )
    return tmp_path


def test_a_new_service_gets_every_layer_a_frozen_migration_and_a_test(repository: Path) -> None:
    written = scaffold(repository, "reviews", "Reviews")

    relative = {str(p.relative_to(repository)) for p in written}
    assert {
        "services/reviews/domain/__init__.py",
        "services/reviews/application/__init__.py",
        "services/reviews/adapters/tables.py",
        "services/reviews/adapters/migrations/0001_reviews.py",
        "services/reviews/entrypoints/http.py",
        "services/reviews/service.py",
        "tests/reviews/test_service.py",
        "pyproject.toml",
    } <= relative
    migration = (repository / "services/reviews/adapters/migrations/0001_reviews.py").read_text()
    assert 'depends_on = "backbone_0001"' in migration
    assert "import" not in migration


def test_a_new_service_is_declared_once_with_the_next_free_port(repository: Path) -> None:
    scaffold(repository, "reviews")

    pyproject = (repository / "pyproject.toml").read_text()
    group = pyproject.split(f'[project.entry-points."{GROUP}"]')[1].split("\n\n")[0]
    assert 'reviews = "services.reviews.service:definition"' in group
    service = (repository / "services/reviews/service.py").read_text()
    assert f"port={max(d.port for d in definitions()) + 1}," in service


def test_the_generated_code_meets_the_projects_lint_rules(repository: Path) -> None:
    written = [p for p in scaffold(repository, "reviews") if p.suffix == ".py"]
    for path in written:
        compile(path.read_text(), str(path), "exec")
    ruff = Path(sys.executable).parent / "ruff"
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in (["check", *config], ["format", "--check", *config]):
        result = subprocess.run(
            [str(ruff), *command, *map(str, written)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", ["needs", "backbone", "Boards", "9lives", "class", "x"])
def test_a_taken_reserved_or_malformed_name_is_refused(repository: Path, name: str) -> None:
    with pytest.raises(ScaffoldError):
        scaffold(repository, name)


def test_the_command_refuses_a_folder_that_is_not_the_repository(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["new-service", "boards", "--root", str(tmp_path)], env={"COLUMNS": "400"}
    )

    assert result.exit_code == 2
    assert "not the repository's root" in result.output
