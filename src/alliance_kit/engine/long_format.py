"""Long tables: one row per answer (respondent, item, value), as REDCap and survey tools export.

:func:`widen` turns one into the wide table the engine scores: one row per respondent, in
the order respondents first appear, one column per item name found. A respondent may be
named by several columns (REDCap's ``record_id`` and ``redcap_event_name``). Other columns
that hold one value per respondent (site, date) are kept; columns that vary within a
respondent cannot be, and are named in a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Default column names of a long table.
RESPONDENT, ITEM, VALUE = "respondent", "item", "value"
#: How many rows an error lists before "and N more".
SHOWN_ROWS = 5
#: Rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2


class LongTableError(ValueError):
    """A long table that cannot be widened; the message names the rows and what to do."""


@dataclass(frozen=True)
class Widened:
    """A long table made wide, and what the reader should know about it."""

    frame: pd.DataFrame
    #: The respondent column(s), first in ``frame``.
    respondent: tuple[str, ...]
    #: Item names in the order they first appear (the other columns of ``frame`` after the
    #: respondent and kept ones).
    items: tuple[str, ...]
    notes: list[str] = field(default_factory=list)
    #: Per item name, the long table's row (0-based) each wide row's answer came from, -1
    #: where there was none; and each respondent's first row: errors name the file's rows.
    source_rows: dict[str, np.ndarray] = field(default_factory=dict)
    first_rows: np.ndarray | None = None

    def row_of(self, row: int, column: str) -> int:
        """The long table's row (0-based) behind wide ``row`` and ``column``."""
        rows = self.source_rows.get(column)
        if rows is not None and rows[row] >= 0:
            return int(rows[row])
        return int(self.first_rows[row]) if self.first_rows is not None else row


def _column(frame: pd.DataFrame, name: str, option: str) -> str:
    """The frame's column called ``name`` (exactly, else ignoring case and spaces)."""
    if name in frame.columns:
        return name
    loose = [c for c in frame.columns if str(c).strip().casefold() == name.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    known = ", ".join(repr(str(c)) for c in frame.columns[:12])
    raise LongTableError(f"{option} {name!r}: no such column in the long table (columns: "
                         f"{known}{', ...' if len(frame.columns) > 12 else ''})")


def _rows(mask) -> str:
    import numpy as np

    rows = np.flatnonzero(np.asarray(mask)) + FIRST_DATA_ROW
    shown = ", ".join(str(r) for r in rows[:SHOWN_ROWS])
    return shown + (f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else "")


def widen(frame: pd.DataFrame, respondent: Sequence[str] = (RESPONDENT,), item: str = ITEM,
          value: str = VALUE) -> Widened:
    """One row per respondent from one row per answer (see the module docstring).

    Cells are kept as they are (text stays text); an answer that is not there is blank.
    Raises :class:`LongTableError` for a missing column, a row without an item name or
    respondent, or an item answered twice by one respondent (with the rows).
    """
    import pandas as pd

    keys = [_column(frame, name, "--respondent") for name in respondent]
    item_column = _column(frame, item, "--item-column")
    value_column = _column(frame, value, "--value-column")
    if len({*keys, item_column, value_column}) < len(keys) + 2:
        raise LongTableError("the respondent, item and value columns must be different columns")
    texts = frame[[*keys, item_column]].astype("string").fillna("").apply(lambda c: c.str.strip())
    for column in [*keys, item_column]:
        blank = texts[column] == ""
        if blank.any():
            raise LongTableError(f"column {str(column)!r} is blank in row(s) {_rows(blank)}: "
                                 "every answer needs a respondent and an item name")
    twice = texts.duplicated(keep=False)
    if twice.any():
        raise LongTableError(f"the same respondent answers the same item more than once in "
                             f"rows {_rows(twice)}: keep one row per respondent and item")
    codes, _ = pd.factorize(pd.MultiIndex.from_frame(texts[keys]))
    item_names = list(dict.fromkeys(texts[item_column]))
    item_codes = pd.Categorical(texts[item_column], categories=item_names).codes
    n = int(codes.max()) + 1 if len(codes) else 0
    first = pd.Series(range(len(frame))).groupby(codes).first().to_numpy()
    out = {str(key): frame[key].to_numpy(object)[first] for key in keys}
    notes = []
    dropped = []
    for column in frame.columns:
        if column in (*keys, item_column, value_column):
            continue
        values = frame[column].astype("string").fillna("")
        if (values.groupby(codes).nunique() <= 1).all():
            out[str(column)] = frame[column].to_numpy(object)[first]
        else:
            dropped.append(str(column))
    if dropped:
        notes.append(f"left out column(s) {', '.join(dropped)}: their values differ within a "
                     "respondent")
    import numpy as np

    answers = frame[value_column].to_numpy(object)
    text_answers = frame[value_column].dtype == object or pd.api.types.is_string_dtype(
        frame[value_column])
    source_rows: dict[str, np.ndarray] = {}
    for index, name in enumerate(item_names):
        if name in out:
            raise LongTableError(f"item name {name!r} is also the name of another column: "
                                 "rename that column")
        cells = np.full(n, "" if text_answers else None, dtype=object)
        rows = item_codes == index
        cells[codes[rows]] = answers[rows]
        out[name] = cells
        source_rows[name] = np.full(n, -1, dtype=np.int64)
        source_rows[name][codes[rows]] = np.flatnonzero(rows)
    wide = pd.DataFrame(out)
    if text_answers:
        for name in item_names:
            wide[name] = wide[name].where(pd.notna(wide[name]), "")
    return Widened(wide, tuple(str(k) for k in keys), tuple(item_names), notes, source_rows,
                   np.asarray(first))
