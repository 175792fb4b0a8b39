"""SRS v3 golden values: the alliance-concern cut-off (both readings), ruptures, low items."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import alliance_kit
from alliance_kit.engine.alerts import evaluate_alerts

NA = np.nan
ITEMS = ["1", "2", "3", "4"]


@pytest.fixture(scope="module")
def srs(kit) -> alliance_kit.Instrument:
    return kit.instrument("srs")


@pytest.fixture(scope="module")
def srs_strict(srs) -> alliance_kit.Instrument:
    """A copy of srs.json whose concern cut-off reads '< 36' instead of '<= 36'."""
    data = copy.deepcopy(dict(srs.raw))
    data["scores"][0]["cutoffs"][0]["op"] = "<"
    return alliance_kit.load_definition(data)


def vas(*values: float) -> dict[str, float]:
    return dict(zip(ITEMS, values, strict=True))


def test_structure(srs) -> None:
    assert srs.wording == "structure-only"
    assert srs.languages == ()
    assert all(not item.text for item in srs.items)
    assert srs.score("total").range == (0, 40)
    for item in srs.items:
        assert item.bounds == (0.0, 10.0)
        assert item.scale["step"] == 0.1


def test_total_is_the_sum_to_one_decimal(srs) -> None:
    # 7.6 + 7.6 + 7.6 + 7.5 = 30.3 exactly as shown, not 30.299999999999997.
    result = alliance_kit.score(srs, vas(7.6, 7.6, 7.6, 7.5))
    assert result.scores["total"].item() == 30.3


def test_all_four_items_needed(srs) -> None:
    result = alliance_kit.score(srs, vas(10, 10, 10, NA))
    assert np.isnan(result.scores["total"].item())


@pytest.mark.parametrize("value", [10.1, -0.1, 9.95])
def test_off_scale_answers_are_rejected(srs, value: float) -> None:
    with pytest.raises(alliance_kit.InvalidResponses) as caught:
        alliance_kit.score(srs, vas(9, value, 9, 9))
    assert [e.column for e in caught.value.errors] == ["2"]


@pytest.mark.parametrize(
    ("items", "default", "strict"),
    [
        ((9, 9, 9, 9), True, False),       # 36.0: concern at '<= 36', not at '< 36'
        ((9, 9, 9, 8.9), True, True),      # 35.9: concern either way
        ((9, 9, 9, 9.1), False, False),    # 36.1: no concern
        ((10, 10, 10, 10), False, False),  # 40
    ],
)
def test_concern_cutoff_both_readings(srs, srs_strict, items, default: bool, strict: bool) -> None:
    assert srs.score("total").cutoffs[0]["op"] == "<="
    assert bool(alliance_kit.score(srs, vas(*items)).flags["total_concern"].iloc[0]) is default
    got = alliance_kit.score(srs_strict, vas(*items)).flags["total_concern"].iloc[0]
    assert bool(got) is strict


def test_concern_alert_follows_the_configured_cutoff(srs, srs_strict) -> None:
    frame = pd.DataFrame([vas(9, 9, 9, 9)])
    default = evaluate_alerts(srs, alliance_kit.score(srs, frame))
    strict = evaluate_alerts(srs_strict, alliance_kit.score(srs_strict, frame))
    assert "concern" in set(default["alert"])
    assert "concern" not in set(strict["alert"])


def rupture_rows(srs, frame: pd.DataFrame) -> list:
    found = evaluate_alerts(srs, alliance_kit.score(srs, frame), frame, client="client",
                            order="session")
    return list(found.loc[found["alert"] == "rupture", "row"])


@pytest.mark.parametrize(
    ("first", "second", "fires"),
    [
        # 30.3 -> 29.3: a drop of 1.0, which in floating point is 0.9999999999999964.
        ((7.6, 7.6, 7.6, 7.5), (7.3, 7.3, 7.3, 7.4), True),
        # 30.3 -> 29.4: 0.9.
        ((7.6, 7.6, 7.6, 7.5), (7.4, 7.3, 7.3, 7.4), False),
        # 38.1 -> 37.1 (1.0), 39.9 -> 38.9 (1.0), 20.7 -> 19.7 (1.0).
        ((9.5, 9.5, 9.5, 9.6), (9.3, 9.3, 9.3, 9.2), True),
        ((10, 10, 10, 9.9), (9.7, 9.7, 9.7, 9.8), True),
        ((5.1, 5.2, 5.2, 5.2), (4.9, 4.9, 5.0, 4.9), True),
        # 36.0 -> 35.1: 0.9; a rise never fires.
        ((9, 9, 9, 9), (8.8, 8.8, 8.8, 8.7), False),
        ((8, 8, 8, 8), (10, 10, 10, 10), False),
    ],
)
def test_rupture_drop_vs_previous(srs, first, second, fires: bool) -> None:
    frame = pd.DataFrame([{"client": "a", "session": 1, **vas(*first)},
                          {"client": "a", "session": 2, **vas(*second)}])
    assert rupture_rows(srs, frame) == ([1] if fires else [])


def test_rupture_compares_with_previous_not_first(srs) -> None:
    # 40 -> 38 (drop 2: fires) -> 37.5 (0.5 below the previous, 2.5 below the first: no).
    frame = pd.DataFrame([{"client": "a", "session": s, **vas(*v)} for s, v in
                          [(1, (10, 10, 10, 10)), (2, (9.5, 9.5, 9.5, 9.5)),
                           (3, (9.5, 9.5, 9.5, 9))]])
    assert rupture_rows(srs, frame) == [1]


def test_rupture_per_client(srs) -> None:
    # Interleaved clients: b's 35 is not compared with a's 40.
    frame = pd.DataFrame([{"client": "a", "session": 1, **vas(10, 10, 10, 10)},
                          {"client": "b", "session": 1, **vas(9, 9, 9, 8)},
                          {"client": "a", "session": 2, **vas(10, 10, 10, 10)},
                          {"client": "b", "session": 2, **vas(8, 8, 9, 8)}])
    assert rupture_rows(srs, frame) == [3]


@pytest.mark.parametrize(
    ("items", "count"),
    [((9, 9, 9, 9), 0), ((8.9, 9, 9, 9), 1), ((9, 9, 9, 0), 1), ((5, 10, 5, 10), 2),
     ((8, 8, 8, 8), 4)],
)
def test_any_item_below_9(srs, items, count: int) -> None:
    found = evaluate_alerts(srs, alliance_kit.score(srs, vas(*items)))
    low = found[found["alert"] == "item-low"]
    assert len(low) == (1 if count else 0)
    if count:
        assert low["value"].item() == count


def test_item_below_9_fires_even_without_a_total(srs) -> None:
    found = evaluate_alerts(srs, alliance_kit.score(srs, vas(7, NA, 10, 10)))
    # Without a total the concern cannot be judged: 'incomplete' (info) says so.
    assert list(found["alert"]) == ["incomplete", "item-low"]
