"""Decoding cost per event: one-pass `registry.decode`, its parts, and the two-step path.

    python -m bench.decode [--events N] [--repeats R]

No broker and no database: the same `needs.IndicatorValueSubmitted.v1` record values as
`bench.backbone` (about 540 bytes each), decoded in one process with the collector frozen
(`gc.freeze()`, as the consumer runs). Each path decodes all N values once per repetition,
the paths alternate, and the median and the fastest repetition are printed in µs per
event. The machine is shared, so compare medians of one run, never figures across runs.
A benchmark prints figures: it exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.contracts.registry import registry
from shared.envelope import Event


def record_values(count: int) -> list[bytes]:
    """Published envelopes of indicator values, as the bench's inbound topic holds them."""
    return [
        registry.envelope(
            IndicatorValueSubmitted(
                indicator_id="teenage_conceptions",
                agency="pct",
                area=Area(kind=AreaKind.LOCALITY, code=f"locality-{i % 7}"),
                period="2025/26",
                numerator=12 + i % 50,
                denominator=1000,
            ),
            source="pct",
            subject=f"subject-{i % 1000}",
            trust="durham",
        ).to_bytes()
        for i in range(count)
    ]


def per_event_us(step: Callable[[Any], object], items: Sequence[Any]) -> float:
    started = time.perf_counter()
    for item in items:
        step(item)
    return (time.perf_counter() - started) / len(items) * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.decode", description=__doc__)
    parser.add_argument("--events", type=int, default=2000, help="values per repetition")
    parser.add_argument("--repeats", type=int, default=30, help="repetitions of each path")
    args = parser.parse_args(argv)
    values = record_values(args.events)
    typed_envelopes = registry._typed_envelopes()
    assert typed_envelopes is not None
    typed = [typed_envelopes.validate_json(v) for v in values]
    paths: dict[str, tuple[Callable[[Any], object], Sequence[Any]]] = {
        "decode (one pass)": (registry.decode, values),
        "  of which: typed envelope, validate_json": (typed_envelopes.validate_json, values),
        "  of which: the event of its typed envelope": (lambda t: Event(t, t.payload), typed),
        "decode_in_two_steps (refusals' path)": (registry.decode_in_two_steps, values),
    }
    timings: dict[str, list[float]] = {name: [] for name in paths}
    gc.collect()
    gc.freeze()
    for repeat in range(args.repeats):
        order = list(paths) if repeat % 2 == 0 else list(reversed(paths))
        for name in order:
            timings[name].append(per_event_us(*paths[name]))
    print(f"{args.events:,} values x {args.repeats} repetitions, gc frozen; µs per event")
    print(f"{'path':45s} {'median':>8s} {'fastest':>8s}")
    for name, figures in timings.items():
        print(f"{name:45s} {statistics.median(figures):8.2f} {min(figures):8.2f}")


if __name__ == "__main__":
    main()
