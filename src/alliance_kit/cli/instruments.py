"""Commands about the loaded definitions: ``instruments list|show``, ``validate``, ``plugins``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from alliance_kit.cli.context import instrument_of, kit_of
from alliance_kit.kit import try_load_definition


@click.group()
def instruments() -> None:
    """List and show the loaded instruments."""


@instruments.command("list")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one tab-separated line per instrument.",
)
@click.pass_context
def instruments_list(ctx: click.Context, fmt: str) -> None:
    """One line per instrument: id, version, title, wording status, languages.

    The languages column lists the languages the instrument can be given in (from its
    definition and installed wording packs), or "needs wording pack".
    """
    kit = kit_of(ctx)
    rows = [
        {"id": i.id, "version": i.version, "title": i.text(i.title), "wording": i.wording,
         "languages": ",".join(kit.wording_languages(i.id)) or "needs wording pack"}
        for i in sorted(kit.instruments.values(), key=lambda i: i.id)
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo("\t".join(row.values()))


@instruments.command("show")
@click.argument("instrument_id", metavar="ID")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True
)
@click.pass_context
def instruments_show(ctx: click.Context, instrument_id: str, fmt: str) -> None:
    """The normalized definition of instrument ID.

    Its items and scores are lists of objects with an id; each score lists the item
    and score ids it is built from, and its range.
    """
    instrument = instrument_of(ctx, instrument_id)
    data = instrument.normalized()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{instrument.id} {instrument.version}: {instrument.text(instrument.title)}")
    click.echo(f"wording: {instrument.wording}")
    for item in instrument.items:
        click.echo(
            f"  item {item.id}: {item.scale_type.describe(item.scale)}"
            f"{' (reversed)' if item.reverse else ''}"
        )
    for score in instrument.scores:
        inputs = ", ".join(score.items + score.scores)
        click.echo(
            f"  score {score.id}: {score.method} of {inputs}, "
            f"range {score.range[0]:g} to {score.range[1]:g}"
        )


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Check definition files (or folders of them): one line per problem.

    Exits 0 when every definition is valid, 1 otherwise. Scale types, score methods and
    alert types from installed plugins are known.
    """
    kit = kit_of(ctx)
    files = [f for p in paths for f in (sorted(p.glob("*.json")) if p.is_dir() else [p])]
    errors = 0
    for path in files:
        _, problems = try_load_definition(path, kit.types)
        for problem in problems:
            click.echo(str(problem))
            errors += problem.severity == "error"
    if errors:
        click.echo(f"{errors} problem(s) in {len(files)} file(s)", err=True)
        ctx.exit(1)
    click.echo(f"{len(files)} definition(s) valid", err=True)


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_context
def plugins(ctx: click.Context, show_all: bool, fmt: str) -> None:
    """Installed plugins: name, version, where from, and the hooks they implement."""
    kit = kit_of(ctx)
    shown = [p for p in kit.plugin_info if show_all or not p.builtin]
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "name": p.name,
                        "version": p.version,
                        "source": p.source,
                        "hooks": p.hooks,
                        "location": p.location,
                    }
                    for p in shown
                ],
                indent=2,
            )
        )
    else:
        if not shown:
            click.echo("no plugins installed (--all shows the built-in ones)")
        for p in shown:
            click.echo(f"{p.name}\t{p.version or '-'}\t{p.source}\t{', '.join(p.hooks)}")
    for problem in kit.plugins.problems:
        click.echo(str(problem), err=True)


