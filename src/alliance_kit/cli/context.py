"""What every command shares: the kit of this run, and opening the database.

Commands get the kit from the click context (``main`` builds it once; tests pass their
own with ``obj=kit``) and never build a second one.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from alliance_kit.engine.definitions import Instrument
from alliance_kit.kit import Kit, build_kit

#: Data rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2
DATABASE_HELP = "Database URL (default: ALLIANCE_KIT_DATABASE_URL, then sqlite:///alliance_kit.db)."


def kit_of(ctx: click.Context) -> Kit:
    """The kit for this run: the one ``main`` built (or a test passed), or a new one."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = build_kit()
    return root.obj


def instrument_of(ctx: click.Context, instrument_id: str) -> Instrument:
    """The instrument with this id, or a usage error that lists the known ids."""
    try:
        return kit_of(ctx).instrument(instrument_id)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="ID") from None


def read_table_or_fail(path: Path) -> pd.DataFrame:
    """A table of responses (CSV, XLSX, Parquet), or the reason it cannot be read."""
    from alliance_kit.engine.tabular import read_table

    try:
        return read_table(path)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def database_option(function):
    """The ``--database URL`` option of every command that opens the database."""
    return click.option("--database", "database_url", metavar="URL", help=DATABASE_HELP)(
        function)


def open_or_fail(database_url: str | None, *, create: bool = False):
    """Open the database or stop with the reason (never makes an empty one by accident)."""
    from alliance_kit.store import StoreError, open_store

    try:
        return open_store(database_url, create=create)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def services_of(ctx: click.Context, database_url: str | None):
    """The clinic's services on the database, with this run's kit."""
    from alliance_kit.clinic.services import Services

    return Services(open_or_fail(database_url), kit_of(ctx))
