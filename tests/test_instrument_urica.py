"""URICA golden values: subscale means and readiness = C + A + M - PC (INSTRUMENTS.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alliance_kit

NA = np.nan
PC = ["1", "5", "11", "13", "23", "26", "29"]
C = ["2", "8", "12", "15", "19", "21", "24"]
A = ["3", "7", "10", "14", "17", "25", "30"]
M = ["6", "16", "18", "22", "27", "28", "32"]
UNSCORED = ["4", "9", "20", "31"]


@pytest.fixture(scope="module")
def urica(kit) -> alliance_kit.Instrument:
    return kit.instrument("urica")


def answers(pc, c, a, m, unscored=(3, 3, 3, 3)) -> dict[str, float]:
    out: dict[str, float] = {}
    for ids, values in ((PC, pc), (C, c), (A, a), (M, m), (UNSCORED, unscored)):
        out.update(zip(ids, values, strict=True))
    return out


# PC all 2 -> mean 2; C 4,4,4,4,4,5,3 -> 28/7 = 4; A all 3 -> 3; M 5,5,5,5,5,5,4 -> 34/7.
# Readiness = 4 + 3 + 34/7 - 2 = 5 + 34/7 = 69/7 = 9.857142...
HAND = answers([2] * 7, [4, 4, 4, 4, 4, 5, 3], [3] * 7, [5, 5, 5, 5, 5, 5, 4])


def test_structure(urica) -> None:
    assert [i.id for i in urica.items] == [str(i) for i in range(1, 33)]
    assert {s.id: set(s.items) for s in urica.scores if s.method == "mean"} == {
        "pc": set(PC), "c": set(C), "a": set(A), "m": set(M)}
    assert urica.score("readiness").range == (-2, 14)
    assert all(not item.reverse for item in urica.items)
    assert {i.id for i in urica.items if not i.scored} == set(UNSCORED)
    in_scores = {item for score in urica.scores for item in score.items}
    assert not in_scores & set(UNSCORED)
    assert len(in_scores) == 28


def test_hand_example(urica) -> None:
    scores = alliance_kit.score(urica, HAND).scores.iloc[0]
    assert scores["pc"] == pytest.approx(2)
    assert scores["c"] == pytest.approx(4)
    assert scores["a"] == pytest.approx(3)
    assert scores["m"] == pytest.approx(34 / 7)
    assert scores["readiness"] == pytest.approx(69 / 7)


def test_unscored_items_change_nothing(urica) -> None:
    frame = pd.DataFrame([HAND, *({**HAND, **dict.fromkeys(UNSCORED, v)} for v in (1, 5, NA))])
    scores = alliance_kit.score(urica, frame).scores
    for column in scores:
        assert scores[column].nunique() == 1, column


def test_readiness_extremes(urica) -> None:
    # Lowest: C = A = M = 1, PC = 5: 1 + 1 + 1 - 5 = -2. Highest: 5 + 5 + 5 - 1 = 14.
    frame = pd.DataFrame([answers([5] * 7, [1] * 7, [1] * 7, [1] * 7),
                          answers([1] * 7, [5] * 7, [5] * 7, [5] * 7)])
    assert alliance_kit.score(urica, frame).scores["readiness"].tolist() == [-2, 14]


def test_one_missing_item_per_subscale_is_allowed(urica) -> None:
    # Project default: a subscale mean with at most 1 of its 7 items missing. Drop the M item
    # answered 4: M = mean(5 x 6) = 5; readiness = 4 + 3 + 5 - 2 = 10.
    result = alliance_kit.score(urica, {**HAND, "32": NA})
    assert result.scores["m"].item() == pytest.approx(5)
    assert result.scores["readiness"].item() == pytest.approx(10)


def test_two_missing_items_leave_the_subscale_and_readiness_missing(urica) -> None:
    result = alliance_kit.score(urica, {**HAND, "1": NA, "5": NA})
    assert np.isnan(result.scores["pc"].item())
    assert np.isnan(result.scores["readiness"].item())
    assert result.reasons()["readiness"].iloc[0] == "needs score 'pc', which is missing"
    assert result.scores["c"].item() == pytest.approx(4)
