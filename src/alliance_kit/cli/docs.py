"""The CLI reference in Markdown, generated from the commands' own help so it cannot drift.

Regenerate with ``python -m alliance_kit.cli.docs > docs/cli.md``.
"""

from __future__ import annotations

import click

from alliance_kit.cli import cli


def _walk(ctx: click.Context, command: click.Command, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            yield from _walk(ctx, command.get_command(ctx, name), [*path, name])


def cli_markdown(root: click.Command = cli) -> str:
    """Every command's ``--help`` text under a heading of its own: the built-in plugins'
    commands (no entry points, no plugins folder)."""
    from alliance_kit.kit import build_kit

    builtin = build_kit(entry_points=False, local=False)
    parts = [
        "# CLI reference",
        "",
        "Generated from `alliance-kit --help` by `python -m alliance_kit.cli.docs > docs/cli.md`;",
        "a test fails when this file and the commands disagree. Commands added by installed",
        "plugins are not listed here: `alliance-kit --help` shows them.",
        "",
    ]
    walking = click.Context(root, obj=builtin)
    for path, command in _walk(walking, root, ["alliance-kit"]):
        name = " ".join(path)
        with click.Context(command, info_name=name, terminal_width=88, max_content_width=88,
                           obj=builtin) as ctx:
            text = command.get_help(ctx)
        parts += [f"## `{name}`", "", "```text", text, "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(cli_markdown(), end="")
