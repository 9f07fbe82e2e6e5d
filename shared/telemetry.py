"""Traces, metrics and structured logs shared by every service.

One trace runs from an HTTP request through the outbox row (which stores the W3C
`traceparent`), the Kafka record headers and the consumer's processing span.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
)
from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter(
    "commissioning_events_published_total", "Events the relay published", ["service", "topic"]
)
EVENTS_CONSUMED = Counter(
    "commissioning_events_consumed_total",
    "Events applied by a consumer (duplicates excluded)",
    ["consumer", "topic"],
)
EVENTS_DUPLICATE = Counter(
    "commissioning_events_duplicate_total",
    "Redelivered events skipped by the inbox",
    ["consumer", "topic"],
)
EVENTS_DEAD_LETTERED = Counter(
    "commissioning_events_dead_lettered_total",
    "Events sent to a dead-letter topic",
    ["consumer", "topic"],
)
OUTBOX_BACKLOG = Gauge("commissioning_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_FAILED = Counter(
    "commissioning_outbox_failed_total",
    "Outbox rows the broker refused for good (e.g. too large)",
    ["service", "topic"],
)
CONSUMER_LAG = Gauge(
    "commissioning_consumer_lag",
    "Records between a consumer's position and the partition end",
    ["consumer", "topic", "partition"],
)
BATCH_SECONDS = Histogram(
    "commissioning_consumer_batch_seconds", "Time to apply one consumer batch", ["consumer"]
)


class ExportAwareSampler(Sampler):
    """Records spans only once something exports them.

    With no exporter, spans are still created (so trace ids propagate through the outbox
    and Kafka, and logs carry them) but not recorded: recording cost about 40 µs per
    consumed event for nothing (bench/README.md). The decision follows the parent, so a
    trace is recorded whole or not at all.
    """

    def __init__(self) -> None:
        self.exporting = False
        self._on = ParentBased(ALWAYS_ON)
        self._off = ParentBased(ALWAYS_OFF)

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return (self._on if self.exporting else self._off).should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return f"ExportAwareSampler(exporting={self.exporting})"


_provider: TracerProvider | None = None
_sampler = ExportAwareSampler()


def configure_tracing(
    service: str, exporter: str = "none", span_exporter: SpanExporter | None = None
) -> None:
    """Install this process's tracer provider once; later calls may add an exporter."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(
            resource=Resource.create({"service.name": service}), sampler=_sampler
        )
        if exporter == "console":
            _provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
            _sampler.exporting = True
        elif exporter == "otlp":  # the `otlp` extra (in the image and the dev setup)
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                OTLPSpanExporter,
            )

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            _sampler.exporting = True
        trace.set_tracer_provider(_provider)
    if span_exporter is not None:
        _provider.add_span_processor(SimpleSpanProcessor(span_exporter))
        _sampler.exporting = True


def spans_exported() -> bool:
    """Whether spans are being exported (consumers skip per-event spans otherwise)."""
    return _sampler.exporting


@functools.cache
def tracer() -> trace.Tracer:
    """The platform's tracer (cached: each SDK `get_tracer` call builds a new Tracer; a
    proxy obtained before the provider is installed follows it once it is)."""
    return trace.get_tracer("commissioning")


def current_trace_headers() -> dict[str, str]:
    """W3C trace context of the current span, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(
    headers: Sequence[tuple[str, bytes]] | Mapping[str, str] | None,
) -> context.Context:
    """Extract a parent context from Kafka record headers or a dict."""
    carrier: dict[str, str] = {}
    if isinstance(headers, Mapping):
        carrier = dict(headers)
    else:
        for key, value in headers or ():
            if key in ("traceparent", "tracestate") and value is not None:
                carrier[key] = value.decode("latin-1")
    return propagate.extract(carrier)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, carrying the trace and span ids of the current span."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            entry["trace_id"] = format(ctx.trace_id, "032x")
            entry["span_id"] = format(ctx.span_id, "016x")
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Structured logs to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonLogFormatter(service))
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
