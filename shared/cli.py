"""`commissioning`: the one command line for running and operating the platform."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shared.auth import Role
from shared.cli_projections import projections_app
from shared.services import declared
from shared.settings import KafkaSettings, PlatformSettings

if TYPE_CHECKING:
    from shared.runtime import ServiceDefinition

app = typer.Typer(
    help="Joint commissioning of children's services: run and operate the platform.",
    no_args_is_help=True,
    add_completion=False,
)
dlq_app = typer.Typer(help="Inspect and re-drive dead-lettered events.", no_args_is_help=True)
topics_app = typer.Typer(help="Kafka topics of the catalogue.", no_args_is_help=True)
schemas_app = typer.Typer(help="Event contracts as JSON Schema and AsyncAPI.", no_args_is_help=True)
db_app = typer.Typer(help="Each service's schema: migrations and models.", no_args_is_help=True)
trust_app = typer.Typer(
    help="Trust configuration (localities, agencies, outcomes, thresholds).", no_args_is_help=True
)
app.add_typer(dlq_app, name="dlq")
app.add_typer(topics_app, name="topics")
app.add_typer(schemas_app, name="schemas")
app.add_typer(trust_app, name="trust")
app.add_typer(db_app, name="db")
app.add_typer(projections_app, name="projections")

ServiceName = Annotated[str, typer.Argument(help=f"One of: {', '.join(declared())}.")]


def _definition(name: str) -> ServiceDefinition:
    from shared.services import UnknownService, definition

    try:
        return definition(name)
    except UnknownService as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def serve(
    service: ServiceName,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default: the service's own).")] = None,
) -> None:
    """Run one service as its own process: HTTP API, outbox relay and consumers."""
    import uvicorn

    from shared.runtime import create_app

    d = _definition(service)
    # loop "auto" (the default) is uvloop, a runtime dependency (shared/event_loop.py).
    uvicorn.run(create_app(d), host=host, port=port or d.port, log_config=None, access_log=False)


@app.command()
def migrate(
    services: Annotated[
        list[str] | None, typer.Argument(help="Services to migrate (default: all).")
    ] = None,
    grant_to: Annotated[
        str | None,
        typer.Option(
            help="Then grant this database role data rights on the service's schema only "
            "(the service's runtime role; one service at a time)."
        ),
    ] = None,
) -> None:
    """Apply each service's Alembic migrations to its own schema."""
    from shared.grants import check_role_name, grant_schema
    from shared.migrations import upgrade
    from shared.services import names

    chosen = services or list(names())
    if grant_to is not None:
        if len(chosen) != 1:
            raise typer.BadParameter("--grant-to needs exactly one service", param_hint="SERVICES")
        try:
            check_role_name(grant_to)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--grant-to") from None
    settings = PlatformSettings()
    for name in chosen:
        d = _definition(name)
        schema = settings.database.database_schema or d.name
        asyncio.run(upgrade(settings.database.database_url, schema, d.migrations))
        typer.echo(f"migrated {d.name} (schema {schema})")
        if grant_to is not None:
            asyncio.run(grant_schema(settings.database.database_url, schema, grant_to))
            typer.echo(f"granted role {grant_to} data rights on schema {schema} only")


@topics_app.command("create")
def topics_create(
    partitions: Annotated[int | None, typer.Option(help="Partitions per topic.")] = None,
) -> None:
    """Create every catalogue topic and its dead-letter topic, if missing (an inbound
    per-agency family: one topic per agency of the trust, COMMISSIONING_TRUST_CONFIG)."""
    from shared.kafka import ensure_topics

    created = asyncio.run(ensure_topics(KafkaSettings(), partitions=partitions))
    typer.echo("\n".join(f"created {t}" for t in created) or "all topics exist")


@topics_app.command("list")
def topics_list() -> None:
    """The topic catalogue: name, publisher, key and dead-letter topic."""
    from shared.kafka import trust_agencies
    from shared.topics import CATALOGUE

    agencies = trust_agencies()
    for t in CATALOGUE:
        for name in t.physical(agencies):
            writer = t.agency_of(name)
            by = f"agency {writer} only" if writer else t.published_by
            typer.echo(f"{name:32} {'inbound ' if t.inbound else ''}publisher: {by}")
            typer.echo(f"{'':32} key: {t.key}; dead letters: {name}.dlq")


def _dlq_topic(kafka: KafkaSettings, topic: str) -> str:
    from shared.topics import DLQ_SUFFIX

    name = topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX
    return name if name.startswith(kafka.topic_prefix) else kafka.topic(name)


async def _start_or_explain(client: Any, kafka: KafkaSettings) -> None:
    """Start a Kafka client, or stop with what to do (not a traceback) if the broker is
    not where the settings say."""
    from aiokafka.errors import KafkaConnectionError

    try:
        await client.start()
    except KafkaConnectionError:
        await client.stop()
        typer.echo(
            f"cannot reach the broker at {kafka.bootstrap_servers}: set "
            "KAFKA_BOOTSTRAP_SERVERS to the Kafka address `commissioning up` printed",
            err=True,
        )
        raise typer.Exit(2) from None


async def _read_dead_letters(kafka: KafkaSettings, topic: str, limit: int) -> list[object]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(**kafka.client_options(), group_id=None, enable_auto_commit=False)
    await _start_or_explain(consumer, kafka)
    records: list[object] = []
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        # An explicit seek: end_offsets() then seek_to_beginning() fetches nothing on
        # Apache Kafka with aiokafka 0.14 (see shared/outbox.read_broker_epoch).
        for tp, start in (await consumer.beginning_offsets(tps)).items():
            consumer.seek(tp, start)
        while len(records) < limit:
            positions = {tp: await consumer.position(tp) for tp in tps}
            if all(positions[tp] >= ends[tp] for tp in tps):
                break
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records[:limit]


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[
        str,
        typer.Argument(
            help="Topic (or its .dlq), e.g. needs.indicator-values.nhs-county-durham.v1."
        ),
    ],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
) -> None:
    """List dead letters of a topic: where they came from and why."""
    from shared.envelope import header_value

    kafka = KafkaSettings()
    name = _dlq_topic(kafka, topic)
    records = asyncio.run(_read_dead_letters(kafka, name, limit))
    if not records:
        typer.echo(f"no dead letters in {name}")
        return
    typer.echo(f"{'partition:offset':17} {'failed at':26} {'origin':40} reason")
    for r in records:
        h = r.headers  # type: ignore[attr-defined]
        origin = "{}[{}]@{}".format(
            *(header_value(h, f"dlq.origin.{k}") for k in ("topic", "partition", "offset"))
        )
        typer.echo(
            f"{r.partition}:{r.offset:<15} {header_value(h, 'dlq.failed_at') or '':26} "  # type: ignore[attr-defined]
            f"{origin:40} {header_value(h, 'dlq.reason')}"
        )


@dlq_app.command("show")
def dlq_show(
    topic: Annotated[str, typer.Argument(help="Topic (or its .dlq).")],
    partition: Annotated[int, typer.Argument(help="Partition of the dead letter.")],
    offset: Annotated[int, typer.Argument(help="Offset of the dead letter.")],
) -> None:
    """Show one dead letter: every header and the original value."""
    kafka = KafkaSettings()
    name = _dlq_topic(kafka, topic)
    for r in asyncio.run(_read_dead_letters(kafka, name, 1_000_000)):
        if r.partition == partition and r.offset == offset:  # type: ignore[attr-defined]
            for key, value in r.headers:  # type: ignore[attr-defined]
                typer.echo(f"{key}: {value.decode(errors='replace')}")
            raw = r.value or b""  # type: ignore[attr-defined]
            try:
                typer.echo(json.dumps(json.loads(raw), indent=2))
            except ValueError:
                typer.echo(raw.decode(errors="replace"))
            return
    typer.echo(f"no dead letter at {name}[{partition}]@{offset}", err=True)
    raise typer.Exit(1)


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Argument(help="Topic (or its .dlq).")],
    offsets: Annotated[
        list[str] | None, typer.Option("--offset", help="partition:offset to replay (repeatable).")
    ] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
) -> None:
    """Re-publish dead letters to the topic they came from (after a fix).

    Safe to repeat: consumers skip event ids they have already applied.
    """
    if not offsets and not replay_all:
        raise typer.BadParameter("name --offset PARTITION:OFFSET (repeatable) or --all")
    kafka = KafkaSettings()
    name = _dlq_topic(kafka, topic)
    wanted = {tuple(int(x) for x in o.split(":", 1)) for o in offsets or []}
    count = asyncio.run(_replay(kafka, name, wanted, replay_all))
    typer.echo(f"replayed {count} dead letter(s) from {name}")


async def _replay(
    kafka: KafkaSettings, name: str, wanted: set[tuple[int, ...]], replay_all: bool
) -> int:
    from shared.envelope import header_value
    from shared.kafka import producer

    records = await _read_dead_letters(kafka, name, 1_000_000)
    chosen = [r for r in records if replay_all or (r.partition, r.offset) in wanted]  # type: ignore[attr-defined]
    prod = producer(kafka, client_id="dlq-replay")
    await _start_or_explain(prod, kafka)
    try:
        for r in chosen:
            h = r.headers  # type: ignore[attr-defined]
            origin = header_value(h, "dlq.origin.topic")
            if not origin:
                continue
            headers = [(k, v) for k, v in h if not k.startswith("dlq.")]
            headers.append(("dlq.replayed_from", f"{name}[{r.partition}]@{r.offset}".encode()))  # type: ignore[attr-defined]
            await prod.send_and_wait(origin, value=r.value, key=r.key, headers=headers)  # type: ignore[attr-defined]
    finally:
        await prod.stop()
    return len(chosen)


@app.command()
def token(
    role: Annotated[
        list[str],
        typer.Option(
            "--role",
            help="Role (repeatable): " + ", ".join(r.value for r in Role) + ".",
        ),
    ],
    subject: Annotated[str, typer.Option(help="Who the token is for.")] = "developer",
    locality: Annotated[str | None, typer.Option(help="Locality (local_board_member).")] = None,
    provider: Annotated[str | None, typer.Option(help="Provider id (provider).")] = None,
    agency: Annotated[str | None, typer.Option(help="Agency id (agency_publisher).")] = None,
    hours: Annotated[float, typer.Option(help="Lifetime in hours.")] = 8.0,
) -> None:
    """Mint a development bearer token (shared-secret mode only)."""
    from shared.auth import mint_token
    from shared.trust import load_trust_config

    settings = PlatformSettings()
    trust = load_trust_config(settings.trust_config)
    if locality is not None and locality not in trust.locality_ids:
        raise typer.BadParameter(
            f"unknown locality {locality!r}; the trust has: {', '.join(sorted(trust.locality_ids))}"
        )
    agencies = {a.id for a in trust.agencies}
    if agency is not None and agency not in agencies:
        raise typer.BadParameter(
            f"unknown agency {agency!r}; the trust has: {', '.join(sorted(agencies))}"
        )
    try:
        typer.echo(
            mint_token(
                settings.auth(trust.id, localities=trust.locality_ids, agencies=agencies),
                subject,
                role,
                locality=locality,
                provider_id=provider,
                agency=agency,
                ttl=timedelta(hours=hours),
            )
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@schemas_app.command("export")
def schemas_export(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("docs/schemas"),
) -> None:
    """Write JSON Schema for every event and an AsyncAPI document for every topic."""
    from shared.contracts.export import export

    for path in export(out):
        typer.echo(f"wrote {path}")


@trust_app.command("validate")
def trust_validate(
    path: Annotated[
        Path | None, typer.Argument(help="A trust configuration YAML (default: packaged defaults).")
    ] = None,
) -> None:
    """Validate a trust configuration file and summarise it."""
    from pydantic import ValidationError

    from shared.trust import TrustConfigError, load_trust_config

    try:
        trust = load_trust_config(path)
    except (ValidationError, TrustConfigError) as exc:
        typer.echo(f"invalid trust configuration:\n{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{trust.name} ({trust.id}): {len(trust.localities)} localities, "
        f"{len(trust.agencies)} agencies, {len(trust.outcome_framework.outcomes)} outcomes"
    )
    for loc in trust.localities:
        typer.echo(f"  locality {loc.id}: {loc.name}")


@trust_app.command("show")
def trust_show(
    path: Annotated[
        Path | None, typer.Argument(help="A trust configuration YAML (default: packaged defaults).")
    ] = None,
) -> None:
    """What a publisher needs: agency ids, area and comparator codes, who publishes each
    indicator and its benchmarks, breakdowns, periods, defaults and thresholds in force
    (with the needs catalogue named by NEEDS_CATALOGUE, else the example one)."""
    from pydantic import ValidationError

    from services.needs.adapters.catalogue_file import load_catalogue
    from services.needs.application.publishing import publishing_facts
    from services.needs.settings import NeedsSettings
    from shared.trust import TrustConfigError, load_trust_config

    try:
        trust = load_trust_config(path)
        catalogue = load_catalogue(NeedsSettings().catalogue)
        lines = publishing_facts(trust, catalogue)
    except (ValidationError, TrustConfigError, ValueError) as exc:
        typer.echo(f"invalid configuration:\n{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo("\n".join(lines))


@app.command()
def up(
    data_dir: Annotated[
        Path | None, typer.Option(help="Where embedded PostgreSQL keeps its data.")
    ] = None,
    port_base: Annotated[
        int | None,
        typer.Option(
            help="Shift every service's port so the first is here (default: each service's "
            "own port, the one `serve` uses)."
        ),
    ] = None,
    ready_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each service to be ready.")
    ] = 90.0,
) -> None:
    """Start the whole platform: embedded PostgreSQL and broker unless DATABASE_URL /
    KAFKA_BOOTSTRAP_SERVERS are set, topics, migrations, and every service as its own
    process. The broker is Apache Kafka (durable) where Java 17+ and Maven are found, else
    Tansu, which keeps nothing on disk (COMMISSIONING_BROKER chooses). While it runs, a
    service, broker or PostgreSQL that dies is restarted and reported. Ctrl-C stops
    everything it started."""
    from shared.stack import Stack

    stack = Stack(
        data_dir=data_dir or PlatformSettings().data_dir,
        port_base=port_base,
        ready_timeout=ready_timeout,
    )
    raise typer.Exit(stack.run())


@db_app.command("revision")
def db_revision(
    service: Annotated[str, typer.Argument(help="A service, or `backbone` for every service.")],
    message: Annotated[str, typer.Option("-m", "--message", help="What the revision does.")],
) -> None:
    """Autogenerate the next frozen migration from the models (needs DATABASE_URL).

    Migrates a scratch schema to today's revisions, compares it with the tables the code
    declares, writes the difference as explicit DDL, and drops the scratch schema. Read the
    file before committing it."""
    from shared.migrations import BACKBONE_BRANCH, BACKBONE_VERSIONS, autogenerate

    url = PlatformSettings().database.database_url
    if service == BACKBONE_BRANCH:
        path = asyncio.run(autogenerate(url, service, BACKBONE_VERSIONS, None, message))
    else:
        d = _definition(service)
        path = asyncio.run(autogenerate(url, d.name, d.migrations, d.tables, message))
    if path is None:
        typer.echo(f"nothing to write: the models and migrations of {service} agree")
        return
    typer.echo(f"wrote {path}")


@db_app.command("check")
def db_check(
    services: Annotated[
        list[str] | None, typer.Argument(help="Services to check (default: all).")
    ] = None,
) -> None:
    """Fail if a service's migrations do not build exactly the tables its models declare
    (on a scratch schema of DATABASE_URL, dropped afterwards)."""
    from shared.migrations import scratch_differences
    from shared.services import names

    url = PlatformSettings().database.database_url
    failed = False
    for name in services or names():
        d = _definition(name)
        found = asyncio.run(scratch_differences(url, d.migrations, d.tables))
        typer.echo(f"{d.name}: " + ("models and migrations agree" if not found else "differ"))
        for difference in found:
            typer.echo(f"  {difference}")
        failed = failed or bool(found)
    raise typer.Exit(1 if failed else 0)


@app.command("new-service")
def new_service(
    name: Annotated[str, typer.Argument(help="The service's name: lower case, e.g. boards.")],
    title: Annotated[str | None, typer.Option(help="A human title.")] = None,
    root: Annotated[Path, typer.Option(help="The repository's root.")] = Path("."),
) -> None:
    """Scaffold a service that starts, migrates, is ready and passes its generated tests;
    declares it in pyproject.toml (reinstall: pip install --no-deps -e .)."""
    from shared.scaffold import ScaffoldError, scaffold

    try:
        written = scaffold(root.resolve(), name, title)
    except ScaffoldError as exc:
        raise typer.BadParameter(str(exc)) from None
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(
        "next: pip install --no-deps -e .   (registers the entry point), then add the "
        "service to the deployment (the `services:` map of deploy/helm/commissioning/values.yaml)"
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
