"""The ``alliance-kit`` command line. Its output formats are a contract: scripts rely on them.

The root group holds no commands of its own: every command, built-in ones included, comes
from a plugin's ``register_commands`` hook (the built-ins from
:mod:`alliance_kit.default_commands`), collected per run, so a test's kit and the real one
never share a mutated group.

Start-up is kept quick: ``--version`` loads no plugin, and listing the commands (``--help``)
loads only the plugins that can add commands (:func:`alliance_kit.cli.context.commands_of`).
The kit (every definition checked) is built when a command first asks for it, and the
command modules import pandas, SQLAlchemy and the store inside the commands that use them.
"""

from __future__ import annotations

import sys

import click

from alliance_kit.cli.context import commands_of
from alliance_kit.version import __version__


class PluginCommands(click.Group):
    """A group whose commands are the ones this run's plugins register.

    A database that cannot be used (:class:`~alliance_kit.store.errors.StoreError`: a bad
    URL, a damaged file, no audit key) ends any command with its message, never a traceback.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Only a command that opened the store can raise its error, and then the module
            # is loaded: looking it up here keeps SQLAlchemy out of every other command.
            errors = sys.modules.get("alliance_kit.store.errors")
            if errors is not None and isinstance(exc, errors.StoreError):
                raise click.ClickException(str(exc)) from None
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *commands_of(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.commands.get(name) or commands_of(ctx).get(name)


@click.group(cls=PluginCommands)
@click.version_option(__version__, prog_name="alliance-kit")
def cli() -> None:
    """alliance_kit: define, validate and score therapy questionnaires.

    Instruments come from the bundled instruments/ folder, installed plugin packages and
    the local plugins/ folder (ALLIANCE_KIT_PLUGINS_DIR), where a definition .json file
    (or a folder of them) is a plugin on its own. Set ALLIANCE_KIT_DISABLE_PLUGINS to a
    comma-separated list of plugin names to leave out.
    """


def main() -> None:
    """Entry point: the plugins (and the kit) load when a command first needs them."""
    cli()


if __name__ == "__main__":
    main()
