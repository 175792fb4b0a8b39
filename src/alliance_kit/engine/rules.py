"""Comparisons and conditions shared by cut-offs, skip rules and alert rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": np.greater_equal,
    ">": np.greater,
    "<=": np.less_equal,
    "<": np.less,
    "==": np.equal,
    "!=": np.not_equal,
}

WORDS = {
    ">=": "at or above",
    ">": "above",
    "<=": "at or below",
    "<": "below",
    "==": "equal to",
    "!=": "not equal to",
}


def compare(values: np.ndarray, op: str, threshold: float | np.ndarray) -> np.ndarray:
    """``values op threshold`` elementwise; False wherever either side is missing (NaN)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        result = OPS[op](values, threshold)
    return result & ~np.isnan(values) & ~np.isnan(np.asarray(threshold, dtype=float))


def condition(
    cond: Mapping[str, Any], items: Mapping[str, np.ndarray], scores: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate an ``ask_if`` condition: (met, known) masks, three-valued logic.

    A comparison with a missing answer or score is unknown. ``all`` is false when any part
    is false, unknown when any is unknown, else true; ``any`` is its mirror image.
    """
    if "all" in cond or "any" in cond:
        parts = [condition(part, items, scores) for part in cond.get("all") or cond["any"]]
        met = np.column_stack([m for m, _ in parts])
        known = np.column_stack([k for _, k in parts])
        if "all" in cond:
            false = (known & ~met).any(axis=1)
            true = (known & met).all(axis=1)
            return true, true | false
        true = (known & met).any(axis=1)
        false = (known & ~met).all(axis=1)
        return true, true | false
    values = items[cond["item"]] if "item" in cond else scores[cond["score"]]
    known = ~np.isnan(values)
    return compare(values, cond["op"], cond["value"]), known


def describe(cond: Mapping[str, Any]) -> str:
    """A condition in words, for messages: "item '1' is not equal to 0"."""
    if "all" in cond or "any" in cond:
        joiner = " and " if "all" in cond else " or "
        return "(" + joiner.join(describe(part) for part in cond.get("all") or cond["any"]) + ")"
    what = f"item {cond['item']!r}" if "item" in cond else f"score {cond['score']!r}"
    return f"{what} is {WORDS[cond['op']]} {cond['value']:g}"
