"""A JSON Lines writer: one JSON object per row, blanks as null."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_jsonl(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as JSON Lines (UTF-8); missing values become ``null``."""
    frame.to_json(path, orient="records", lines=True, force_ascii=False, date_format="iso")
