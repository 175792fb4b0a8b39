"""Reading a researcher's table on the command line: the options ``score`` and
``psychometrics`` share (column maps, long input) and the messages they print.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from alliance_kit.cli.context import FIRST_DATA_ROW

if TYPE_CHECKING:
    import pandas as pd

    from alliance_kit.engine.columns import ColumnMatch
    from alliance_kit.engine.definitions import Instrument
    from alliance_kit.engine.long_format import Widened
    from alliance_kit.engine.responses import ResponseError
    from alliance_kit.engine.tabular import TableStream

#: Bad values printed before "... N more".
MAX_PRINTED_ERRORS = 50


@dataclass(frozen=True)
class InputOptions:
    """How to read the input table: which columns are which items, and its shape."""

    columns_file: Path | None = None
    renames: tuple[str, ...] = ()
    long: bool = False
    respondent: tuple[str, ...] = ("respondent",)
    item_column: str = "item"
    value_column: str = "value"


def input_options(function):
    """The options that say how to read INPUT (shared by ``score`` and ``psychometrics``)."""
    options = [
        click.option("--columns", "columns_file", metavar="MAP",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Which column holds which item, for names that are not the item "
                          "ids: a .csv (column,item) or .json ({\"column\": \"item\"}) file."),
        click.option("--rename", "renames", metavar="COLUMN=ITEM", multiple=True,
                     help="Column COLUMN holds item ITEM (repeatable), e.g. phq9_1=1."),
        click.option("--long", is_flag=True,
                     help="INPUT has one row per answer (respondent, item, value), as REDCap "
                          "and survey tools export; it is read whole."),
        click.option("--respondent", metavar="COLUMN", multiple=True,
                     help="With --long: the column(s) naming a respondent (repeatable, e.g. "
                          "record_id and redcap_event_name) [default: respondent]."),
        click.option("--item-column", metavar="COLUMN", default="item", show_default=True,
                     help="With --long: the column of item names."),
        click.option("--value-column", metavar="COLUMN", default="value", show_default=True,
                     help="With --long: the column of answers."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def options_from(columns_file: Path | None, renames: tuple[str, ...], long: bool,
                 respondent: tuple[str, ...], item_column: str,
                 value_column: str) -> InputOptions:
    """The shared options as one value (click hands them over one by one)."""
    return InputOptions(columns_file, tuple(renames), long, tuple(respondent) or ("respondent",),
                        item_column, value_column)


def widened_or_fail(path: Path, options: InputOptions) -> Widened:
    """A long table read whole and made wide, or the reason it cannot be."""
    from alliance_kit.engine.long_format import LongTableError, widen
    from alliance_kit.engine.tabular import read_table

    try:
        frame = read_table(path)
        widened = widen(frame, options.respondent, options.item_column, options.value_column)
    except LongTableError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    for note in widened.notes:
        click.echo(f"{path}: note: {note}", err=True)
    return widened


def open_or_fail(path: Path, options: InputOptions) -> tuple[TableStream, Widened | None]:
    """The input as a stream of chunks (a long table widened first)."""
    from alliance_kit.engine.tabular import open_table, stream_of

    if options.long:
        widened = widened_or_fail(path, options)
        return stream_of(widened.frame), widened
    try:
        return open_table(path), None
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def frame_or_fail(path: Path, options: InputOptions) -> pd.DataFrame:
    """The whole input table in pandas (a long table widened)."""
    from alliance_kit.engine.tabular import read_table

    if options.long:
        return widened_or_fail(path, options).frame
    try:
        return read_table(path)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def match_or_fail(instrument: Instrument, columns: list[str], options: InputOptions,
                  path: Path) -> ColumnMatch:
    """The columns matched to the instrument's items; prints the one-line summary."""
    from alliance_kit.engine.columns import (
        ColumnError,
        match_columns,
        parse_renames,
        read_column_map,
    )

    try:
        mapping = read_column_map(options.columns_file) if options.columns_file else {}
        typed = parse_renames(options.renames)
        match = match_columns(instrument, columns, {**mapping, **typed}, required=typed)
    except ColumnError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    click.echo(f"{path}: columns: {match.summary()}", err=True)
    return match


def print_bad_values(path: Path, errors: list[ResponseError], total: int,
                     widened: Widened | None = None) -> None:
    """One line per bad value (at most :data:`MAX_PRINTED_ERRORS`): FILE: row N, column 'C'.

    Rows are numbered as a spreadsheet shows them (the header is row 1); for a long table,
    the row of the answer in the file.
    """
    for error in errors[:MAX_PRINTED_ERRORS]:
        row = widened.row_of(error.row, error.column) if widened else error.row
        click.echo(f"{path}: row {row + FIRST_DATA_ROW}, column {error.column!r}: "
                   f"{error.message}", err=True)
    if total > MAX_PRINTED_ERRORS:
        click.echo(f"... {total - MAX_PRINTED_ERRORS} more", err=True)
