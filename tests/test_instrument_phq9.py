"""PHQ-9 golden values from the published rules (INSTRUMENTS.md), worked by hand in comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alliance_kit
from alliance_kit.engine import change

NA = np.nan
ITEMS = [str(i) for i in range(1, 10)]


@pytest.fixture(scope="module")
def phq(kit) -> alliance_kit.Instrument:
    return kit.instrument("phq-9")


def answers(*values: float) -> dict[str, float]:
    return dict(zip(ITEMS, values, strict=True))


def with_total(total: int) -> dict[str, int]:
    """Items 1-8 filled 3, 3, ... up to ``total``; item 9 always 0 (no safety alert)."""
    out = dict.fromkeys(ITEMS, 0)
    left = total
    for item in ITEMS[:-1]:
        out[item] = min(3, left)
        left -= out[item]
    assert left == 0
    return out


def test_structure(phq) -> None:
    assert [i.id for i in phq.items] == [*ITEMS, "10"]
    total = phq.score("total")
    assert total.items == tuple(ITEMS)
    assert total.range == (0, 27)
    assert phq.wording == "open" and phq.validated
    for item in ITEMS:
        assert phq.item(item).bounds == (0.0, 3.0)
        assert not phq.item(item).reverse


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "moderately-severe"), (19, "moderately-severe"), (20, "severe"),
     (24, "severe")],
)
def test_band_edges(phq, total: int, band: str) -> None:
    # Bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe.
    result = alliance_kit.score(phq, with_total(total))
    assert result.scores["total"].item() == total
    assert result.bands["total"].iloc[0] == band


def test_top_of_range_is_severe(phq) -> None:
    # All nine items 3: 27, the top of the severe band (item 9 = 3, so it also alerts).
    result = alliance_kit.score(phq, answers(*[3] * 9))
    assert result.scores["total"].item() == 27
    assert result.bands["total"].iloc[0] == "severe"


@pytest.mark.parametrize(("total", "case"), [(9, False), (10, True), (27 - 3, True), (0, False)])
def test_caseness_at_10(phq, total: int, case: bool) -> None:
    result = alliance_kit.score(phq, with_total(total))
    assert bool(result.flags["total_caseness"].iloc[0]) is case


def test_one_missing_item_is_prorated(phq) -> None:
    # Items 1-8 = 2, item 9 missing: mean of answered = 16 / 8 = 2, total = 16 + 2 = 18.
    result = alliance_kit.score(phq, answers(2, 2, 2, 2, 2, 2, 2, 2, NA))
    assert result.scores["total"].item() == 18
    assert result.bands["total"].iloc[0] == "moderately-severe"


def test_two_missing_items_are_prorated_and_rounded(phq) -> None:
    # Answered: 3, 3, 3, 3, 3, 3, 2 (sum 20, mean 20 / 7 = 2.857...); two missing items add
    # 2 * 2.857 = 5.714: 25.714..., rounded half-up to a whole number: 26.
    result = alliance_kit.score(phq, answers(3, 3, 3, 3, 3, 3, 2, NA, NA))
    assert result.scores["total"].item() == 26
    assert result.bands["total"].iloc[0] == "severe"
    assert result.reasons()["total"].iloc[0] is None


def test_prorating_rounds_half_up(phq) -> None:
    # Answered 1, 1, 1, 1, 1, 1, 0: sum 6, mean 6/7; total 6 + 2 * 6/7 = 7.714 -> 8.
    # Answered 2, 2, 2, 1, 1, 1, 0: sum 9, mean 9/7; total 9 + 2 * 9/7 = 11.571 -> 12.
    # Answered 1, 1, 1, 1, 0, 0, 0, 0: sum 4, mean 0.5; one missing: 4.5 -> 5 (half-up; rounding
    # half to even would give 4 and the band 'minimal' instead of 'mild').
    # Answered 3, 3, 3, 3, 2, 2, 2, 2: sum 20, mean 2.5; one missing: 22.5 -> 23 (not 22).
    frame = pd.DataFrame([answers(1, 1, 1, 1, 1, 1, 0, NA, NA),
                          answers(2, 2, 2, 1, 1, 1, 0, NA, NA),
                          answers(1, 1, 1, 1, 0, 0, 0, 0, NA),
                          answers(3, 3, 3, 3, 2, 2, 2, 2, NA)])
    result = alliance_kit.score(phq, frame)
    assert result.scores["total"].tolist() == [8, 12, 5, 23]
    assert result.bands["total"].iloc[2] == "mild"


def test_three_missing_items_give_no_total(phq) -> None:
    result = alliance_kit.score(phq, answers(3, 3, 3, 3, 3, 3, NA, NA, NA))
    assert np.isnan(result.scores["total"].item())
    assert pd.isna(result.bands["total"].iloc[0])
    assert pd.isna(result.flags["total_caseness"].iloc[0])
    assert result.reasons()["total"].iloc[0] == "3 of 9 items missing (at most 2 allowed)"


def test_item_10_is_not_scored(phq) -> None:
    # Item 10 (difficulty) never changes the total: 5 with or without it.
    frame = pd.DataFrame([{**with_total(5), "10": 3}, {**with_total(5), "10": NA}])
    assert alliance_kit.score(phq, frame).scores["total"].tolist() == [5, 5]
    assert not phq.item("10").scored
    assert not phq.item("10").required


def test_item_10_only_asked_when_total_above_0(phq) -> None:
    # Scoring a table ignores the answer, with a warning; the kiosk's rules refuse it.
    result = alliance_kit.score(phq, {**with_total(0), "10": 0})
    assert result.scores["total"].item() == 0
    assert np.isnan(result.answers()["10"].item())
    assert [(w.column, w.kind) for w in result.row_warnings] == [("10", "not-asked")]
    assert "the answer was ignored" in result.row_warnings[0].message
    errors = alliance_kit.validate_response(phq, {**with_total(0), "10": 0})
    assert [e.column for e in errors] == ["10"]


@pytest.mark.parametrize("value", [4, -1, 1.5, "often"])
def test_answers_outside_the_scale_are_rejected(phq, value) -> None:
    with pytest.raises(alliance_kit.InvalidResponses) as caught:
        alliance_kit.score(phq, {**with_total(3), "2": value})
    assert [(e.row, e.column) for e in caught.value.errors] == [(0, "2")]


def test_reliable_change_rules(phq) -> None:
    # Reliable change: 6 points; improvement is a decrease; caseness (c) is 10.
    norms = phq.score("total").norms
    got = change.classify_change([5, 5, 12, 12, 16, 16], [11, 10, 6, 7, 10, 9], norms)
    assert list(got) == [
        change.RELIABLE_DETERIORATION,  # 5 -> 11: +6
        change.NO_RELIABLE_CHANGE,      # 5 -> 10: +5
        change.RECOVERED,               # 12 -> 6: -6, from a case to below 10
        change.NO_RELIABLE_CHANGE,      # 12 -> 7: -5
        change.RELIABLE_IMPROVEMENT,    # 16 -> 10: -6, but 10 is still a case
        change.RECOVERED,               # 16 -> 9: -7, and below 10
    ]
