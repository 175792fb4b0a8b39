"""Expected trajectories from a clinic's own history, and the markers on one client's series.

:func:`expected_trajectory` answers "how did clients who started like this one go on?":
it takes every client's series of one score, keeps the clients whose first score is
closest to ``first_score``, and returns per session number the median and the 25-75%
band of their scores. It is an empirical comparison with the clinic's own clients, not
a validated norm; pages label it as such.

:func:`series_markers` marks one client's series: reliable change against the first
score (from the score's norms) and ruptures (a drop of at least a rule's points since the
earlier score the rule compares with). Pure pandas and numpy, no Streamlit, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alliance_kit.engine.change import (
    RECOVERED,
    RELIABLE_DETERIORATION,
    RELIABLE_IMPROVEMENT,
    classify_change,
    reliable_change_threshold,
)

__all__ = ["Expected", "expected_trajectory", "series_markers", "MARKERS"]

#: Default: at most this many clients with the nearest first scores make up the norm.
NEAREST = 50
#: Sessions with fewer clients than this are left out (too few to show a band, and a
#: band from one or two clients would show their scores).
MIN_CLIENTS = 5

#: Marker names, most important first (a point shows the first that applies).
RUPTURE = "rupture"
MARKERS = (RUPTURE, RELIABLE_DETERIORATION, RECOVERED, RELIABLE_IMPROVEMENT)


@dataclass(frozen=True)
class Expected:
    """An expected trajectory: per session, median, 25th and 75th percentile and n."""

    #: Columns: session, median, q25, q75, n (clients with a score at that session).
    table: pd.DataFrame
    #: How many clients were compared, and the range of their first scores.
    clients: int
    first_low: float | None
    first_high: float | None

    @property
    def empty(self) -> bool:
        return self.table.empty

    def describe(self) -> str:
        """One line for people: who the expected band is made of."""
        if self.empty or self.first_low is None:
            return ("No expected trajectory: the clinic has too few clients with a similar "
                    "first score yet.")
        low, high = _fmt(self.first_low), _fmt(self.first_high)
        first = f"{low}" if low == high else f"{low} to {high}"
        return (f"Expected trajectory from this clinic's own history (not a published norm): "
                f"median and 25–75% band of {self.clients} clients whose first score was "
                f"{first}, by session number; sessions with fewer than {MIN_CLIENTS} of "
                "them are not shown.")


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


EMPTY_COLUMNS = ["session", "median", "q25", "q75", "n"]


def expected_trajectory(
    frame: pd.DataFrame,
    first_score: float,
    *,
    client: str = "client",
    session: str = "session",
    score: str = "score",
    nearest: int = NEAREST,
    tolerance: float | None = None,
    min_clients: int = MIN_CLIENTS,
) -> Expected:
    """The median and 25-75% band by session of the clients whose first score is like this.

    ``frame`` holds one row per client and session (any order): the client's id, the
    session number and the score; rows with a missing score are ignored. A client's
    first score is the one at their lowest session number. The clients compared are the
    ``nearest`` ones by distance of their first score to ``first_score`` (all clients at
    the same distance as the last one chosen are kept, so the choice does not depend on
    row order), and, when ``tolerance`` is given, only those within it. Sessions with
    fewer than ``min_clients`` of them are left out, as is everything when fewer than
    ``min_clients`` clients are compared.
    """
    for name in (client, session, score):
        if name not in frame.columns:
            raise KeyError(f"column {name!r} not in frame")
    if nearest < 1 or min_clients < 1:
        raise ValueError("nearest and min_clients must be at least 1")
    work = pd.DataFrame({
        "client": frame[client].to_numpy(),
        "session": pd.to_numeric(frame[session], errors="coerce").to_numpy(),
        "score": pd.to_numeric(frame[score], errors="coerce").to_numpy(dtype=float),
    }).dropna()
    empty = Expected(pd.DataFrame(columns=EMPTY_COLUMNS), 0, None, None)
    if work.empty or not np.isfinite(first_score):
        return empty
    work = work.sort_values(["client", "session"], kind="mergesort")
    firsts = work.groupby("client", sort=True)["score"].first()
    distance = (firsts - first_score).abs()
    if tolerance is not None:
        distance = distance[distance <= tolerance + 1e-9]
    if distance.empty:
        return empty
    limit = distance.nsmallest(nearest).max()
    chosen = distance.index[distance <= limit + 1e-9]
    if len(chosen) < min_clients:
        return empty
    picked = work[work["client"].isin(chosen)]
    grouped = picked.groupby("session", sort=True)["score"]
    table = pd.DataFrame({
        "median": grouped.median(),
        "q25": grouped.quantile(0.25),
        "q75": grouped.quantile(0.75),
        "n": grouped.count().astype(np.int64),
    })
    table = table[table["n"] >= min_clients].reset_index()
    table["session"] = table["session"].astype(np.int64)
    first_chosen = firsts.loc[chosen]
    return Expected(table[EMPTY_COLUMNS], len(chosen), float(first_chosen.min()),
                    float(first_chosen.max()))


def series_markers(
    scores: Any,
    norms: Mapping[str, Any] | None,
    *,
    rupture_drop: float | None = None,
    rupture_compare_to: str = "last_available",
) -> np.ndarray:
    """Per score of one client's series (oldest first): a marker name from MARKERS or None.

    Reliable change compares each score with the first one, using the score's norms
    (none when the norms give no way to judge it); a rupture is a drop of at least
    ``rupture_drop`` points since the earlier score (only when a drop rule is given; as in
    the drop alert, ``rupture_compare_to`` says whether that is the last earlier score
    there is, or only the one just before, so nothing is compared next to a gap).
    A rupture wins over reliable change at the same point; the first score has no marker.
    """
    values = np.asarray(pd.to_numeric(pd.Series(scores), errors="coerce"), dtype=float)
    out = np.full(values.shape, None, dtype=object)
    if values.size == 0:
        return out
    present = np.flatnonzero(np.isfinite(values))
    if present.size == 0:
        return out
    if reliable_change_threshold(norms) is not None:
        categories = classify_change(values[present[0]], values, norms)
        for marker in (RELIABLE_IMPROVEMENT, RECOVERED, RELIABLE_DETERIORATION):
            out[categories == marker] = marker
    if rupture_drop is not None:
        previous = pd.Series(values).shift(1)
        if rupture_compare_to == "last_available":
            previous = previous.ffill()
        previous = previous.to_numpy()
        with np.errstate(invalid="ignore"):
            fall = previous - values
        out[np.isfinite(fall) & (fall >= rupture_drop - 1e-9)] = RUPTURE
    out[present[0]] = None
    out[: present[0]] = None
    return out
