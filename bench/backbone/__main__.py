"""`python -m bench.backbone`: parse the command line, start or find the infrastructure,
run every phase, print the table."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence

from bench.backbone.measure import (
    say,
)
from bench.backbone.model import Config
from bench.backbone.phases import run
from bench.infrastructure import infrastructure
from shared import event_loop
from shared.telemetry import configure_tracing


def parse(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m bench.backbone",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description=(
            "Measure backbone throughput in one run on one broker and database: "
            "(1) raw aiokafka getmany in a group doing no work; "
            "(2) the platform pipeline outbox -> Kafka -> inbox: outbox write, end to end, "
            "relay only and consumer only; "
            "(3) the peer: a FastStream batch subscriber doing the consumer's work (decode, the "
            "same inbox write and COPY in one transaction, NACK_ON_ERROR; the bench extra); "
            "(4) a naive per-message consumer, one SQLModel transaction per event. "
            "Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else starts the embedded "
            "PostgreSQL and Tansu broker and stops them at the end. Prints a table of "
            "events/s and the ratios against the targets (consumer >= 25% of raw, >= 10x "
            "naive, >= 2x the FastStream peer); exits 0 whether or not a target is met."
        ),
    )
    parser.add_argument("--events", type=int, default=50_000, help="events per path")
    parser.add_argument("--partitions", type=int, default=6, help="partitions of every topic")
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=3_000,
        help="events for the naive consumer, at most --events",
    )
    parser.add_argument("--keys", type=int, default=1_000, help="distinct partition keys")
    parser.add_argument("--per-tx", type=int, default=5_000, help="events per outbox transaction")
    _add_run_options(parser)
    args = parser.parse_args(argv)
    for name in (
        "events",
        "partitions",
        "naive_sample",
        "keys",
        "per_tx",
        "raw_repeats",
        "repeats",
    ):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return _config(args)


def _config(args: argparse.Namespace) -> Config:
    return Config(
        events=args.events,
        partitions=args.partitions,
        naive_sample=args.naive_sample,
        keys=args.keys,
        per_tx=args.per_tx,
        raw_repeats=args.raw_repeats,
        repeats=args.repeats,
        relay=args.relay,
        tracing=args.tracing,
        gc_freeze=args.gc_freeze,
        profile=args.profile,
        loop=args.loop,
    )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """How the phases run: repeats, the loop, the relay's place, tracing, GC, profiling."""
    parser.add_argument(
        "--raw-repeats", type=int, default=3, help="raw reads (new group each); median reported"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="consumer-only and peer reads, alternating (new group each); medians reported",
    )
    parser.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="the event loop: uvloop, as uvicorn runs every service, or asyncio's own",
    )
    parser.add_argument(
        "--relay",
        choices=("process", "loop"),
        default="process",
        help="end to end: run the relay in its own process (the source service is another "
        "process than the sink's) or in the consumer's event loop",
    )
    parser.add_argument(
        "--tracing",
        choices=("service", "off"),
        default="service",
        help="'service' installs the SDK tracer provider exactly as every service process "
        "does (OTEL exporter 'none'); 'off' leaves OpenTelemetry unconfigured (no-op spans)",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.collect() + gc.freeze() before each timed phase (what a service could do "
        "after start-up); off by default because the platform does not do it",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile each timed phase in this process and print the top functions "
        "(slows every phase)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if cfg.tracing == "service":
        configure_tracing("bench", "none")
    started = time.perf_counter()
    with infrastructure() as infra:
        if cfg.loop == "uvloop":
            event_loop.run(run(cfg, infra))
        else:
            asyncio.run(run(cfg, infra))
    say(f"total run time {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
