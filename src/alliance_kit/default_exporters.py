"""Built-in table writers: CSV, XLSX and Parquet."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import Exporter

#: The worksheet XLSX tables are written to.
SHEET = "responses"
#: Twelve significant digits: whole scores print as "35", not "35.0"; no float noise.
FLOAT_FORMAT = "%.12g"


def write_csv(frame: pd.DataFrame, path) -> None:
    """Write CSV (RFC 4180: CRLF line ends, UTF-8) to a path or an open stream.

    CRLF also makes the writer quote any cell holding a carriage return, which a
    spreadsheet would otherwise read as the start of a new row.
    """
    frame.to_csv(path, index=False, lineterminator="\r\n", float_format=FLOAT_FORMAT)


def write_xlsx(frame: pd.DataFrame, path) -> None:
    """Write an Excel workbook; characters XLSX cannot hold are dropped, times are written
    in UTC without a zone (XLSX has none)."""
    excel_ready(frame).to_excel(path, index=False, engine="openpyxl", sheet_name=SHEET)


def excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as openpyxl can write it (it refuses control characters and zoned times)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(value):
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", value)
        if isinstance(value, dt.datetime) and value.tzinfo:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).map(clean)
    out.columns = [clean(str(c)) for c in out.columns]
    return out


def write_parquet(frame: pd.DataFrame, path) -> None:
    frame.to_parquet(path, index=False)


@hookimpl
def register_exporters():
    return [
        Exporter("csv", (".csv",), write_csv, "CSV", "text/csv"),
        Exporter("xlsx", (".xlsx",), write_xlsx, "Excel (XLSX)",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Exporter("parquet", (".parquet",), write_parquet, "Apache Parquet",
                 "application/vnd.apache.parquet"),
    ]
