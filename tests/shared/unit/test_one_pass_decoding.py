"""One-pass decoding gives the same events, and refuses with the same reasons, as the
two-step path (envelope, then payload) whose reasons dead letters carry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.contracts import InvalidEvent, registry
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.envelope import Envelope, Event


def a_value() -> IndicatorValueSubmitted:
    return IndicatorValueSubmitted(
        indicator_id="teenage_conceptions",
        agency="pct",
        area=Area(kind=AreaKind.LOCALITY, code="easington"),
        period="2025/26",
        numerator=12,
        denominator=1000,
    )


def body() -> dict[str, Any]:
    envelope = registry.envelope(a_value(), source="pct", subject="s", trust="durham")
    decoded: dict[str, Any] = json.loads(envelope.to_bytes())
    return decoded


def changed(**changes: Any) -> bytes:
    return json.dumps(body() | changes).encode()


def payload_changed(**changes: Any) -> bytes:
    return changed(payload=body()["payload"] | changes)


def without(field: str) -> bytes:
    fields = body()
    del fields[field]
    return json.dumps(fields).encode()


BAD_RECORDS = {
    "empty value": b"",
    "tombstone": None,
    "malformed JSON": b'{"id": ',
    "not an object": b"[1, 2]",
    "NUL byte": changed()[:20] + b"\x00" + changed()[20:],
    "invalid UTF-8": changed()[:30] + b"\xff\xfe" + changed()[30:],
    "unknown type": changed(type="needs.Nope.v1"),
    "type breaking its pattern": changed(type="not a type"),
    "type not a string": changed(type=7),
    "missing type": without("type"),
    "bad envelope id": changed(id="x"),
    "time without offset": changed(occurred_at="2026-11-23T10:00:00"),
    "unknown envelope field": changed(child="x"),
    "missing payload": without("payload"),
    "payload not an object": changed(payload=[1]),
    "bad payload field": payload_changed(period="last year"),
    "negative count": payload_changed(numerator=-1),
    "unknown payload field": payload_changed(child_name="x"),
    "envelope and payload both bad": json.dumps(
        body() | {"subject": "", "payload": body()["payload"] | {"numerator": "many"}}
    ).encode(),
    "payload of another type": changed(type="projects.StageGateDecided.v1"),
}


def reason(decode: Any, raw: bytes | None) -> str:
    with pytest.raises(InvalidEvent) as refused:
        decode(raw)
    return refused.value.reason


@pytest.mark.parametrize("raw", BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_a_bad_record_is_refused_with_the_two_step_paths_reason(raw: bytes | None) -> None:
    assert reason(registry.decode, raw) == reason(registry.decode_in_two_steps, raw)


GOOD_RECORDS = {
    "as published": changed(),
    "optional fields absent": without("causation_id"),
    "with a locality": changed(locality="easington"),
    "time with another offset": changed(occurred_at="2026-11-23T10:00:00+01:00"),
    "NUL in a string (refused later, by the database, not by the contract)": changed(
        subject="a\u0000b"
    ),
    "counts written as floats": payload_changed(numerator=12.0, denominator=1000.0),
}


@pytest.mark.parametrize("raw", GOOD_RECORDS.values(), ids=GOOD_RECORDS.keys())
def test_a_good_record_decodes_to_the_same_event_by_either_path(raw: bytes) -> None:
    one_pass, two_steps = registry.decode(raw), registry.decode_in_two_steps(raw)
    assert type(one_pass.payload) is IndicatorValueSubmitted
    assert one_pass.payload == two_steps.payload
    assert one_pass.envelope.model_dump(mode="json") == two_steps.envelope.model_dump(mode="json")
    assert one_pass.envelope.model_fields_set == two_steps.envelope.model_fields_set


def test_every_registered_contract_has_a_typed_envelope_in_the_one_pass_union() -> None:
    for contract in registry:
        typed = registry._typed_envelopes()
        assert typed is not None
        schema = typed.json_schema()
        assert contract.type in json.dumps(schema), contract.type


def test_a_decoded_envelope_carries_the_typed_payload_and_serialises_to_the_published_bytes() -> (
    None
):
    published = registry.envelope(
        a_value(), source="pct", subject="s", trust="durham", locality="easington"
    )
    event: Event[Any] = registry.decode(published.to_bytes())
    assert isinstance(event.envelope, Envelope)
    assert event.envelope.payload is event.payload, "not a second copy of the body"
    assert event.envelope.to_bytes() == published.to_bytes()
    assert event.envelope.model_dump(mode="json") == published.model_dump(mode="json")
    assert event.envelope.model_copy(update={"subject": "t"}).subject == "t"
