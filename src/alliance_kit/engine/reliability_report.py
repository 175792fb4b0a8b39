"""Reliability of an instrument's scores on a table of responses, ready to print or save.

For each score built from two or more items (and, with ``by``, for each group of rows: a
site, a language) the statistics of :mod:`alliance_kit.engine.psychometrics`: alpha,
standardized alpha, omega, the mean inter-item r, the scale's mean and sd, n; and per item
n, mean, sd, raw_r, r_drop and alpha if deleted. Items are keyed (reversed) first. Three
forms: JSON, CSV rows (one per score, then one per item) and a text table; numbers in full
precision except in the text table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alliance_kit.engine import psychometrics

if TYPE_CHECKING:
    import pandas as pd

    from alliance_kit.engine.definitions import Instrument

#: The scale-level statistics, in the order every form shows them.
SCALE_FIELDS = ("alpha", "std_alpha", "omega", "average_r", "mean", "sd", "n_items",
                "n_respondents")
#: The item-level statistics, in order.
ITEM_FIELDS = ("n", "mean", "sd", "raw_r", "r_drop", "alpha_if_deleted")
#: CSV columns after the group column (when there is one).
CSV_COLUMNS = ("score", "item", "n", "mean", "sd", "raw_r", "r_drop", "alpha_if_deleted",
               "alpha", "std_alpha", "omega", "average_r", "n_items")


@dataclass(frozen=True)
class ScaleReliability:
    """One score's reliability over one group of rows (``group`` None: all rows)."""

    score: str
    group: str | None
    scale: dict[str, Any]
    items: pd.DataFrame


def reliable_scores(instrument: Instrument, score_ids: Sequence[str] = ()) -> list[str]:
    """The scores reliability can be computed for (built from two or more items), in the
    instrument's order; ``score_ids`` narrows them. ValueError names what is not possible."""
    unknown = [s for s in score_ids if s not in {spec.id for spec in instrument.scores}]
    if unknown:
        known = ", ".join(spec.id for spec in instrument.scores)
        raise ValueError(f"{instrument.id} has no score {', '.join(unknown)} (scores: {known})")
    chosen = [spec.id for spec in instrument.scores
              if len(spec.items) >= 2 and (not score_ids or spec.id in score_ids)]
    if not chosen:
        raise ValueError("no score built from two or more items was chosen: reliability "
                         "needs at least two items")
    return chosen


def reliability(instrument: Instrument, keyed: pd.DataFrame, score_ids: Sequence[str] = (),
                groups: pd.Series | None = None) -> list[ScaleReliability]:
    """Every chosen score's reliability over ``keyed`` item values (see the module
    docstring), per group of ``groups`` (sorted, a blank group last) when given."""
    chosen = reliable_scores(instrument, score_ids)
    if groups is None:
        parts: list[tuple[str | None, pd.DataFrame]] = [(None, keyed)]
    else:
        labels = groups.astype("string").fillna("").str.strip().to_numpy(object)
        names = sorted(set(labels), key=lambda g: (g == "", g))
        parts = [(name, keyed[labels == name]) for name in names]
    out = []
    for group, rows in parts:
        for score_id in chosen:
            items = rows[list(instrument.score(score_id).items)]
            scale = psychometrics.reliability_table(items)
            stats = psychometrics.item_statistics(items)
            out.append(ScaleReliability(score_id, group, scale, stats))
    return out


def _number(value: Any, name: str = "") -> Any:
    """A statistic as JSON or CSV holds it: NaN becomes None (null, blank), counts ints."""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if name in ("n", "n_items", "n_respondents") and value is not None:
        return int(value)
    return value


def as_json(reports: Iterable[ScaleReliability], instrument: Instrument, source: str,
            by: str | None = None) -> dict[str, Any]:
    """The reports as one JSON object (full precision; null where undefined)."""
    scores = []
    for report in reports:
        entry: dict[str, Any] = {"score": report.score}
        if by is not None:
            entry[by] = report.group
        entry.update({name: _number(report.scale[name], name) for name in SCALE_FIELDS})
        entry["constant_items"] = list(report.scale["constant_items"])
        entry["items"] = [
            {"item": str(item), **{name: _number(row[name], name) for name in ITEM_FIELDS}}
            for item, row in report.items.iterrows()]
        scores.append(entry)
    return {"instrument": instrument.id, "version": instrument.version, "input": source,
            "by": by, "scores": scores}


def as_rows(reports: Iterable[ScaleReliability], by: str | None = None) -> list[dict[str, Any]]:
    """CSV rows: per score (and group) one row for the scale (``item`` blank, ``n`` the
    respondents, ``mean`` and ``sd`` of their scale means), then one row per item."""
    rows = []
    for report in reports:
        lead = {by: report.group} if by is not None else {}
        scale = report.scale
        rows.append({**lead, "score": report.score, "item": "", "n": scale["n_respondents"],
                     "mean": _number(scale["mean"]), "sd": _number(scale["sd"]),
                     **{name: _number(scale[name], name) for name in
                        ("alpha", "std_alpha", "omega", "average_r", "n_items")}})
        for item, row in report.items.iterrows():
            rows.append({**lead, "score": report.score, "item": str(item),
                         **{name: _number(row[name], name) for name in ITEM_FIELDS}})
    return rows


def csv_columns(by: str | None = None) -> list[str]:
    return ([by] if by is not None else []) + list(CSV_COLUMNS)


def as_text(reports: Iterable[ScaleReliability], by: str | None = None) -> str:
    """A table to read: each score's line of scale statistics, then its items (3 decimals)."""
    import pandas as pd

    blocks = []
    for report in reports:
        scale = report.scale
        where = f" [{by} = {report.group or '(blank)'}]" if by is not None else ""
        blocks.append(
            f"{report.score}{where}: alpha {_fixed(scale['alpha'])}  std alpha "
            f"{_fixed(scale['std_alpha'])}  omega {_fixed(scale['omega'])}  items "
            f"{scale['n_items']}  respondents {scale['n_respondents']}")
        with pd.option_context("display.width", 120):
            blocks.append(report.items.round(3).to_string())
        blocks.append("")
    return "\n".join(blocks)


def _fixed(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.3f}"
