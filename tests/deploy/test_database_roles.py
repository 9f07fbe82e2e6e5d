"""A service's database role can use its own schema and nothing else.

The Helm chart's migration Job runs `commissioning migrate <service> --grant-to <role>`
under the migration role; the service then runs under `<role>`. Against a real PostgreSQL:
the role reads and writes its own tables, and PostgreSQL refuses it everything else.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from shared.cli import app
from shared.grants import grant_statements

pytestmark = pytest.mark.database


def as_role(database_url: str, role: str) -> str:
    """The same server and database, logged in as `role` (the test server trusts loopback)."""
    url = make_url(database_url).set(drivername="postgresql", username=role, password="")
    return url.render_as_string(hide_password=False)


async def run_sql(url: str, sql: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def sql(url: str, statement: str) -> object:
    return asyncio.run(run_sql(url, statement))


@pytest.fixture
def role(database_url: str) -> Iterator[str]:
    name = f"svc_{uuid.uuid4().hex[:10]}"
    sql(database_url, f"CREATE ROLE {name} LOGIN")
    yield name
    sql(database_url, f"DROP OWNED BY {name}")
    sql(database_url, f"DROP ROLE {name}")


def migrate(monkeypatch: pytest.MonkeyPatch, database_url: str, schema: str, *args: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATABASE_SCHEMA", schema)
    result = CliRunner().invoke(app, ["migrate", "projects", *args])
    assert result.exit_code == 0, result.output


def test_the_granted_role_reads_and_writes_only_its_own_schema(
    database_url: str, role: str, schemas: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    own, other = f"t_{uuid.uuid4().hex[:12]}", f"t_{uuid.uuid4().hex[:12]}"
    schemas.extend([own, other])
    migrate(monkeypatch, database_url, own, "--grant-to", role)
    migrate(monkeypatch, database_url, other)
    service = as_role(database_url, role)

    assert sql(service, f'SELECT count(*) FROM "{own}".outbox') == 0
    assert sql(service, f'DELETE FROM "{own}".relay_state RETURNING 1') is None
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        sql(service, f'SELECT count(*) FROM "{other}".outbox')
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        sql(service, f'CREATE TABLE "{own}".intruder (id int)')
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        sql(service, f'DROP TABLE "{own}".outbox')
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        sql(service, f"CREATE SCHEMA s_{uuid.uuid4().hex[:8]}")


def test_without_the_grant_the_role_cannot_read_the_schema(
    database_url: str, role: str, schemas: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    schemas.append(schema)
    migrate(monkeypatch, database_url, schema)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        sql(as_role(database_url, role), f'SELECT count(*) FROM "{schema}".outbox')


def test_tables_a_later_migration_adds_are_granted_too(
    database_url: str, role: str, schemas: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    schemas.append(schema)
    migrate(monkeypatch, database_url, schema, "--grant-to", role)
    sql(database_url, f'CREATE TABLE "{schema}".added_later (id int)')
    assert sql(as_role(database_url, role), f'SELECT count(*) FROM "{schema}".added_later') == 0


@pytest.mark.parametrize("bad", ["Robert'); DROP", "a-b", "", "x" * 64])
def test_role_names_are_plain_identifiers(bad: str) -> None:
    with pytest.raises(ValueError, match="role name"):
        grant_statements("needs", bad)


def test_grant_to_names_one_service(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, ["migrate", "needs", "projects", "--grant-to", "svc"])
    assert result.exit_code == 2
    assert "exactly one service" in result.output
