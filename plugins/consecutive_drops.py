"""Example local plugin: an alert rule for an alliance that fell at two sessions in a row.

Drop this file into a clinic's ``plugins/`` folder and definitions can use
``{"type": "consecutive-drops", "score": "total", "sessions": 2}`` in their ``alerts``.
It uses only the public plugin API: ``hookimpl``, ``AlertType`` and ``AlertInputs``.
"""

from __future__ import annotations

from alliance_kit import hookimpl
from alliance_kit.types import AlertInputs, AlertType

__version__ = "1.0.0"


class ConsecutiveDrops(AlertType):
    """Fires when a score fell at each of the last ``sessions`` sessions."""

    name = "consecutive-drops"
    needs_series = True
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["type", "score"],
        "additionalProperties": False,
        "properties": {
            "id": {}, "severity": {}, "message": {}, "note": {"type": "string"},
            "type": {"const": "consecutive-drops"},
            "score": {"type": "string"},
            "sessions": {"type": "integer", "minimum": 1, "default": 2},
        },
    }

    def score_inputs(self, alert):
        return [alert["score"]]

    def evaluate(self, alert, inputs: AlertInputs):
        # Imported here, not at the top: every `alliance-kit` command loads this file, and
        # most of them never evaluate an alert.
        import numpy as np
        import pandas as pd

        frame = pd.DataFrame({"client": inputs.client, "order": inputs.order,
                              "score": inputs.scores[alert["score"]].to_numpy(float)})
        ordered = frame.sort_values(["client", "order"], kind="stable")
        fell = ordered.groupby("client", sort=False)["score"].diff() < 0
        # A run of falls: count consecutive True values within each client.
        run = fell.astype(int).groupby((~fell).cumsum()).cumsum()
        run = run.reindex(frame.index).to_numpy(float)
        return run >= alert.get("sessions", 2), np.asarray(run, dtype=float)


@hookimpl
def register_alert_types():
    return [ConsecutiveDrops()]
