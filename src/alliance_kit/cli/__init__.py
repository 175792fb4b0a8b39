"""The ``alliance-kit`` command line. Its output formats are a contract: scripts rely on them.

The root group holds no commands of its own: every command, built-in ones included, comes
from a plugin's ``register_commands`` hook (the built-ins from
:mod:`alliance_kit.default_commands`), collected per kit, so a test's kit and the real one
never share a mutated group.
"""

from __future__ import annotations

import click

from alliance_kit.cli.context import kit_of
from alliance_kit.store.errors import StoreError
from alliance_kit.version import __version__


class PluginCommands(click.Group):
    """A group whose commands are the ones this run's plugins register.

    A database that cannot be used (:class:`~alliance_kit.store.errors.StoreError`: a bad
    URL, a damaged file, no audit key) ends any command with its message, never a traceback.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *kit_of(ctx).commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self.commands.get(name) or kit_of(ctx).commands().get(name)


@click.group(cls=PluginCommands)
@click.version_option(__version__, prog_name="alliance-kit")
def cli() -> None:
    """alliance_kit: define, validate and score therapy questionnaires.

    Instruments come from the bundled instruments/ folder, installed plugin packages and
    the local plugins/ folder (ALLIANCE_KIT_PLUGINS_DIR). Set ALLIANCE_KIT_DISABLE_PLUGINS
    to a comma-separated list of plugin names to leave out.
    """


def main() -> None:
    """Entry point: build the kit (its plugins bring the commands), run."""
    from alliance_kit.kit import build_kit

    cli(obj=build_kit())


if __name__ == "__main__":
    main()
