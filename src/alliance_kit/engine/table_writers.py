"""Writing scored tables chunk by chunk: CSV, XLSX and Parquet, as ``alliance-kit score`` does.

Each writer takes Arrow tables one after another (same columns each time) and keeps
nothing but the file open, so memory stays flat however long the input.

- **CSV**: UTF-8, CRLF row ends (RFC 4180), a cell quoted only when it holds a comma, a
  quote or a line break; numbers in full precision, the shortest form that reads back
  exactly (``35``, ``2.3333333333333335``); flags ``True``/``False``; blank for missing.
- **XLSX**: numbers are numbers (answers read from CSV as text too, when a cell is a plain
  number such as ``3`` or ``-1.5``; ``007`` stays text), blank for missing.
- CSV and XLSX text cells that a spreadsheet would run as a formula get a leading ``'``
  (:mod:`alliance_kit.engine.cells`), as the app's exports do; so do the column names.
- **Parquet**: the Arrow types as they are (Parquet in, Parquet out keeps every dtype).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from alliance_kit.engine.cells import neutralize_array, neutralize_text

if TYPE_CHECKING:
    import pyarrow as pa

#: XLSX holds at most this many rows below the header.
XLSX_MAX_ROWS = 1_048_575
_NEEDS_QUOTES = r'[",\r\n]'
#: Text an XLSX cell holds as a number: optional sign, digits without a leading zero
#: (``007`` is an id, not 7), an optional fraction; surrounding spaces are dropped.
_XLSX_NUMBER = re.compile(r"\s*-?(0|[1-9]\d{0,14})(\.\d+)?\s*")


class TableWriter(ABC):
    """Write Arrow tables with the same columns one after another, then close."""

    rows = 0

    @abstractmethod
    def write(self, table: pa.Table) -> None:
        """Append ``table``'s rows."""

    @abstractmethod
    def close(self) -> None:
        """Finish the file (a writer that fails midway is not closed: the caller removes
        the partial file)."""


class CsvWriter(TableWriter):
    """CSV to a binary stream (see the module docstring).

    Arrow does the work: cells become text column by column, and a chunk with no cell to
    quote (the usual case) goes through Arrow's own writer; a chunk with one is joined
    here, quoting just the cells that need it. Both give the same bytes.
    """

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.header = False
        self.rows = 0

    def close(self) -> None:
        """Nothing to finish: every chunk is written whole; the caller closes the stream."""

    def write(self, table: pa.Table) -> None:
        import pyarrow as pa

        if not self.header:
            names = pa.array([neutralize_text(str(n)) for n in table.column_names], pa.string())
            self.stream.write(",".join(_quoted(names).to_pylist()).encode() + b"\r\n")
            self.header = True
        if table.num_rows == 0:
            return
        cells = [csv_text(column) for column in table.columns]
        written = self._arrow(cells)
        self.stream.write(written if written is not None else self._join(cells))
        self.rows += table.num_rows

    def _arrow(self, cells: list[pa.Array]) -> memoryview | None:
        """The chunk's CSV from Arrow's writer, or None when a cell needs quotes (Arrow's
        writer only quotes every text cell, or none)."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = pa.Table.from_arrays(cells, names=[f"c{i}" for i in range(len(cells))])
        sink = pa.BufferOutputStream()
        try:
            pacsv.write_csv(table, sink, pacsv.WriteOptions(
                include_header=False, quoting_style="none", eol="\r\n", batch_size=1 << 16))
        except pa.ArrowInvalid:  # "CSV values may not contain structural characters"
            return None
        return memoryview(sink.getvalue())

    def _join(self, cells: list[pa.Array]) -> bytes:
        """The chunk's CSV joined here, each cell quoted only if it needs it."""
        import pyarrow as pa
        import pyarrow.compute as pc

        quoted = [_quoted(pc.fill_null(column, "")) for column in cells]
        rows = pc.binary_join_element_wise(*quoted, ",") if len(quoted) > 1 else quoted[0]
        lines = pc.binary_join_element_wise(rows, "", "\r\n")
        chunks = lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]
        return b"".join(_data(chunk).tobytes() for chunk in chunks)


def csv_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One column as CSV cell text (null for missing): numbers in full precision (whole
    numbers without a decimal point), True/False, text neutralized for spreadsheets."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return neutralize_array(column.cast(pa.string()))
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "True", "False")
    if pa.types.is_null(kind):
        return pa.nulls(len(column), pa.string())
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        return _number_text(column)
    try:
        return column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def _number_text(column: pa.Array) -> pa.Array:
    """Numbers as text: whole numbers without a decimal point, others in full precision,
    NaN and infinities blank. Scores take few distinct values, so each distinct value is
    formatted once and the text looked up (formatting a float is the slow part)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_floating(column.type):
        odd = pc.fill_null(pc.invert(pc.is_finite(column)), False)
        if pc.any(odd).as_py():
            column = pc.if_else(odd, None, column)  # NaN and infinities: blank
    encoded = pc.dictionary_encode(column)
    distinct = encoded.dictionary
    if len(distinct) > max(1024, len(column) // 8):  # many values: format each cell
        return _format_numbers(column)
    return _format_numbers(distinct).take(encoded.indices)


def _format_numbers(column: pa.Array) -> pa.Array:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_floating(column.type):
        column = pc.add(column, 0.0)  # -0.0 becomes 0.0: no "-0" in a table
        known = column.drop_null().to_numpy(zero_copy_only=False)
        if np.all(known == np.trunc(known)) and np.all(np.abs(known) < 2**53):
            column = column.cast(pa.int64())  # 35, not 35.0
    return column.cast(pa.string())


def _quoted(text: pa.Array) -> pa.Array:
    """Quote the cells that need it, doubling their quotes."""
    import pyarrow.compute as pc

    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, text)


def _data(strings: pa.Array):
    """The characters of a string array's cells, one after another, as a numpy byte array
    (no copy)."""
    import numpy as np

    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32,
                            count=len(strings) + 1, offset=strings.offset * 4)
    data = strings.buffers()[2]
    if data is None:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8)[int(offsets[0]):int(offsets[-1])]


class ParquetWriter(TableWriter):
    """Parquet with the tables' own types (the first table fixes the schema)."""

    def __init__(self, path: Path):
        self.path = path
        self.writer = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table.cast(self.writer.schema))
        self.rows += table.num_rows

    def close(self) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            return
        self.writer.close()
        self.writer = None
        pq.ParquetFile(self.path).close()  # a bad file fails here, before it takes its name


class XlsxWriter(TableWriter):
    """An Excel workbook, one worksheet, written row by row (openpyxl's write-only mode)."""

    def __init__(self, path: Path, sheet: str = "responses"):
        from openpyxl import Workbook

        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(sheet)
        self.header = False
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self.rows + table.num_rows > XLSX_MAX_ROWS:
            raise ValueError(f"an XLSX worksheet holds at most {XLSX_MAX_ROWS:,} rows and this "
                             "table has more: write .csv or .parquet instead")
        if not self.header:
            self.sheet.append([_xlsx_text(str(name)) for name in table.column_names])
            self.header = True
        columns = [[_xlsx_cell(v) for v in column.to_pylist()] for column in table.columns]
        for row in zip(*columns, strict=True):
            self.sheet.append(row)
        self.rows += table.num_rows

    def close(self) -> None:
        if not self.header:
            self.sheet.append([])
        self.book.save(self.path)


def _xlsx_text(value: str) -> str:
    """Text as a worksheet cell holds it: neutralized, without the control characters XLSX
    cannot store."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return neutralize_text(ILLEGAL_CHARACTERS_RE.sub("", value))


def _xlsx_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if value.strip() == "":
            return None
        if _XLSX_NUMBER.fullmatch(value):
            number = float(value)
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
        return _xlsx_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, dt.datetime) and value.tzinfo:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value
