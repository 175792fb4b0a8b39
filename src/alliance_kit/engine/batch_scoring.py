"""Scoring a table chunk by chunk: what ``alliance-kit score`` runs on a file of any length.

Every chunk goes through one function, :func:`score_chunk`: its answers are read into the
engine (columns matched to items by :mod:`alliance_kit.engine.columns`), scored by
:func:`alliance_kit.engine.scoring.score`, and returned as an Arrow table: the chunk's own
columns untouched, then the score columns. :func:`score_stream` feeds it the chunks of a
:class:`~alliance_kit.engine.tabular.TableStream` and hands each result to a writer, so at
most one chunk is in memory. Options that change how a chunk is scored belong in
:class:`ScoreOptions` and :func:`score_chunk`, nowhere else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from alliance_kit.engine.responses import (
    MAX_REPORTED,
    InvalidResponses,
    ResponseError,
    ResponseWarning,
)
from alliance_kit.engine.scoring import score

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from alliance_kit.engine.columns import ColumnMatch
    from alliance_kit.engine.definitions import Instrument
    from alliance_kit.engine.scoring import ScoreResult
    from alliance_kit.engine.table_writers import TableWriter
    from alliance_kit.engine.tabular import TableStream


@dataclass(frozen=True)
class ScoreOptions:
    """What the scored table holds besides the scores."""

    #: ``<score>_band`` after each score that has bands.
    bands: bool = True
    #: ``<score>_<cutoff>`` per cut-off: True, False, or blank when the score is.
    flags: bool = False
    #: ``<score>_reason``: why a score is blank.
    reasons: bool = False
    #: ``"reject"``: a bad value stops the table; ``"blank"``: a bad row's scores are
    #: blank and an ``error`` column says which item and value, and what is allowed.
    bad_rows: str = "reject"
    #: A ``warning`` column: answers a skip rule did not ask, attribute values not listed.
    warnings: bool = False
    #: An ``alerts`` column: the ids of the alerts each response raised, most urgent first.
    alerts: bool = False


@dataclass
class ScoredChunk:
    """One chunk scored: its table, or the bad values that stopped it."""

    #: The chunk's columns then the score columns; None when the chunk has bad values.
    table: pa.Table | None
    #: Bad values, rows counted from the first row of the whole table (0-based).
    errors: list[ResponseError] = field(default_factory=list)
    error_total: int = 0
    warnings: list[str] = field(default_factory=list)
    #: Per-row notes (``bad_rows="blank"`` errors, warnings), rows of the whole table.
    row_errors: list[ResponseError] = field(default_factory=list)
    row_warnings: list[ResponseWarning] = field(default_factory=list)
    bad_row_count: int = 0


@dataclass
class StreamReport:
    """What scoring a whole table found: rows read and written, bad values, warnings."""

    rows: int = 0
    written: int = 0
    errors: list[ResponseError] = field(default_factory=list)
    error_total: int = 0
    warnings: list[str] = field(default_factory=list)
    #: The first MAX_REPORTED per-row notes of each kind, and how many there were.
    row_errors: list[ResponseError] = field(default_factory=list)
    row_error_total: int = 0
    row_warnings: list[ResponseWarning] = field(default_factory=list)
    row_warning_total: int = 0
    #: Rows scored blank for a bad value; rows with a warning.
    bad_row_count: int = 0
    warned_rows: int = 0

    @property
    def ok(self) -> bool:
        return self.error_total == 0


def output_columns(instrument: Instrument, options: ScoreOptions) -> list[str]:
    """The names of the columns scoring adds, in order."""
    names = []
    for spec in instrument.scores:
        names.append(spec.id)
        if options.bands and spec.bands:
            names.append(f"{spec.id}_band")
    if options.flags:
        names += [f"{spec.id}_{cutoff['id']}" for spec in instrument.scores
                  for cutoff in spec.cutoffs]
    if options.reasons:
        names += [f"{spec.id}_reason" for spec in instrument.scores]
    names += [name for name, wanted in (("error", options.bad_rows == "blank"),
                                        ("warning", options.warnings),
                                        ("alerts", options.alerts)) if wanted]
    return names


def engine_frame(instrument: Instrument, batch: pa.RecordBatch | pa.Table,
                 match: ColumnMatch) -> pd.DataFrame:
    """The chunk as the engine reads it: one column per item id (all of them; an item with
    no column is unanswered) and per matched attribute. Answers that are all plain
    numbers become floats here, fast; a column with anything else goes to the engine as
    text, which names each bad cell."""
    import numpy as np
    import pandas as pd

    by_id = {ident: column for column, ident in match.used.items()}
    names = batch.schema.names
    data: dict[str, object] = {}
    for item in instrument.items:
        column = by_id.get(item.id)
        if column is None:
            data[item.id] = (np.full(batch.num_rows, np.nan) if item.scale_type.numeric
                             else np.full(batch.num_rows, None, dtype=object))
            continue
        array = _whole(batch.column(names.index(column)))
        numbers = _as_numbers(array) if item.scale_type.numeric else None
        data[item.id] = numbers if numbers is not None else array.to_pandas()
    for name in instrument.attributes:
        if name in by_id:
            data[name] = _whole(batch.column(names.index(by_id[name]))).to_pandas()
    return pd.DataFrame(data)


def _whole(array):
    """A table's column (chunked) as one array; a batch's column as it is."""
    import pyarrow as pa

    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _as_numbers(array: pa.Array) -> np.ndarray | None:
    """A column's answers as floats (NaN for blank), or None when some cell is not a plain
    number (the engine then reports it with its row)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_boolean(array.type) or pa.types.is_dictionary(array.type):
        return None
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        return pc.fill_null(array.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)
    if not pa.types.is_string(array.type):
        return None
    trimmed = pc.utf8_trim_whitespace(array) if _has_space(array) else array
    blank = pc.equal(pc.binary_length(trimmed), 0)
    present = pc.if_else(blank, None, trimmed) if pc.any(blank).as_py() else trimmed
    try:
        numbers = pc.cast(present, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if numbers.null_count != present.null_count or pc.any(pc.is_nan(numbers)).as_py():
        return None  # "nan" typed in a cell: the engine says it is not a number
    return pc.fill_null(numbers, np.nan).to_numpy(zero_copy_only=False)


def _has_space(array: pa.Array) -> bool:
    """Whether any cell of a text column has a space, tab or line break (cheap: one look at
    its bytes)."""
    import numpy as np

    data = array.buffers()[2]
    if data is None:
        return False
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array) + 1,
                            offset=array.offset * 4)
    chars = np.frombuffer(data, dtype=np.uint8)[int(offsets[0]):int(offsets[-1])]
    return bool((chars <= 32).any() or (chars >= 128).any())


def score_chunk(instrument: Instrument, batch: pa.RecordBatch | pa.Table, match: ColumnMatch,
                options: ScoreOptions, first_row: int = 0) -> ScoredChunk:
    """Score one chunk (see the module docstring); ``first_row`` is its first row's place
    in the whole table, so errors name rows of the file."""
    import pyarrow as pa

    try:
        result = score(instrument, engine_frame(instrument, batch, match),
                       bad_rows=options.bad_rows)
    except InvalidResponses as exc:
        errors = [ResponseError(e.row + first_row, _column_of(e.column, match), e.message)
                  for e in exc.errors]
        return ScoredChunk(None, errors, exc.total)
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    for name, array in score_arrays(instrument, result, options):
        table = table.append_column(name, array)

    def in_file(note):
        return dataclasses.replace(note, row=note.row + first_row,
                                   column=_column_of(note.column, match))

    return ScoredChunk(table, warnings=list(result.warnings),
                       row_errors=[in_file(e) for e in result.row_errors],
                       row_warnings=[in_file(w) for w in result.row_warnings],
                       bad_row_count=int(result.bad_rows.sum()))


def _column_of(ident: str, match: ColumnMatch) -> str:
    """The data column an error names: the one that holds the item (``A1`` for ``a1``)."""
    for column, target in match.used.items():
        if target == ident:
            return column
    return ident


def score_arrays(instrument: Instrument, result: ScoreResult,
                 options: ScoreOptions) -> list[tuple[str, pa.Array]]:
    """The columns scoring adds (:func:`output_columns`), as Arrow arrays: float scores and
    text bands with nulls where missing, nullable boolean flags, text reasons."""
    import numpy as np
    import pyarrow as pa

    out = []
    for spec in instrument.scores:
        out.append((spec.id, pa.array(result.scores[spec.id].to_numpy(float), pa.float64(),
                                      from_pandas=True)))
        if options.bands and spec.bands:
            bands = result.bands[spec.id].array
            codes = np.asarray(bands.codes)
            dictionary = pa.DictionaryArray.from_arrays(
                pa.array(codes, mask=codes < 0), pa.array(list(bands.categories), pa.string()))
            out.append((f"{spec.id}_band", dictionary.cast(pa.string())))
    if options.flags:
        for name in result.flags.columns:
            out.append((name, pa.array(result.flags[name], pa.bool_(), from_pandas=True)))
    if options.reasons:
        reasons = result.reasons()
        for spec in instrument.scores:
            out.append((f"{spec.id}_reason",
                        pa.array(reasons[spec.id].to_numpy(object), pa.string(),
                                 from_pandas=True)))
    if options.bad_rows == "blank":
        out.append(("error", _text(result.errors_by_row())))
    if options.warnings:
        out.append(("warning", _text(result.warnings_by_row())))
    if options.alerts:
        from alliance_kit.engine.alerts import alert_ids

        out.append(("alerts", _text(alert_ids(instrument, result))))
    return out


def _text(series: pd.Series) -> pa.Array:
    """A text column as Arrow, None where blank."""
    import pyarrow as pa

    return pa.array(series.to_numpy(object), pa.string(), from_pandas=True)


def score_stream(instrument: Instrument, stream: TableStream, writer: TableWriter,
                 match: ColumnMatch, options: ScoreOptions,
                 progress: Callable[[int, int], None] | None = None) -> StreamReport:
    """Score every chunk of ``stream`` and write each to ``writer`` as it comes.

    After the first bad value nothing more is written (the caller throws the partial
    output away), but reading goes on so the report counts every bad value. Warnings are
    kept once each, in the order they first came.
    """
    report = StreamReport()
    for batch in stream.batches:
        chunk = score_chunk(instrument, batch, match, options, report.rows)
        report.rows += batch.num_rows
        report.error_total += chunk.error_total
        report.errors += chunk.errors[: max(0, MAX_REPORTED - len(report.errors))]
        report.warnings += [w for w in chunk.warnings if w not in report.warnings]
        report.row_errors += chunk.row_errors[: max(0, MAX_REPORTED - len(report.row_errors))]
        report.row_error_total += len(chunk.row_errors)
        report.row_warnings += chunk.row_warnings[
            : max(0, MAX_REPORTED - len(report.row_warnings))]
        report.row_warning_total += len(chunk.row_warnings)
        report.bad_row_count += chunk.bad_row_count
        report.warned_rows += len({w.row for w in chunk.row_warnings})
        if chunk.table is not None and report.ok:
            writer.write(chunk.table)
            report.written += chunk.table.num_rows
        if progress is not None:
            progress(stream.done, stream.total)
    if report.rows == 0 and stream.schema is not None:  # no rows: the header all the same
        empty = score_chunk(instrument, stream.schema.empty_table(), match, options)
        if empty.table is not None:
            writer.write(empty.table)
    return report
