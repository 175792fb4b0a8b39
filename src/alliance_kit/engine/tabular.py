"""Reading tables of responses from CSV, XLSX and Parquet files, chosen by suffix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

READERS = {".csv": "CSV", ".xlsx": "Excel", ".parquet": "Parquet"}


def read_table(path: Path) -> pd.DataFrame:
    """Read a table as text cells (so other columns pass through unchanged); blank = ''."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if suffix == ".xlsx":
        return pd.read_excel(path, dtype=object).fillna("")
    if suffix == ".parquet":
        return pd.read_parquet(path)
    known = ", ".join(READERS)
    raise ValueError(f"{path}: cannot read {suffix or 'files without a suffix'!r} (use {known})")
