"""What every command shares: the kit of this run, and opening the database.

Commands get the kit from the click context (tests pass their own with ``obj=kit``; a real
run builds it the first time a command asks) and never build a second one. This module
imports no pandas, engine or database code at the top: the command line starts quickly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import pandas as pd

    from alliance_kit.engine.definitions import Instrument
    from alliance_kit.kit import Kit
    from alliance_kit.plugins import Plugins

#: Data rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2
DATABASE_HELP = "Database URL (default: ALLIANCE_KIT_DATABASE_URL, then sqlite:///alliance_kit.db)."
#: Where the root context keeps the plugins loaded to list the commands.
_PLUGINS_KEY = "alliance_kit.command_plugins"


def kit_of(ctx: click.Context) -> Kit:
    """The kit for this run: the one a test passed, or one built now (once per run).

    A kit built here reuses the plugins already loaded to list the commands, so no plugin
    module is imported twice.
    """
    root = ctx.find_root()
    if root.obj is None:
        from alliance_kit.kit import build_kit
        from alliance_kit.plugins import with_all_builtins

        loaded = root.meta.get(_PLUGINS_KEY)
        root.obj = build_kit(plugins=with_all_builtins(loaded) if loaded else None)
    return root.obj


def commands_of(ctx: click.Context) -> dict[str, click.Command]:
    """The commands of this run by name: from the kit when there is one already, else from
    the plugins that can add commands (built-in ones and every installed or local plugin),
    loaded without building the kit."""
    root = ctx.find_root()
    if root.obj is not None:
        return root.obj.commands()
    if _PLUGINS_KEY not in root.meta:
        from alliance_kit.plugins import COMMAND_PLUGINS, load_plugins

        root.meta[_PLUGINS_KEY] = load_plugins(builtins=COMMAND_PLUGINS)
    plugins: Plugins = root.meta[_PLUGINS_KEY]
    group = click.Group()
    plugins.register_commands(group)
    return dict(group.commands)


def instrument_of(ctx: click.Context, instrument_id: str, *, files: bool = False) -> Instrument:
    """The installed instrument with this id or, with ``files``, a definition file's (a path
    ending in .json). A usage error lists the known ids, or every problem of the file."""
    from alliance_kit.cli.definitions import definition_or_fail

    return definition_or_fail(kit_of(ctx), instrument_id, files=files)


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
