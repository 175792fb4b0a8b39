"""Respondent attributes (e.g. sex) and the cut-offs that depend on them.

An attribute value the definition does not list (AUDIT-C with ``sex=other``) does not
reject the table: it is read as not recorded, so each cut-off that depends on the
attribute uses its ``otherwise`` value (or leaves its flag blank without one), and every
such row gets a warning naming the value and what the cut-offs did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alliance_kit.engine import rules
from alliance_kit.engine.responses import ResponseWarning

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument

#: ``ResponseWarning.kind`` of an attribute value the definition does not list.
UNLISTED = "attribute"


def read_attributes(
    instrument: Instrument, data: pd.DataFrame
) -> tuple[dict[str, np.ndarray], list[ResponseWarning]]:
    """Each declared attribute per row, spelled as declared (None = not recorded), and a
    warning per row whose value is not declared (that row reads it as not recorded).

    Values match without regard to case or surrounding spaces; a blank cell or a missing
    column means not recorded.
    """
    found: dict[str, np.ndarray] = {}
    warnings: list[ResponseWarning] = []
    for name, spec in instrument.attributes.items():
        if name not in data.columns:
            found[name] = np.full(len(data), None, dtype=object)
            continue
        declared = {value.lower(): value for value in spec["values"]}
        typed = data[name].astype("string").str.strip()
        text = typed.str.lower().map(declared, na_action="ignore")
        unknown = (typed.notna() & (typed != "") & text.isna()).to_numpy(bool)
        if unknown.any():
            shown = data[name].to_numpy(object)
            consequence = _consequence(instrument, name)
            allowed = ", ".join(spec["values"])
            for value, rows in _rows_by_value(shown, unknown).items():
                message = (f"{value!r} is not one of {allowed}: read as not recorded, "
                           f"so {consequence}")
                strict = f"{value!r} is not a value of {name}: give one of {allowed} or leave " \
                         "it blank"
                warnings += [ResponseWarning(int(row), name, message, UNLISTED, strict)
                             for row in rows]
        found[name] = text.astype(object).where(text.notna(), None).to_numpy(object)
    return found, warnings


def _rows_by_value(shown: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of ``mask`` grouped by their value as shown (at most 40 characters)."""
    rows = np.flatnonzero(mask)
    labels = pd.Series([str(v)[:40] for v in shown[rows]])
    return {value: rows[index.to_numpy()] for value, index in labels.groupby(labels).groups.items()}


def _consequence(instrument: Instrument, name: str) -> str:
    """What reading ``name`` as not recorded does to the cut-offs that depend on it."""
    parts = []
    for score in instrument.scores:
        for cutoff in score.cutoffs:
            value = cutoff["value"]
            if not isinstance(value, Mapping) or value["attribute"] != name:
                continue
            label = f"cut-off {cutoff['id']!r} of {score.id!r}"
            if "otherwise" in value:
                parts.append(f"{label} used its 'otherwise' value {value['otherwise']:g}")
            else:
                parts.append(f"{label} has no 'otherwise' value, so its flag is blank")
    return "; ".join(parts) if parts else "no cut-off depends on it"


def cutoff_flag(cutoff: Mapping[str, Any], values: np.ndarray,
                attributes: Mapping[str, np.ndarray]) -> pd.arrays.BooleanArray:
    """Whether ``score op threshold`` holds; missing where the score or threshold is.

    A threshold that depends on an attribute takes the attribute's listed value, else
    ``otherwise``, else is missing (so is the flag).
    """
    threshold = cutoff["value"]
    if isinstance(threshold, Mapping):
        by = attributes[threshold["attribute"]]
        default = threshold.get("otherwise", np.nan)
        threshold = (
            pd.Series(by, dtype=object)
            .map(threshold["values"])
            .astype(float)
            .fillna(default)
            .to_numpy(float)
        )
    raised = rules.compare(values, cutoff["op"], threshold)
    known = ~np.isnan(values) & ~np.isnan(np.asarray(threshold, dtype=float))
    return pd.arrays.BooleanArray(raised, ~known)
