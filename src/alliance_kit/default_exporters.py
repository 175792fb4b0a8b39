"""Built-in table writers: CSV, XLSX and Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import Exporter

#: Twelve significant digits: whole scores print as "35", not "35.0"; no float noise.
FLOAT_FORMAT = "%.12g"


def write_csv(frame: pd.DataFrame, path) -> None:
    """Write CSV (RFC 4180: CRLF line ends) to a path or an open text stream.

    CRLF also makes the writer quote any cell holding a carriage return, which a
    spreadsheet would otherwise read as the start of a new row.
    """
    frame.to_csv(path, index=False, lineterminator="\r\n", float_format=FLOAT_FORMAT)


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    frame.to_excel(path, index=False, engine="openpyxl")


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


@hookimpl
def register_exporters():
    return [
        Exporter("csv", (".csv",), write_csv, "comma-separated values, UTF-8"),
        Exporter("xlsx", (".xlsx",), write_xlsx, "Excel workbook"),
        Exporter("parquet", (".parquet",), write_parquet, "Apache Parquet"),
    ]
