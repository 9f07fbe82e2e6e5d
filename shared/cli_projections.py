"""`commissioning projections`: how far behind each projection is, and rebuilding one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from shared import event_loop
from shared.settings import PlatformSettings

if TYPE_CHECKING:
    from shared.projections import Projection
    from shared.rebuild import RebuildResult

projections_app = typer.Typer(
    help="Projections: each a consumer group with its own tables, rebuilt from the event "
    "history when needed.",
    no_args_is_help=True,
)


def _declared() -> list[Projection]:
    from shared.projections import projections_of
    from shared.services import definitions

    return projections_of(definitions())


@projections_app.command("list")
def projections_list() -> None:
    """Every projection: its name (for `rebuild`), consumer group, topics and tables."""
    from shared.trust import load_trust_config

    settings = PlatformSettings()
    trust = load_trust_config(settings.trust_config)
    declared = _declared()
    if not declared:
        typer.echo("no projections are declared")
    for p in declared:
        typer.echo(f"{p.name}")
        typer.echo(f"  group:  {p.group(settings.kafka)}")
        typer.echo(f"  topics: {', '.join(p.topics(settings.kafka, trust))}")
        typer.echo(f"  tables: {', '.join(p.spec.tables)} (schema {p.schema(settings)})")


STATUS_HELP = (
    "Each projection's lag and the last event it applied.\n\n"
    "Lag: events in the projection's topics beyond its consumer group's committed offsets. "
    "Last event: the type of the last event its inbox took in, and when. Needs the broker "
    "(KAFKA_BOOTSTRAP_SERVERS) and the database (DATABASE_URL)."
)


@projections_app.command("status", help=STATUS_HELP)
def projections_status() -> None:
    from shared.projections import projection_status
    from shared.trust import load_trust_config

    settings = PlatformSettings()
    trust = load_trust_config(settings.trust_config)
    projections = _declared()
    if not projections:
        typer.echo("no projections are declared")
        return
    typer.echo(f"{'projection':28} {'lag':>9}  last event")
    for p in projections:
        try:
            s = asyncio.run(projection_status(p, settings, trust))
        except (OSError, ConnectionError) as exc:
            _unreachable(settings, exc)
        lag = f"{s.lag:,}" + ("" if s.committed else "*")
        last = (
            f"{s.last_event_type} at {s.last_event_at:%Y-%m-%d %H:%M:%S %Z}"
            if s.last_event_at
            else "none applied yet"
        )
        typer.echo(f"{s.name:28} {lag:>9}  {last}")
    typer.echo("* the group has committed nothing yet: its lag counts from the first event")


REBUILD_HELP = (
    "Rebuild a projection from the first event into fresh tables, then switch over.\n\n"
    "The live projection keeps serving and consuming meanwhile. The event history is read "
    "from offset 0 without joining any consumer group, into a shadow schema with its own "
    "inbox (the history may hold an event twice). Then, in one transaction, the events that "
    "arrived meanwhile are taken in and the new tables replace the old: nothing is lost or "
    "applied twice across the switch. A progress bar shows events/s.\n\n"
    "Run it against the platform's broker and database (KAFKA_BOOTSTRAP_SERVERS and "
    "DATABASE_URL, as `commissioning up` prints them), as the owner of the service's schema. "
    "If an event the live projection applied is no longer in the history, it stops and "
    "changes nothing (exit status 1)."
)


@projections_app.command("rebuild", help=REBUILD_HELP)
def projections_rebuild(
    name: Annotated[
        str, typer.Argument(help="The projection, `<service>.<consumer>` (see `list`).")
    ],
) -> None:
    from shared.projections import UnknownProjection, find_projection
    from shared.rebuild import RebuildRefused
    from shared.services import definitions

    try:
        find_projection(name, definitions())
    except UnknownProjection as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from None
    settings = PlatformSettings()
    try:
        result = event_loop.run(_rebuild_with_progress(name, settings))
    except RebuildRefused as exc:
        typer.echo(f"rebuild of {name} stopped: {exc}", err=True)
        raise typer.Exit(1) from None
    except (OSError, ConnectionError) as exc:
        _unreachable(settings, exc)
    typer.echo(
        f"rebuilt {result.projection}: {result.records:,} records read, {result.applied:,} "
        f"events applied, {result.skipped:,} skipped (dead-lettered), in "
        f"{result.seconds:.1f} s ({result.per_second:,.0f} events/s)"
    )


async def _rebuild_with_progress(name: str, settings: PlatformSettings) -> RebuildResult:
    from shared.rebuild import rebuild_projection

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        EventsRead(),
        EventsPerSecond(),
        TimeElapsedColumn(),
    ) as progress:
        task = progress.add_task(f"rebuilding {name}", total=None)
        return await rebuild_projection(
            name,
            settings,
            progress=lambda n: progress.advance(task, n),
            sized=lambda total: progress.update(task, total=total),
        )


def _unreachable(settings: PlatformSettings, exc: BaseException) -> None:
    typer.echo(
        f"cannot reach the broker ({settings.kafka.bootstrap_servers}) or the database: "
        f"{exc}; set KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL to what `commissioning up` "
        "printed",
        err=True,
    )
    raise typer.Exit(2)


class EventsRead(ProgressColumn):
    """Events read of those to read (known once the end offsets are)."""

    def render(self, task: Task) -> Text:
        total = "?" if task.total is None else f"{task.total:,.0f}"
        return Text(f"{task.completed:,.0f}/{total} events")


class EventsPerSecond(ProgressColumn):
    """The rate of the last seconds, in events."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:,.0f} events/s")
