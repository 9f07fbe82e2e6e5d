"""Every service keeps the ports-and-adapters layering (Architecture Patterns with Python):
dependencies point inwards, and only adapters know the database.

- domain/: pure rules, no I/O, nothing from the outer layers;
- application/: use cases over repository and unit-of-work ports, no database driver, no
  web framework, no SQL, no adapters;
- entrypoints/: routers and consumers that call the use cases, no database driver, no SQL,
  no adapters (the service's `service.py` wires adapters in).

A new service under services/ is checked as soon as it has these folders.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
DATABASE = ("asyncpg", "sqlalchemy", "sqlmodel", "alembic", "psycopg", "psycopg2")
OUTER = ("fastapi", "starlette", "aiokafka", "httpx", "uvicorn")
FORBIDDEN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # layer: (third-party packages, own layers it must not import)
    "domain": ((*DATABASE, *OUTER, "pydantic"), ("application", "adapters", "entrypoints")),
    "application": ((*DATABASE, *OUTER), ("adapters", "entrypoints")),
    "entrypoints": (DATABASE, ("adapters",)),
}
SQL = re.compile(
    r"\b(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\b.+\bSET|DELETE\s+FROM|pg_advisory)\b",
    re.IGNORECASE | re.DOTALL,
)


def layer_modules() -> Iterator[tuple[str, str, Path]]:
    for service in sorted(p for p in SERVICES.iterdir() if (p / "__init__.py").exists()):
        for layer in FORBIDDEN:
            for module in sorted((service / layer).rglob("*.py")):
                yield service.name, layer, module


def imported(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def breaches(service: str, layer: str, module: Path) -> list[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    packages, layers = FORBIDDEN[layer]
    found = []
    for name in imported(tree):
        top = name.split(".")[0]
        inner = name.split(".")[2] if name.startswith(f"services.{service}.") else None
        if top in packages or inner in layers:
            found.append(f"imports {name}")
        elif name.startswith("services.") and not name.startswith(f"services.{service}"):
            found.append(f"imports another service's {name}")
    if layer != "domain":
        texts = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        found.extend(f"holds SQL: {text[:60]!r}" for text in texts if SQL.search(text))
    return found


MODULES = list(layer_modules())


def test_the_needs_service_is_among_the_services_checked() -> None:
    layers = {layer for service, layer, _ in MODULES if service == "needs"}
    assert layers == set(FORBIDDEN)


@pytest.mark.parametrize(
    ("service", "layer", "module"),
    MODULES,
    ids=[str(m.relative_to(SERVICES)) for _, _, m in MODULES],
)
def test_a_layer_imports_only_what_is_inside_it(service: str, layer: str, module: Path) -> None:
    assert breaches(service, layer, module) == []


def test_the_check_catches_sql_and_a_driver_in_a_use_case(tmp_path: Path) -> None:
    use_case = tmp_path / "use_case.py"
    use_case.write_text(
        "import asyncpg\n"
        "from services.demo.adapters.tables import Row\n"
        "QUERY = 'SELECT need_id FROM need WHERE state = $1'\n"
    )
    assert breaches("demo", "application", use_case) == [
        "imports asyncpg",
        "imports services.demo.adapters.tables",
        "holds SQL: 'SELECT need_id FROM need WHERE state = $1'",
    ]
