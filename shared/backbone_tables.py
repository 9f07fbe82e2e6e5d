"""Tables every service owns in its schema: the outbox, the inbox and the relay's state.

Defined once with SQLAlchemy Core (no schema: `search_path` picks the service's own). This
is the model Alembic compares against; the tables themselves are created by the frozen
backbone migrations in `shared/migrations/backbone/`, which every service's chain depends
on (docs/decisions/0004-migrations.md). Constraint names are PostgreSQL's defaults, so the
model and the migrated schema name them alike.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

outbox = Table(
    "outbox",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # pending -> published; or failed (refused by the broker for good, e.g. too large).
    Column("state", Text, nullable=False, server_default=text("'pending'")),
    Column("published_at", DateTime(timezone=True)),
    Column("broker_epoch", Text),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    UniqueConstraint("event_id", name="outbox_event_id_key"),
)
Index("outbox_pending", outbox.c.seq, postgresql_where=text("state = 'pending'"))

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", Text, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # blake2b-128 of the record value: a reused id with other content is told from a
    # redelivery (rows received before the digest was kept have none).
    Column("digest", LargeBinary),
    PrimaryKeyConstraint("consumer", "event_id", name="inbox_pkey"),
)

relay_state = Table(
    "relay_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("broker_epoch", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
