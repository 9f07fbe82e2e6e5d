"""The boards service's tables: the one definition of each, as SQLModel classes.

Each projection (local board, JCU, Executive Board) owns two tables and nothing else, so
that it can be rebuilt on its own from the event history:

- `<projection>_document`: the current state of each fact it keeps (a need, a project, a
  procurement, a contract, an alert...), one row per kind and key, with the localities it
  concerns (empty for trust-wide facts) for scoping;
- `<projection>_story`: what happened, in event order, one row per event it took in. This is
  a history, so it relies on the inbox applying each event once.

The tables use their own SQLAlchemy registry so that their names never clash with another
service's models imported into the same process.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, MetaData, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

boards_registry = registry()
metadata: MetaData = boards_registry.metadata


class BoardsTable(SQLModel, registry=boards_registry):
    """Base of the boards service's tables."""


def _localities() -> Any:
    return Field(sa_column=Column(ARRAY(Text), nullable=False, server_default="{}"))


def _body() -> Any:
    return Field(sa_column=Column(JSONB, nullable=False))


def _at() -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class LocalBoardDocument(BoardsTable, table=True):
    """The local boards' projection: each local fact's current state."""

    __tablename__ = "local_board_document"
    __table_args__ = (
        Index("local_board_document_by_locality", "localities", postgresql_using="gin"),
    )

    kind: str = Field(sa_type=Text, primary_key=True)
    key: str = Field(sa_type=Text, primary_key=True)
    localities: list[str] = _localities()
    body: dict[str, Any] = _body()
    occurred_at: datetime = _at()


class LocalBoardStory(BoardsTable, table=True):
    """The local boards' projection: what happened in each locality, in event order."""

    __tablename__ = "local_board_story"
    __table_args__ = (Index("local_board_story_by_locality", "localities", postgresql_using="gin"),)

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    event_id: uuid.UUID
    kind: str = Field(sa_type=Text)
    key: str = Field(sa_type=Text)
    localities: list[str] = _localities()
    summary: str = Field(sa_type=Text)
    occurred_at: datetime = _at()


class JcuDocument(BoardsTable, table=True):
    """The JCU's projection: each fact of the whole pipeline, current state."""

    __tablename__ = "jcu_document"

    kind: str = Field(sa_type=Text, primary_key=True)
    key: str = Field(sa_type=Text, primary_key=True)
    localities: list[str] = _localities()
    body: dict[str, Any] = _body()
    occurred_at: datetime = _at()


class JcuStory(BoardsTable, table=True):
    """The JCU's projection: what happened across the trust, in event order."""

    __tablename__ = "jcu_story"

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    event_id: uuid.UUID
    kind: str = Field(sa_type=Text)
    key: str = Field(sa_type=Text)
    localities: list[str] = _localities()
    summary: str = Field(sa_type=Text)
    occurred_at: datetime = _at()


class ExecutiveBoardDocument(BoardsTable, table=True):
    """The Executive Board's projection: outcomes, money and decisions, current state."""

    __tablename__ = "executive_board_document"

    kind: str = Field(sa_type=Text, primary_key=True)
    key: str = Field(sa_type=Text, primary_key=True)
    localities: list[str] = _localities()
    body: dict[str, Any] = _body()
    occurred_at: datetime = _at()


class ExecutiveBoardStory(BoardsTable, table=True):
    """The Executive Board's projection: what happened, in event order."""

    __tablename__ = "executive_board_story"

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    event_id: uuid.UUID
    kind: str = Field(sa_type=Text)
    key: str = Field(sa_type=Text)
    localities: list[str] = _localities()
    summary: str = Field(sa_type=Text)
    occurred_at: datetime = _at()
