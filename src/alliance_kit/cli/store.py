"""Database commands of the CLI: db upgrade/check, backup, rescore, audit verify."""

from __future__ import annotations

from pathlib import Path

import click

from alliance_kit.cli.context import (
    database_option,
    instrument_of,
    kit_of,
    open_or_fail,
    read_table_or_fail,
    services_of,
)

# The store, the clinic and SQLAlchemy are imported inside the commands: listing the
# commands (alliance-kit --help) stays quick.


@click.group()
def db() -> None:
    """Create, upgrade and check the database."""


@db.command()
@database_option
def upgrade(database_url: str | None) -> None:
    """Create the database, or bring its schema up to date (take a backup first)."""
    from alliance_kit.store import migrate

    store = open_or_fail(database_url, create=True)
    before, after = migrate.upgrade(store)
    if before == after:
        click.echo(f"schema already at {after}")
    else:
        click.echo(f"schema upgraded from {before or 'empty'} to {after}")


@db.command("check")
@database_option
def check_command(database_url: str | None) -> None:
    """Check integrity: schema revision, SQLite integrity and keys, the audit chain.

    Exits 1 when anything is wrong, with one line per problem.
    """
    from alliance_kit.store import maintenance

    report = maintenance.check(open_or_fail(database_url))
    for line in report.checked:
        click.echo(f"checked: {line}")
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if not report.ok:
        raise click.exceptions.Exit(1)
    click.echo("database OK")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@database_option
def backup(path: Path, database_url: str | None) -> None:
    """Copy the SQLite database to PATH while the app keeps running (online backup).

    The copy is checked before it takes its name; an existing PATH is never overwritten.
    PATH.manifest.json records the copy's SHA-256 and audit chain head: keep it with the
    backup (and off the machine) for `alliance-kit audit verify --head`.
    """
    from alliance_kit.store import StoreError, maintenance

    try:
        written = maintenance.backup(open_or_fail(database_url), path)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {written}")
    click.echo(f"manifest written to {maintenance.manifest_of(written)}")


@click.command()
@click.option("--instrument", "instrument_id", metavar="ID", help="Only this instrument.")
@database_option
@click.pass_context
def rescore(ctx: click.Context, instrument_id: str | None, database_url: str | None) -> None:
    """Recompute stored scores with the current engine and definitions.

    Prints one line per changed score (old and new value and engine version); the old
    scores are kept, marked as no longer current.
    """
    from alliance_kit.clinic.access import Actor

    try:
        changes = services_of(ctx, database_url).rescore(Actor.system("cli:rescore"), instrument_id)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="--instrument") from None
    for row in changes.itertuples():
        click.echo(f"response {row.response_id} {row.instrument_id} {row.score_id}: "
                   f"{_value(row.old_value)} -> {_value(row.new_value)} "
                   f"(engine {row.old_engine} -> {row.new_engine})")
    click.echo(f"{len(changes)} score(s) changed", err=True)


def _value(value) -> str:
    return "blank" if value is None or value != value else f"{value:g}"


@click.group("audit")
def audit_group() -> None:
    """The append-only audit log."""


@audit_group.command()
@database_option
@click.option("--head", "head_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Compare with this chain head (a copy of the head file, or a backup's "
                   "manifest) instead of the head file the database is configured with.")
def verify(database_url: str | None, head_file: Path | None) -> None:
    """Walk the hash chain with the audit key: report every modified, missing, misplaced
    or unsigned entry, and a cut tail (the log ends before the chain head recorded outside
    the database); exit 1 if there is any.
    """
    from alliance_kit.store import audit
    from alliance_kit.store.errors import StoreError

    store = open_or_fail(database_url)
    try:
        with store.read() as session:
            report = audit.verify_chain(session, head_file=head_file)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in report.problems:
        click.echo(str(problem))
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s) in {report.count} entries", err=True)
        raise click.exceptions.Exit(1)
    head = (f", ends at the recorded chain head {report.head.seq} or later"
            if report.head is not None else "")
    click.echo(f"audit log intact: {report.count} entries{head}")


@audit_group.command("new-key")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def new_key(path: Path) -> None:
    """Write a new random audit key to PATH (readable by its owner only; never overwrites).

    Point ALLIANCE_KIT_AUDIT_KEY_FILE at it on every app server of the database, and keep a
    copy somewhere safe: without it, entries signed with it cannot be verified.
    """
    from alliance_kit.store.keys import new_key_file

    try:
        new_key_file(path)
    except FileExistsError:
        raise click.ClickException(f"{path} already exists: nothing was overwritten") from None
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot write the key: {exc.strerror}") from None
    click.echo(f"audit key written to {path}")


@click.command()
@database_option
@click.option("--seed", type=int, default=2026, show_default=True,
              help="Same seed, same clinic (apart from timestamps and dates).")
@click.option("--if-missing", is_flag=True,
              help="Do nothing (and say so) when the database already has data.")
@click.pass_context
def demo(ctx: click.Context, database_url: str | None, seed: int, if_missing: bool) -> None:
    """Build a demo clinic: 5 staff, 40 clients with weeks of ORS, SRS and PHQ-9 answers
    and their attendance.

    Creates the database if there is none. A database that already has data is never
    touched: without --if-missing that is an error (exit 1). Prints which client codes
    carry the storylines (rupture, improvement, deterioration, safety alert; a no-show
    after a rupture, a no-show streak, not seen for weeks, dropped out, completed).
    """
    from alliance_kit.clinic.demo import build_demo, has_data
    from alliance_kit.store import migrate

    store = open_or_fail(database_url, create=True)
    try:
        if has_data(store):
            if if_missing:
                click.echo("the database already has data: demo not built, nothing changed")
                return
            raise click.ClickException(
                "the database already has data: the demo is only built into an empty "
                "database (give another --database, or --if-missing to skip)")
        migrate.upgrade(store)
        summary = build_demo(store, kit_of(ctx), seed=seed)
    finally:
        store.close()
    for line in summary.lines():
        click.echo(line)


@click.command("import")
@click.argument("instrument_id", metavar="ID")
@click.argument("path", metavar="FILE",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--client-column", required=True, metavar="C", help="Column of client codes.")
@click.option("--session-column", required=True, metavar="S",
              help="Column of session numbers (1, 2, ...).")
@click.option("--date-column", metavar="D",
              help="Column of session dates (YYYY-MM-DD), used for sessions not yet stored.")
@click.option("--session-date", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Date for new sessions when there is no date column (or it is blank).")
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
@database_option
@click.pass_context
def import_command(ctx: click.Context, instrument_id: str, path: Path, client_column: str,
                   session_column: str, date_column: str | None, session_date,
                   dry_run: bool, database_url: str | None) -> None:
    """Import historical or paper responses to instrument ID from FILE (CSV or XLSX).

    FILE is wide: one row per response, one column per item id, blank = missing. Rows
    are checked as kiosk answers are, except that required items may be blank (paper forms
    have gaps: the scores' missing-data rules decide, and a blank safety item such as
    PHQ-9 item 9 raises its own alert); clients are found by code and never created; a
    missing session is added with its date. If any row is rejected, nothing is imported
    and every problem is listed with its row (the header is row 1) and column (exit 1).
    Importing the same file again stores nothing twice.
    """
    from alliance_kit.clinic.access import Actor
    from alliance_kit.clinic.importer import import_table

    instrument_of(ctx, instrument_id)
    frame = read_table_or_fail(path)
    service = services_of(ctx, database_url)
    try:
        report = import_table(
            service, Actor.system("cli:import"), instrument_id, frame,
            client_column=client_column, session_column=session_column,
            date_column=date_column, session_date=session_date.date() if session_date else None,
            source_name=path.name, dry_run=dry_run)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        service.store.close()
    for warning in report.warnings:
        click.echo(f"{path}: warning: {warning}", err=True)
    for problem in report.rejected:
        click.echo(f"{path}: {problem}", err=True)
    if report.unknown_clients:
        click.echo(f"{path}: unknown client code(s): {', '.join(report.unknown_clients)}",
                   err=True)
    if not report.ok:
        raise click.ClickException(report.summary())
    for alert in report.alerts:
        click.echo(f"alert: {alert}")
    click.echo(report.summary())

