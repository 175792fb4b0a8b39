"""Tests for alliance_kit.engine.change: Jacobson-Truax reliable and clinically significant
change."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance_kit.engine.change import (
    CATEGORIES,
    NO_RELIABLE_CHANGE,
    RECOVERED,
    RELIABLE_DETERIORATION,
    RELIABLE_IMPROVEMENT,
    classify_change,
    clinical_cutoff,
    drops,
    reliable_change_index,
    reliable_change_threshold,
    series_change,
)

# s1 = 7.5, r = 0.8: SE = 7.5 * sqrt(0.2) = 3.3541019662, S_diff = sqrt(2) * SE = 4.7434164903,
# threshold = 1.96 * S_diff = 9.2970963210.
# c = (SD_clin * M_norm + SD_norm * M_clin) / (SD_norm + SD_clin)
#   = (8 * 28 + 6 * 19.6) / (6 + 8) = 341.6 / 14 = 24.4
JT = {
    "clinical": {"mean": 19.6, "sd": 7.5},
    "nonclinical": {"mean": 28.0, "sd": 6.0},
    "reliability": 0.8,
}
JT_CUT = {"clinical": {"mean": 19.6, "sd": 8.0}, "nonclinical": {"mean": 28.0, "sd": 6.0}}
PHQ9 = {"reliable_change": 6, "clinical_cutoff": 10, "improvement": "decrease"}
ORS = {
    "clinical": {"mean": 19.6, "sd": 8.0},
    "nonclinical": {"mean": 28.0, "sd": 6.0},
    "reliability": 0.8,
    "reliable_change": 5,
    "clinical_cutoff": 25,
    "improvement": "increase",
}
S_DIFF = 7.5 * math.sqrt(0.2) * math.sqrt(2)


def test_threshold_from_norms() -> None:
    assert math.isclose(S_DIFF, 4.7434164903, rel_tol=1e-10)
    assert reliable_change_threshold(JT) == pytest.approx(1.96 * 4.7434164903)
    assert reliable_change_threshold(JT) == pytest.approx(9.2970963210)


def test_threshold_fixed_wins_and_missing() -> None:
    assert reliable_change_threshold(ORS) == 5.0
    assert reliable_change_threshold(PHQ9) == 6.0
    assert reliable_change_threshold({}) is None
    assert reliable_change_threshold(None) is None
    assert (
        reliable_change_threshold({"clinical": {"mean": 10, "sd": None}, "reliability": 0.9})
        is None
    )
    assert reliable_change_threshold({"clinical": {"mean": 10, "sd": 5}}) is None


def test_rci_values() -> None:
    rc = reliable_change_index([10, 10, np.nan], [20, 5, 12], JT)
    np.testing.assert_allclose(rc[:2], [10 / S_DIFF, -5 / S_DIFF])
    assert np.isnan(rc[2])
    assert reliable_change_index(10, 20, JT).shape == ()
    # RCI uses clinical sd and reliability even when a fixed threshold exists (ORS sd = 8)
    assert float(reliable_change_index(18, 26, ORS)) == pytest.approx(8 / (8 * math.sqrt(0.4)))


def test_rci_from_fixed_threshold_only() -> None:
    rc = reliable_change_index(np.array([20.0, 20.0]), np.array([14.0, 17.0]), PHQ9)
    np.testing.assert_allclose(rc, [-1.96, -0.98])


def test_rci_needs_norms() -> None:
    with pytest.raises(ValueError, match="reliable change index"):
        reliable_change_index(1, 2, {"clinical_cutoff": 10})
    with pytest.raises(ValueError, match="reliable change index"):
        classify_change(1, 2, {})


def test_clinical_cutoff() -> None:
    assert clinical_cutoff(JT_CUT) == pytest.approx(24.4)
    assert clinical_cutoff(ORS) == 25.0
    assert clinical_cutoff(PHQ9) == 10.0
    assert clinical_cutoff({"clinical": {"mean": 19.6, "sd": 8.0}}) is None
    assert clinical_cutoff(None) is None


def test_invalid_norms() -> None:
    with pytest.raises(ValueError, match="improvement"):
        classify_change(1, 2, {"reliable_change": 5, "improvement": "up"})
    with pytest.raises(ValueError, match="reliability"):
        reliable_change_threshold({"clinical": {"mean": 1, "sd": 2}, "reliability": 1.0})
    with pytest.raises(ValueError, match="reliable_change"):
        reliable_change_threshold({"reliable_change": 0})
    with pytest.raises(ValueError, match="sd"):
        reliable_change_threshold({"clinical": {"mean": 1, "sd": -2}, "reliability": 0.5})


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (20, 14, RELIABLE_IMPROVEMENT),  # fell by exactly 6: reliable (inclusive), 14 not < 10
        (20, 15, NO_RELIABLE_CHANGE),  # fell by 5
        (15, 9, RECOVERED),  # fell by 6, from caseness to below 10
        (14, 9, NO_RELIABLE_CHANGE),  # below the cut-off but a drop of 5 is not reliable
        (16, 10, RELIABLE_IMPROVEMENT),  # 10 is not strictly below c = 10
        (9, 3, RELIABLE_IMPROVEMENT),  # already below c at baseline: not "recovered"
        (10, 16, RELIABLE_DETERIORATION),
        (10, 15, NO_RELIABLE_CHANGE),
    ],
)
def test_phq9_fixed_threshold_decrease(baseline: float, current: float, expected: str) -> None:
    assert classify_change(baseline, current, PHQ9) == expected


@pytest.mark.parametrize(
    ("baseline", "current", "expected"),
    [
        (18, 24, RELIABLE_IMPROVEMENT),  # reliable, but 24 is not above 25
        (18, 26, RECOVERED),
        (25, 19, RELIABLE_DETERIORATION),
        (18, 23, RELIABLE_IMPROVEMENT),  # exactly the threshold of 5
        (18, 22.9, NO_RELIABLE_CHANGE),
        (20, 25, RELIABLE_IMPROVEMENT),  # 25 is not strictly above c = 25
        (25, 30, RECOVERED),  # 25 is on the dysfunctional side
        (26, 32, RELIABLE_IMPROVEMENT),  # functional at baseline already
        (18.3, 23.3, RELIABLE_IMPROVEMENT),  # 23.3 - 18.3 is 4.999... in floating point
    ],
)
def test_ors_fixed_threshold_increase(baseline: float, current: float, expected: str) -> None:
    assert classify_change(baseline, current, ORS) == expected


def test_rci_boundary_is_strict() -> None:
    # s1 = 5, r = 0.5: S_diff = 5 * sqrt(2 * 0.5) = 5, so a change of 9.8 is RC = 1.96 exactly
    norms = {"clinical": {"mean": 10, "sd": 5}, "reliability": 0.5}
    assert float(reliable_change_index(10, 19.8, norms)) == pytest.approx(1.96)
    out = classify_change([10, 10, 19.8, 19.81], [19.8, 19.81, 10, 10], norms)
    assert out.tolist() == [
        NO_RELIABLE_CHANGE,
        RELIABLE_IMPROVEMENT,
        NO_RELIABLE_CHANGE,
        RELIABLE_DETERIORATION,
    ]


def test_rci_classification_with_computed_cutoff() -> None:
    norms = {**JT_CUT, "reliability": 0.8}  # threshold 1.96 * 8 * sqrt(0.4) = 9.917, c = 24.4
    out = classify_change([15, 15, 14.9, 30, 30], [24.5, 25, 24.9, 20, 21], norms)
    assert out.tolist() == [
        NO_RELIABLE_CHANGE,  # 9.5 < 9.917
        RECOVERED,  # 10 > 9.917, 15 <= 24.4 < 25
        RECOVERED,
        RELIABLE_DETERIORATION,
        NO_RELIABLE_CHANGE,  # -9
    ]
    assert classify_change(14, 24.4, norms) == RELIABLE_IMPROVEMENT  # 24.4 is not beyond c


def test_no_cutoff_means_no_recovery() -> None:
    out = classify_change([0, 30], [30, 0], {"reliable_change": 5})
    assert out.tolist() == [RELIABLE_IMPROVEMENT, RELIABLE_DETERIORATION]


def test_nan_handling() -> None:
    out = classify_change([np.nan, 18, 18, None], [26, np.nan, 26, 26], ORS)
    assert out.dtype == object
    assert out.tolist() == [None, None, RECOVERED, None]
    series = pd.Series([18, pd.NA, 25], dtype="Int64")
    assert classify_change(series, pd.Series([26, 26, 19]), ORS).tolist() == [
        RECOVERED,
        None,
        RELIABLE_DETERIORATION,
    ]


def test_broadcasting_and_scalar() -> None:
    out = classify_change(18, np.array([18, 23, 26, 12]), ORS)
    assert out.tolist() == [
        NO_RELIABLE_CHANGE,
        RELIABLE_IMPROVEMENT,
        RECOVERED,
        RELIABLE_DETERIORATION,
    ]
    scalar = classify_change(18, 26, ORS)
    assert scalar.shape == () and scalar.item() == RECOVERED


scores = st.one_of(st.floats(min_value=0, max_value=40, allow_nan=False), st.just(math.nan))
norm_sets = st.sampled_from([ORS, PHQ9, {**JT_CUT, "reliability": 0.8}, {"reliable_change": 4}])


@given(st.lists(st.tuples(scores, scores), min_size=1, max_size=30), norm_sets)
def test_batch_equals_one_by_one(pairs: list[tuple[float, float]], norms: dict) -> None:
    base = np.array([p[0] for p in pairs])
    curr = np.array([p[1] for p in pairs])
    batch = classify_change(base, curr, norms)
    single = [classify_change(b, c, norms).item() for b, c in pairs]
    assert batch.tolist() == single
    assert all(v is None or v in CATEGORIES for v in single)


@given(scores, scores, norm_sets)
def test_swap_flips_direction(baseline: float, current: float, norms: dict) -> None:
    forward = classify_change(baseline, current, norms).item()
    backward = classify_change(current, baseline, norms).item()
    if forward is None:
        assert backward is None
    elif forward == NO_RELIABLE_CHANGE:
        assert backward == NO_RELIABLE_CHANGE
    elif forward in (RELIABLE_IMPROVEMENT, RECOVERED):
        assert backward == RELIABLE_DETERIORATION
    else:
        assert backward in (RELIABLE_IMPROVEMENT, RECOVERED)


def _sessions() -> pd.DataFrame:
    rows = [
        # client, session, score
        ("a", 1, 18.0),
        ("a", 2, 20.0),
        ("a", 3, 19.0),
        ("a", 4, 26.0),
        ("b", 1, 30.0),
        ("b", 2, np.nan),
        ("b", 3, 24.0),
        ("c", 1, 15.0),
    ]
    frame = pd.DataFrame(rows, columns=["client", "session", "score"])
    frame.index = [f"r{i}" for i in range(len(frame))]
    return frame.sample(frac=1.0, random_state=7)


def test_drops_shuffled_two_clients() -> None:
    frame = _sessions()
    out = drops(frame, client="client", order="session", score="score")
    assert list(out.index) == list(frame.index)
    expected = {
        "r0": np.nan,  # a first
        "r1": 18 - 20,
        "r2": 20 - 19,
        "r3": 19 - 26,
        "r4": np.nan,  # b first
        "r5": np.nan,  # missing score
        "r6": np.nan,  # previous score missing
        "r7": np.nan,  # c first
    }
    pd.testing.assert_series_equal(
        out, pd.Series([expected[i] for i in frame.index], index=frame.index, name="drop")
    )
    rupture = out >= 1  # "1 or more points below the previous session"
    assert set(frame.index[rupture.to_numpy()]) == {"r2"}


def test_drops_pyarrow_strings_and_missing_client() -> None:
    frame = pd.DataFrame(
        {
            "client": pd.array(["x", "x", None, "x"], dtype="string[pyarrow]"),
            "order": pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-02", "2024-01-02"]),
            "srs": [30.0, 36.0, 10.0, 38.0],
        }
    )
    out = drops(frame, client="client", order="order", score="srs")
    np.testing.assert_allclose(out.to_numpy(), [8.0, np.nan, np.nan, -2.0])


def test_series_change_by_hand() -> None:
    out = series_change(_sessions(), client="client", order="session", score="score", norms=ORS)
    assert list(out.index) == ["a", "b", "c"]
    assert out.index.name == "client"
    assert list(out.columns) == ["baseline", "latest", "n", "change", "rci", "category"]
    s_diff = 8.0 * math.sqrt(2 * (1 - 0.8))
    # a: 18 -> 26 (4 sessions), +8 >= 5 and 26 > 25: recovered
    assert out.loc["a", ["baseline", "latest", "n", "change"]].tolist() == [18, 26, 4, 8]
    assert out.loc["a", "rci"] == pytest.approx(8 / s_diff)
    assert out.loc["a", "category"] == RECOVERED
    # b: 30 -> 24 (missing session 2 skipped), -6: reliable deterioration
    assert out.loc["b", ["baseline", "latest", "n", "change"]].tolist() == [30, 24, 2, -6]
    assert out.loc["b", "category"] == RELIABLE_DETERIORATION
    # c: one session only: no change to judge
    assert out.loc["c", "n"] == 1
    assert math.isnan(out.loc["c", "change"]) and math.isnan(out.loc["c", "rci"])
    assert out.loc["c", "category"] is None
    assert out["n"].dtype == np.int64


def test_series_change_without_change_norms() -> None:
    out = series_change(
        _sessions(), client="client", order="session", score="score", norms={"clinical_cutoff": 25}
    )
    assert out["rci"].isna().all()
    assert out["category"].isna().all()
    assert out.loc["a", "change"] == 8


def test_series_change_leaves_frame_alone() -> None:
    frame = _sessions()
    before = frame.copy()
    series_change(frame, client="client", order="session", score="score", norms=PHQ9)
    drops(frame, client="client", order="session", score="score")
    pd.testing.assert_frame_equal(frame, before)


def test_missing_column() -> None:
    with pytest.raises(KeyError, match="nope"):
        drops(_sessions(), client="client", order="nope", score="score")


def test_infinite_values_are_missing_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = classify_change([np.inf, -np.inf, 18], [np.inf, 26, 26], ORS)
        rc = reliable_change_index([np.inf], [np.inf], ORS)
    assert out.tolist() == [None, None, RECOVERED]
    assert np.isnan(rc[0])
