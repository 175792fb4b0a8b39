"""Which data column holds which item: matching a table's columns to an instrument's ids.

A column matches an item (or a respondent attribute such as ``sex``) when its name is the
id, ignoring case and surrounding spaces (``A1`` is item ``a1``). Any other naming is given
by a map (REDCap's ``phq9_1`` is item ``1``): ``--rename phq9_1=1`` or a ``--columns`` file.
Two columns that would fill one item are an error naming both; every other column passes
through untouched. :meth:`ColumnMatch.summary` says it all in one line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument

#: How many names a summary lists before "and N more".
SHOWN = 5


class ColumnError(ValueError):
    """The columns cannot be matched to the instrument unambiguously; the message says why."""


@dataclass(frozen=True)
class ColumnMatch:
    """How a table's columns map to an instrument's items and attributes."""

    #: Data column -> item or attribute id, for every column the engine reads.
    used: Mapping[str, str]
    #: Item ids no column matched (their answers are missing).
    unmatched_items: tuple[str, ...]
    #: Data columns the engine does not read (they pass through to the output).
    unused: tuple[str, ...]
    #: Map entries whose column is not in this table (one map may serve several exports).
    absent: tuple[str, ...] = ()
    #: How each used column was matched: "exact", "case" (case or spaces) or "map".
    how: Mapping[str, str] = field(default_factory=dict)

    def renamed(self) -> dict[str, str]:
        """The columns whose name is not already the id, as a pandas rename mapping."""
        return {column: ident for column, ident in self.used.items() if column != ident}

    def summary(self) -> str:
        """One line: what matched, how, which items have no column, which columns are
        not used."""
        items = [c for c in self.used if self.how.get(c) != "attribute"]
        parts = [f"{len(items)} item column(s) matched"]
        loose = [f"{c}→{self.used[c]}" for c in self.used if self.how.get(c) in ("case", "map")]
        if loose:
            parts[0] += f" ({len(loose)} by case, spaces or map: {_few(loose)})"
        if self.unmatched_items:
            parts.append(f"no column for item(s) {_few(self.unmatched_items)} (unanswered)")
        if self.unused:
            parts.append(f"not used: {_few(self.unused)}")
        if self.absent:
            parts.append(f"mapped but not in the data: {_few(self.absent)}")
        return "; ".join(parts)


def _few(names: Sequence[str]) -> str:
    shown = ", ".join(str(n) for n in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def _key(name: str) -> str:
    return str(name).strip().casefold()


def match_columns(instrument: Instrument, columns: Iterable[str],
                  mapping: Mapping[str, str] | None = None, *,
                  required: Iterable[str] = ()) -> ColumnMatch:
    """Match data ``columns`` to the instrument's item ids and attribute names.

    ``mapping`` is data column -> item id (either side matched ignoring case and spaces).
    A mapping entry whose column is not in the data is an error when the column is in
    ``required`` (names typed on the command line), else only noted (a map file may serve
    several exports). Raises :class:`ColumnError` when a column maps to no item, or two
    columns to one.
    """
    required = set(required)
    columns = [str(c) for c in columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ColumnError(f"column(s) {', '.join(map(repr, repeated))} appear more than once: "
                          "keep one of each")
    items = [item.id for item in instrument.items]
    targets = {_key(ident): ident for ident in [*items, *instrument.attributes]}
    by_key: dict[str, list[str]] = {}
    for column in columns:
        by_key.setdefault(_key(column), []).append(column)
    used: dict[str, str] = {}
    how: dict[str, str] = {}
    absent: list[str] = []
    for source, target in (mapping or {}).items():
        ident = targets.get(_key(target))
        if ident is None:
            raise ColumnError(f"column map: {target!r} (for column {source!r}) is not an item "
                              f"of {instrument.id}: use one of {_few(items)}")
        found = [source] if source in columns else by_key.get(_key(source), [])
        if not found:
            if source in required:
                raise ColumnError(f"column map: there is no column {source!r} in the data")
            absent.append(source)
            continue
        if len(found) > 1:
            raise ColumnError(f"column map: {source!r} matches columns "
                              f"{' and '.join(map(repr, found))}: name one exactly")
        used[found[0]] = ident
        how[found[0]] = "map"
    for column in columns:
        if column in used:
            continue
        ident = targets.get(_key(column))
        if ident is not None:
            used[column] = ident
            how[column] = "exact" if column == ident else "case"
    claimed: dict[str, list[str]] = {}
    for column, ident in used.items():
        claimed.setdefault(ident, []).append(column)
    for ident, claimants in claimed.items():
        if len(claimants) > 1:
            names = " and ".join(repr(c) for c in sorted(claimants, key=columns.index))
            raise ColumnError(f"columns {names} both match item {ident!r}: drop or rename one "
                              "(or say which with --rename COLUMN=ITEM)")
    for column, ident in used.items():
        if ident not in items:
            how[column] = "attribute"
    ordered = {column: used[column] for column in columns if column in used}
    return ColumnMatch(
        used=ordered,
        unmatched_items=tuple(i for i in items if i not in claimed),
        unused=tuple(c for c in columns if c not in used),
        absent=tuple(absent),
        how=how,
    )


def parse_renames(pairs: Iterable[str]) -> dict[str, str]:
    """``COLUMN=ITEM`` pairs (as typed after ``--rename``) as a mapping."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, equals, item = pair.partition("=")
        if not equals or not column.strip() or not item.strip():
            raise ColumnError(f"--rename {pair!r}: write COLUMN=ITEM, e.g. phq9_1=1")
        mapping[column.strip()] = item.strip()
    return mapping


def read_column_map(path: Path) -> dict[str, str]:
    """A column map file: JSON ``{"column": "item", ...}``, or CSV with two columns
    (data column, item id) and a header row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ColumnError(f"{path}: cannot read the column map: {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ColumnError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise ColumnError(f'{path}: a JSON column map is one object, {{"column": "item"}}')
        return dict(data)
    if path.suffix.lower() != ".csv":
        raise ColumnError(f"{path}: a column map is a .csv or .json file")
    rows = list(csv.reader(text.splitlines()))
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise ColumnError(f"{path}: row {number}: give a data column and an item id")
        mapping[row[0].strip()] = row[1].strip()
    return mapping
