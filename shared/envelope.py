"""The one envelope every event travels in, and its mapping to Kafka records.

The record value is the envelope as JSON, so a council or PCT system can publish with
nothing but the published JSON Schema. Headers repeat the id and type (routing and
dead-lettering without parsing the body) and carry the W3C trace context.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

P = TypeVar("P", bound=BaseModel)

ENVELOPE_SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

Headers = list[tuple[str, bytes]]


def new_id() -> uuid.UUID:
    """A fresh event id (uuid4: unguessable, safe to publish)."""
    return uuid.uuid4()


def utcnow() -> datetime:
    """Now, timezone-aware (events never carry naive times)."""
    return datetime.now(UTC)


class Envelope(BaseModel):
    """Metadata common to every event; `payload` is validated against the type's contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: str = Field(default=ENVELOPE_SPEC_VERSION, description="Envelope version.")
    id: uuid.UUID = Field(description="Unique event id; consumers de-duplicate on it.")
    type: str = Field(
        description="Versioned event type, e.g. `needs.IndicatorValueSubmitted.v1`.",
        pattern=r"^[a-z]+\.[A-Za-z]+\.v[0-9]+$",
    )
    source: str = Field(
        min_length=1, max_length=200, description="Publishing service or agency system."
    )
    subject: str = Field(
        min_length=1,
        max_length=200,
        description="Aggregate id; the partition key, so one aggregate's events stay ordered.",
    )
    occurred_at: AwareDatetime = Field(description="When it happened (ISO 8601, with offset).")
    correlation_id: uuid.UUID = Field(description="The conversation this event belongs to.")
    causation_id: uuid.UUID | None = Field(
        default=None, description="The event or command that caused this one."
    )
    trust: str = Field(min_length=1, max_length=100, description="Children's Trust id.")
    locality: str | None = Field(
        default=None, max_length=100, description="Locality for routing and scoping."
    )
    payload: dict[str, Any] = Field(description="The event body; see the type's schema.")

    def headers(self, trace_headers: Mapping[str, str] | None = None) -> Headers:
        """Kafka headers: id and type for routing, plus W3C trace context."""
        headers: Headers = [
            ("ce_id", str(self.id).encode()),
            ("ce_type", self.type.encode()),
            ("ce_source", self.source.encode()),
            ("content-type", CONTENT_TYPE.encode()),
        ]
        if self.locality:
            headers.append(("locality", self.locality.encode()))
        for key, value in (trace_headers or {}).items():
            headers.append((key, value.encode()))
        return headers

    def to_bytes(self) -> bytes:
        """The record value."""
        return self.model_dump_json().encode()


@dataclass(frozen=True, slots=True)
class Event(Generic[P]):
    """A decoded event: its envelope and its typed payload.

    Decoded in one pass (`EventRegistry.decode`), `envelope` is the type's typed envelope, a
    subclass of `Envelope` whose `payload` is this same typed payload rather than JSON data;
    it serialises to the same JSON. Read the body through `payload`, never
    `envelope.payload`."""

    envelope: Envelope
    payload: P

    @property
    def id(self) -> uuid.UUID:
        return self.envelope.id

    @property
    def type(self) -> str:
        return self.envelope.type


def header_value(headers: Sequence[tuple[str, bytes]] | None, name: str) -> str | None:
    """The last value of a header, decoded, or None."""
    found: str | None = None
    for key, value in headers or ():
        if key == name and value is not None:
            found = value.decode("utf-8", errors="replace")
    return found
