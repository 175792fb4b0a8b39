"""The clinic's own evidence: do clients return after a low alliance? Statistics only.

Three views, each an *association in this clinic's data*, never a cause:

- **return by alliance result**: sessions grouped by the alliance result at that session
  (on the flagged side of the cut-off or not; a rupture or not), with how many were
  followed by a return within N days, the rate and its 95% Wilson score interval. A group
  of fewer than :data:`MIN_SESSIONS` sessions shows no rate ("too few");
- **a logistic regression** of return (0/1) on the alliance score: the odds ratio per
  point with its 95% interval. A client has many sessions, so the errors are
  cluster-robust by client (statsmodels ``Logit``, ``cov_type="cluster"``);
- **retention curves**: Kaplan-Meier estimates (statsmodels ``SurvfuncRight``) of the share
  of episodes not yet dropped out by day, grouped by the first alliance result of the
  episode; open episodes and planned endings are censored. Each curve stops where fewer
  than :data:`MIN_AT_RISK` episodes are left at risk.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance_kit.engine.alliance_signals import NO_RUPTURE, RUPTURE, AllianceSignal

#: z for a two-sided 95% interval.
Z95 = 1.959963984540054
#: Fewer sessions than this in a group: "too few" instead of a rate.
MIN_SESSIONS = 10
#: Fewer episodes than this in a group: no retention curve drawn for it.
MIN_EPISODES = 10
#: A curve is drawn while at least this many episodes are still at risk.
MIN_AT_RISK = 5
GROUP_COLUMNS = ["instrument", "score", "group", "sessions", "returned", "rate", "ci_low",
                 "ci_high"]
MODEL_COLUMNS = ["instrument", "score", "odds_ratio", "ci_low", "ci_high", "n"]
CURVE_COLUMNS = ["instrument", "group", "label", "day", "retained", "ci_low", "ci_high",
                 "at_risk"]


def wilson(returned: int, sessions: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``returned`` of ``sessions`` (NaN, NaN for none).

    centre = (p + z²/2n) / (1 + z²/n); half-width = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
    """
    if sessions <= 0:
        return math.nan, math.nan
    if not 0 <= returned <= sessions:
        raise ValueError(f"{returned} returns out of {sessions} sessions is impossible")
    n, p = float(sessions), returned / sessions
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 or n the interval touches 0 or 1 exactly (not 0.9999999999999999).
    low = 0.0 if returned == 0 else max(0.0, centre - half)
    high = 1.0 if returned == sessions else min(1.0, centre + half)
    return low, high


def group_row(signal: AllianceSignal, group: str, outcomes: pd.Series) -> dict:
    """One group's row: sessions, returns, and (from MIN_SESSIONS on) rate and interval."""
    outcomes = outcomes.dropna()
    n, k = len(outcomes), int(outcomes.sum())
    row = {"instrument": signal.instrument_id, "score": signal.score_id, "group": group,
           "sessions": n, "returned": k, "rate": None, "ci_low": None, "ci_high": None}
    if n >= MIN_SESSIONS:
        low, high = wilson(k, n)
        row.update(rate=k / n, ci_low=low, ci_high=high)
    return row


def groups(signal: AllianceSignal, results: pd.DataFrame) -> list[dict]:
    """The signal's groups from classified results with a ``returned`` column (0/1/NaN):
    the cut-off's flagged side and the other, then rupture and no rupture."""
    rows = []
    if signal.cutoff_op is not None:
        rows.append(group_row(signal, signal.flagged_group,
                              results.loc[results["flagged"] == 1, "returned"]))
        rows.append(group_row(signal, signal.other_group,
                              results.loc[results["flagged"] == 0, "returned"]))
    if signal.rupture_at_least is not None:
        rows.append(group_row(signal, RUPTURE, results.loc[results["rupture"] == 1, "returned"]))
        rows.append(group_row(signal, NO_RUPTURE,
                              results.loc[results["rupture"] == 0, "returned"]))
    return rows


@dataclass(frozen=True)
class Model:
    """A logistic regression of return on the score: odds ratio per point, or why none."""

    odds_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    clients: int
    note: str = ""


def logistic(results: pd.DataFrame) -> Model:
    """Return (0/1) on ``value``, errors cluster-robust by ``client``; sessions whose
    return is not known yet (NaN) are left out."""
    data = results.dropna(subset=["returned", "value"])
    n, clients = len(data), int(data["client"].nunique())
    y = data["returned"].to_numpy(float)
    if n < MIN_SESSIONS:
        return Model(None, None, None, n, clients, f"too few sessions (fewer than "
                                                  f"{MIN_SESSIONS})")
    if clients < 2:
        return Model(None, None, None, n, clients, "one client only: no model")
    if y.min() == y.max():
        what = "every" if y.min() == 1 else "no"
        return Model(None, None, None, n, clients, f"{what} session was followed by a return: "
                                                   "no model")
    if np.ptp(data["value"].to_numpy(float)) == 0:
        return Model(None, None, None, n, clients, "every score is the same: no model")
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    x = sm.add_constant(data["value"].to_numpy(float), has_constant="add")
    groups_ = pd.factorize(data["client"])[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fit = sm.Logit(y, x).fit(disp=0, cov_type="cluster",
                                     cov_kwds={"groups": groups_})
    except (PerfectSeparationError, np.linalg.LinAlgError, RuntimeWarning, ValueError,
            Warning) as exc:
        return Model(None, None, None, n, clients, f"the model cannot be estimated "
                                                   f"({type(exc).__name__})")
    low, high = fit.conf_int(alpha=0.05)[1]
    ratio = float(np.exp(fit.params[1]))
    if not all(np.isfinite([ratio, low, high])):
        return Model(None, None, None, n, clients, "the model cannot be estimated")
    return Model(ratio, float(np.exp(low)), float(np.exp(high)), n, clients)


def kaplan_meier(days: np.ndarray, dropped: np.ndarray, z: float = Z95) -> pd.DataFrame:
    """The share not yet dropped out by day (a step function from day 0), with a pointwise
    95% interval (log-log transform of Greenwood's standard error) and the number at risk.

    Columns: day, retained, ci_low, ci_high, at_risk.
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    days = np.asarray(days, dtype=float)
    dropped = np.asarray(dropped, dtype=float)
    start = {"day": 0.0, "retained": 1.0, "ci_low": 1.0, "ci_high": 1.0,
             "at_risk": len(days)}
    if len(days) == 0 or dropped.sum() == 0:
        end = {**start, "day": float(days.max()) if len(days) else 0.0,
               "at_risk": int((days >= (days.max() if len(days) else 0)).sum())}
        return pd.DataFrame([start, end])
    fit = SurvfuncRight(days, dropped)
    s = np.asarray(fit.surv_prob, dtype=float)
    se = np.asarray(fit.surv_prob_se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_log = np.log(-np.log(s))
        spread = z * se / (s * np.abs(np.log(s)))
        low = np.exp(-np.exp(log_log + spread))
        high = np.exp(-np.exp(log_log - spread))
    low = np.where(np.isfinite(low), low, s)
    high = np.where(np.isfinite(high), high, s)
    rows = [start] + [{"day": float(t), "retained": float(p), "ci_low": float(lo),
                       "ci_high": float(hi), "at_risk": int(r)}
                      for t, p, lo, hi, r in zip(fit.surv_times, s, low, high, fit.n_risk,
                                                 strict=True)]
    last = float(days.max())
    if last > rows[-1]["day"]:
        rows.append({**rows[-1], "day": last, "at_risk": int((days >= last).sum())})
    return pd.DataFrame(rows)


def curves(signal: AllianceSignal, outcomes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Retention curves for the cut-off's two groups of episodes (by the episode's first
    result), and the groups too small to draw. ``outcomes`` has ``flagged`` (of the first
    result), ``days`` and ``dropped``."""
    parts, too_few = [], []
    if signal.cutoff_op is None:
        return pd.DataFrame(columns=CURVE_COLUMNS), too_few
    for group, flag in ((signal.flagged_group, 1), (signal.other_group, 0)):
        rows = outcomes[outcomes["flagged"] == flag]
        label = f"first {signal.group_words(group)}"
        if len(rows) < MIN_EPISODES:
            too_few.append(f"{label}: {len(rows)} episode(s)")
            continue
        curve = kaplan_meier(rows["days"].to_numpy(), rows["dropped"].to_numpy(bool))
        # The tail, where few episodes are left, swings on one client: not drawn.
        curve = curve[(curve["at_risk"] >= MIN_AT_RISK) | (curve["day"] == 0)]
        parts.append(curve.assign(instrument=signal.instrument_id, group=group, label=label))
    if not parts:
        return pd.DataFrame(columns=CURVE_COLUMNS), too_few
    return pd.concat(parts, ignore_index=True)[CURVE_COLUMNS], too_few


@dataclass
class Evidence:
    """Return by alliance result, the models and the retention curves, for one setting of
    N days. ``json()`` is the shape ``alliance-kit retention --format json`` prints."""

    days: int
    groups: pd.DataFrame
    models: pd.DataFrame
    curves: pd.DataFrame
    #: Per instrument: why a model is missing; the curves too small to draw.
    notes: list[str] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)

    def json(self) -> dict:
        def clean(value):
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                return None
            return value.item() if isinstance(value, np.generic) else value

        return {
            "days": self.days,
            "groups": [{k: clean(v) for k, v in row.items()}
                       for row in self.groups[GROUP_COLUMNS].to_dict("records")],
            "models": [{k: clean(v) for k, v in row.items()}
                       for row in self.models[MODEL_COLUMNS].to_dict("records")],
        }


__all__ = ["CURVE_COLUMNS", "GROUP_COLUMNS", "MIN_AT_RISK", "MIN_EPISODES", "MIN_SESSIONS",
           "MODEL_COLUMNS",
           "Z95", "Evidence", "Model", "curves", "group_row", "groups", "kaplan_meier",
           "logistic", "wilson"]
