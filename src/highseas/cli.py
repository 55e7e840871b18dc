"""The ``highseas`` command: each command parses, calls one service in one transaction, prints."""

from __future__ import annotations

import gc
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas import errors
from highseas.auth.permissions import SYSTEM
from highseas.db import database_url, make_engine, session_scope
from highseas.intake.distribution import Strategy, distribute
from highseas.intake.export import ExportFormat, export_owned, export_pool
from highseas.intake.importer import import_file
from highseas.intake.mapping import parse_mapping
from highseas.intake.report import write_report
from highseas.languages import Lang
from highseas.org.models import Role, User
from highseas.org.service import create_user
from highseas.ownership.sweep import SweepReport, run_sweep
from highseas.pools.models import Pool, RecycleRule
from highseas.schema import migrate

app = typer.Typer(help="HighSeas — public-pool management (公海管理) for sales teams.", no_args_is_help=True)
console = Console()


def _fail(error: errors.DomainError) -> typer.Exit:
    console.print(f"[red]{error.code}[/red]: {error.message}")
    return typer.Exit(code=1)


@app.command()
def init() -> None:
    """Create the database named by HIGHSEAS_DATABASE_URL, or migrate it to the newest schema."""
    migrate(make_engine())
    console.print(f"database ready: {database_url()}")


@app.command()
def createadmin(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str, typer.Option(help="Display name")] = "",
) -> None:
    """Create an admin account (argon2id-hashed password)."""
    engine = make_engine()
    migrate(engine)
    try:
        with session_scope(engine) as session:
            user = create_user(session, SYSTEM, username, password, Role.ADMIN, name=name)
    except errors.DomainError as error:
        raise _fail(error) from None
    console.print(f"admin {user.username!r} created (id {user.id})")


def _print_report(report: SweepReport) -> None:
    verb = "would recycle" if report.dry_run else "recycled"
    console.print(f"{report.at.isoformat()}: {verb} {report.recycled} customers, reminded {report.reminded}")
    if not report.recycled:
        return
    engine = make_engine()
    with session_scope(engine) as session:
        rules = {r.id: r for r in session.scalars(select(RecycleRule))}
        pools = {p.id: p.name for p in session.scalars(select(Pool))}
        names = {u.id: u.name or u.username for u in session.scalars(select(User))}
    by_rule = Table("rule", "pool", "kind", "days", "grades", "customers", title="per rule")
    for rule_id, n in sorted(report.by_rule.items()):
        rule = rules[rule_id]
        pool = pools.get(rule.pool_id, str(rule.pool_id))
        by_rule.add_row(str(rule.id), pool, rule.kind.value, str(rule.days), rule.grades or "all", str(n))
    console.print(by_rule)
    by_owner = Table("owner", "customers", title="per owner")
    for owner_id, n in sorted(report.by_owner.items(), key=lambda item: -item[1]):
        by_owner.add_row(names.get(owner_id, str(owner_id)), str(n))
    console.print(by_owner)


@app.command("sweep")
def sweep_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; change nothing")
    ] = False,
) -> None:
    """Recycle every customer whose due date has passed and send due reminders."""
    engine = make_engine()
    with session_scope(engine) as session:
        report = run_sweep(session, None, dry_run=dry_run)
    _print_report(report)


@app.command()
def demo(
    reps: Annotated[int, typer.Option(help="Sales reps")] = 20,
    customers: Annotated[int, typer.Option(help="Customers")] = 3000,
    days: Annotated[int, typer.Option(help="Days of history to simulate")] = 120,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
    only_if_empty: Annotated[
        bool, typer.Option("--only-if-empty", help="Do nothing (and succeed) if the database has users")
    ] = False,
) -> None:
    """Fill an empty database with a realistic demo company and months of history."""
    from highseas.demo import load_demo

    engine = make_engine()
    migrate(engine)
    if only_if_empty:
        with session_scope(engine) as session:
            if session.scalar(select(User.id).limit(1)) is not None:
                console.print("the database already has users; demo data not loaded again")
                return
    try:
        summary = load_demo(engine, reps=reps, customers=customers, days=days, seed=seed, console=console)
    except errors.DomainError as error:
        raise _fail(error) from None
    console.print(summary)


GC_YOUNG_THRESHOLD = 20_000


def proxy_options(forwarded_allow_ips: str) -> dict[str, Any]:
    """uvicorn's options for proxy headers: believed only from the proxies the operator names.

    uvicorn believes X-Forwarded-For and X-Forwarded-Proto from 127.0.0.1 unless told otherwise, so
    anyone on the server's own machine could pick the address the login limits and the audit trail
    see. With no proxy named, the peer address is the client's.
    """
    trusted = forwarded_allow_ips.strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    sweep_minutes: Annotated[
        float, typer.Option(help="Run the recycle sweep every this many minutes (0: never)")
    ] = 60,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            envvar="HIGHSEAS_FORWARDED_ALLOW_IPS",
            help="Believe X-Forwarded-For/-Proto only from these proxies: comma-separated addresses"
            " or networks, * for any (default: none)",
        ),
    ] = "",
) -> None:
    """Serve the web pages and the HTTP API (and the scheduled sweep)."""
    import uvicorn

    from highseas.app import create_app

    engine = make_engine()
    migrate(engine)
    interval = timedelta(minutes=sweep_minutes) if sweep_minutes > 0 else None
    console.print(
        f"HighSeas is running: open http://{host}:{port}/  (API at http://{host}:{port}/api/v1,"
        f" docs at http://{host}:{port}/docs)",
        soft_wrap=True,
    )
    application = create_app(engine, interval)
    # A request allocates thousands of short-lived objects: collecting after every 700 (Python's
    # default) runs the collector several times per request, a sixth of a claim's CPU. What is
    # loaded by now lives as long as the process; frozen, full collections no longer walk it.
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
    gc.freeze()
    uvicorn.run(application, host=host, port=port, log_level="warning", **proxy_options(forwarded_allow_ips))


UserOption = Annotated[
    str | None, typer.Option("--user", help="Whose action this is (default: the first admin)")
]


def _active_user(session: Session, username: str | None) -> User:
    """The user a command acts as: audit trail, events and permissions all name them."""
    query = select(User).where(User.active.is_(True)).order_by(User.id)
    query = query.where(User.username == username) if username else query.where(User.role == Role.ADMIN)
    user = session.scalars(query.limit(1)).first()
    if user is None:
        raise errors.NotFound(f"no active user {username!r}" if username else "no admin yet; run createadmin")
    return user


def _pool_named(session: Session, name: str) -> Pool:
    pool = session.scalars(select(Pool).where(Pool.name == name)).first()
    if pool is None:
        raise errors.NotFound(f"no pool named {name!r}")
    return pool


@app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A CSV, XLSX, XLS or ODS file of leads")
    ],
    pool: Annotated[str, typer.Option(help="The pool's name")],
    mapping: Annotated[
        list[str] | None, typer.Option(help="HEADER=FIELD, repeatable (a field, or 'ignore')")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the report of rows not imported")
    ] = None,
    user: UserOption = None,
) -> None:
    """Import leads into a pool: unknown customers land unowned in it; duplicates and bad rows go to
    the report. Importing the same file into the same pool again imports nothing."""
    engine = make_engine()
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    try:
        with session_scope(engine) as session, Progress(*columns, console=console) as progress:
            task = progress.add_task(f"reading {file.name}", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)
                if done >= total:
                    progress.update(task, description="deduplicating and saving")

            actor = _active_user(session, user)
            result = import_file(
                session,
                actor,
                _pool_named(session, pool).id,
                file,
                mapping=parse_mapping(mapping or []),
                progress=advance,
            )
            batch = result.batch
            report_path = report or Path(f"{file.stem}.report.csv")
            if batch.invalid or batch.warnings or batch.duplicates or batch.possible_duplicates:
                with report_path.open("wb") as out:
                    write_report(session, actor, batch, out)
    except errors.DomainError as error:
        raise _fail(error) from None
    if result.already_imported:
        console.print(f"{file.name} was imported into {pool!r} before (import {batch.id}): nothing imported")
        return
    if result.remembered:
        console.print("columns read as confirmed for an earlier file with the same header row")
    console.print(
        f"import {batch.id}: {batch.rows} rows, [green]{batch.imported} imported[/green] "
        f"({batch.warnings} with warnings), {batch.duplicates} duplicates, {batch.invalid} refused, "
        f"{batch.possible_duplicates} possible duplicates"
    )
    if batch.invalid or batch.warnings or batch.duplicates or batch.possible_duplicates:
        console.print(f"report: {report_path}")


@app.command("distribute")
def distribute_command(
    pool: Annotated[str, typer.Option(help="The pool's name")],
    to: Annotated[list[str], typer.Option(help="A username to hand customers to; repeatable")],
    count: Annotated[int, typer.Option(help="How many customers to hand out")],
    strategy: Annotated[Strategy, typer.Option(help="Who gets the next customer")] = Strategy.ROUND_ROBIN,
    grade: Annotated[str | None, typer.Option(help="Only customers of this grade")] = None,
    region: Annotated[str | None, typer.Option(help="Only customers of this region")] = None,
    source: Annotated[str | None, typer.Option(help="Only customers of this source")] = None,
    user: UserOption = None,
) -> None:
    """Hand N unowned customers of a pool to users (任务分配), never past anyone's capacity."""
    engine = make_engine()
    try:
        with session_scope(engine) as session:
            actor = _active_user(session, user)
            targets = [_active_user(session, username) for username in to]
            result = distribute(
                session,
                actor,
                _pool_named(session, pool).id,
                [t.id for t in targets],
                count,
                strategy,
                grade=grade,
                region=region,
                source=source,
            )
    except errors.DomainError as error:
        raise _fail(error) from None
    table = Table("user", "customers", title=f"{result.distributed} of {result.requested} handed out")
    for target in targets:
        table.add_row(target.username, str(len(result.by_user.get(target.id, []))))
    console.print(table)
    if result.matching < result.requested:
        console.print(f"only {result.matching} unowned customers of {pool!r} matched")
    names = {t.id: t.username for t in targets}
    for skipped in result.skipped:
        withheld = f" from {len(skipped.customer_ids)} customers" if skipped.customer_ids else ""
        console.print(f"skipped {names[skipped.user_id]}{withheld}: {skipped.reason.value}")


@app.command("export")
def export_command(
    output: Annotated[Path, typer.Argument(dir_okay=False, help="The file to write")],
    pool: Annotated[str | None, typer.Option(help="Export this pool's unowned customers")] = None,
    owner: Annotated[str | None, typer.Option(help="Export the customers this username owns")] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or xlsx")] = ExportFormat.CSV,
    lang: Annotated[Lang, typer.Option(help="zh or en: the headers' and the values' language")] = Lang.ZH,
    user: UserOption = None,
) -> None:
    """Export a pool's or a user's customers as the acting user may see them; audited."""
    if (pool is None) == (owner is None):
        console.print("[red]validation_error[/red]: give exactly one of --pool and --owner")
        raise typer.Exit(code=2)
    engine = make_engine()
    try:
        with session_scope(engine) as session, output.open("wb") as out:
            actor = _active_user(session, user)
            if pool is not None:
                rows = export_pool(session, actor, _pool_named(session, pool).id, out, fmt, lang)
            else:
                rows = export_owned(session, actor, _active_user(session, owner).id, out, fmt, lang)
    except errors.DomainError as error:
        output.unlink(missing_ok=True)
        raise _fail(error) from None
    console.print(f"{rows} customers written to {output}")
