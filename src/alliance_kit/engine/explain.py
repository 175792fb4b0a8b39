"""Scoring rules in words, for the instrument catalogue and the client report."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Score


def rounding_words(score: Score) -> str | None:
    """How the score is rounded and which value its bands and cut-offs read; None when it
    is not rounded."""
    if score.round is None:
        return None
    to = "a whole number" if score.round == 0 else (
        f"{score.round} decimal{'s' if score.round != 1 else ''}")
    words = f"rounded half-up to {to}"
    if not (score.bands or score.cutoffs):
        return words
    if score.round_when == "after-bands":
        return words + " after banding (bands and cut-offs read the unrounded score)"
    return words + " before banding (bands and cut-offs read the rounded score)"


def prorating_words(score: Score) -> str | None:
    """The score's rule for missing items when it fills them in; None when it does not."""
    missing = int(score.spec.get("max_missing", 0))
    if score.method not in ("sum", "mean") or missing == 0:
        return None
    items = f"{missing} item{'s' if missing != 1 else ''}"
    if score.method == "sum":
        return f"up to {items} missing, each taking the mean of the answered items"
    return f"up to {items} missing, the mean of the answered items"


def scoring_note(score: Score, title: str) -> str | None:
    """One sentence for a report: how a score with missing items is filled in and rounded
    (None when neither applies, or when rounding cannot change anything)."""
    prorating = prorating_words(score)
    rounding = rounding_words(score)
    if prorating is None or rounding is None:
        return None
    return f"{title}: {prorating}; {rounding}."
