"""Built-in alert rule types: item, score, cutoff, drop (rupture) and reliable-change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from alliance_kit.engine import change, jsonschemas, rules
from alliance_kit.engine.rules import compare
from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import AlertInputs, AlertType, LocalProblem


def _schema(name: str) -> dict[str, Any]:
    return jsonschemas.bundled()[f"{jsonschemas.BASE}alert-{name}.schema.json"]


def _score_spec(definition: Mapping[str, Any], score_id: str) -> Mapping[str, Any]:
    return next(s for s in definition.get("scores", []) if s["id"] == score_id)


class ItemAlert(AlertType):
    """Fires when an item's answer compares with a value (PHQ-9 item 9 >= 1).

    With ``items``, fires when any of them does; its value is how many did.
    """

    name = "item"
    schema = _schema("item")

    def item_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        return [alert["item"]] if "item" in alert else list(alert["items"])

    def evaluate(self, alert, inputs: AlertInputs) -> tuple[np.ndarray, np.ndarray]:
        hits = [
            compare(inputs.items[item], alert["op"], alert["value"])
            for item in self.item_inputs(alert)
        ]
        if "item" in alert:
            return hits[0], inputs.items[alert["item"]]
        count = np.sum(hits, axis=0)
        return count > 0, count.astype(float)

    def describe(self, alert, definition) -> str:
        if "item" in alert:
            return "when " + rules.describe(alert)
        items = ", ".join(repr(i) for i in alert["items"])
        return f"when any of items {items} is {rules.WORDS[alert['op']]} {alert['value']:g}"

    def problems(self, alert, definition) -> list[LocalProblem]:
        scales = {i["id"]: definition["scales"][i["scale"]]["type"] for i in definition["items"]}
        return [
            (".item", f"item {item!r} is free text: an item alert needs a number")
            for item in self.item_inputs(alert)
            if scales.get(item) == "text"
        ]


class ScoreAlert(AlertType):
    """Fires when a score compares with a value."""

    name = "score"
    schema = _schema("score")

    def score_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        return [alert["score"]]

    def evaluate(self, alert, inputs: AlertInputs) -> tuple[np.ndarray, np.ndarray]:
        values = inputs.scores[alert["score"]].to_numpy(float)
        return compare(values, alert["op"], alert["value"]), values

    def describe(self, alert, definition) -> str:
        return "when " + rules.describe(alert)


class CutoffAlert(AlertType):
    """Fires when a score's declared cut-off flag is raised (so the cut-off lives in one place)."""

    name = "cutoff"
    schema = _schema("cutoff")

    def score_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        return [alert["score"]]

    def evaluate(self, alert, inputs: AlertInputs) -> tuple[np.ndarray, np.ndarray]:
        flag = inputs.flags[f"{alert['score']}_{alert['cutoff']}"]
        fires = flag.fillna(False).to_numpy(bool)
        return fires, inputs.scores[alert["score"]].to_numpy(float)

    def describe(self, alert, definition) -> str:
        score = _score_spec(definition, alert["score"])
        cutoff = next(c for c in score.get("cutoffs", []) if c["id"] == alert["cutoff"])
        value = cutoff["value"]
        if isinstance(value, Mapping):
            parts = [f"{v:g} if {value['attribute']} is {k}" for k, v in value["values"].items()]
            if "otherwise" in value:
                parts.append(f"{value['otherwise']:g} otherwise")
            value = ", ".join(parts)
        else:
            value = f"{value:g}"
        return (f"when score {alert['score']!r} is {rules.WORDS[cutoff['op']]} {value} "
                f"(cut-off {alert['cutoff']!r})")

    def problems(self, alert, definition) -> list[LocalProblem]:
        cutoffs = [c["id"] for c in _score_spec(definition, alert["score"]).get("cutoffs", [])]
        if alert["cutoff"] not in cutoffs:
            declared = ", ".join(cutoffs) or "none"
            return [
                (
                    ".cutoff",
                    f"score {alert['score']!r} has no cut-off {alert['cutoff']!r} "
                    f"(declared: {declared}): declare it under the score's 'cutoffs'",
                )
            ]
        return []


class DropAlert(AlertType):
    """Fires when a score fell by at least ``at_least`` since the client's earlier session.

    ``compare_to`` says which: ``"last_available"`` (the default) the last earlier session
    with a score, so a session whose score is missing is skipped; ``"previous"`` the session
    just before, so nothing is compared next to a missing score.
    """

    name = "drop"
    schema = _schema("drop")
    needs_series = True

    def score_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        return [alert["score"]]

    def _earlier(self, alert, inputs: AlertInputs, compare_to: str | None = None):
        frame = pd.DataFrame(
            {
                "client": inputs.client,
                "order": inputs.order,
                "score": inputs.scores[alert["score"]].to_numpy(float),
            }
        )
        earlier = change.previous_scores(
            frame, client="client", order="order", score="score",
            compare_to=compare_to or alert.get("compare_to", "last_available"))
        return frame["score"].to_numpy(float), earlier

    def evaluate(self, alert, inputs: AlertInputs) -> tuple[np.ndarray, np.ndarray]:
        current, earlier = self._earlier(alert, inputs)
        fell = earlier["previous"].to_numpy(float) - current
        # The tolerance keeps 30.3 -> 29.3 (a float difference of 0.99999...) a drop of 1.
        return compare(fell, ">=", alert["at_least"] - 1e-9), fell

    def details(self, alert, inputs: AlertInputs) -> np.ndarray:
        """Which session the drop was measured from, with both scores."""
        current, earlier = self._earlier(alert, inputs)
        just_before = self._earlier(alert, inputs, "previous")[1]["position"].to_numpy()
        labels = inputs.labels if inputs.labels is not None else inputs.order
        out = np.full(len(current), None, dtype=object)
        for row, (value, position) in enumerate(zip(earlier["previous"], earlier["position"],
                                                    strict=True)):
            if position < 0:
                continue
            words = f"measured from {labels[position]}"
            if position != just_before[row]:
                words += ", the last earlier one with a score"
            out[row] = f"{words}: {value:g} to {current[row]:g}"
        return out

    def describe(self, alert, definition) -> str:
        since = ("the previous session" if alert.get("compare_to") == "previous"
                 else "the last earlier session with a score")
        return f"when score {alert['score']!r} fell by {alert['at_least']:g} or more since {since}"


class ReliableChangeAlert(AlertType):
    """Fires on reliable deterioration (or improvement) since the client's first session."""

    name = "reliable-change"
    schema = _schema("reliable-change")
    needs_series = True

    def score_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        return [alert["score"]]

    def evaluate(self, alert, inputs: AlertInputs) -> tuple[np.ndarray, np.ndarray]:
        norms = inputs.instrument.score(alert["score"]).norms
        current = inputs.scores[alert["score"]].to_numpy(float)
        frame = pd.DataFrame({"client": inputs.client, "order": inputs.order, "score": current})
        baseline = (
            frame.sort_values(["client", "order"], kind="stable")
            .groupby("client", sort=False)["score"]
            .transform("first")
            .reindex(frame.index)
            .to_numpy(float)
        )
        categories = change.classify_change(baseline, current, norms)
        wanted = (
            {change.RELIABLE_DETERIORATION}
            if alert.get("outcome", "deterioration") == "deterioration"
            else {change.RELIABLE_IMPROVEMENT, change.RECOVERED}
        )
        fires = np.isin(categories.astype(object), list(wanted))
        return fires, current - baseline

    def describe(self, alert, definition) -> str:
        outcome = alert.get("outcome", "deterioration")
        return f"when score {alert['score']!r} shows reliable {outcome} since the first session"

    def problems(self, alert, definition) -> list[LocalProblem]:
        norms = _score_spec(definition, alert["score"]).get("norms", {})
        found = []
        if change.reliable_change_threshold(norms) is None:
            found.append(
                (
                    ".score",
                    f"score {alert['score']!r} has no 'reliable_change' threshold "
                    "and no clinical sd with a reliability in its norms: add one",
                )
            )
        if "improvement" not in norms:
            found.append(
                (
                    ".score",
                    f"score {alert['score']!r} does not say which direction is "
                    'better: add "improvement": "increase" or "decrease" to its norms',
                )
            )
        return found


@hookimpl
def register_alert_types():
    return [ItemAlert(), ScoreAlert(), CutoffAlert(), DropAlert(), ReliableChangeAlert()]
