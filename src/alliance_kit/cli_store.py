"""Database commands of the CLI: db upgrade/check, backup, rescore, audit verify."""

from __future__ import annotations

from pathlib import Path

import click

from alliance_kit.access import Actor
from alliance_kit.services import Services
from alliance_kit.store import StoreError, audit, maintenance, migrate, open_store
from alliance_kit.store.engine import Store

DATABASE_HELP = "Database URL (default: ALLIANCE_KIT_DATABASE_URL, then sqlite:///alliance_kit.db)."


def database_option(function):
    return click.option("--database", "database_url", metavar="URL", help=DATABASE_HELP)(
        function)


def open_or_fail(database_url: str | None, *, create: bool = False) -> Store:
    """Open the database or stop with the reason (never makes an empty one by accident)."""
    try:
        return open_store(database_url, create=create)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def services(ctx: click.Context, database_url: str | None) -> Services:
    from alliance_kit.cli import kit_of

    return Services(open_or_fail(database_url), kit_of(ctx))


@click.group()
def db() -> None:
    """Create, upgrade and check the database."""


@db.command()
@database_option
def upgrade(database_url: str | None) -> None:
    """Create the database, or bring its schema up to date (take a backup first)."""
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
    report = maintenance.check(open_or_fail(database_url))
    for line in report.checked:
        click.echo(f"checked: {line}")
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    if not report.ok:
        raise click.exceptions.Exit(1)
    click.echo("database OK")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@database_option
def backup(path: Path, database_url: str | None) -> None:
    """Copy the SQLite database to PATH while the app keeps running (online backup).

    The copy is checked before it takes its name; an existing PATH is never overwritten.
    """
    try:
        written = maintenance.backup(open_or_fail(database_url), path)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {written}")


@click.command()
@click.option("--instrument", "instrument_id", metavar="ID", help="Only this instrument.")
@database_option
@click.pass_context
def rescore(ctx: click.Context, instrument_id: str | None, database_url: str | None) -> None:
    """Recompute stored scores with the current engine and definitions.

    Prints one line per changed score (old and new value and engine version); the old
    scores are kept, marked as no longer current.
    """
    changes = services(ctx, database_url).rescore(Actor.system("cli:rescore"), instrument_id)
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
def verify(database_url: str | None) -> None:
    """Walk the hash chain: report every modified, missing or misplaced entry (exit 1)."""
    store = open_or_fail(database_url)
    with store.read() as session:
        count, problems = audit.verify_store(session)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {count} entries", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"audit log intact: {count} entries")


COMMANDS = [db, backup, rescore, audit_group]
