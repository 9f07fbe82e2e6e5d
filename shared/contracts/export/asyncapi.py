"""The AsyncAPI 3.0.0 document of every topic: channels, messages, keys, headers and
dead letters, generated from the registered contracts and the topic catalogue."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from shared.contracts.json_schema import (
    DATE_TIME_PATTERN,
    EVENTS_DIR,
    UUID_PATTERN,
    Schema,
    contract_description,
    def_target,
    envelope_json_schema,
    escape,
    event_json_schema,
    example_headers,
    model_examples,
    refs,
)
from shared.contracts.registry import Contract, EventRegistry, registry
from shared.deliveries import ERROR_CLASSES
from shared.envelope import CONTENT_TYPE
from shared.settings import KafkaSettings
from shared.topics import CATALOGUE, DLQ_SUFFIX, Topic

ASYNCAPI_VERSION = "3.0.0"


KAFKA_BINDING_VERSION = "0.5.0"


DEVELOPMENT_SERVER = "development"


DEVELOPMENT_HOST = "127.0.0.1:9092"


TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


DLQ_HEADERS: tuple[tuple[str, Schema], ...] = (
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


def _topic_of(contract: Contract, topics: Sequence[Topic]) -> Topic:
    for topic in topics:
        if topic.name == contract.topic:
            return topic
    raise ValueError(
        f"{contract.type} is registered on {contract.topic!r}, which is not in the topic "
        "catalogue (shared/topics.py)"
    )


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
        else f"The {topic.published_by} service publishes"
    )
    publisher = topic.published_by if topic.inbound else f"the {topic.published_by} service"
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
            c.type: {"$ref": f"#/components/messages/{escape(c.type)}"} for c in contracts
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
        title = f"Send {topic.published_by} events on {topic.name}"
        summary = (
            f"The {topic.published_by} service sends these events (through its outbox); other "
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
            {"$ref": f"#/channels/{channel_id}/messages/{escape(t)}"} for t in types
        ]
    return operation


def _message(contract: Contract) -> Schema:
    description = contract_description(contract)
    message: Schema = {
        "name": contract.type,
        "title": f"{contract.name} v{contract.version}",
        "summary": " ".join(description.split("\n\n")[0].split()),
        "description": description,
        "contentType": CONTENT_TYPE,
        "headers": _event_headers_schema(contract.type),
        "payload": {"$ref": f"#/components/schemas/{escape(contract.type)}"},
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
            "headers": example_headers(record),
            "payload": record,
        }
        for index, (record, _) in enumerate(model_examples(contract))
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
        "properties": dict(DLQ_HEADERS),
        "required": [name for name, _ in DLQ_HEADERS],
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
                    (t := def_target(r)) is not None and t not in shared_names
                    for r in refs(definition)
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
        if isinstance(target, str) and (name := def_target(target)) is not None:
            node["$ref"] = f"#/components/schemas/{escape(names[name])}"
        for key, value in node.items():
            if key != "$ref":
                _retarget(value, names)
    elif isinstance(node, list):
        for item in node:
            _retarget(item, names)


def max_event_bytes() -> int:
    default = KafkaSettings.model_fields["max_event_bytes"].default
    return int(default)


def _info_description(topics: Sequence[Topic]) -> str:
    inbound = ", ".join(f"`{t.address}`" for t in topics if t.inbound) or "none"
    dlq_lines = "\n".join(f"- `{name}`: {s['description']}" for name, s in DLQ_HEADERS)
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
`KAFKA_MAX_EVENT_BYTES`, default {max_event_bytes():,}); the platform's producers refuse
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
