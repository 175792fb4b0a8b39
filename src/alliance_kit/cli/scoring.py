"""``alliance-kit score``: score a researcher's table of responses, streaming it chunk by chunk.

The work is the engine's (:mod:`alliance_kit.engine.batch_scoring`); this module picks the
input and output, shows progress on a terminal, and makes sure a failed run leaves no
half-written output.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from alliance_kit.cli.context import instrument_of, kit_of
from alliance_kit.cli.row_report import report_rows
from alliance_kit.cli.tables import (
    MAX_PRINTED_ERRORS,
    input_options,
    match_or_fail,
    open_or_fail,
    options_from,
    print_bad_values,
)

if TYPE_CHECKING:
    from alliance_kit.engine.table_writers import TableWriter
    from alliance_kit.types import Exporter


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
@click.option("--bad-rows", type=click.Choice(("reject", "blank")), default="reject",
              show_default=True,
              help="A bad value (off its scale, not a number): 'reject' writes nothing; 'blank' "
              "writes every row, a bad row's scores blank, and adds 'error' (which item and "
              "value, and what is allowed).")
@click.option("--alerts", "alerts", is_flag=True, help="Also add 'alerts': the ids of the "
              "alert rules each response raised (';'-separated; rules comparing sessions are "
              "left out).")
@input_options
@click.option("--progress/--no-progress", default=None,
              help="A progress bar on standard error [default: on a terminal only].")
@click.pass_context
def score_command(ctx: click.Context, instrument_id: str, input_path: Path,
                  output: Path | None, flags: bool, reasons: bool, bad_rows: str,
                  alerts: bool, columns_file: Path | None,
                  renames: tuple[str, ...], long: bool, respondent: tuple[str, ...],
                  item_column: str, value_column: str, progress: bool | None) -> None:
    """Score a table of responses to instrument ID (an installed id, or a definition file).

    INPUT (CSV, XLSX or Parquet) is wide: one row per response, one column per item,
    blank = missing; other columns pass through unchanged. A column matches an item
    when its name is the item id, ignoring case and surrounding spaces (A1 is item a1);
    --rename and --columns map other names. One line on standard error says which
    columns matched, which items have none and which columns are not used.

    The output adds one column per score id (blank when it cannot be computed) and
    <score>_band where the score has bands. CSV, XLSX and Parquet by file suffix. CSV
    and Parquet are read and written in chunks, so memory stays flat however long the
    file. CSV numbers are written in full precision; Parquet keeps every column's type;
    XLSX keeps numbers as numbers. In CSV and XLSX output, a text cell that a
    spreadsheet would run as a formula (starting = + - @, a tab or a carriage return)
    gets a leading ', as the app's exports do.

    A bad value is reported with its row (as a spreadsheet numbers it, the header being
    row 1) and column, and nothing is written (unless --bad-rows blank). An answer to an
    item a skip rule did not ask, and an attribute value the instrument does not list, are
    scored as the rules say, with a warning per row.
    """
    from alliance_kit.engine.batch_scoring import ScoreOptions, output_columns, score_stream

    kit = kit_of(ctx)
    instrument = instrument_of(ctx, instrument_id, files=True)
    try:
        exporter = kit.exporter_for(output) if output else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--output") from None
    options = options_from(columns_file, renames, long, respondent, item_column, value_column)
    stream, widened = open_or_fail(input_path, options)
    with stream:
        added = ScoreOptions(flags=flags, reasons=reasons, bad_rows=bad_rows,
                             warnings=reasons, alerts=alerts)
        clash = [c for c in output_columns(instrument, added) if c in stream.columns]
        if clash:
            raise click.ClickException(
                f"{input_path}: column(s) {', '.join(clash)} have the name of a score or of "
                "a column the output adds: rename them")
        match = match_or_fail(instrument, stream.columns, options, input_path)
        with _output(output, exporter) as (writer, finish), _progress_bar(stream, progress) as bar:
            try:
                report = score_stream(instrument, stream, writer, match, added, bar)
            except ValueError as exc:  # an unreadable chunk, a full worksheet
                raise click.ClickException(str(exc)) from None
            if not report.ok:
                print_bad_values(input_path, report.errors, report.error_total, widened)
                raise click.ClickException(f"{report.error_total} bad value(s); nothing was "
                                           "written")
            finish()
    for warning in report.warnings:
        click.echo(f"{input_path}: warning: {warning}", err=True)
    report_rows(report, input_path, MAX_PRINTED_ERRORS, widened)
    if output is not None:
        click.echo(f"wrote {report.written} row(s) to {output}", err=True)


@contextmanager
def _output(output: Path | None, exporter: Exporter | None):
    """(writer, finish): the writer fills a partial file beside the output (for standard
    output, a temporary file); ``finish`` closes it and gives it its name (or copies it
    out). Leaving without ``finish``, or with an error, removes the partial file."""
    from alliance_kit.engine.table_writers import CsvWriter

    if output is None:
        descriptor, name = tempfile.mkstemp(prefix="alliance-kit-score-", suffix=".csv")
        partial = Path(name)
        handle = os.fdopen(descriptor, "wb")
        writer: TableWriter = CsvWriter(handle)
    else:
        partial = output.with_name(f".{output.name}.partial{output.suffix}")
        try:
            writer, handle = _writer_for(exporter, partial)
        except OSError as exc:
            raise click.ClickException(f"{output}: not written: {exc.strerror or exc}") from None

    def finish() -> None:
        try:
            writer.close()
            if handle is not None:
                handle.close()
            if output is None:
                sys.stdout.flush()
                with partial.open("rb") as written:
                    shutil.copyfileobj(written, sys.stdout.buffer, 1 << 20)
                sys.stdout.buffer.flush()
            else:
                os.replace(partial, output)
        except OSError as exc:
            raise click.ClickException(
                f"{output or 'standard output'}: not written: {exc.strerror or exc}") from None

    try:
        yield writer, finish
    finally:
        if handle is not None and not handle.closed:
            handle.close()
        partial.unlink(missing_ok=True)


def _writer_for(exporter: Exporter, partial: Path):
    """The streaming writer for a built-in format, or one that hands the whole table to a
    plugin's exporter at the end; and the open file to close, if any."""
    from alliance_kit import default_exporters
    from alliance_kit.engine.table_writers import CsvWriter, ParquetWriter, XlsxWriter

    if exporter.write is default_exporters.write_csv:
        handle = partial.open("wb")
        return CsvWriter(handle), handle
    if exporter.write is default_exporters.write_xlsx:
        return XlsxWriter(partial, default_exporters.SHEET), None
    if exporter.write is default_exporters.write_parquet:
        return ParquetWriter(partial), None
    return _WholeTable(exporter, partial), None


class _WholeTable:
    """A plugin's table writer: it gets the whole table at once, text neutralized."""

    def __init__(self, exporter: Exporter, path: Path):
        self.exporter, self.path, self.tables, self.rows = exporter, path, [], 0

    def write(self, table) -> None:
        self.tables.append(table)
        self.rows += table.num_rows

    def close(self) -> None:
        import pyarrow as pa

        from alliance_kit.engine.cells import neutralize_frame

        frame = pa.concat_tables(self.tables).to_pandas() if self.tables else None
        if frame is not None:
            self.exporter.write(neutralize_frame(frame), self.path)


@contextmanager
def _progress_bar(stream, wanted: bool | None):
    """A callback that moves a progress bar on standard error, or None: by default only
    when standard error is a terminal (nothing is printed when it is piped or captured)."""
    show = wanted if wanted is not None else _is_terminal(sys.stderr)
    if not show:
        yield None
        return
    from tqdm import tqdm

    in_bytes = stream.unit == "bytes"
    with tqdm(total=stream.total, unit="B" if in_bytes else " rows", unit_scale=True,
              unit_divisor=1024 if in_bytes else 1000, file=sys.stderr, leave=False,
              desc="scoring") as bar:
        def advance(done: int, total: int) -> None:
            bar.update(done - bar.n)

        yield advance


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
