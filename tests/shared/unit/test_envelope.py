"""The envelope and the contract registry: what a publisher must send, and what the
platform says when it does not."""

from __future__ import annotations

import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from shared.contracts import InvalidEvent, registry
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.envelope import header_value
from shared.telemetry import JsonLogFormatter


def a_value(**changes: object) -> IndicatorValueSubmitted:
    fields: dict[str, object] = {
        "indicator_id": "teenage_conceptions",
        "agency": "pct",
        "area": Area(kind=AreaKind.LOCALITY, code="easington"),
        "period": "2025/26",
        "numerator": 12,
        "denominator": 1000,
    }
    fields.update(changes)
    return IndicatorValueSubmitted.model_validate(fields)


def test_an_event_round_trips_through_its_record_value() -> None:
    envelope = registry.envelope(a_value(), source="pct", subject="tc/easington", trust="durham")
    event = registry.decode(envelope.to_bytes())
    assert event.envelope.to_bytes() == envelope.to_bytes()
    assert event.payload == a_value()
    assert event.type == "needs.IndicatorValueSubmitted.v1"


def test_a_caused_event_keeps_the_conversation_and_names_its_cause() -> None:
    cause = registry.envelope(a_value(), source="pct", subject="s", trust="durham")
    effect = registry.envelope(
        a_value(period="2026/27"),
        source="needs",
        subject="s",
        trust="durham",
        correlation_id=cause.correlation_id,
        causation_id=cause.id,
    )
    assert effect.correlation_id == cause.correlation_id
    assert effect.causation_id == cause.id


def test_headers_carry_id_type_and_trace_context_for_routing_without_parsing() -> None:
    envelope = registry.envelope(
        a_value(), source="pct", subject="s", trust="durham", locality="easington"
    )
    headers = envelope.headers({"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"})
    assert header_value(headers, "ce_id") == str(envelope.id)
    assert header_value(headers, "ce_type") == "needs.IndicatorValueSubmitted.v1"
    assert header_value(headers, "locality") == "easington"
    assert (
        header_value(
            headers,
            "traceparent",
        )
        is not None
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "malformed JSON"),
        (b"[1, 2", "malformed JSON"),
        (None, "empty record"),
        (b'{"id": "x"}', "envelope.id"),
    ],
)
def test_records_that_are_not_events_are_refused_with_a_reason(
    raw: bytes | None, reason: str
) -> None:
    with pytest.raises(InvalidEvent) as refused:
        registry.decode(raw)
    assert reason in refused.value.reason


def _body(**changes: object) -> bytes:
    envelope = registry.envelope(a_value(), source="pct", subject="s", trust="durham")
    body = json.loads(envelope.to_bytes())
    body.update(changes)
    return json.dumps(body).encode()


def test_an_unknown_type_is_named_in_the_reason() -> None:
    with pytest.raises(InvalidEvent, match="unknown event type 'needs.Nope.v1'"):
        registry.decode(_body(type="needs.Nope.v1"))


def test_times_without_an_offset_are_refused() -> None:
    with pytest.raises(InvalidEvent, match="envelope.occurred_at"):
        registry.decode(_body(occurred_at="2026-11-23T10:00:00"))


def test_a_payload_breaking_its_contract_names_the_field_and_the_rule() -> None:
    payload = a_value().model_dump(mode="json") | {"period": "last year"}
    with pytest.raises(InvalidEvent) as refused:
        registry.decode(_body(payload=payload))
    assert refused.value.reason.startswith("payload.period: String should match pattern")


def test_unknown_payload_fields_are_refused_not_silently_dropped() -> None:
    payload = a_value().model_dump(mode="json") | {"child_name": "x"}
    with pytest.raises(InvalidEvent, match="payload.child_name: Extra inputs are not permitted"):
        registry.decode(_body(payload=payload))


def test_registering_two_models_under_one_type_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("needs.IndicatorValueSubmitted", 1, topic="x")(
            type("Other", (IndicatorValueSubmitted,), {})
        )


def test_log_lines_are_json_carrying_the_trace_id() -> None:
    provider = TracerProvider()
    formatter = JsonLogFormatter("needs")
    with provider.get_tracer("t").start_as_current_span("work") as span:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "applied %s", ("e1",), None)
        line = json.loads(formatter.format(record))
    assert line["msg"] == "applied e1"
    assert line["service"] == "needs"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert trace.get_current_span().get_span_context().is_valid is False


def test_without_an_exporter_spans_are_not_recorded_but_trace_ids_still_propagate() -> None:
    from opentelemetry import propagate

    from shared.telemetry import ExportAwareSampler, context_from_headers

    sampler = ExportAwareSampler()
    tracer = TracerProvider(sampler=sampler).get_tracer("t")
    with tracer.start_as_current_span("POST /indicator-values") as request:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
    assert not request.is_recording()
    child = tracer.start_span("consume", context=context_from_headers(carrier))
    assert child.get_span_context().trace_id == request.get_span_context().trace_id
    assert not child.is_recording()

    sampler.exporting = True
    assert tracer.start_span("recorded").is_recording()
