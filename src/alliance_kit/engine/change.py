"""Reliable and clinically significant change over a client's series of scores.

Follows Jacobson & Truax (1991): RC = (x2 - x1) / S_diff with
S_diff = sqrt(2) * SE and SE = s1 * sqrt(1 - r) (s1 the clinical SD, r the
reliability); |RC| > 1.96 is reliable change. An instrument may instead publish a
fixed reliable-change threshold in points (ORS 5, PHQ-9 6, GAD-7 4); change is
then reliable when |x2 - x1| >= threshold. The clinical cut-off is the published one,
else Jacobson & Truax's criterion c = (SD_clin * M_norm + SD_norm * M_clin) /
(SD_norm + SD_clin), else (both means known, not both SDs) the midpoint of the two
means, which is criterion c with equal SDs; :func:`clinical_cutoff_basis` says which.

Norms are a plain dict (from an instrument definition), every key optional::

    {"clinical": {"mean": 19.6, "sd": 8.0}, "nonclinical": {"mean": 28.0, "sd": 6.0},
     "reliability": 0.8, "reliable_change": 5, "clinical_cutoff": 25,
     "improvement": "increase"}

Comparisons against a boundary (threshold, 1.96, cut-off) treat values within
1e-9 of it as lying on it, so that e.g. 23.3 - 18.3 counts as a change of 5.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "RELIABLE_DETERIORATION",
    "NO_RELIABLE_CHANGE",
    "RELIABLE_IMPROVEMENT",
    "RECOVERED",
    "CATEGORIES",
    "RCI_CRITICAL",
    "reliable_change_threshold",
    "reliable_change_index",
    "clinical_cutoff",
    "clinical_cutoff_basis",
    "cutoff_words",
    "CUTOFF_BASES",
    "classify_change",
    "series_change",
    "drops",
    "previous_scores",
    "COMPARE_TO",
]

RELIABLE_DETERIORATION = "reliable deterioration"
NO_RELIABLE_CHANGE = "no reliable change"
RELIABLE_IMPROVEMENT = "reliable improvement"
RECOVERED = "recovered"
CATEGORIES: tuple[str, ...] = (
    RELIABLE_DETERIORATION,
    NO_RELIABLE_CHANGE,
    RELIABLE_IMPROVEMENT,
    RECOVERED,
)
RCI_CRITICAL = 1.96
_EPS = 1e-9
#: What a session is compared with: the one just before it, or the last earlier one that
#: has a score (skipping sessions whose score is missing).
COMPARE_TO = ("previous", "last_available")

Norms = Mapping[str, Any] | None


def _number(value: Any, name: str) -> float | None:
    """Return ``value`` as a finite float, None if absent, or raise ValueError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"norms {name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"norms {name} must be a number, got {value!r}") from exc
    if not math.isfinite(number):
        raise ValueError(f"norms {name} must be finite, got {value!r}")
    return number


def _population(norms: Norms, which: str) -> tuple[float | None, float | None]:
    """Return (mean, sd) of the ``clinical`` or ``nonclinical`` population, if given."""
    section = (norms or {}).get(which)
    if section is None:
        return None, None
    if not isinstance(section, Mapping):
        raise ValueError(f"norms {which} must be a mapping with 'mean' and 'sd'")
    mean = _number(section.get("mean"), f"{which}.mean")
    sd = _number(section.get("sd"), f"{which}.sd")
    if sd is not None and sd <= 0:
        raise ValueError(f"norms {which}.sd must be positive, got {sd}")
    return mean, sd


def _higher_is_better(norms: Norms) -> bool:
    """Return True when an increase in score is improvement (the default)."""
    direction = (norms or {}).get("improvement", "increase")
    if direction not in ("increase", "decrease"):
        raise ValueError(f"norms improvement must be 'increase' or 'decrease', got {direction!r}")
    return direction == "increase"


def _fixed_threshold(norms: Norms) -> float | None:
    """Return the published reliable-change threshold in points, if any."""
    threshold = _number((norms or {}).get("reliable_change"), "reliable_change")
    if threshold is not None and threshold <= 0:
        raise ValueError(f"norms reliable_change must be positive, got {threshold}")
    return threshold


def _s_diff(norms: Norms) -> float | None:
    """Return S_diff = s1 * sqrt(2 * (1 - r)) from clinical SD and reliability, if known."""
    _, sd = _population(norms, "clinical")
    r = _number((norms or {}).get("reliability"), "reliability")
    if sd is None or r is None:
        return None
    if not 0.0 <= r < 1.0:
        raise ValueError(f"norms reliability must be in [0, 1), got {r}")
    return sd * math.sqrt(2.0 * (1.0 - r))


def _as_float_array(values: Any) -> np.ndarray:
    """Return ``values`` as a float ndarray, pandas missing values becoming NaN."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(values, dtype=np.float64)


def reliable_change_threshold(norms: Norms) -> float | None:
    """Points of change needed for reliable change: fixed threshold, else 1.96 * S_diff."""
    fixed = _fixed_threshold(norms)
    if fixed is not None:
        return fixed
    s_diff = _s_diff(norms)
    return None if s_diff is None else RCI_CRITICAL * s_diff


def reliable_change_index(x1: Any, x2: Any, norms: Norms) -> np.ndarray:
    """Jacobson-Truax RC = (x2 - x1) / S_diff per element (NaN where either is NaN).

    S_diff comes from the clinical SD and reliability when both are given. When
    only a fixed threshold (``reliable_change``) is known, S_diff is taken as
    threshold / 1.96, so that |RC| > 1.96 agrees with |x2 - x1| > threshold (a
    change of exactly the threshold gives |RC| = 1.96; ``classify_change`` counts
    it as reliable because the fixed-threshold rule is inclusive). Raises
    ValueError when neither is available.
    """
    s_diff = _s_diff(norms)
    if s_diff is None:
        fixed = _fixed_threshold(norms)
        if fixed is None:
            raise ValueError(
                "cannot compute a reliable change index: norms need clinical.sd and "
                "reliability, or a fixed reliable_change threshold"
            )
        s_diff = fixed / RCI_CRITICAL
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return (_as_float_array(x2) - _as_float_array(x1)) / s_diff


#: How a clinical cut-off was found (:func:`clinical_cutoff_basis`).
PUBLISHED = "published"
CRITERION_C = "criterion c"
MIDPOINT = "midpoint of means"
CUTOFF_BASES = {
    PUBLISHED: "the published clinical cut-off",
    CRITERION_C: "Jacobson & Truax's criterion c from both populations' means and SDs: "
                 "(SD_clin * M_norm + SD_norm * M_clin) / (SD_norm + SD_clin)",
    MIDPOINT: "the midpoint of the clinical and non-clinical means: Jacobson & Truax's "
              "criterion c with the two SDs taken as equal, as they are not both known",
}


def clinical_cutoff_basis(norms: Norms) -> tuple[float | None, str | None]:
    """(c, how it was found): the published cut-off; else Jacobson & Truax's criterion c
    from both populations' means and SDs; else, with both means but not both SDs, the
    midpoint of the means (criterion c with equal SDs); else (None, None). The second
    value is a key of :data:`CUTOFF_BASES`, which says it in words."""
    published = _number((norms or {}).get("clinical_cutoff"), "clinical_cutoff")
    if published is not None:
        return published, PUBLISHED
    m_clin, sd_clin = _population(norms, "clinical")
    m_norm, sd_norm = _population(norms, "nonclinical")
    if m_clin is None or m_norm is None:
        return None, None
    if sd_clin is None or sd_norm is None:
        return (m_clin + m_norm) / 2, MIDPOINT
    return (sd_clin * m_norm + sd_norm * m_clin) / (sd_norm + sd_clin), CRITERION_C


def clinical_cutoff(norms: Norms) -> float | None:
    """Clinical cut-off c: see :func:`clinical_cutoff_basis` (None when there is no way)."""
    return clinical_cutoff_basis(norms)[0]


def cutoff_words(norms: Norms) -> str | None:
    """"clinical cut-off c = 23.8 (the midpoint of ...)", or None without a cut-off."""
    value, basis = clinical_cutoff_basis(norms)
    if value is None:
        return None
    return f"clinical cut-off c = {value:.4g} ({CUTOFF_BASES[basis]})"


def classify_change(baseline: Any, current: Any, norms: Norms) -> np.ndarray:
    """Change category per element (one of CATEGORIES), None where either value is NaN.

    Reliable change uses the fixed threshold when given (|diff| >= threshold),
    else the RCI (|RC| > 1.96). "recovered" means reliable improvement with the
    baseline on the dysfunctional side of c and the current score on the functional
    side: strictly beyond c in the better direction, or at c when the norms say
    ``"at_cutoff": "functional"``; without a cut-off nobody is "recovered".
    Inputs broadcast against each other; scalars give a 0-d array.
    """
    higher_better = _higher_is_better(norms)
    base, curr = np.broadcast_arrays(_as_float_array(baseline), _as_float_array(current))
    valid = np.isfinite(base) & np.isfinite(curr)
    fixed = _fixed_threshold(norms)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = curr - base
        if fixed is not None:
            reliable = np.abs(diff) >= fixed - _EPS
        else:
            rc = reliable_change_index(base, curr, norms)
            reliable = np.abs(rc) > RCI_CRITICAL + _EPS
        better = diff if higher_better else -diff
        improved = valid & reliable & (better > 0)
        deteriorated = valid & reliable & (better < 0)
        recovered = np.zeros(base.shape, dtype=bool)
        cut = clinical_cutoff(norms)
        if cut is not None:
            sign = 1.0 if higher_better else -1.0
            # A score exactly at c is clinical unless the norms say it is functional.
            edge = -_EPS if (norms or {}).get("at_cutoff") == "functional" else _EPS
            functional_base = sign * (base - cut) > edge
            functional_curr = sign * (curr - cut) > edge
            recovered = improved & ~functional_base & functional_curr
    out = np.full(base.shape, NO_RELIABLE_CHANGE, dtype=object)
    out[deteriorated] = RELIABLE_DETERIORATION
    out[improved] = RELIABLE_IMPROVEMENT
    out[recovered] = RECOVERED
    out[~valid] = None
    return out


def _ordered(frame: pd.DataFrame, client: str, order: str, score: str) -> pd.DataFrame:
    """Return client/order/score columns with a positional index, stably sorted by order."""
    for name in (client, order, score):
        if name not in frame.columns:
            raise KeyError(f"column {name!r} not in frame")
    work = pd.DataFrame(
        {
            "client": frame[client].to_numpy(),
            "order": frame[order].to_numpy(),
            "score": _as_float_array(frame[score]),
        }
    )
    return work.sort_values("order", kind="mergesort")


def series_change(
    frame: pd.DataFrame, *, client: str, order: str, score: str, norms: Norms
) -> pd.DataFrame:
    """Per-client baseline, latest, n, change, rci and category over a series of scores.

    Rows are ordered by ``order`` (stably); baseline is the first non-missing score
    and latest the last, n counts non-missing scores. With fewer than 2 scores
    change and rci are NaN and category is None. When the norms give no way to
    judge reliable change, rci is NaN and category None instead of raising.
    The result is indexed by client (sorted); rows with a missing client are dropped.
    """
    work = _ordered(frame, client, order, score)
    grouped = work.groupby("client", sort=True)["score"]
    out = pd.DataFrame(
        {"baseline": grouped.first(), "latest": grouped.last(), "n": grouped.count()}
    )
    out.index.name = client
    out["n"] = out["n"].astype(np.int64)
    base = out["baseline"].to_numpy(dtype=np.float64)
    latest = np.where(out["n"].to_numpy() >= 2, out["latest"].to_numpy(dtype=np.float64), np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        out["change"] = latest - base
    _higher_is_better(norms)  # validate direction even when change cannot be judged
    if reliable_change_threshold(norms) is None:
        out["rci"] = np.nan
        category = np.full(len(out), None, dtype=object)
    else:
        out["rci"] = reliable_change_index(base, latest, norms)
        category = classify_change(base, latest, norms)
    out["category"] = pd.Series(category, index=out.index, dtype=object)
    return out


def previous_scores(frame: pd.DataFrame, *, client: str, order: str, score: str,
                    compare_to: str = "previous") -> pd.DataFrame:
    """Per row, the earlier score of the client's series it is compared with.

    Columns ``previous`` (the score, NaN if none) and ``position`` (that row's position in
    ``frame``, -1 if none), indexed like ``frame``. With ``compare_to="previous"`` it is
    the row just before in ``order`` (NaN when that score is missing); with
    ``"last_available"`` the last earlier row whose score is not missing. The first row of
    a client and rows with a missing client have none.
    """
    if compare_to not in COMPARE_TO:
        raise ValueError(f"compare_to={compare_to!r}: use one of {', '.join(COMPARE_TO)}")
    for name in (client, order, score):
        if name not in frame.columns:
            raise KeyError(f"column {name!r} not in frame")
    n = len(frame)
    values = _as_float_array(frame[score])
    # Numpy, not a pandas groupby: this runs at every submission, on a client's history.
    clients = pd.factorize(pd.Series(frame[client].to_numpy()), use_na_sentinel=True)[0]
    ranks = pd.Series(frame[order].to_numpy()).rank(method="first", na_option="bottom")
    sorted_rows = np.lexsort((ranks.to_numpy(dtype=float), clients))
    group = clients[sorted_rows]
    steps = np.arange(n)
    starts = np.maximum.accumulate(np.where(np.r_[True, group[1:] != group[:-1]], steps, 0))
    if compare_to == "last_available":
        seen = np.where(np.isfinite(values[sorted_rows]), steps, -1)
        last = np.r_[-1, np.maximum.accumulate(seen)[:-1]] if n else seen
    else:
        last = steps - 1
    ok = (last >= starts) & (group >= 0)
    position = np.full(n, -1)
    position[sorted_rows[ok]] = sorted_rows[last[ok]]
    previous = np.where(position >= 0, values[np.maximum(position, 0)], np.nan)
    return pd.DataFrame({"previous": previous, "position": position}, index=frame.index)


def drops(frame: pd.DataFrame, *, client: str, order: str, score: str,
          compare_to: str = "previous") -> pd.Series:
    """Per row, earlier - current score within the client's series (NaN if undefined).

    Rows are ordered by ``order`` within each client; the earlier score is the one
    :func:`previous_scores` picks (``compare_to``). The first row of a client, rows with a
    missing score or client, and (with ``"previous"``) rows just after a missing score get
    NaN. The result follows the frame's original index and order.
    """
    earlier = previous_scores(frame, client=client, order=order, score=score,
                              compare_to=compare_to)
    fall = earlier["previous"].to_numpy() - _as_float_array(frame[score])
    return pd.Series(fall, index=frame.index, name="drop")
