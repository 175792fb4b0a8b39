"""``alliance-kit psychometrics``: reliability and item statistics, to read or to save."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from alliance_kit.cli.context import instrument_of
from alliance_kit.cli.tables import (
    frame_or_fail,
    input_options,
    match_or_fail,
    options_from,
    print_bad_values,
)

FORMATS = ("table", "json", "csv")


@click.command("psychometrics")
@click.argument("instrument_id", metavar="ID")
@click.argument(
    "input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--score", "score_ids", multiple=True, help="Only these scores (repeatable).")
@click.option("--by", "by", metavar="COLUMN",
              help="One set of statistics per value of this column (a site, a language).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="table (to read, 3 decimals), json or csv (full precision) [default: "
                   "from the --output suffix, else table].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")
@input_options
@click.pass_context
def psychometrics_command(ctx: click.Context, instrument_id: str, input_path: Path,
                          score_ids: tuple[str, ...], by: str | None, fmt: str | None,
                          output: Path | None, columns_file: Path | None,
                          renames: tuple[str, ...], long: bool, respondent: tuple[str, ...],
                          item_column: str, value_column: str) -> None:
    """Reliability and item statistics per score over a table of responses.

    ID is an installed instrument or a definition file; INPUT is read as `score` reads
    it (columns matched to items ignoring case, --rename, --columns, --long). For each
    score built from two or more items: Cronbach's alpha, standardized alpha, McDonald's
    omega (one factor), the mean inter-item r, the mean and sd of the respondents'
    scale means, the number of items and of respondents; then per item n, mean, sd,
    raw_r (with the scale mean), r_drop (corrected item-total r) and alpha if the item
    is deleted. Items are keyed (reversed) first; missing answers are handled pairwise,
    as R's psych::alpha does.

    csv has one row per score (item blank, n the respondents) followed by one row per
    item; json has the same numbers nested. Both keep full precision; undefined values
    (a constant item) are blank or null.
    """
    from alliance_kit.engine.reliability_report import (
        as_json,
        as_rows,
        as_text,
        csv_columns,
        reliability,
    )
    from alliance_kit.engine.responses import InvalidResponses
    from alliance_kit.engine.scoring import score

    instrument = instrument_of(ctx, instrument_id, files=True)
    fmt = fmt or _format_of(output)
    options = options_from(columns_file, renames, long, respondent, item_column, value_column)
    frame = frame_or_fail(input_path, options)
    match = match_or_fail(instrument, [str(c) for c in frame.columns], options, input_path)
    group_column = _column(frame, by) if by else None
    data = frame[list(match.used)].rename(columns=match.renamed())
    try:
        keyed = score(instrument, data).keyed_items()
    except InvalidResponses as exc:
        errors = [type(e)(e.row, _data_column(e.column, match), e.message) for e in exc.errors]
        print_bad_values(input_path, errors, exc.total)
        raise click.ClickException(f"{exc.total} bad value(s): nothing was computed") from None
    groups = frame[group_column] if group_column is not None else None
    try:
        reports = reliability(instrument, keyed, score_ids, groups)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    by_name = str(group_column) if group_column is not None else None
    if fmt == "json":
        text = json.dumps(as_json(reports, instrument, str(input_path), by_name), indent=2,
                          ensure_ascii=False, allow_nan=False) + "\n"
    elif fmt == "csv":
        text = _csv(as_rows(reports, by_name), csv_columns(by_name))
    else:
        text = as_text(reports, by_name)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(f"{output}: not written: {exc.strerror or exc}") from None
    click.echo(f"wrote {fmt} statistics of {len(reports)} score(s) to {output}", err=True)


def _format_of(output: Path | None) -> str:
    suffix = output.suffix.lower().lstrip(".") if output else ""
    return suffix if suffix in ("json", "csv") else "table"


def _column(frame, name: str):
    """The data column ``--by`` names: exactly, else the one matching without case."""
    if name in frame.columns:
        return name
    loose = [c for c in frame.columns if str(c).strip().casefold() == name.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    raise click.BadParameter(f"no column {name!r} in the input", param_hint="--by")


def _data_column(ident: str, match) -> str:
    return next((column for column, target in match.used.items() if target == ident), ident)


def _csv(rows: list[dict], columns: list[str]) -> str:
    """CSV (CRLF, full-precision numbers, blank for undefined); text from the data (group
    names) neutralized for spreadsheets."""
    from alliance_kit.engine.cells import neutralize_text

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n",
                            extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralize_text(v) if isinstance(v, str) else v
                         for k, v in row.items()})
    return buffer.getvalue()
