"""Alert evaluation: which responses raise which of their instrument's alert rules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.scoring import ScoreResult
from alliance_kit.types import AlertInputs

#: Most urgent first: the order the dashboard sorts alerts in.
SEVERITIES = ("safety", "urgent", "warning", "info")
COLUMNS = ["row", "alert", "type", "severity", "value", "message"]


def evaluate_alerts(
    instrument: Instrument,
    result: ScoreResult,
    answers: pd.DataFrame | None = None,
    *,
    client: str | Sequence | None = None,
    order: str | Sequence | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """One row per alert raised: the response's index label, the rule and why.

    Rules that compare sessions (``drop``, ``reliable-change``) need ``client`` and
    ``order``: which series each response belongs to and where in it, as column names of
    ``answers`` or as arrays; without them those rules are not evaluated.
    """
    inputs = AlertInputs(
        instrument=instrument,
        items=result.item_values,
        scores=result.scores,
        flags=result.flags,
        client=_column(answers, client),
        order=_column(answers, order),
    )
    found = []
    for alert in instrument.alerts:
        if alert.alert_type.needs_series and inputs.client is None:
            continue
        fires, values = alert.alert_type.evaluate(alert.spec, inputs)
        rows = np.flatnonzero(fires)
        if rows.size == 0:
            continue
        found.append(
            pd.DataFrame(
                {
                    "row": result.scores.index[rows],
                    "alert": alert.id,
                    "type": alert.type,
                    "severity": alert.severity,
                    "value": np.asarray(values, dtype=float)[rows],
                    "message": instrument.text(alert.spec.get("message"), language) or alert.id,
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


def _column(answers: pd.DataFrame | None, column: str | Sequence | None) -> np.ndarray | None:
    if column is None:
        return None
    if isinstance(column, str):
        if answers is None:
            raise ValueError(f"column {column!r} named, but no answers table given")
        return answers[column].to_numpy()
    return np.asarray(column)
