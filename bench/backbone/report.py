"""The printed table: events/s per path and the ratios against the targets."""

from __future__ import annotations

import cProfile
import io
import pstats

from bench.backbone.measure import (
    CORES,
    Timed,
    fmt_rate,
    ratio,
    say,
)
from bench.backbone.model import Config, Results
from bench.infrastructure import Infra

RAW_SHARE = 0.25
"""The platform's share of raw `getmany` aimed at (issue 14: at least 25%, and at least
twice the FastStream peer doing the same work)."""


def report(cfg: Config, res: Results, infra: Infra) -> None:
    relay_where = "own process" if cfg.relay == "process" else "same event loop"
    rows: list[tuple[str, Timed, str]] = [
        ("raw: aiokafka produce (setup only)", res.raw_produce, "linger_ms=5, 256 KB batches"),
        ("1. raw: getmany in a group, no work", res.raw, "from partition assignment"),
        ("2. pipeline: outbox write (UnitOfWork)", res.outbox_write, f"{cfg.per_tx:,} per tx"),
        ("2. pipeline: end to end, from relay start", res.e2e_total, f"relay in {relay_where}"),
        ("2. pipeline: END TO END (steady)", res.e2e_steady, "relay's 1st batch -> last applied"),
        ("2. pipeline: relay, during end to end", res.e2e_relay, "1st batch -> all acked+marked"),
        ("2. pipeline: relay only", res.relay_only, "alone, 1st batch -> all marked"),
        ("2. pipeline: CONSUMER ONLY (inbox)", res.consumer_only, "new group, published topic"),
        ("3. peer: FastStream batch, same work", res.faststream, "new group, from 1st batch"),
        ("4. naive: per-message SQLModel tx", res.naive, "sample; from its 1st record"),
    ]
    width = 100
    say("")
    say("=" * width)
    say(
        f"Backbone throughput: {cfg.events:,} events, {cfg.partitions} partitions, "
        f"~{res.record_bytes:.0f}-byte envelopes, {cfg.keys:,} keys, {CORES} cores"
    )
    say(
        f"  loop: {cfg.loop}; tracing: {cfg.tracing}; relay: {relay_where}; "
        f"gc.freeze: {'yes' if cfg.gc_freeze else 'no'}; " + "; ".join(infra.described)
    )
    say("-" * width)
    say(
        f"{'path':<44}{'events':>8}{'seconds':>9}{'events/s':>10}{'py CPU':>8}"
        f"{'host CPU':>10}  note"
    )
    for label, t, note in rows:
        secs = "" if t.seconds is None else f"{t.seconds:.2f}"
        say(
            f"{label:<44}{t.count:>8,}{secs:>9}{fmt_rate(t.per_s):>10}{t.cpu_pct:>8}"
            f"{t.host_pct:>10}  {note}"
        )
        for extra in t.notes:
            say(f"{'':<46}- {extra}")
    say("-" * width)
    startup = []
    if res.raw_join_s is not None:
        startup.append(f"group join {res.raw_join_s:.2f}s (raw)")
    if res.consumer_join_s is not None:
        startup.append(f"{res.consumer_join_s:.2f}s (inbox)")
    if res.relay_startup_s is not None:
        startup.append(f"relay start-up (lock, epoch check) {res.relay_startup_s:.2f}s")
    say("start-up costs left out of the steady figures: " + ", ".join(startup))
    raw, naive, peer = res.raw.per_s, res.naive.per_s, res.faststream.per_s
    checks = [
        ("consumer only / raw", ratio(res.consumer_only.per_s, raw), RAW_SHARE),
        ("end to end (steady) / raw", ratio(res.e2e_steady.per_s, raw), RAW_SHARE),
        ("consumer only / naive", ratio(res.consumer_only.per_s, naive), 10.0),
        ("end to end (steady) / naive", ratio(res.e2e_steady.per_s, naive), 10.0),
        ("consumer only / FastStream same work", ratio(res.consumer_only.per_s, peer), 2.0),
        ("end to end (steady) / FastStream same work", ratio(res.e2e_steady.per_s, peer), 2.0),
    ]
    say("-" * width)
    for label, value, target in checks:
        if value is None:
            shown, verdict = "n/a", "n/a"
        else:
            shown = f"{100 * value:.1f}%" if target < 1 else f"{value:.1f}x"
            verdict = "PASS" if value >= target else "MISS"
        goal = f"{100 * target:.0f}%" if target < 1 else f"{target:.0f}x"
        say(f"platform {label:<44}{shown:>9}   target >= {goal:<5} {verdict}")
    for failure in res.failures:
        say(f"!! {failure}")
    say("=" * width)
    say("Figures are noisy (2 cores shared by Python, PostgreSQL and the broker): re-run")
    say("before drawing conclusions. A missed target is reported, never an error (exit 0).")


def print_profiles(profiles: dict[str, cProfile.Profile]) -> None:
    for name, prof in profiles.items():
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        say(f"\n---- profile: {name} (top 25 by own time; coroutine resumes count as calls)")
        say(out.getvalue())
