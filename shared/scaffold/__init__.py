"""`commissioning new-service NAME`: a new service in the platform's one shape.

It writes domain/, application/, adapters/ (tables and a first frozen migration on the
backbone branch), entrypoints/ (an authenticated router), service.py and a test that runs
it on real PostgreSQL and Kafka, then declares the service in pyproject.toml. Only the
deployment (the `services:` map of the Helm chart) is left to edit by hand.
"""

from __future__ import annotations

import keyword
import re
from datetime import UTC, datetime
from pathlib import Path
from string import Template

from shared.migrations import BACKBONE_BRANCH
from shared.services import GROUP, declared, definitions

TEMPLATES = Path(__file__).parent / "templates"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
RESERVED = {BACKBONE_BRANCH, "shared", "services", "tests", "bench", "deploy", "docs"}

# Where each template goes, under the repository's root.
LAYOUT = {
    "services/{name}/__init__.py": "package.py.tmpl",
    "services/{name}/domain/__init__.py": "domain.py.tmpl",
    "services/{name}/application/__init__.py": "application.py.tmpl",
    "services/{name}/adapters/__init__.py": "adapters.py.tmpl",
    "services/{name}/adapters/tables.py": "tables.py.tmpl",
    "services/{name}/adapters/migrations/0001_{name}.py": "migration.py.tmpl",
    "services/{name}/entrypoints/__init__.py": "entrypoints.py.tmpl",
    "services/{name}/entrypoints/http.py": "http.py.tmpl",
    "services/{name}/service.py": "service.py.tmpl",
    "tests/{name}/__init__.py": "tests_package.py.tmpl",
    "tests/{name}/test_service.py": "test_service.py.tmpl",
}


class ScaffoldError(ValueError):
    """The service cannot be created as asked (the message says why)."""


def check_name(name: str, root: Path) -> None:
    if not NAME.match(name) or keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(
            f"service name {name!r} must match {NAME.pattern} and not be one of "
            f"{', '.join(sorted(RESERVED))}"
        )
    if name in declared() or (root / "services" / name).exists():
        raise ScaffoldError(f"a service named {name!r} already exists")


def next_port() -> int:
    """One above the highest port a declared service uses."""
    return max((d.port for d in definitions()), default=8100) + 1


def scaffold(root: Path, name: str, title: str | None = None) -> list[Path]:
    """Write the new service's files and declare it; the paths written."""
    if not (root / "pyproject.toml").is_file() or not (root / "services").is_dir():
        raise ScaffoldError(f"{root} is not the repository's root (no pyproject.toml/services)")
    check_name(name, root)
    values = {
        "name": name,
        "Name": "".join(part.capitalize() for part in name.split("_")),
        "title": (title or name.replace("_", " ").capitalize()).replace('"', "'"),
        "port": str(next_port()),
        "date": datetime.now(UTC).date().isoformat(),
    }
    written = []
    for target, template in LAYOUT.items():
        path = root / target.format(name=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template((TEMPLATES / template).read_text()).substitute(values))
        written.append(path)
    declare(root / "pyproject.toml", name)
    written.append(root / "pyproject.toml")
    return written


def declare(pyproject: Path, name: str) -> None:
    """Add the service to the `commissioning.services` entry point group."""
    header = f'[project.entry-points."{GROUP}"]'
    lines = pyproject.read_text().splitlines()
    entry = f'{name} = "services.{name}.service:definition"'
    if header not in lines:
        lines += ["", header, entry]
    else:
        at = lines.index(header) + 1
        while at < len(lines) and lines[at].strip() and not lines[at].startswith("["):
            at += 1
        lines.insert(at, entry)
    pyproject.write_text("\n".join(lines) + "\n")
