"""Built-in score methods: sum and mean over items (with prorating), and composites."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from alliance_kit.engine import jsonschemas
from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import Bounds, Computed, LocalProblem, Scorer, ScoringInputs


def _schema(name: str) -> dict[str, Any]:
    return jsonschemas.bundled()[f"{jsonschemas.BASE}score-{name}.schema.json"]


class _ItemScorer(Scorer):
    """Shared by sum and mean: items, weights and the missing-item rule."""

    def item_inputs(self, score: Mapping[str, Any]) -> list[str]:
        return list(score["items"])

    def weights(self, score: Mapping[str, Any]) -> np.ndarray:
        given = score.get("weights", {})
        return np.array([float(given.get(item, 1.0)) for item in score["items"]])

    def _columns(self, score, inputs: ScoringInputs):
        """Per item: the values with missing as 0, and the missing mask (column by column,
        which is faster than a row-wise matrix for the few items a score has)."""
        values = [inputs.items[item] for item in score["items"]]
        missing = [np.isnan(v) for v in values]
        filled = [np.where(m, 0.0, v) for v, m in zip(values, missing, strict=True)]
        n_missing = np.zeros(inputs.n_rows, dtype=np.int32)
        for m in missing:
            n_missing += m
        return filled, missing, n_missing

    def _too_many_missing(self, score, n_missing: np.ndarray, values: np.ndarray) -> Computed:
        k = len(score["items"])
        allowed = int(score.get("max_missing", 0))
        too_many = n_missing > allowed
        codes = np.where(too_many, n_missing - allowed - 1, -1).astype(np.int32)
        messages = [
            f"{m} of {k} items missing (at most {allowed} allowed)"
            for m in range(allowed + 1, k + 1)
        ]
        return Computed(np.where(too_many, np.nan, values), codes, messages)

    def problems(
        self, score: Mapping[str, Any], definition: Mapping[str, Any]
    ) -> list[LocalProblem]:
        found = [
            (
                f".weights.{item}",
                f"{item!r} is not one of this score's items: remove the weight or add the item",
            )
            for item in score.get("weights", {})
            if item not in score["items"]
        ]
        if score.get("max_missing", 0) >= len(score["items"]):
            found.append(
                (
                    ".max_missing",
                    f"{score['max_missing']} of {len(score['items'])} items "
                    "may be missing, which allows a score from no answers: lower it",
                )
            )
        return found

    def _item_bounds(self, score, bounds: Bounds) -> tuple[np.ndarray, np.ndarray]:
        low = np.array([bounds.items[item][0] for item in score["items"]])
        high = np.array([bounds.items[item][1] for item in score["items"]])
        if score.get("max_missing", 0) > 0:
            # A missing item takes the mean of the answered ones, which may come from any item.
            low, high = np.full_like(low, low.min()), np.full_like(high, high.max())
        return low, high


class SumScorer(_ItemScorer):
    """Weighted sum; up to ``max_missing`` missing items take the mean of the answered ones."""

    name = "sum"
    schema = _schema("sum")

    def compute(self, score: Mapping[str, Any], inputs: ScoringInputs) -> Computed:
        filled, missing, n_missing = self._columns(score, inputs)
        weights = self.weights(score)
        total = sum(w * v for w, v in zip(weights, filled, strict=True))
        if score.get("max_missing", 0):
            # Each missing item takes the weighted mean of the answered ones: with equal
            # weights, PHQ-9's "substitute the mean of the answered items".
            missing_weight = sum(w * m for w, m in zip(weights, missing, strict=True))
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = total / (weights.sum() - missing_weight)
            total = total + missing_weight * mean
        return self._too_many_missing(score, n_missing, total)

    def bounds(self, score: Mapping[str, Any], bounds: Bounds) -> tuple[float, float]:
        low, high = self._item_bounds(score, bounds)
        weights = self.weights(score)
        return (
            float(np.where(weights >= 0, weights * low, weights * high).sum()),
            float(np.where(weights >= 0, weights * high, weights * low).sum()),
        )

    def step(self, score: Mapping[str, Any], bounds: Bounds) -> float:
        steps = {bounds.item_steps[item] for item in score["items"]}
        weights = self.weights(score)
        if score.get("max_missing", 0) or len(steps) != 1 or np.any(weights != np.round(weights)):
            return 0.0
        return steps.pop()

    def problems(
        self, score: Mapping[str, Any], definition: Mapping[str, Any]
    ) -> list[LocalProblem]:
        found = super().problems(score, definition)
        if score.get("max_missing", 0):
            found += [
                (
                    f".weights.{item}",
                    "prorating missing items needs positive weights: make it "
                    "positive or set max_missing to 0",
                )
                for item, weight in score.get("weights", {}).items()
                if weight <= 0
            ]
        return found


class MeanScorer(_ItemScorer):
    """Weighted mean of the answered items, when at most ``max_missing`` are missing."""

    name = "mean"
    schema = _schema("mean")

    def compute(self, score: Mapping[str, Any], inputs: ScoringInputs) -> Computed:
        filled, missing, n_missing = self._columns(score, inputs)
        weights = self.weights(score)
        weighted = sum(w * v for w, v in zip(weights, filled, strict=True))
        answered_weight = sum(w * ~m for w, m in zip(weights, missing, strict=True))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = weighted / answered_weight
        return self._too_many_missing(score, n_missing, mean)

    def bounds(self, score: Mapping[str, Any], bounds: Bounds) -> tuple[float, float]:
        low = min(bounds.items[item][0] for item in score["items"])
        high = max(bounds.items[item][1] for item in score["items"])
        return float(low), float(high)

    def problems(
        self, score: Mapping[str, Any], definition: Mapping[str, Any]
    ) -> list[LocalProblem]:
        found = super().problems(score, definition)
        found += [
            (
                f".weights.{item}",
                "a mean needs positive weights: use a sum or a composite for signed combinations",
            )
            for item, weight in score.get("weights", {}).items()
            if weight <= 0
        ]
        return found


class CompositeScorer(Scorer):
    """A linear combination of other scores: constant + sum(weight * score)."""

    name = "composite"
    schema = _schema("composite")

    def score_inputs(self, score: Mapping[str, Any]) -> list[str]:
        return [term["score"] for term in score["terms"]]

    def compute(self, score: Mapping[str, Any], inputs: ScoringInputs) -> Computed:
        total = np.full(inputs.n_rows, float(score.get("constant", 0.0)))
        codes = np.full(inputs.n_rows, -1, dtype=np.int32)
        messages = []
        for index, term in enumerate(score["terms"]):
            values = inputs.scores[term["score"]]
            total = total + term.get("weight", 1.0) * values
            codes = np.where((codes < 0) & np.isnan(values), index, codes)
            messages.append(f"needs score {term['score']!r}, which is missing")
        return Computed(total, codes.astype(np.int32), messages)

    def bounds(self, score: Mapping[str, Any], bounds: Bounds) -> tuple[float, float]:
        low = high = float(score.get("constant", 0.0))
        for term in score["terms"]:
            weight = term.get("weight", 1.0)
            term_low, term_high = bounds.scores[term["score"]]
            low += min(weight * term_low, weight * term_high)
            high += max(weight * term_low, weight * term_high)
        return low, high

    def step(self, score: Mapping[str, Any], bounds: Bounds) -> float:
        steps = {bounds.score_steps[term["score"]] for term in score["terms"]}
        weights = [term.get("weight", 1.0) for term in score["terms"]]
        constant = score.get("constant", 0.0)
        if len(steps) != 1 or any(w != round(w) for w in weights) or constant != round(constant):
            return 0.0
        return steps.pop()


@hookimpl
def register_scorers():
    return [SumScorer(), MeanScorer(), CompositeScorer()]
