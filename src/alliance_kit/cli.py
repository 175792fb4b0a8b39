"""The ``alliance-kit`` command line. Its output formats are a contract: scripts rely on them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
import pandas as pd

from alliance_kit import psychometrics
from alliance_kit.cli_authoring import COMMANDS as AUTHORING_COMMANDS
from alliance_kit.cli_store import COMMANDS
from alliance_kit.cli_users import kiosk_group, users
from alliance_kit.default_exporters import write_csv
from alliance_kit.definitions import try_load_definition
from alliance_kit.kit import Kit, build_kit
from alliance_kit.responses import InvalidResponses
from alliance_kit.tabular import read_table
from alliance_kit.version import __version__

#: Data rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2
MAX_PRINTED_ERRORS = 50


def kit_of(ctx: click.Context) -> Kit:
    """The kit for this run: the one ``main`` built, or a new one."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = build_kit()
    return root.obj


def _instrument(ctx: click.Context, instrument_id: str):
    try:
        return kit_of(ctx).instrument(instrument_id)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="ID") from None


def _read(path: Path) -> pd.DataFrame:
    try:
        return read_table(path)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(__version__, prog_name="alliance-kit")
def cli() -> None:
    """alliance_kit: define, validate and score therapy questionnaires.

    Instruments come from the bundled instruments/ folder, installed plugin packages and
    the local plugins/ folder (ALLIANCE_KIT_PLUGINS_DIR). Set ALLIANCE_KIT_DISABLE_PLUGINS
    to a comma-separated list of plugin names to leave out.
    """


@cli.group()
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
    instrument = _instrument(ctx, instrument_id)
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


@cli.command()
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


@cli.command("score")
@click.argument("instrument_id", metavar="ID")
@click.argument(
    "input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (.csv, .xlsx, .parquet); CSV to standard output if omitted.",
)
@click.option("--flags", is_flag=True, help="Also add a <score>_<cutoff> column per cut-off.")
@click.option("--reasons", is_flag=True, help="Also add <score>_reason: why a score is blank.")
@click.pass_context
def score_command(
    ctx: click.Context,
    instrument_id: str,
    input_path: Path,
    output: Path | None,
    flags: bool,
    reasons: bool,
) -> None:
    """Score a table of responses to instrument ID.

    INPUT is wide: one row per response, one column per item id, blank = missing; other
    columns pass through unchanged. The output adds one column per score id (blank when
    it cannot be computed) and <score>_band where the score has bands. CSV, XLSX and
    Parquet by file suffix. A bad value is reported with its row (as a spreadsheet numbers
    it, the header being row 1) and column, and nothing is written.
    """
    kit = kit_of(ctx)
    instrument = _instrument(ctx, instrument_id)
    try:
        exporter = kit.exporter_for(output) if output else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--output") from None
    data = _read(input_path)
    clash = [c for c in data.columns if c in {s.id for s in instrument.scores}]
    if clash:
        raise click.ClickException(
            f"{input_path}: column(s) {', '.join(clash)} have the name of a"
            " score and would be overwritten: rename them"
        )
    try:
        result = kit.score(instrument_id, data)
    except InvalidResponses as exc:
        for error in exc.errors[:MAX_PRINTED_ERRORS]:
            click.echo(
                f"{input_path}: row {error.row + FIRST_DATA_ROW}, column "
                f"{error.column!r}: {error.message}",
                err=True,
            )
        if exc.total > MAX_PRINTED_ERRORS:
            click.echo(f"... {exc.total - MAX_PRINTED_ERRORS} more", err=True)
        raise click.ClickException(f"{exc.total} bad value(s); nothing was written") from None
    for warning in result.warnings:
        click.echo(f"{input_path}: warning: {warning}", err=True)
    scored = pd.concat([data, result.to_frame(flags=flags, reasons=reasons)], axis=1)
    if exporter is None:
        write_csv(scored, sys.stdout)
    else:
        _write_atomically(exporter, scored, output)
        click.echo(f"wrote {len(scored)} row(s) to {output}", err=True)


def _write_atomically(exporter, frame: pd.DataFrame, output: Path) -> None:
    """Write beside the target, then rename: a failed write leaves no half-written file."""
    partial = output.with_name(f".{output.name}.partial{output.suffix}")
    try:
        exporter.write(frame, partial)
        os.replace(partial, output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"{output}: not written: {exc.strerror or exc}") from None


@cli.command("psychometrics")
@click.argument("instrument_id", metavar="ID")
@click.argument(
    "input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--score", "score_ids", multiple=True, help="Only these scores (repeatable).")
@click.pass_context
def psychometrics_command(
    ctx: click.Context, instrument_id: str, input_path: Path, score_ids: tuple[str, ...]
) -> None:
    """Reliability and item statistics per score over a table of responses.

    For each score built from items: Cronbach's alpha, standardized alpha, McDonald's
    omega (one factor), then per item n, mean, sd, corrected item-total r and alpha if
    the item is deleted. Items are keyed (reversed) first.
    """
    kit = kit_of(ctx)
    instrument = _instrument(ctx, instrument_id)
    try:
        keyed = kit.score(instrument_id, _read(input_path)).keyed_items()
    except InvalidResponses as exc:
        raise click.ClickException(
            f"{input_path}: {exc.total} bad value(s), first: {exc.errors[0]}"
        ) from None
    chosen = [
        s for s in instrument.scores if len(s.items) >= 2 and (not score_ids or s.id in score_ids)
    ]
    if not chosen:
        raise click.ClickException("no score built from two or more items was chosen")
    for score in chosen:
        table = psychometrics.reliability_table(keyed[list(score.items)])
        click.echo(
            f"{score.id}: alpha {table['alpha']:.3f}  std alpha {table['std_alpha']:.3f}"
            f"  omega {table['omega']:.3f}  items {table['n_items']}"
            f"  respondents {table['n_respondents']}"
        )
        stats = psychometrics.item_statistics(keyed[list(score.items)])
        click.echo(stats.round(3).to_string())
        click.echo("")


@cli.command()
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


for _command in [*COMMANDS, *AUTHORING_COMMANDS, users, kiosk_group]:
    cli.add_command(_command)


def main() -> None:
    """Entry point: build the kit, let plugins add commands, run."""
    kit = build_kit()
    kit.plugins.call("register_commands", cli=cli)
    cli(obj=kit)


if __name__ == "__main__":
    main()
