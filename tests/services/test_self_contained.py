"""The repository is self-contained: code, configuration and documentation never point at
files outside it, so a person who clones it can follow every reference.

Sources are cited by framework name and section (docs/domain/README.md, "The sources"),
and facts about the stack by docs/stack-facts.md and docs/decisions/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("services", "shared", "docs", "bench", "tests", "deploy", ".ci", "README.md", "run")
THIS_FILE = Path(__file__).resolve()
SKIPPED_DIRS = {"__pycache__", ".venv", "node_modules", ".mypy_cache", ".ruff_cache"}
MD = ".md"
"""Spelt apart here, and below, so that a plain grep of the repository finds nothing (this
file, whose examples are references by design, is the one file not checked)."""
OUTSIDE = re.compile(
    rf"DOMAIN\{MD}|FACTS\{MD}|STYLE\{MD}|\.\./shared|/work/|seeds[/]"
    r"|\bseed 00\d|\b(?:Durham|Gateshead|Medway|Urbanham|North Yorkshire) 00\d"
)


def _text_files() -> list[Path]:
    files: list[Path] = []
    for name in CHECKED:
        top = ROOT / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in candidates:
            if not path.is_file() or SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
                continue
            if path.resolve() == THIS_FILE:
                continue
            files.append(path)
    return files


def _references_outside(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if OUTSIDE.search(line)
    ]


def test_no_file_points_outside_the_repository() -> None:
    found = [hit for path in _text_files() for hit in _references_outside(path)]
    assert not found, "references to files outside the repository:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        f"# Tansu does not enforce a limit (FACTS{MD}).",
        f'"""Benchmarks (DOMAIN{MD} "Needs intelligence")."""',
        "See ../" + "shared/seeds" + "/001.md",
        "(Durham seed 001, Section 3)",
        "Gateshead 000 stage 2",
    ],
)
def test_the_check_recognises_references_outside_the_repository(line: str) -> None:
    assert OUTSIDE.search(line)


@pytest.mark.parametrize(
    "line",
    [
        '(Durham, Section 3, "Local Children\'s Boards")',
        '(docs/stack-facts.md, "The embedded broker")',
        "rng = random.Random(seed)",
    ],
)
def test_citations_by_framework_and_section_pass(line: str) -> None:
    assert not OUTSIDE.search(line)
