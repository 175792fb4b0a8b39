"""What counts as a low alliance at a session: below an instrument's cut-off, or a rupture.

An *alliance signal* is an alliance instrument (tagged ``alliance``) whose primary score has
a cut-off, or a ``drop`` alert rule (a rupture), or both: the SRS has both, the session
check-in a rupture rule only. Both the attendance alerts ("missed after a low alliance")
and the clinic's return evidence read results through here, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alliance_kit.engine import change
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.rules import compare

#: The side of a cut-off that the cut-off flags, and the other side, by its operator.
FLAGGED_SIDE = {"<": "below", "<=": "at-or-below", ">": "above", ">=": "at-or-above"}
OTHER_SIDE = {"<": "at-or-above", "<=": "above", ">": "at-or-below", ">=": "below"}
SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
RUPTURE, NO_RUPTURE = "rupture", "no-rupture"
#: Rupture drops are compared with this tolerance (30.3 -> 29.3 is a drop of 1).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class AllianceSignal:
    """One alliance instrument's primary score, its cut-off and its rupture rule."""

    instrument_id: str
    label: str
    score_id: str
    cutoff_id: str | None = None
    cutoff_op: str | None = None
    cutoff_value: float | None = None
    rupture_at_least: float | None = None

    @property
    def flagged_group(self) -> str | None:
        return f"{FLAGGED_SIDE[self.cutoff_op]}-cutoff" if self.cutoff_op else None

    @property
    def other_group(self) -> str | None:
        return f"{OTHER_SIDE[self.cutoff_op]}-cutoff" if self.cutoff_op else None

    def cutoff_words(self) -> str:
        """'≤ 36' for the SRS: the flagged side of the cut-off."""
        return f"{SYMBOLS[self.cutoff_op]} {self.cutoff_value:g}" if self.cutoff_op else ""

    def group_words(self, group: str) -> str:
        """A group as people read it: 'SRS total ≤ 36', 'SRS rupture'."""
        if group == self.flagged_group:
            return f"{self.label} {self.score_id} {self.cutoff_words()}"
        if group == self.other_group:
            other = {"<": "≥", "<=": ">", ">": "≤", ">=": "<"}[self.cutoff_op]
            return f"{self.label} {self.score_id} {other} {self.cutoff_value:g}"
        return f"{self.label} {'rupture' if group == RUPTURE else 'no rupture'}"


def signal_of(instrument: Instrument) -> AllianceSignal | None:
    """The instrument's alliance signal, or None when it is not an alliance instrument with
    a cut-off or a rupture rule on its primary score."""
    score_id = instrument.primary_score_id
    if instrument.kind != "alliance" or score_id is None:
        return None
    cutoff = next(iter(instrument.score(score_id).cutoffs), None)
    value = cutoff_value(cutoff["value"]) if cutoff else None
    rupture = next((float(a.spec["at_least"]) for a in instrument.alerts
                    if a.type == "drop" and a.spec.get("score") == score_id), None)
    if cutoff is not None and (value is None or cutoff["op"] not in FLAGGED_SIDE):
        cutoff = None
    if cutoff is None and rupture is None:
        return None
    return AllianceSignal(instrument.id, instrument.label(), score_id,
                          cutoff["id"] if cutoff else None, cutoff["op"] if cutoff else None,
                          value if cutoff else None, rupture)


def signals(instruments: Iterable[Instrument]) -> list[AllianceSignal]:
    """Every instrument's signal, by instrument id."""
    found = [signal_of(i) for i in sorted(instruments, key=lambda i: i.id)]
    return [s for s in found if s is not None]


def cutoff_value(value: Any) -> float | None:
    """A cut-off's value; for one that depends on an attribute, its 'otherwise' value."""
    if isinstance(value, Mapping):
        value = value.get("otherwise")
    return None if value is None else float(value)


def classify(signal: AllianceSignal, series: pd.DataFrame) -> pd.DataFrame:
    """Each result as low or not, keeping ``series``' index.

    ``series`` has ``client``, ``order`` (anything sortable: the session date or number)
    and ``value`` (the primary score, NaN when missing). Adds ``flagged`` (1.0 on the
    cut-off's flagged side, 0.0 on the other, NaN without a cut-off or a value),
    ``drop`` (points below the client's previous result), ``rupture`` (1.0/0.0, NaN for a
    first result or without a rupture rule) and ``low`` (flagged or rupture).
    """
    out = series.copy()
    values = out["value"].to_numpy(float)
    if signal.cutoff_op is not None:
        hit = compare(values, signal.cutoff_op, signal.cutoff_value)
        out["flagged"] = np.where(np.isnan(values), np.nan, hit.astype(float))
    else:
        out["flagged"] = np.nan
    if len(out):
        out["drop"] = change.drops(out, client="client", order="order", score="value")
    else:
        out["drop"] = pd.Series(dtype=float)
    if signal.rupture_at_least is not None:
        drops = out["drop"].to_numpy(float)
        out["rupture"] = np.where(np.isnan(drops), np.nan,
                                  (drops >= signal.rupture_at_least - TOLERANCE).astype(float))
    else:
        out["rupture"] = np.nan
    out["low"] = (out["flagged"] == 1) | (out["rupture"] == 1)
    return out


def low_words(signal: AllianceSignal, row: Mapping[str, Any]) -> str:
    """Why one result counts as low, in words ('SRS total 34 (≤ 36)', 'a drop of 3.5')."""
    parts = []
    if row.get("flagged") == 1:
        parts.append(f"{signal.label} {row['value']:g} ({signal.cutoff_words()})")
    if row.get("rupture") == 1:
        parts.append(f"{signal.label} down {row['drop']:g} points since the session before "
                     "(rupture)")
    return " and ".join(parts)


__all__ = ["NO_RUPTURE", "RUPTURE", "AllianceSignal", "classify", "cutoff_value",
           "low_words", "signal_of", "signals"]
