"""JSON Schema of the envelope and of each event type's record value.

Used at run time (a service publishes the schema of what it accepts) and by the export
(`shared.contracts.export`). The schemas are pydantic's own, plus patterns for
`date-time` and `uuid` strings, because a JSON Schema 2020-12 validator treats `format` as
an annotation and would let through an `occurred_at` without an offset or an id that is
not a UUID; so a record value valid against an event's schema is accepted by
`registry.decode`. Examples have fixed ids and times, so output is deterministic.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.contracts.registry import Contract
from shared.envelope import Envelope
from shared.topics import CATALOGUE, Topic

Schema = dict[str, Any]


SCHEMA_BASE_URI = "https://schemas.commissioning.example/"
"""Base of every schema `$id`; the paths below it mirror the files `export` writes."""


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


ENVELOPE_FILE = "envelope.schema.json"


EVENTS_DIR = "events"


DATE_TIME_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
    r":[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""RFC 3339 date-time: the offset is required (events never carry naive times)."""


UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


_FORMAT_PATTERNS = {"date-time": DATE_TIME_PATTERN, "uuid": UUID_PATTERN}


_EXAMPLE_TIME = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)


_EXAMPLE_TRUST = "example-trust"


_EXAMPLE_AGENCY_SOURCE = "example-council-mis"


def event_schema_path(event_type: str) -> str:
    """Where an event type's schema lives, relative to the export folder."""
    return f"{EVENTS_DIR}/{event_type}.schema.json"


def envelope_json_schema() -> Schema:
    """JSON Schema (2020-12) of the envelope every record value is, whatever its type."""
    refs, top = models_json_schema([(Envelope, "validation")])
    defs: dict[str, Schema] = dict(top.get("$defs", {}))
    envelope = defs.pop(_def_name(refs[(Envelope, "validation")]))
    schema: Schema = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_BASE_URI + ENVELOPE_FILE,
        "title": "Envelope",
        "description": _envelope_description(),
    }
    schema.update((k, v) for k, v in envelope.items() if k not in ("title", "description"))
    if defs:
        schema["$defs"] = dict(sorted(defs.items()))
    _harden(schema)
    return schema


def event_json_schema(contract: Contract) -> Schema:
    """JSON Schema (2020-12) of the full record value of one event type."""
    model_key: tuple[type[BaseModel], JsonSchemaMode] = (contract.model, "validation")
    refs, top = models_json_schema([(Envelope, "validation"), model_key])
    defs: dict[str, Schema] = dict(top.get("$defs", {}))
    envelope = defs.pop(_def_name(refs[(Envelope, "validation")]))
    payload_ref = refs[model_key]
    payload_name = _def_name(payload_ref)
    if _mentions(defs, payload_name):  # a recursive model stays in $defs
        payload: Schema = dict(payload_ref)
    else:
        payload = defs.pop(payload_name)

    properties: dict[str, Schema] = {}
    for name, prop in envelope["properties"].items():
        if name == "type":
            prop = {
                "const": contract.type,
                "description": prop.get("description", "Versioned event type."),
                "title": prop.get("title", "Type"),
                "type": "string",
            }
        elif name == "payload":
            prop = payload
        properties[name] = prop

    schema: Schema = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_BASE_URI + event_schema_path(contract.type),
        "title": contract.type,
        "description": contract_description(contract),
    }
    for key, value in envelope.items():
        if key not in ("title", "description"):
            schema[key] = properties if key == "properties" else value
    if defs:
        schema["$defs"] = dict(sorted(defs.items()))
    examples = [record for record, _ in model_examples(contract)]
    if examples:
        schema["examples"] = examples
    _harden(schema)
    return schema


def _def_name(ref: Mapping[str, Any]) -> str:
    target = str(ref["$ref"])
    if not target.startswith("#/$defs/"):
        raise ValueError(f"unexpected reference {target!r} from pydantic")
    return _unescape(target.removeprefix("#/$defs/"))


def _mentions(node: Any, def_name: str) -> bool:
    """Whether any `$ref` in node points at `#/$defs/<def_name>`."""
    return any(def_target(ref) == def_name for ref in refs(node))


def refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def def_target(ref: str) -> str | None:
    return _unescape(ref.removeprefix("#/$defs/")) if ref.startswith("#/$defs/") else None


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _harden(node: Any) -> None:
    """Add patterns to `date-time` and `uuid` strings (format alone is not asserted)."""
    if isinstance(node, dict):
        fmt = node.get("format")
        if node.get("type") == "string" and fmt in _FORMAT_PATTERNS and "pattern" not in node:
            node["pattern"] = _FORMAT_PATTERNS[fmt]
        for value in node.values():
            _harden(value)
    elif isinstance(node, list):
        for item in node:
            _harden(item)


def contract_description(contract: Contract) -> str:
    return inspect.cleandoc(contract.description) or f"The {contract.type} event."


def _envelope_description() -> str:
    doc = inspect.cleandoc(Envelope.__doc__ or "")
    return (
        f"{doc} The value of every Kafka record the platform publishes or consumes. Each "
        f"event type's schema (`{EVENTS_DIR}/<type>.schema.json`) fixes `type` and "
        "defines `payload`."
    )


def _example_source(contract: Contract, topics: Sequence[Topic] = CATALOGUE) -> str:
    topic = next((t for t in topics if t.name == contract.topic), None)
    if topic is None or topic.inbound:
        return _EXAMPLE_AGENCY_SOURCE
    return topic.published_by


def example_record(contract: Contract, payload: BaseModel, subject: str, index: int = 0) -> Schema:
    """A complete, valid record value with a fixed id and time (deterministic output)."""
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{SCHEMA_BASE_URI}{contract.type}#{index}")
    envelope = Envelope(
        id=event_id,
        type=contract.type,
        source=_example_source(contract),
        subject=subject,
        occurred_at=_EXAMPLE_TIME,
        correlation_id=event_id,
        trust=_EXAMPLE_TRUST,
        locality=None,
        payload=payload.model_dump(mode="json", exclude_unset=True),
    )
    record: Schema = envelope.model_dump(mode="json", exclude_none=True)
    return record


def model_examples(contract: Contract) -> list[tuple[Schema, BaseModel]]:
    """Records built from the model's `json_schema_extra` examples, validated."""
    extra = contract.model.model_config.get("json_schema_extra")
    if not isinstance(extra, dict):
        return []
    raw = extra.get("examples")
    if not isinstance(raw, list):
        return []
    examples = []
    for index, example in enumerate(raw):
        payload = contract.model.model_validate(example)
        subject = f"example-{contract.name.rsplit('.', 1)[-1]}-{index + 1}"
        examples.append((example_record(contract, payload, subject, index), payload))
    return examples


def example_headers(record: Mapping[str, Any]) -> dict[str, str]:
    envelope = Envelope.model_validate(record)
    return {key: value.decode() for key, value in envelope.headers()}
