"""``when_missing``: an alert rule's companion that fires when the rule cannot be judged.

An item rule such as PHQ-9's self-harm alert (item 9 at or above 1) says nothing when item
9 is blank, so a prorated PHQ-9 hid an unanswered safety question. A rule may declare

    "when_missing": {"id": "self-harm-unanswered", "severity": "warning",
                     "message": {"en": "Item 9 ... was not answered: ask in person today."}}

and the definition then has a second alert rule with that id, which fires for a response
where an input of the first rule is missing: an item that was asked (its skip rule did not
skip it) but has no valid answer, or a score that could not be computed (not counting a
row left unscored for a bad value, which is reported as such). Its value is how
many inputs are missing. Only rules on one response (``item``, ``score``, ``cutoff``)
take it; rules that compare sessions have their own way of treating a missing score.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from alliance_kit.types import AlertInputs, AlertType

#: The ``type`` of an alert rule made from another rule's ``when_missing``.
MISSING = "missing"


class MissingInputs(AlertType):
    """Fires where an input of another rule (``spec["of"]``) is missing.

    Not registered with the plugins: :func:`companion` builds one per rule that declares
    ``when_missing``, around that rule's own alert type.
    """

    name = MISSING
    schema: dict[str, Any] = {}

    def __init__(self, rule_type: AlertType):
        self.rule_type = rule_type

    def item_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        return self.rule_type.item_inputs(alert["of"])

    def score_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        return self.rule_type.score_inputs(alert["of"])

    def evaluate(self, alert, inputs: AlertInputs) -> tuple[np.ndarray, np.ndarray]:
        count = np.zeros(len(inputs.scores), dtype=float)
        for item in self.item_inputs(alert):
            if inputs.unanswered is not None and item in inputs.unanswered:
                count += np.asarray(inputs.unanswered[item], dtype=bool)
            else:  # no skip information: blank is missing
                count += np.isnan(np.asarray(inputs.items[item], dtype=float))
        # A row left unscored for a bad value is reported as bad, not as incomplete.
        scored = ~inputs.bad_rows if inputs.bad_rows is not None else True
        for score_id in self.score_inputs(alert):
            count += np.isnan(inputs.scores[score_id].to_numpy(float)) & scored
        return count > 0, count

    def describe(self, alert, definition) -> str:
        items = self.item_inputs(alert)
        scores = self.score_inputs(alert)
        parts = []
        if items:
            parts.append(("item " if len(items) == 1 else "any of items ")
                         + ", ".join(repr(i) for i in items) + " is not answered")
        if scores:
            parts.append(("score " if len(scores) == 1 else "any of scores ")
                         + ", ".join(repr(s) for s in scores) + " cannot be computed")
        return f"when {' or '.join(parts)}, so rule {alert['of']['id']!r} cannot be judged"


def companion(rule: Mapping[str, Any], rule_type: AlertType) -> tuple[dict[str, Any],
                                                                      MissingInputs]:
    """The spec and type of the alert rule a rule's ``when_missing`` declares."""
    declared = rule["when_missing"]
    spec = {"id": declared["id"], "type": MISSING, "severity": declared["severity"],
            **({"message": declared["message"]} if "message" in declared else {}),
            **({"note": declared["note"]} if "note" in declared else {}),
            "of": {k: v for k, v in rule.items() if k != "when_missing"}}
    return spec, MissingInputs(rule_type)
