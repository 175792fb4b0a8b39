"""Cells a spreadsheet must not run: text that starts like a formula gets a leading ``'``.

A CSV or XLSX file opened in a spreadsheet runs a cell such as ``=HYPERLINK(...)`` (or one
starting ``+``, ``-``, ``@``, a tab or a carriage return) as a formula. Every table this
toolkit writes for people (the app's exports, ``alliance-kit score`` output) neutralizes
such text cells the same way; numbers, negative ones too, are left alone, and Parquet (a
format for programs, not spreadsheets) keeps cells as they are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A cell that is a plain number (``-3``, ``+2.5``, ``1e-3``): a spreadsheet reads it as that
#: number, so it is never neutralized, even when read from a CSV file as text.
PLAIN_NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def neutralize(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made text: a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell and column name neutralized (numbers, negative ones too, untouched)."""
    out = frame.copy()
    for column in out.columns:
        if texty(out[column]):
            out[column] = out[column].astype(object).map(neutralize)
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def texty(column: pd.Series) -> bool:
    """Whether a column may hold text (object or string dtype, whatever pandas infers)."""
    import pandas as pd

    return not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
                or pd.api.types.is_datetime64_any_dtype(column))


def neutralize_text(value: str) -> str:
    """One text cell as written for a spreadsheet: neutralized unless it is a plain number."""
    if value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralize_array(array: pa.Array) -> pa.Array:
    """A column of text cells neutralized, vectorized (what :func:`neutralize_text` does to
    each cell); a column of another type is returned as it is.

    The first byte of every cell is looked at in place, so a column without a risky cell
    (nearly all of them) costs next to nothing.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return array
    array = array.cast(pa.string())
    data = array.buffers()[2]
    if len(array) == 0 or data is None:
        return array
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array) + 1,
                            offset=array.offset * 4)
    chars = np.frombuffer(data, dtype=np.uint8)
    if chars.size == 0:
        return array
    # The byte at each cell's start (an empty cell's is the next cell's: masked below).
    first = chars[np.minimum(offsets[:-1], chars.size - 1)]
    starts = np.zeros(256, dtype=bool)
    starts[[ord(prefix) for prefix in FORMULA_PREFIXES]] = True
    formula = starts[first]
    if not formula.any():
        return array
    formula &= np.diff(offsets) > 0
    risky = pc.and_(pa.array(formula), pc.invert(pc.fill_null(
        pc.match_substring_regex(array, PLAIN_NUMBER), False)))
    return pc.if_else(risky, pc.binary_join_element_wise("'", array, ""), array)
