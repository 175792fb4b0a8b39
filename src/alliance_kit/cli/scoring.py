"""Commands for researchers' tables: ``score`` and ``psychometrics``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import pandas as pd

from alliance_kit.cli.context import FIRST_DATA_ROW, instrument_of, kit_of, read_table_or_fail
from alliance_kit.cli.row_report import REPORT_COLUMNS, add_alerts, report_rows
from alliance_kit.default_exporters import write_csv
from alliance_kit.engine import psychometrics
from alliance_kit.engine.responses import InvalidResponses
from alliance_kit.engine.scoring import BAD_ROWS

MAX_PRINTED_ERRORS = 50


@click.command("score")
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
@click.option("--reasons", is_flag=True, help="Also add <score>_reason: why a score is blank, "
              "and 'warning': answers a skip rule did not ask, attribute values not listed.")
@click.option("--bad-rows", type=click.Choice(BAD_ROWS), default="reject", show_default=True,
              help="A bad value (off its scale, not a number): 'reject' writes nothing; 'blank' "
              "writes every row, a bad row's scores blank, and adds 'error' (which item and "
              "value, and what is allowed).")
@click.option("--alerts", "alerts", is_flag=True, help="Also add 'alerts': the ids of the "
              "alert rules each response raised (';'-separated; rules comparing sessions are "
              "left out).")
@click.pass_context
def score_command(
    ctx: click.Context,
    instrument_id: str,
    input_path: Path,
    output: Path | None,
    flags: bool,
    reasons: bool,
    bad_rows: str,
    alerts: bool,
) -> None:
    """Score a table of responses to instrument ID.

    INPUT is wide: one row per response, one column per item id, blank = missing; other
    columns pass through unchanged. The output adds one column per score id (blank when
    it cannot be computed) and <score>_band where the score has bands. CSV, XLSX and
    Parquet by file suffix. A bad value is reported with its row (as a spreadsheet numbers
    it, the header being row 1) and column, and nothing is written (unless --bad-rows
    blank). An answer to an item a skip rule did not ask, and an attribute value the
    instrument does not list, are scored as the rules say, with a warning per row.
    """
    kit = kit_of(ctx)
    instrument = instrument_of(ctx, instrument_id)
    try:
        exporter = kit.exporter_for(output) if output else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--output") from None
    data = read_table_or_fail(input_path)
    added = {s.id for s in instrument.scores} | REPORT_COLUMNS.added(
        errors=bad_rows == "blank", warnings=reasons, alerts=alerts)
    clash = [c for c in data.columns if c in added]
    if clash:
        raise click.ClickException(
            f"{input_path}: column(s) {', '.join(clash)} have the name of a"
            " score or of a column the output adds: rename them"
        )
    try:
        result = kit.score(instrument_id, data, bad_rows=bad_rows)
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
    report_rows(result, input_path, MAX_PRINTED_ERRORS)
    scored = pd.concat([data, result.to_frame(flags=flags, reasons=reasons, warnings=reasons,
                                              errors=bad_rows == "blank")], axis=1)
    if alerts:
        scored = add_alerts(scored, instrument, result)
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


@click.command("psychometrics")
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
    instrument = instrument_of(ctx, instrument_id)
    try:
        keyed = kit.score(instrument_id, read_table_or_fail(input_path)).keyed_items()
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


