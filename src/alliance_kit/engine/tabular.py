"""Reading tables of responses from CSV, XLSX and Parquet files, chosen by suffix.

Two ways: :func:`read_table` reads a whole table into pandas (the importer, psychometrics);
:func:`open_table` streams it in chunks of Arrow record batches (``alliance-kit score``), so a
file of ten million rows is never in memory at once. CSV cells are read as text either way,
so columns that are not answers pass through exactly as written; Parquet keeps its types.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

READERS = {".csv": "CSV", ".xlsx": "Excel", ".parquet": "Parquet"}
#: Bytes of CSV per chunk: about 60,000 rows of a 12-item questionnaire. Peak memory grows
#: with it (1 MB: 210 MB, 2 MB: 240 MB, 8 MB: 340 MB for 1M rows), speed hardly does.
CSV_BLOCK_BYTES = 2 << 20
#: Rows per chunk of a Parquet or XLSX file (about as much memory as a CSV chunk).
CHUNK_ROWS = 65_536


def read_table(path: Path) -> pd.DataFrame:
    """Read a table as text cells (so other columns pass through unchanged); blank = ''."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype=object).fillna("")
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise ValueError(_unknown_suffix(path))


def _unknown_suffix(path: Path) -> str:
    known = ", ".join(READERS)
    suffix = path.suffix.lower()
    return f"{path}: cannot read {suffix or 'files without a suffix'!r} (use {known})"


@dataclass
class TableStream:
    """A table read in chunks: its column names, then record batches as they are read.

    ``progress`` says how far reading has got, as (done, total) in ``unit`` ("bytes" or
    "rows"), for a progress bar. Close it (or use ``with``) to release the file.
    """

    columns: list[str]
    batches: Iterator[pa.RecordBatch]
    unit: str
    total: int
    _done: Any
    _close: Any = None
    #: The columns' Arrow types (what an empty table of this file holds).
    schema: pa.Schema | None = None

    @property
    def done(self) -> int:
        return int(self._done())

    def close(self) -> None:
        if self._close is not None:
            self._close()

    def __enter__(self) -> TableStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_table(path: Path, *, block_bytes: int = CSV_BLOCK_BYTES,
               chunk_rows: int = CHUNK_ROWS) -> TableStream:
    """Open a table to read in chunks (see :class:`TableStream`); ValueError says why not.

    CSV: UTF-8 (a byte-order mark is skipped), every cell text, quoted cells may hold line
    breaks. Parquet: its own types. XLSX: read whole (a workbook cannot be streamed), then
    handed over in chunks.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _open_csv(path, block_bytes)
    if suffix == ".parquet":
        return _open_parquet(path, chunk_rows)
    if suffix == ".xlsx":
        return _open_xlsx(path, chunk_rows)
    raise ValueError(_unknown_suffix(path))


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read from it (for the progress bar)."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        read = self.raw.readinto(buffer)
        self.count += read or 0
        return read

    def close(self) -> None:
        self.raw.close()
        super().close()


def csv_header(path: Path) -> list[str]:
    """The column names in a CSV file's first row; ValueError for an empty or non-UTF-8 file."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}): save it as UTF-8 "
                         "(in Excel: CSV UTF-8)") from None
    if not header:
        raise ValueError(f"{path}: the file is empty: the first row must name the columns")
    return header


def _open_csv(path: Path, block_bytes: int) -> TableStream:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = csv_header(path)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValueError(f"{path}: column(s) {', '.join(map(repr, repeated))} appear more than "
                         "once: keep one of each")
    counting = _Counting(path.open("rb"))
    try:
        reader = pacsv.open_csv(
            io.BufferedReader(counting, buffer_size=1 << 20),
            read_options=pacsv.ReadOptions(block_size=block_bytes),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        counting.close()
        raise ValueError(f"{path}: cannot be read as CSV: {exc}") from None

    def batches() -> Iterator[pa.RecordBatch]:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise ValueError(f"{path}: cannot be read as CSV: {exc}") from None
            yield batch

    return TableStream(list(reader.schema.names), batches(), "bytes", path.stat().st_size,
                       lambda: counting.count, counting.close, reader.schema)


def _open_parquet(path: Path, chunk_rows: int) -> TableStream:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"{path}: cannot be read as Parquet: {exc}") from None
    done = [0]

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            done[0] += batch.num_rows
            yield batch

    names = parquet.schema_arrow.names
    return TableStream(list(names), batches(), "rows", parquet.metadata.num_rows,
                       lambda: done[0], parquet.close, parquet.schema_arrow)


def _open_xlsx(path: Path, chunk_rows: int) -> TableStream:
    import pyarrow as pa

    try:
        frame = read_table(path)
    except (ValueError, OSError, KeyError) as exc:
        raise ValueError(f"{path}: cannot be read as XLSX: {exc}") from None
    table = pa.Table.from_pydict({str(c): _xlsx_column(frame[c]) for c in frame.columns})
    return _in_memory(table, chunk_rows)


def _in_memory(table: pa.Table, chunk_rows: int) -> TableStream:
    """A table already in memory, handed out in chunks of ``chunk_rows`` rows."""
    done = [0]

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in table.to_batches(max_chunksize=chunk_rows):
            done[0] += batch.num_rows
            yield batch

    return TableStream(list(table.column_names), batches(), "rows", table.num_rows,
                       lambda: done[0], None, table.schema)


def _xlsx_column(column: pd.Series) -> pa.Array:
    """A worksheet column as Arrow: numbers stay numbers when every cell is one (or blank),
    dates stay dates, anything else is text as the cell shows it."""
    import pandas as pd
    import pyarrow as pa

    if pd.api.types.is_datetime64_any_dtype(column):
        return pa.array(column)
    values = column.tolist()
    filled = [v for v in values if v != "" and v is not None]
    if filled and all(isinstance(v, int | float) and not isinstance(v, bool) for v in filled):
        return pa.array([None if v == "" else float(v) for v in values], type=pa.float64())
    return pa.array(["" if v is None else _cell_text(v) for v in values], type=pa.string())


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def stream_of(frame: pd.DataFrame, chunk_rows: int = CHUNK_ROWS) -> TableStream:
    """A table already in memory (a widened long table) as a :class:`TableStream`: text
    columns stay text, numbers stay numbers."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    return _in_memory(table, chunk_rows)
