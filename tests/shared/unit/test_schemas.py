"""The published contracts (docs/schemas) say exactly what the code accepts and sends."""

from __future__ import annotations

import copy
import json
import re
import sys
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import export as schemas
from shared.contracts import json_schema, registry
from shared.contracts.export import asyncapi as asyncapi_export
from shared.contracts.export import readme
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.contracts.registry import Contract, EventRegistry, InvalidEvent
from shared.dead_letters import dead_letter_headers
from shared.deliveries import ERROR_CLASSES, error_class
from shared.envelope import Envelope
from shared.topics import CATALOGUE, DLQ_SUFFIX, INDICATOR_VALUES, NEEDS_EVENTS

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "schemas"
CONTRACT_TYPES = [c.type for c in registry]
INDICATOR_TYPE = "needs.IndicatorValueSubmitted.v1"

Record = dict[str, Any]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("schemas")
    schemas.export(out)
    return out


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    return asyncapi_export.asyncapi_document("Test", "1.0.0")


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def event_schema(out: Path, event_type: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (out / json_schema.event_schema_path(event_type)).read_text(encoding="utf-8")
    )
    return loaded


def indicator_record(**envelope: Any) -> Record:
    """A valid record value, as `registry.envelope` builds it."""
    payload = IndicatorValueSubmitted(
        indicator_id="children_looked_after_rate",
        agency="council",
        area=Area(kind=AreaKind.LOCALITY, code="north"),
        period="2025/26",
        breakdown={"sex": "female"},
        numerator=42,
        denominator=10_000,
        note="provisional",
    )
    built = registry.envelope(
        payload,
        source="council-mis",
        subject="children_looked_after_rate/locality/north/2025/26",
        trust="urbanham",
        locality="north",
        causation_id=uuid.uuid4(),
        occurred_at=datetime(2025, 7, 1, 9, 30, tzinfo=UTC),
        **envelope,
    )
    record: Record = json.loads(built.to_bytes())
    return record


def errors(schema: dict[str, Any], instance: Any) -> list[str]:
    return [e.message for e in validator(schema).iter_errors(instance)]


def accepted_by_code(record: Record) -> bool:
    try:
        registry.decode(json.dumps(record).encode())
    except InvalidEvent:
        return False
    return True


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not a reference inside the document"
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and token in node, f"{ref} does not resolve"
        node = node[token]
    return node


def component_validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    """Validate against components.schemas.<name>, references resolved in the document."""
    return validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})


# --- JSON Schema per event ---------------------------------------------------------------


@pytest.mark.parametrize("event_type", CONTRACT_TYPES)
def test_every_registered_contract_has_a_committed_schema_file(event_type: str) -> None:
    path = COMMITTED / json_schema.event_schema_path(event_type)
    assert path.is_file(), f"no {path}: run `{readme.EXPORT_COMMAND}`"


def test_every_exported_schema_is_valid_json_schema_2020_12(exported: Path) -> None:
    files = [exported / json_schema.ENVELOPE_FILE, *sorted((exported / "events").glob("*.json"))]
    assert len(files) == len(CONTRACT_TYPES) + 1
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == json_schema.JSON_SCHEMA_DIALECT
        relative = path.relative_to(exported).as_posix()
        assert schema["$id"] == json_schema.SCHEMA_BASE_URI + relative


@pytest.mark.parametrize("event_type", CONTRACT_TYPES)
def test_an_event_schema_is_the_envelope_with_its_type_fixed_and_payload_defined(
    exported: Path, event_type: str
) -> None:
    contract = registry.contract(event_type)
    schema = event_schema(exported, event_type)
    envelope = json.loads((exported / json_schema.ENVELOPE_FILE).read_text(encoding="utf-8"))
    assert schema["title"] == event_type
    assert schema["description"]
    assert list(schema["properties"]) == list(envelope["properties"])
    assert schema["required"] == envelope["required"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["type"]["const"] == event_type
    payload = schema["properties"]["payload"]
    assert payload.get("title") == contract.model.__name__ or "$ref" in payload
    for ref in refs(schema):
        resolve(schema, ref)


def test_a_valid_event_built_by_the_registry_validates_against_its_schema(
    exported: Path,
) -> None:
    record = indicator_record()
    assert errors(event_schema(exported, INDICATOR_TYPE), record) == []
    envelope = json.loads((exported / json_schema.ENVELOPE_FILE).read_text(encoding="utf-8"))
    assert errors(envelope, record) == []


def _set(path: str, value: Any) -> Callable[[Record], None]:
    def mutate(record: Record) -> None:
        *parents, last = path.split(".")
        node = record
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _drop(path: str) -> Callable[[Record], None]:
    def mutate(record: Record) -> None:
        *parents, last = path.split(".")
        node = record
        for key in parents:
            node = node[key]
        del node[last]

    return mutate


INVALID = {
    "negative numerator": _set("payload.numerator", -1),
    "zero denominator": _set("payload.denominator", 0),
    "unknown payload field": _set("payload.child_name", "never an individual"),
    "unknown envelope field": _set("priority", "high"),
    "another type": _set("type", "needs.NeedResolved.v1"),
    "unregistered version": _set("type", "needs.IndicatorValueSubmitted.v2"),
    "occurred_at without offset": _set("occurred_at", "2025-07-01T09:30:00"),
    "occurred_at a date": _set("occurred_at", "2025-07-01"),
    "id not a uuid": _set("id", "42"),
    "missing subject": _drop("subject"),
    "empty trust": _set("trust", ""),
    "period not a period": _set("payload.period", "last year"),
    "unknown area kind": _set("payload.area.kind", "ward"),
    "five breakdown dimensions": _set("payload.breakdown", {str(i): "x" for i in range(5)}),
    "payload missing": _drop("payload"),
}


@pytest.mark.parametrize("mutation", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_event_fails_its_schema_as_it_fails_the_contract(
    exported: Path, mutation: Callable[[Record], None]
) -> None:
    record = indicator_record()
    mutation(record)
    assert errors(event_schema(exported, INDICATOR_TYPE), record), "schema accepted it"
    assert not accepted_by_code(record), "the code accepts what the schema refuses"


@pytest.mark.parametrize(
    ("occurred_at", "valid"),
    [
        ("2025-07-01T09:30:00Z", True),
        ("2025-07-01T09:30:00+01:00", True),
        ("2025-07-01T09:30:00.123456789-05:30", True),
        ("2025-07-01t09:30:00z", True),
        ("2025-07-01T09:30:00", False),
        ("2025-07-01T09:30:00+0100", False),  # RFC 3339 wants the colon
        ("2025-07-01 09:30:00Z", False),
        ("2025-07-01T24:00:00Z", False),
        ("2025-13-01T09:30:00Z", False),
    ],
)
def test_the_schema_accepts_only_date_times_with_an_offset_that_the_code_accepts(
    exported: Path, occurred_at: str, valid: bool
) -> None:
    record = indicator_record()
    record["occurred_at"] = occurred_at
    assert (errors(event_schema(exported, INDICATOR_TYPE), record) == []) is valid
    if valid:
        assert accepted_by_code(record)


@pytest.mark.parametrize("event_type", CONTRACT_TYPES)
def test_schema_examples_are_events_the_code_accepts(exported: Path, event_type: str) -> None:
    schema = event_schema(exported, event_type)
    for example in schema.get("examples", []):
        assert errors(schema, example) == []
        assert accepted_by_code(example)


class _Thing(BaseModel):
    """A thing happened."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"size": 3}, {"size": 0, "tag": "a"}]}
    )

    size: int = Field(ge=0)
    tag: str | None = None


class _Plain(BaseModel):
    """No examples here."""

    size: int


def test_model_examples_become_valid_schema_examples_and_none_are_invented() -> None:
    with_examples = json_schema.event_json_schema(
        Contract("test.ThingHappened", 1, _Thing, NEEDS_EVENTS.name, "A thing happened.")
    )
    assert [e["payload"] for e in with_examples["examples"]] == [
        {"size": 3},
        {"size": 0, "tag": "a"},
    ]
    for example in with_examples["examples"]:
        assert example["type"] == "test.ThingHappened.v1"
        assert errors(with_examples, example) == []
        assert Envelope.model_validate(example).payload == example["payload"]
    without = json_schema.event_json_schema(
        Contract("test.PlainHappened", 1, _Plain, NEEDS_EVENTS.name, "")
    )
    assert "examples" not in without
    assert without["description"] == "The test.PlainHappened.v1 event."


# --- AsyncAPI ----------------------------------------------------------------------------


def test_asyncapi_has_a_channel_for_every_topic_and_its_dead_letter_topic(
    asyncapi: dict[str, Any],
) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    addresses = [c["address"] for c in asyncapi["channels"].values()]
    assert sorted(addresses) == sorted(
        n for t in CATALOGUE for n in (t.address, t.address + DLQ_SUFFIX)
    )
    # A per-agency family is one channel whose address names the agency as a parameter.
    [family] = [
        c for c in asyncapi["channels"].values() if c["address"] == INDICATOR_VALUES.address
    ]
    assert family["address"] == "needs.indicator-values.{agency}.v1"
    assert "agency" in family["parameters"]
    server = asyncapi["servers"][asyncapi_export.DEVELOPMENT_SERVER]
    assert (server["protocol"], server["host"]) == ("kafka", "127.0.0.1:9092")


def test_asyncapi_references_only_what_the_document_defines(asyncapi: dict[str, Any]) -> None:
    found = list(refs(asyncapi))
    assert found
    for ref in found:
        resolve(asyncapi, ref)
    for name, channel in asyncapi["channels"].items():
        for message in channel["messages"].values():
            assert message["$ref"].startswith("#/components/messages/"), name


def test_asyncapi_operations_receive_agency_data_and_send_service_events(
    asyncapi: dict[str, Any],
) -> None:
    actions: dict[str, set[str]] = {}
    for operation in asyncapi["operations"].values():
        channel_ref = operation["channel"]["$ref"]
        address = resolve(asyncapi, channel_ref)["address"]
        actions.setdefault(address, set()).add(operation["action"])
        for message in operation.get("messages", []):
            assert message["$ref"].startswith(channel_ref + "/messages/")
            resolve(asyncapi, message["$ref"])
    for topic in CATALOGUE:
        assert actions[topic.address] == {"receive" if topic.inbound else "send"}
        assert actions[topic.address + DLQ_SUFFIX] == {"send"}


@pytest.mark.parametrize("event_type", CONTRACT_TYPES)
def test_every_contract_is_a_message_on_its_topic(
    asyncapi: dict[str, Any], event_type: str
) -> None:
    contract = registry.contract(event_type)
    [address] = [t.address for t in CATALOGUE if t.name == contract.topic]
    [channel] = [c for c in asyncapi["channels"].values() if c["address"] == address]
    message = resolve(asyncapi, channel["messages"][event_type]["$ref"])
    assert message["payload"] == {"$ref": f"#/components/schemas/{event_type}"}
    assert message["headers"]["properties"]["ce_type"]["const"] == event_type
    correlation = resolve(asyncapi, message["correlationId"]["$ref"])
    assert correlation["location"] == "$message.payload#/correlation_id"
    key = message["bindings"]["kafka"]["key"]
    assert key["type"] == "string" and "subject" in key["description"]


def test_asyncapi_components_validate_events_as_the_schema_files_do(
    asyncapi: dict[str, Any],
) -> None:
    event = component_validator(asyncapi, INDICATOR_TYPE)
    record = indicator_record()
    assert list(event.iter_errors(record)) == []
    assert list(component_validator(asyncapi, "Envelope").iter_errors(record)) == []
    for mutation in INVALID.values():
        broken = copy.deepcopy(record)
        mutation(broken)
        assert list(event.iter_errors(broken)), broken


def test_the_headers_the_code_sets_match_the_documented_headers(
    asyncapi: dict[str, Any],
) -> None:
    built = Envelope.model_validate(indicator_record())
    trace = {"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"}
    headers = {k: v.decode() for k, v in built.headers(trace)}
    message = asyncapi["components"]["messages"][INDICATOR_TYPE]
    assert errors(message["headers"], headers) == []
    assert set(headers) <= set(message["headers"]["properties"])


def test_dead_letter_messages_document_the_headers_the_inbox_sets(
    asyncapi: dict[str, Any],
) -> None:
    record = types.SimpleNamespace(
        topic=INDICATOR_VALUES.name,
        partition=3,
        offset=1234,
        headers=[("ce_id", b"x"), ("dlq.reason", b"stale")],
    )
    sent = dict(dead_letter_headers(record, "payload.numerator: too small", "needs", "invalid"))
    dlq_headers = {k: v.decode() for k, v in sent.items() if k.startswith("dlq.")}
    documented = asyncapi["components"]["schemas"]["DeadLetterHeaders"]
    assert sorted(documented["required"]) == sorted(dlq_headers)
    assert list(component_validator(asyncapi, "DeadLetterHeaders").iter_errors(dlq_headers)) == []
    for topic in CATALOGUE:
        dlq = topic.address + DLQ_SUFFIX
        [channel] = [c for c in asyncapi["channels"].values() if c["address"] == dlq]
        [message_ref] = channel["messages"].values()
        message = resolve(asyncapi, message_ref["$ref"])
        assert message["headers"] == {"$ref": "#/components/schemas/DeadLetterHeaders"}


def test_the_yaml_and_json_documents_are_the_same(exported: Path) -> None:
    as_json = json.loads((exported / "asyncapi.json").read_text(encoding="utf-8"))
    as_yaml = yaml.safe_load((exported / "asyncapi.yaml").read_text(encoding="utf-8"))
    assert as_json == as_yaml


class _One:
    class Area(BaseModel):
        code: str = Field(pattern="^a+$")


class _Other:
    class Area(BaseModel):
        code: int


class _First(BaseModel):
    """Uses one Area."""

    area: _One.Area


class _Second(BaseModel):
    """Uses another Area."""

    area: _Other.Area


def test_same_named_definitions_of_different_contracts_stay_apart() -> None:
    events = EventRegistry()
    events.register("test.First", 1, NEEDS_EVENTS.name)(_First)
    events.register("test.Second", 1, NEEDS_EVENTS.name)(_Second)
    document = asyncapi_export.asyncapi_document("Test", "1", events=events)
    for ref in refs(document):
        resolve(document, ref)
    first, second = indicator_record(), indicator_record()
    first.update(type="test.First.v1", payload={"area": {"code": "aaa"}})
    second.update(type="test.Second.v1", payload={"area": {"code": 7}})
    assert list(component_validator(document, "test.First.v1").iter_errors(first)) == []
    assert list(component_validator(document, "test.Second.v1").iter_errors(second)) == []
    first["payload"], second["payload"] = second["payload"], first["payload"]
    assert list(component_validator(document, "test.First.v1").iter_errors(first))
    assert list(component_validator(document, "test.Second.v1").iter_errors(second))


def test_a_contract_on_a_topic_outside_the_catalogue_is_refused() -> None:
    events = EventRegistry()
    events.register("test.Stray", 1, "stray.events.v1")(_Plain)
    with pytest.raises(ValueError, match="not in the topic catalogue"):
        asyncapi_export.asyncapi_document("Test", "1", events=events)


# --- Export and the committed docs -------------------------------------------------------


def test_the_committed_docs_are_up_to_date_with_the_code(exported: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    fresh, committed = files(exported), files(COMMITTED)
    hint = f"docs/schemas is out of date with the code: run `{readme.EXPORT_COMMAND}`"
    assert sorted(committed) == sorted(fresh), f"{hint} (files differ)"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"{hint} ({', '.join(stale)} differ)"


def test_export_writes_every_file_it_returns_and_drops_stale_event_schemas(
    tmp_path: Path,
) -> None:
    stale = tmp_path / "events" / "needs.Gone.v1.schema.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    written = schemas.export(tmp_path)
    assert not stale.exists()
    assert all(p.is_file() for p in written)
    relative = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"asyncapi.json", "asyncapi.yaml", "envelope.schema.json", "README.md"} <= relative
    assert {json_schema.event_schema_path(t) for t in CONTRACT_TYPES} <= relative


def _code_block(readme: str, language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)\n```", readme, re.DOTALL)
    assert match, f"no {language} block in the README"
    return match.group(1)


def test_the_readme_example_record_is_a_valid_indicator_value(exported: Path) -> None:
    readme = (exported / "README.md").read_text(encoding="utf-8")
    record = json.loads(_code_block(readme, "json"))
    assert record["type"] == INDICATOR_TYPE
    assert errors(event_schema(exported, INDICATOR_TYPE), record) == []
    assert accepted_by_code(record)
    for event_type in CONTRACT_TYPES:
        assert f"]({json_schema.event_schema_path(event_type)})" in readme


def test_the_readme_python_example_publishes_a_valid_record(
    exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[dict[str, Any]] = []

    class FakeProducer:
        def __init__(self, **config: Any) -> None:
            self.config = config

        async def start(self) -> None:
            pass

        async def stop(self) -> None:
            pass

        async def send_and_wait(self, topic: str, **record: Any) -> None:
            sent.append({"topic": topic, **record})

    fake = types.ModuleType("aiokafka")
    fake.AIOKafkaProducer = FakeProducer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aiokafka", fake)
    readme = (exported / "README.md").read_text(encoding="utf-8")
    exec(compile(_code_block(readme, "python"), "README.md", "exec"), {"__name__": "readme"})

    [record] = sent
    value = json.loads(record["value"])
    # Published to the topic of the agency it names: the only one that agency may write.
    assert record["topic"] == INDICATOR_VALUES.for_agency(value["payload"]["agency"])
    assert record["key"] == value["subject"].encode()
    assert errors(event_schema(exported, INDICATOR_TYPE), value) == []
    assert accepted_by_code(value)
    headers = {k: v.decode() for k, v in record["headers"]}
    assert headers["ce_id"] == value["id"] and headers["ce_type"] == INDICATOR_TYPE


def test_every_dead_letter_class_the_inbox_sets_is_documented(asyncapi: dict[str, Any]) -> None:
    documented = asyncapi["components"]["schemas"]["DeadLetterHeaders"]["properties"]
    assert documented["dlq.error_class"]["enum"] == list(ERROR_CLASSES)
    reasons = {
        "payload.numerator: too small": "invalid",
        "handler error: ValueError: no": "handler",
        "conflicting duplicate: event id 1 was already received": "conflict",
        "agency: the record on t can only come from agency 'a'": "agency",
    }
    assert {error_class(r) for r in reasons} == set(ERROR_CLASSES)
    for reason, kind in reasons.items():
        assert error_class(reason) == kind
