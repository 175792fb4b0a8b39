"""Commands about the loaded definitions: ``instruments list|show``, ``validate``, ``plugins``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from alliance_kit.cli.context import instrument_of, kit_of


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
@click.option("--resolved", is_flag=True,
              help="The resolved view instead of the source: defaults filled in, scales "
                   "resolved, each score's inputs and range listed, and where it came from.")
@click.pass_context
def instruments_show(ctx: click.Context, instrument_id: str, fmt: str, resolved: bool) -> None:
    """The definition of instrument ID (or of a definition file), as its author wrote it.

    The JSON is a valid definition: `alliance-kit instruments show ID > my.json`, edit,
    then `alliance-kit validate my.json` (give it a new id before installing it beside the
    original). With --resolved, its items and scores are lists of objects with an id;
    each score lists the item and score ids it is built from, and its range.
    """
    instrument = instrument_of(ctx, instrument_id, files=True)
    if fmt == "json":
        data = instrument.normalized() if resolved else instrument.raw
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
@click.argument("paths", metavar="PATH_OR_ID...", nargs=-1, required=True)
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Check definition files (or folders of them, or installed ids): a line per problem.

    Each line is FILE: $.json.path: what is wrong and what to do; where many places
    break one rule (25 item ids in upper case) one line gives the count and the first
    few. A wording pack among the files (a plugins folder holds both) is checked as a
    pack. Exits 0 when every file is valid, 1 otherwise. Scale types, score methods and
    alert types from installed plugins are known.
    """
    from alliance_kit.engine.wording import collect_packs
    from alliance_kit.kit import try_load_definition
    from alliance_kit.plugins import json_kind
    from alliance_kit.problems import summarized

    kit = kit_of(ctx)
    sources: list[tuple[object, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            sources += [(f, str(f)) for f in sorted(path.glob("*.json"))]
        elif path.exists():
            sources.append((path, str(path)))
        elif given in kit.instruments:
            sources.append((dict(kit.instruments[given].raw), kit.instruments[given].source))
        else:
            raise click.BadParameter(f"{given}: no such file, folder or installed instrument",
                                     param_hint="PATH_OR_ID")
    errors = packs = 0
    for source, name in sources:
        if isinstance(source, Path) and json_kind(source) == "wording_packs":
            packs += 1
            _, problems = collect_packs([("command line", [source])], kit.instruments)
        else:
            _, problems = try_load_definition(source, kit.types, name)
        errors += sum(problem.severity == "error" for problem in problems)
        for problem in summarized(problems):
            click.echo(str(problem))
    if errors:
        click.echo(f"{errors} problem(s) in {len(sources)} file(s)", err=True)
        ctx.exit(1)
    also = f" and {packs} wording pack(s)" if packs else ""
    click.echo(f"{len(sources) - packs} definition(s){also} valid", err=True)


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


