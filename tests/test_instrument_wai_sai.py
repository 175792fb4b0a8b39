"""WAI-SR subscales and total, and the SAI mean, from the published structure (INSTRUMENTS.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alliance_kit

NA = np.nan
TASK, BOND, GOAL = ["1", "2", "10", "12"], ["3", "5", "7", "9"], ["4", "6", "8", "11"]

# Task: 1=5, 2=4, 10=4, 12=3 -> 16. Bond: 3=5, 5=5, 7=4, 9=4 -> 18.
# Goal: 4=2, 6=3, 8=3, 11=4 -> 12. Total 16 + 18 + 12 = 46; mean 46 / 12 = 3.8333.
WAI = {"1": 5, "2": 4, "3": 5, "4": 2, "5": 5, "6": 3, "7": 4, "8": 3, "9": 4, "10": 4,
       "11": 4, "12": 3}


@pytest.fixture(scope="module")
def wai(kit) -> alliance_kit.Instrument:
    return kit.instrument("wai-sr")


@pytest.fixture(scope="module")
def sai(kit) -> alliance_kit.Instrument:
    return kit.instrument("sai")


def test_wai_structure(wai) -> None:
    assert [i.id for i in wai.items] == [str(i) for i in range(1, 13)]
    assert set(wai.score("task").items) == set(TASK)
    assert set(wai.score("bond").items) == set(BOND)
    assert set(wai.score("goal").items) == set(GOAL)
    for subscale in ("task", "bond", "goal"):
        assert wai.score(subscale).range == (4, 20)
    assert wai.score("total").range == (12, 60)
    assert wai.score("mean").range == (1, 5)
    assert all(item.bounds == (1.0, 5.0) and not item.reverse for item in wai.items)
    assert wai.wording == "structure-only"
    assert all(not s.cutoffs and not s.bands for s in wai.scores)  # no published cut-off


def test_wai_hand_example(wai) -> None:
    scores = alliance_kit.score(wai, WAI).scores.iloc[0]
    assert scores["task"] == 16
    assert scores["bond"] == 18
    assert scores["goal"] == 12
    assert scores["total"] == 46
    assert scores["mean"] == pytest.approx(46 / 12)


def test_wai_extremes(wai) -> None:
    frame = pd.DataFrame([dict.fromkeys(WAI, 1), dict.fromkeys(WAI, 5)])
    scores = alliance_kit.score(wai, frame).scores
    assert scores["total"].tolist() == [12, 60]
    assert scores["mean"].tolist() == pytest.approx([1, 5])
    assert scores["task"].tolist() == [4, 20]


def test_wai_one_missing_item_prorates_its_subscale(wai) -> None:
    # Item 12 missing: Task = (5 + 4 + 4) * 4 / 3 = 52 / 3 = 17.333; total 52/3 + 18 + 12.
    scores = alliance_kit.score(wai, {**WAI, "12": NA}).scores.iloc[0]
    assert scores["task"] == pytest.approx(52 / 3)
    assert scores["total"] == pytest.approx(52 / 3 + 30)


def test_wai_two_missing_items_leave_the_subscale_and_total_missing(wai) -> None:
    result = alliance_kit.score(wai, {**WAI, "10": NA, "12": NA})
    assert np.isnan(result.scores["task"].item())
    assert np.isnan(result.scores["total"].item())
    assert result.scores["bond"].item() == 18
    assert result.reasons()["task"].iloc[0] == "2 of 4 items missing (at most 1 allowed)"


def test_wai_rejects_0_and_6(wai) -> None:
    with pytest.raises(alliance_kit.InvalidResponses) as caught:
        alliance_kit.score(wai, pd.DataFrame([{**WAI, "3": 0}, {**WAI, "7": 6}]))
    assert [(e.row, e.column) for e in caught.value.errors] == [(0, "3"), (1, "7")]


def test_sai_mean(sai) -> None:
    # 3 + 4 + 5 + 2 + 3 + 4 = 21; 21 / 6 = 3.5. One missing (item 6): 17 / 5 = 3.4.
    # Two missing: no score (project default max_missing 1).
    items = [str(i) for i in range(1, 7)]
    frame = pd.DataFrame([dict(zip(items, [3, 4, 5, 2, 3, 4], strict=True)),
                          dict(zip(items, [3, 4, 5, 2, 3, NA], strict=True)),
                          dict(zip(items, [3, 4, 5, 2, NA, NA], strict=True))])
    total = alliance_kit.score(sai, frame).scores["total"].to_numpy()
    assert total[:2].tolist() == pytest.approx([3.5, 3.4])
    assert np.isnan(total[2])


def test_sai_structure(sai) -> None:
    assert [i.id for i in sai.items] == [str(i) for i in range(1, 7)]
    assert sai.score("total").method == "mean"
    # Response coding is UNVERIFIED: it lives in the scale (0-5 here), not in code.
    assert all(item.bounds == (0.0, 5.0) for item in sai.items)
    assert sai.score("total").range == (0, 5)
    assert any("UNVERIFIED" in note for note in sai.raw["notes"])
