"""Registry of versioned event contracts.

A contract is a pydantic model for an event's payload, registered under a type name and a
major version. Within a version only additive, optional changes are allowed; a breaking
change is a new version registered beside the old one (DEVELOPERS.md, Style).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar, Union

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model

from shared.envelope import Envelope, Event, new_id, utcnow

M = TypeVar("M", bound=type[BaseModel])


class UnknownEventType(LookupError):
    """The type is not in the registry."""


class InvalidEvent(ValueError):
    """The bytes are not a valid event; `reason` says which field broke which rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Contract:
    """One registered event type."""

    name: str
    version: int
    model: type[BaseModel]
    topic: str
    description: str

    @property
    def type(self) -> str:
        return f"{self.name}.v{self.version}"


class EventRegistry:
    """Event types by versioned type name."""

    def __init__(self) -> None:
        self._contracts: dict[str, Contract] = {}
        self._typed: TypeAdapter[Any] | None = None

    def register(self, name: str, version: int, topic: str) -> Callable[[M], M]:
        """Class decorator: register a payload model as `name.v<version>` on `topic`."""

        def decorate(model: M) -> M:
            contract = Contract(name, version, model, topic, (model.__doc__ or "").strip())
            existing = self._contracts.get(contract.type)
            if existing is not None and existing.model is not model:
                raise ValueError(f"event type {contract.type} registered twice")
            self._contracts[contract.type] = contract
            self._typed = None
            model.__event_type__ = contract.type  # type: ignore[attr-defined]
            return model

        return decorate

    def __iter__(self) -> Iterator[Contract]:
        return iter(sorted(self._contracts.values(), key=lambda c: c.type))

    def contract(self, event_type: str) -> Contract:
        try:
            return self._contracts[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def type_of(self, payload: BaseModel) -> str:
        """The registered type name of a payload instance."""
        event_type: str | None = getattr(type(payload), "__event_type__", None)
        if event_type is None or event_type not in self._contracts:
            raise UnknownEventType(type(payload).__name__)
        return event_type

    def decode(self, raw: bytes | None) -> Event[Any]:
        """Parse and validate a record value; raise InvalidEvent naming what is wrong.

        One pydantic pass over a union of typed envelopes keyed on `type` decodes a good
        record, and that typed envelope is the event's envelope: an `Envelope` whose
        `payload` is the validated contract model, the same object as `event.payload`
        (rebuilding a plain envelope with the payload as JSON data was 40% of decoding, and
        no consumer reads it). Anything the pass refuses goes through `decode_in_two_steps`,
        so a bad record's reason is exactly the one that path gives (and that a dead letter
        carries)."""
        typed_envelopes = self._typed_envelopes()
        if raw is not None and typed_envelopes is not None:
            try:
                typed = typed_envelopes.validate_json(raw)
            except ValidationError:
                pass
            else:
                return Event(typed, typed.payload)
        return self.decode_in_two_steps(raw)

    def _typed_envelopes(self) -> TypeAdapter[Any] | None:
        """A discriminated union of one typed envelope model per contract, built once."""
        if self._typed is None and self._contracts:
            models = [_typed_envelope(c) for c in self._contracts.values()]
            if len(models) == 1:
                self._typed = TypeAdapter(models[0])
            else:
                union: Any = Annotated[Union[tuple(models)], Field(discriminator="type")]  # noqa: UP007
                self._typed = TypeAdapter(union)
        return self._typed

    def decode_in_two_steps(self, raw: bytes | None) -> Event[Any]:
        """The envelope, then its payload: slower, and the source of every refusal's reason."""
        if raw is None:
            raise InvalidEvent("empty record: a tombstone or null value is not an event")
        try:
            envelope = Envelope.model_validate_json(raw)
        except ValidationError as exc:
            raise InvalidEvent(describe_validation_error("envelope", exc)) from None
        try:
            contract = self.contract(envelope.type)
        except UnknownEventType:
            raise InvalidEvent(f"unknown event type {envelope.type!r}") from None
        try:
            payload = contract.model.model_validate(envelope.payload)
        except ValidationError as exc:
            raise InvalidEvent(describe_validation_error("payload", exc)) from None
        return Event(envelope, payload)

    def envelope(
        self,
        payload: BaseModel,
        *,
        source: str,
        subject: str,
        trust: str,
        locality: str | None = None,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        occurred_at: datetime | None = None,
        event_id: uuid.UUID | None = None,
    ) -> Envelope:
        """Wrap a payload in an envelope."""
        event_id = event_id or new_id()
        return Envelope(
            id=event_id,
            type=self.type_of(payload),
            source=source,
            subject=subject,
            occurred_at=occurred_at or utcnow(),
            correlation_id=correlation_id or event_id,
            causation_id=causation_id,
            trust=trust,
            locality=locality,
            payload=payload.model_dump(mode="json"),
        )


def _typed_envelope(contract: Contract) -> type[Envelope]:
    """The envelope with `type` fixed to the contract's and `payload` its typed model: it
    serialises to the same JSON as a plain envelope of the same event."""
    return create_model(
        f"{contract.model.__name__}V{contract.version}Envelope",
        __base__=Envelope,
        type=(Literal[contract.type], ...),  # type: ignore[arg-type]
        payload=(contract.model, ...),
    )


def describe_validation_error(where: str, exc: ValidationError) -> str:
    """'payload.numerator: Input should be greater than or equal to 0' style reasons."""
    parts = []
    for error in exc.errors(include_url=False)[:5]:
        if error["type"] == "json_invalid":
            return f"malformed JSON: {error['msg']}"
        location = ".".join(str(p) for p in error["loc"])
        field = f"{where}.{location}" if location else where
        parts.append(f"{field}: {error['msg']}")
    more = exc.error_count() - len(parts)
    suffix = f" (and {more} more)" if more > 0 else ""
    return "; ".join(parts) + suffix


registry = EventRegistry()
"""The platform's registry; contract modules register into it on import."""
