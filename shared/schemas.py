"""Published event contracts: JSON Schema per event type and one AsyncAPI document.

Everything here is generated from the registered contracts (`shared.contracts`) and the
topic catalogue (`shared.topics`), so a partner agency can publish, and a subscriber can
consume, with nothing but the files `export` writes (committed under `docs/schemas/`).

Invariants protected here:
- A record value valid against an event's schema is accepted by `registry.decode`: the
  schemas are pydantic's own, plus patterns for `date-time` and `uuid` strings, because a
  JSON Schema 2020-12 validator treats `format` as an annotation and would let through an
  `occurred_at` without an offset or an id that is not a UUID.
- Output is deterministic (stable order, fixed example ids and times), so a test can
  regenerate the files and compare them byte for byte with the committed ones.
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import inspect
import json
import re
import tomllib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import shared.contracts  # noqa: F401  (registers every contract)
from shared.contracts.registry import Contract, EventRegistry, registry
from shared.deliveries import ERROR_CLASSES
from shared.envelope import CONTENT_TYPE, Envelope
from shared.settings import KafkaSettings
from shared.topics import CATALOGUE, DLQ_SUFFIX, Topic, topic_for

Schema = dict[str, Any]

SCHEMA_BASE_URI = "https://schemas.commissioning.example/"
"""Base of every schema `$id`; the paths below it mirror the files `export` writes."""
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
DEFAULT_TITLE = "Joint commissioning of children's services: events"
DEVELOPMENT_SERVER = "development"
DEVELOPMENT_HOST = "127.0.0.1:9092"
ENVELOPE_FILE = "envelope.schema.json"
EVENTS_DIR = "events"
EXPORT_COMMAND = "commissioning schemas export"

EXAMPLE_EVENT_TYPE = "needs.IndicatorValueSubmitted.v1"
"""The event the README shows how to publish (partner agencies' main job)."""

DATE_TIME_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
    r":[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
"""RFC 3339 date-time: the offset is required (events never carry naive times)."""
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
_FORMAT_PATTERNS = {"date-time": DATE_TIME_PATTERN, "uuid": UUID_PATTERN}

_EXAMPLE_TIME = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
_EXAMPLE_TRUST = "example-trust"
_EXAMPLE_AGENCY_SOURCE = "example-council-mis"

_SAMPLE_PAYLOADS: dict[str, tuple[str, Schema]] = {
    EXAMPLE_EVENT_TYPE: (
        "children_looked_after_rate/locality/north/2025/26",
        {
            "indicator_id": "children_looked_after_rate",
            "agency": "example-council",
            "area": {"kind": "locality", "code": "north"},
            "period": "2025/26",
            "numerator": 42,
            "denominator": 10000,
        },
    ),
}
"""README examples (subject, payload) for events whose models declare no examples."""

_DLQ_HEADERS: tuple[tuple[str, Schema], ...] = (
    (
        "dlq.reason",
        {
            "type": "string",
            "maxLength": 4000,
            "description": "Why the consumer could not apply the record, e.g. "
            "`payload.numerator: Input should be greater than or equal to 0`.",
        },
    ),
    (
        "dlq.error_class",
        {
            "type": "string",
            "enum": list(ERROR_CLASSES),
            "description": "`invalid`: not JSON, unknown type, or fails its contract; "
            "`handler`: valid, but the consumer's handler refused it; `conflict`: its "
            "event id was already received with other content (a reused id); `agency`: "
            "on a per-agency topic, its payload claims another agency than the topic's.",
        },
    ),
    ("dlq.consumer", {"type": "string", "description": "The consumer that dead-lettered it."}),
    (
        "dlq.origin.topic",
        {"type": "string", "description": "The topic the record was read from."},
    ),
    (
        "dlq.origin.partition",
        {"type": "string", "pattern": "^[0-9]+$", "description": "Its partition (decimal)."},
    ),
    (
        "dlq.origin.offset",
        {"type": "string", "pattern": "^[0-9]+$", "description": "Its offset (decimal)."},
    ),
    (
        "dlq.failed_at",
        {
            "type": "string",
            "format": "date-time",
            "pattern": DATE_TIME_PATTERN,
            "description": "When it was dead-lettered (UTC).",
        },
    ),
)


# --- JSON Schema -------------------------------------------------------------------------


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
        "description": _contract_description(contract),
    }
    for key, value in envelope.items():
        if key not in ("title", "description"):
            schema[key] = properties if key == "properties" else value
    if defs:
        schema["$defs"] = dict(sorted(defs.items()))
    examples = [record for record, _ in _model_examples(contract)]
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
    return any(_def_target(ref) == def_name for ref in _refs(node))


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _def_target(ref: str) -> str | None:
    return _unescape(ref.removeprefix("#/$defs/")) if ref.startswith("#/$defs/") else None


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _escape(token: str) -> str:
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


def _contract_description(contract: Contract) -> str:
    return inspect.cleandoc(contract.description) or f"The {contract.type} event."


def _envelope_description() -> str:
    doc = inspect.cleandoc(Envelope.__doc__ or "")
    return (
        f"{doc} The value of every Kafka record the platform publishes or consumes. Each "
        f"event type's schema (`{EVENTS_DIR}/<type>.schema.json`) fixes `type` and "
        "defines `payload`."
    )


def _topic_of(contract: Contract, topics: Sequence[Topic]) -> Topic:
    for topic in topics:
        if topic.name == contract.topic:
            return topic
    raise ValueError(
        f"{contract.type} is registered on {contract.topic!r}, which is not in the topic "
        "catalogue (shared/topics.py)"
    )


def _example_source(contract: Contract, topics: Sequence[Topic] = CATALOGUE) -> str:
    topic = next((t for t in topics if t.name == contract.topic), None)
    if topic is None or topic.inbound:
        return _EXAMPLE_AGENCY_SOURCE
    return topic.publisher


def _example_record(contract: Contract, payload: BaseModel, subject: str, index: int = 0) -> Schema:
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


def _model_examples(contract: Contract) -> list[tuple[Schema, BaseModel]]:
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
        examples.append((_example_record(contract, payload, subject, index), payload))
    return examples


# --- AsyncAPI ----------------------------------------------------------------------------


def asyncapi_document(
    title: str,
    version: str,
    *,
    events: EventRegistry = registry,
    topics: Sequence[Topic] = CATALOGUE,
) -> Schema:
    """An AsyncAPI 3.0.0 document of every topic, its messages, keys and headers."""
    contracts = list(events)
    by_topic: dict[str, list[Contract]] = {t.name: [] for t in topics}
    for contract in contracts:
        by_topic[_topic_of(contract, topics).name].append(contract)

    channels: Schema = {}
    operations: Schema = {}
    for topic in topics:
        channel_id = _identifier(topic.name)
        dlq_id = _identifier(topic.dead_letter)
        if channel_id in channels or dlq_id in channels:
            raise ValueError(f"two topics map to the channel id {channel_id!r}")
        on_topic = by_topic[topic.name]
        channels[channel_id] = _channel(topic, on_topic)
        channels[dlq_id] = _dead_letter_channel(topic)
        action = "receive" if topic.inbound else "send"
        operations[action + channel_id[0].upper() + channel_id[1:]] = _operation(
            topic, channel_id, action, [c.type for c in on_topic]
        )
        operations["send" + dlq_id[0].upper() + dlq_id[1:]] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{dlq_id}"},
            "title": f"Dead-letter records from {topic.name}",
            "summary": f"Platform consumers park records from `{topic.name}` they cannot "
            "apply, with the reason in `dlq.*` headers.",
            "messages": [{"$ref": f"#/channels/{dlq_id}/messages/DeadLetter"}],
        }

    messages: Schema = {c.type: _message(c) for c in contracts}
    messages["DeadLetter"] = _dead_letter_message()

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": _info_description(topics),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            DEVELOPMENT_SERVER: {
                "host": DEVELOPMENT_HOST,
                "protocol": "kafka",
                "title": "Development broker (placeholder)",
                "description": "The local broker `commissioning up` starts. A placeholder: "
                "operators replace `host` with their cluster's bootstrap address (the "
                "`KAFKA_BOOTSTRAP_SERVERS` setting) and add its security.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": _component_schemas(contracts),
            "messages": messages,
            "correlationIds": {
                "correlation_id": {
                    "description": "The conversation an event belongs to: the first "
                    "event's id, carried by every event it causes.",
                    "location": "$message.payload#/correlation_id",
                }
            },
        },
    }


def _identifier(name: str) -> str:
    """`needs.indicator-values.v1` -> `needsIndicatorValuesV1` (a code-friendly id)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    return words[0] + "".join(w[0].upper() + w[1:] for w in words[1:])


def _channel(topic: Topic, contracts: Sequence[Contract]) -> Schema:
    who = (
        "Partner agencies' systems publish"
        if topic.inbound
        else f"The {topic.publisher} service publishes"
    )
    publisher = topic.publisher if topic.inbound else f"the {topic.publisher} service"
    channel: Schema = {
        "address": topic.address,
        "title": topic.address,
        "summary": f"{who} here; key: `{topic.key}`.",
        "description": (
            f"{topic.description}\n\nPublished by: {publisher}. Every record is "
            f"keyed by `{topic.key}`. Records a consumer cannot apply go to "
            f"`{topic.address}{DLQ_SUFFIX}`."
        ),
        "messages": {
            c.type: {"$ref": f"#/components/messages/{_escape(c.type)}"} for c in contracts
        },
    }
    return channel | _agency_parameter(topic)


def _agency_parameter(topic: Topic) -> Schema:
    if not topic.per_agency:
        return {}
    return {
        "parameters": {
            "agency": {
                "description": "The publishing partner agency's id in the trust configuration. "
                "Only that agency's Kafka principal may write the topic, and a record whose "
                "payload names another agency is dead-lettered: the topic, not the payload, "
                "establishes the agency.",
                "examples": ["nhs-county-durham", "durham-county-council"],
            }
        }
    }


def _dead_letter_channel(topic: Topic) -> Schema:
    return {
        "address": topic.address + DLQ_SUFFIX,
        "title": topic.address + DLQ_SUFFIX,
        "summary": f"Dead letters of `{topic.address}`.",
        "description": (
            f"Records read from `{topic.address}` that a platform consumer could not apply: "
            "the original value, key and headers, plus `dlq.*` headers saying why and "
            "where from. `commissioning dlq list|show|replay` reads and replays them."
        ),
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
    } | _agency_parameter(topic)


def _operation(topic: Topic, channel_id: str, action: str, types: Sequence[str]) -> Schema:
    if topic.inbound:
        title = f"Receive partner agencies' records on {topic.name}"
        summary = (
            "Partner agencies' systems send (publish) these records; the platform "
            "receives and validates them."
        )
    else:
        title = f"Send {topic.publisher} events on {topic.name}"
        summary = (
            f"The {topic.publisher} service sends these events (through its outbox); other "
            "services and subscribers receive them."
        )
    operation: Schema = {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "title": title,
        "summary": summary,
    }
    if types:
        operation["messages"] = [
            {"$ref": f"#/channels/{channel_id}/messages/{_escape(t)}"} for t in types
        ]
    return operation


def _message(contract: Contract) -> Schema:
    description = _contract_description(contract)
    message: Schema = {
        "name": contract.type,
        "title": f"{contract.name} v{contract.version}",
        "summary": " ".join(description.split("\n\n")[0].split()),
        "description": description,
        "contentType": CONTENT_TYPE,
        "headers": _event_headers_schema(contract.type),
        "payload": {"$ref": f"#/components/schemas/{_escape(contract.type)}"},
        "correlationId": {"$ref": "#/components/correlationIds/correlation_id"},
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "The envelope's `subject` (UTF-8): the aggregate id. Kafka "
                    "partitions by key, so one aggregate's events stay in order.",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
    examples = [
        {
            "name": f"example{index + 1}",
            "headers": _example_headers(record),
            "payload": record,
        }
        for index, (record, _) in enumerate(_model_examples(contract))
    ]
    if examples:
        message["examples"] = examples
    return message


def _event_headers_schema(event_type: str) -> Schema:
    return {
        "type": "object",
        "description": "Kafka record headers (UTF-8 values). They repeat the envelope's id, "
        "type and source so records can be routed and dead-lettered without parsing the "
        "value; platform consumers validate the value, not the headers.",
        "properties": {
            "ce_id": {
                "type": "string",
                "format": "uuid",
                "pattern": UUID_PATTERN,
                "description": "The envelope's `id`.",
            },
            "ce_type": {
                "type": "string",
                "const": event_type,
                "description": "The envelope's `type`.",
            },
            "ce_source": {"type": "string", "description": "The envelope's `source`."},
            "content-type": {"type": "string", "const": CONTENT_TYPE},
            "locality": {
                "type": "string",
                "description": "The envelope's `locality`, when it has one.",
            },
            "traceparent": {
                "type": "string",
                "pattern": TRACEPARENT_PATTERN,
                "description": "W3C Trace Context of the span that published the event.",
            },
            "tracestate": {"type": "string", "description": "W3C Trace Context state."},
            "dlq.replayed_from": {
                "type": "string",
                "description": "Present when `commissioning dlq replay` re-published the "
                "record from a dead-letter topic: `<dlq topic>[<partition>]@<offset>`.",
            },
        },
        "required": ["ce_id", "ce_type", "ce_source", "content-type"],
    }


def _dead_letter_message() -> Schema:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A record a consumer could not apply, with why and where from.",
        "description": (
            "The value is the original record value, byte for byte (it may not be JSON, "
            "or may fail its contract); a value larger than the `max_event_bytes` setting "
            "is truncated to it and the reason says so. The key is the original key. The "
            "headers are the original headers (other than `dlq.*`) plus the `dlq.*` "
            "headers below."
        ),
        "contentType": "application/octet-stream",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original record value, unchanged (or truncated)."},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The original record's key."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _dead_letter_headers_schema() -> Schema:
    return {
        "type": "object",
        "description": "The `dlq.*` headers every dead letter carries; the original "
        "record's headers (`ce_id`, `ce_type`, `traceparent`, ...) are kept beside them.",
        "properties": dict(_DLQ_HEADERS),
        "required": [name for name, _ in _DLQ_HEADERS],
    }


def _component_schemas(contracts: Sequence[Contract]) -> Schema:
    """Envelope and event schemas, with their `$defs` hoisted into components.

    Inside an AsyncAPI document `#/...` references resolve against the document, so each
    schema's `$defs` move to `components.schemas`: under their own name when every schema
    that uses the name means the same thing, else under `<owner>.<name>`.
    """
    owners: dict[str, Schema] = {"Envelope": envelope_json_schema()}
    owners.update((c.type, event_json_schema(c)) for c in contracts)
    owners["DeadLetterHeaders"] = _dead_letter_headers_schema()

    variants: dict[str, set[str]] = {}
    for schema in owners.values():
        for name, definition in schema.get("$defs", {}).items():
            variants.setdefault(name, set()).add(json.dumps(definition, sort_keys=True))
    shared_names = {n for n, v in variants.items() if len(v) == 1 and n not in owners}
    changed = True
    while changed:  # a shared definition must refer only to shared definitions
        changed = False
        for owner_schema in owners.values():
            for name, definition in owner_schema.get("$defs", {}).items():
                if name in shared_names and any(
                    (t := _def_target(r)) is not None and t not in shared_names
                    for r in _refs(definition)
                ):
                    shared_names.discard(name)
                    changed = True

    components: dict[str, Schema] = {}
    hoisted: dict[str, Schema] = {}
    for owner, original in owners.items():
        schema = copy.deepcopy(original)
        defs: dict[str, Schema] = schema.pop("$defs", {})
        for key in ("$schema", "$id"):
            schema.pop(key, None)
        names = {n: n if n in shared_names else f"{owner}.{n}" for n in defs}
        _retarget(schema, names)
        components[owner] = schema
        for name, definition in defs.items():
            _retarget(definition, names)
            hoisted[names[name]] = definition
    clash = sorted(set(components) & set(hoisted))
    if clash:
        raise ValueError(f"schema names clash in the AsyncAPI components: {clash}")
    return dict(sorted({**components, **hoisted}.items()))


def _retarget(node: Any, names: Mapping[str, str]) -> None:
    """Point `#/$defs/<name>` references at `#/components/schemas/<new name>`."""
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and (name := _def_target(target)) is not None:
            node["$ref"] = f"#/components/schemas/{_escape(names[name])}"
        for key, value in node.items():
            if key != "$ref":
                _retarget(value, names)
    elif isinstance(node, list):
        for item in node:
            _retarget(item, names)


def _max_event_bytes() -> int:
    default = KafkaSettings.model_fields["max_event_bytes"].default
    return int(default)


def _info_description(topics: Sequence[Topic]) -> str:
    inbound = ", ".join(f"`{t.address}`" for t in topics if t.inbound) or "none"
    dlq_lines = "\n".join(f"- `{name}`: {s['description']}" for name, s in _DLQ_HEADERS)
    return f"""\
Events of the joint commissioning platform of a Children's Trust, on Kafka. Partner
agencies' systems publish to the inbound topics ({inbound}); the platform's services
publish the rest. This document describes the platform: it *receives* on inbound topics
and *sends* on the others.

**Envelope.** Every record value is one JSON envelope (`components.schemas.Envelope`):
`id`, versioned `type` (e.g. `needs.IndicatorValueSubmitted.v1`), `source`, `subject`,
`occurred_at` (RFC 3339, offset required), `correlation_id`, optional `causation_id`,
`trust`, optional `locality`, and `payload`, whose schema the `type` selects. Each event
type's full schema is `components.schemas.<type>` (and `{EVENTS_DIR}/<type>.schema.json`,
JSON Schema 2020-12). Within a version only optional fields are added; a breaking change
is a new version (`.v2`) published beside the old one.

**Keys and partitioning.** The record key is the envelope's `subject` (UTF-8), the id of
the aggregate the event is about. Kafka partitions by key, so one aggregate's events are
consumed in the order they were published. Never publish without a key.

**Headers.** `ce_id`, `ce_type`, `ce_source` and `content-type` (`{CONTENT_TYPE}`) repeat
the envelope, plus `locality` when set and W3C `traceparent`/`tracestate`.

**Idempotency.** Consumers record each applied event `id` in the same database
transaction as its effect, so a redelivered record, or one published again with the same
`id`, is applied once. Retry a failed publish with the same `id`; give a new fact a new
`id`.

**Size.** A record value must be at most `max_event_bytes` bytes (setting
`KAFKA_MAX_EVENT_BYTES`, default {_max_event_bytes():,}); the platform's producers refuse
larger events, and a Kafka broker refuses records over about 1 MiB by default.

**Dead letters.** Each topic `<name>` has `<name>{DLQ_SUFFIX}`. A record that is not JSON,
has an unknown type, fails its contract, or that a handler refuses goes there unchanged
(key, value, original headers) with these headers, and the consumer carries on:

{dlq_lines}

`commissioning dlq replay` re-publishes dead letters to their origin topic (with a
`dlq.replayed_from` header); idempotency makes that safe to repeat.

**Topic names.** Addresses are catalogue names; a deployment may prefix every physical
name (`KAFKA_TOPIC_PREFIX`, empty by default).
"""


# --- Export ------------------------------------------------------------------------------


def export(out_dir: Path, *, title: str = DEFAULT_TITLE, version: str | None = None) -> list[Path]:
    """Write the AsyncAPI document, every JSON Schema and a README into out_dir."""
    files = _render(title, version or _platform_version())
    out_dir.mkdir(parents=True, exist_ok=True)
    events_dir = out_dir / EVENTS_DIR
    if events_dir.is_dir():  # drop schemas of event types no longer registered
        for stale in sorted(events_dir.glob("*.schema.json")):
            if f"{EVENTS_DIR}/{stale.name}" not in files:
                stale.unlink()
    written = []
    for relative, text in files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def _render(title: str, version: str) -> dict[str, str]:
    """Every exported file's relative path and text, in a stable order."""
    document = asyncapi_document(title, version)
    files = {
        "asyncapi.json": _json(document),
        "asyncapi.yaml": _yaml(document),
        ENVELOPE_FILE: _json(envelope_json_schema()),
    }
    for contract in registry:
        files[event_schema_path(contract.type)] = _json(event_json_schema(contract))
    files["README.md"] = _readme()
    return files


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line strings as literal blocks (readable descriptions)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _yaml(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def _platform_version() -> str:
    """The platform's version: pyproject.toml in a checkout, else installed metadata."""
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == "commissioning" and "version" in project:
            return str(project["version"])
    try:
        return importlib.metadata.version("commissioning")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def _example_headers(record: Mapping[str, Any]) -> dict[str, str]:
    envelope = Envelope.model_validate(record)
    return {key: value.decode() for key, value in envelope.headers()}


def _publishing_example() -> tuple[Contract, Schema] | None:
    """The event the README shows how to publish, and a valid record of it."""
    contracts = list(registry)
    preferred = [c for c in contracts if c.type == EXAMPLE_EVENT_TYPE]
    inbound = {t.name for t in CATALOGUE if t.inbound}
    candidates = [
        *preferred,
        *(c for c in contracts if c.topic in inbound),
        *contracts,
    ]
    for contract in candidates:
        examples = _model_examples(contract)
        if examples:
            return contract, examples[0][0]
        if contract.type in _SAMPLE_PAYLOADS:
            subject, sample = _SAMPLE_PAYLOADS[contract.type]
            try:
                payload = contract.model.model_validate(sample)
            except ValueError as exc:
                raise ValueError(
                    f"the README sample of {contract.type} no longer fits its contract: "
                    f"update _SAMPLE_PAYLOADS in shared/schemas.py or give the model "
                    f"json_schema_extra examples\n{exc}"
                ) from exc
            return contract, _example_record(contract, payload, subject)
    return None


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type_label(schema: Mapping[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_type_label(s) for s in schema["anyOf"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    label = str(schema.get("format") or schema.get("type") or "any")
    return "null" if label == "null" else label


def _readme() -> str:
    envelope = envelope_json_schema()
    required = set(envelope.get("required", []))
    lines = [
        "# Event schemas",
        "",
        f"Generated by `{EXPORT_COMMAND}` from the contracts in `shared/contracts/` and the "
        "topic catalogue in `shared/topics.py`. Do not edit these files: change the code and "
        "run the command again (a test fails while they are out of date).",
        "",
        "| file | what it is |",
        "| --- | --- |",
        f"| [`asyncapi.yaml`](asyncapi.yaml), [`asyncapi.json`](asyncapi.json) | AsyncAPI "
        f"{ASYNCAPI_VERSION}: every topic, its messages, keys and headers, and the "
        "dead-letter topics |",
        f"| [`{ENVELOPE_FILE}`]({ENVELOPE_FILE}) | JSON Schema (2020-12) of the envelope, "
        "the value of every record |",
        f"| `{EVENTS_DIR}/<type>.schema.json` | JSON Schema (2020-12) of the full record "
        "value of one event type: the envelope with its `type` fixed and its `payload` "
        "defined |",
        "",
        "Schema ids start with `" + SCHEMA_BASE_URI + "` and mirror these paths; the host "
        "is a placeholder, not a server.",
        "",
        "## The record",
        "",
        "- **Value**: the envelope as UTF-8 JSON, at most "
        f"{_max_event_bytes():,} bytes (setting `KAFKA_MAX_EVENT_BYTES`).",
        "- **Key**: the envelope's `subject` (UTF-8), the aggregate id. Kafka partitions by "
        "key, so one aggregate's events stay in order.",
        "- **Headers**: `ce_id`, `ce_type`, `ce_source`, `content-type` "
        f"(`{CONTENT_TYPE}`); `locality` when the envelope has one; W3C `traceparent` and "
        "`tracestate` when traced.",
        "- **Idempotency**: consumers apply each event `id` once. Retry a failed publish "
        "with the same `id`; give each new fact a new `id`.",
        "",
        "| field | type | required | description |",
        "| --- | --- | --- | --- |",
    ]
    for name, prop in envelope["properties"].items():
        lines.append(
            f"| `{name}` | {_cell(_type_label(prop))} | {'yes' if name in required else 'no'} "
            f"| {_cell(str(prop.get('description', '')))} |"
        )

    lines += [
        "",
        "## Topics",
        "",
        "| topic | published by | key | event types |",
        "| --- | --- | --- | --- |",
    ]
    contracts = list(registry)
    for topic in CATALOGUE:
        types = [c.type for c in contracts if c.topic == topic.name]
        links = "<br>".join(f"[`{t}`]({event_schema_path(t)})" for t in types) or "none yet"
        publisher = topic.publisher + (" (inbound)" if topic.inbound else " service")
        lines.append(f"| `{topic.address}` | {_cell(publisher)} | `{topic.key}` | {links} |")

    lines += [
        "",
        "## Dead-letter topics",
        "",
        f"Every topic `<name>` has a dead-letter topic `<name>{DLQ_SUFFIX}` ("
        + ", ".join(f"`{t.address}{DLQ_SUFFIX}`" for t in CATALOGUE)
        + "). A record that is not JSON, has an unknown type, fails its contract, or that a "
        "handler refuses is copied there unchanged (key, value, headers; a value over the "
        "size limit is truncated) with these headers, and the consumer carries on:",
        "",
        "| header | description |",
        "| --- | --- |",
    ]
    for name, schema in _DLQ_HEADERS:
        lines.append(f"| `{name}` | {_cell(str(schema['description']))} |")
    lines += [
        "",
        "`commissioning dlq list|show|replay TOPIC` reads them and re-publishes them to the "
        "origin topic once the cause is fixed (safe to repeat: consumers skip ids they have "
        "applied).",
    ]

    example = _publishing_example()
    if example is not None:
        lines += ["", *_publishing_section(*example)]
    return "\n".join(lines) + "\n"


def _publishing_section(contract: Contract, record: Schema) -> list[str]:
    headers = _example_headers(record)
    topic = topic_for(contract.topic, record["payload"].get("agency"))
    value = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    kcat_headers = " \\\n".join(f"  -H '{k}={v}'" for k, v in headers.items())
    payload_literal = _python_literal(record["payload"], indent=8)
    optional = ""
    if "locality" in record:
        optional = f'\n        "locality": {_python_literal(record["locality"], 0)},'
    python = f"""\
import asyncio
import json
import uuid
from datetime import datetime, timezone

from aiokafka import AIOKafkaProducer


async def publish() -> None:
    event_id = str(uuid.uuid4())  # keep it when retrying: consumers de-duplicate on it
    record = {{
        "specversion": {_python_literal(record["specversion"], 0)},
        "id": event_id,
        "type": {_python_literal(record["type"], 0)},
        "source": {_python_literal(record["source"], 0)},
        "subject": {_python_literal(record["subject"], 0)},
        "occurred_at": datetime.now(timezone.utc).isoformat(),
        "correlation_id": event_id,
        "trust": {_python_literal(record["trust"], 0)},{optional}
        "payload": {payload_literal},
    }}
    headers = [
        ("ce_id", event_id.encode()),
        ("ce_type", record["type"].encode()),
        ("ce_source", record["source"].encode()),
        ("content-type", b"{CONTENT_TYPE}"),
    ]
    producer = AIOKafkaProducer(bootstrap_servers="{DEVELOPMENT_HOST}", acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            {_python_literal(topic, 0)},
            key=record["subject"].encode(),
            value=json.dumps(record).encode(),
            headers=headers,
        )
    finally:
        await producer.stop()


asyncio.run(publish())
"""
    return [
        f"## Publishing `{contract.type}`",
        "",
        f"A minimal record for `{topic}` "
        f"([schema]({event_schema_path(contract.type)})). Optional fields are left out; "
        "`id` must be a new UUID per event and `occurred_at` must carry an offset.",
        "",
        "Value:",
        "",
        "```json",
        json.dumps(record, indent=2, ensure_ascii=False),
        "```",
        "",
        f"Key: `{record['subject']}` (the `subject`). Headers:",
        "",
        "| header | value |",
        "| --- | --- |",
        *(f"| `{k}` | `{v}` |" for k, v in headers.items()),
        "",
        "With [kcat](https://github.com/edenhill/kcat) (a `kafka-console-producer` with "
        "headers), against the development broker:",
        "",
        "```sh",
        f"kcat -P -b {DEVELOPMENT_HOST} -t {topic} -k '{record['subject']}' \\",
        kcat_headers + " <<'EOF'",
        value,
        "EOF",
        "```",
        "",
        "With Python and aiokafka:",
        "",
        "```python",
        python.rstrip("\n"),
        "```",
    ]


def _python_literal(value: Any, indent: int) -> str:
    """JSON data as a Python literal, one item a line (the README's Python example)."""
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{_python_literal(k, 0)}: {_python_literal(v, indent + 4)},"
            for k, v in value.items()
        ]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        items = [f"{inner}{_python_literal(v, indent + 4)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def main(argv: Sequence[str] | None = None) -> None:
    """Write the exported files (`python -m shared.schemas [--out docs/schemas]`)."""
    parser = argparse.ArgumentParser(description="Export event JSON Schemas and AsyncAPI.")
    parser.add_argument("--out", type=Path, default=Path("docs/schemas"), help="Output folder.")
    args = parser.parse_args(argv)
    for path in export(args.out):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
