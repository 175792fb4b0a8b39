"""Alert evaluation: which responses raise which of their instrument's alert rules."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.scoring import ScoreResult
from alliance_kit.types import AlertInputs

#: Most urgent first: the order the dashboard sorts alerts in.
SEVERITIES = ("safety", "urgent", "warning", "info")
COLUMNS = ["row", "alert", "type", "severity", "value", "message", "detail"]


def evaluate_alerts(
    instrument: Instrument,
    result: ScoreResult,
    answers: pd.DataFrame | None = None,
    *,
    client: str | Sequence | None = None,
    order: str | Sequence | None = None,
    labels: str | Sequence | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """One row per alert raised: the response's index label, the rule and why.

    Rules that compare sessions (``drop``, ``reliable-change``) need ``client`` and
    ``order``: which series each response belongs to and where in it, as column names of
    ``answers`` or as arrays; without them those rules are not evaluated. ``labels`` names
    each response in the ``detail`` column ("session 3"; default: its ``order`` value),
    which says e.g. which earlier session a drop was measured from (None where a rule
    adds nothing).
    """
    inputs = AlertInputs(
        instrument=instrument,
        items=result.item_values,
        scores=result.scores,
        flags=result.flags,
        client=_column(answers, client),
        order=_column(answers, order),
        unanswered=result.unanswered,
        labels=_labels(answers, order, labels),
        bad_rows=result.bad_rows,
    )
    found = []
    for alert in instrument.alerts:
        if alert.alert_type.needs_series and inputs.client is None:
            continue
        fires, values = alert.alert_type.evaluate(alert.spec, inputs)
        rows = np.flatnonzero(fires)
        if rows.size == 0:
            continue
        details = alert.alert_type.details(alert.spec, inputs)
        found.append(
            pd.DataFrame(
                {
                    "row": result.scores.index[rows],
                    "alert": alert.id,
                    "type": alert.type,
                    "severity": alert.severity,
                    "value": np.asarray(values, dtype=float)[rows],
                    "message": instrument.text(alert.spec.get("message"), language) or alert.id,
                    "detail": None if details is None else np.asarray(details, dtype=object)[rows],
                }
            )
        )
    if not found:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(found, ignore_index=True)
    rank = table["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    return (
        table.assign(_rank=rank)
        .sort_values(["_rank", "row"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def alert_ids(instrument: Instrument, result: ScoreResult, answers: pd.DataFrame | None = None,
              **series) -> pd.Series:
    """Per response (indexed like ``result.scores``): the ids of the alerts it raised,
    most urgent first, joined with ';' ('' where none). ``series`` are
    :func:`evaluate_alerts`'s ``client``/``order``/``labels`` (for rules that compare
    sessions)."""
    by_position = dataclasses.replace(result, scores=result.scores.reset_index(drop=True))
    raised = evaluate_alerts(instrument, by_position, answers, **series)
    out = np.full(len(result.scores), "", dtype=object)
    # Rule by rule, most urgent first, then in the definition's order: vectorized joins
    # (a million responses take well under a second).
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    rules = sorted(enumerate(instrument.alerts), key=lambda pair: (rank[pair[1].severity],
                                                                   pair[0]))
    rows_by_rule = raised.groupby("alert", sort=False)["row"]
    found = set(raised["alert"])
    for _, alert in rules:
        if alert.id not in found:
            continue
        rows = rows_by_rule.get_group(alert.id).to_numpy(dtype=int)
        first = out[rows] == ""
        out[rows] = np.where(first, alert.id, out[rows] + ";" + alert.id)
    return pd.Series(out, index=result.scores.index, dtype=object, name="alerts")


def _labels(answers: pd.DataFrame | None, order: str | Sequence | None,
            labels: str | Sequence | None) -> np.ndarray | None:
    """How messages name each response: ``labels``, else "<order column> <value>"."""
    if labels is not None:
        return _column(answers, labels)
    values = _column(answers, order)
    if values is None:
        return None
    prefix = f"{order} " if isinstance(order, str) else ""
    return np.array([f"{prefix}{value}" for value in values], dtype=object)


def _column(answers: pd.DataFrame | None, column: str | Sequence | None) -> np.ndarray | None:
    if column is None:
        return None
    if isinstance(column, str):
        if answers is None:
            raise ValueError(f"column {column!r} named, but no answers table given")
        return answers[column].to_numpy()
    return np.asarray(column)
