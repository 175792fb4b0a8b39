"""Expected trajectories from a clinic's history, and the markers on one client's series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance_kit.engine.change import RECOVERED, RELIABLE_DETERIORATION, RELIABLE_IMPROVEMENT
from alliance_kit.engine.trajectory import RUPTURE, expected_trajectory, series_markers


def clinic(firsts, sessions=5, gain=1.0) -> pd.DataFrame:
    """Clients starting at ``firsts``, each gaining ``gain`` a session."""
    return pd.DataFrame([{"client": c, "session": s, "score": first + gain * (s - 1)}
                         for c, first in enumerate(firsts) for s in range(1, sessions + 1)])


def test_median_and_quartiles_by_session_of_similar_clients():
    frame = clinic([10, 11, 12, 13, 14, 30, 31, 32, 33, 34])
    result = expected_trajectory(frame, 12, nearest=5)
    assert result.clients == 5 and (result.first_low, result.first_high) == (10, 14)
    assert list(result.table["session"]) == [1, 2, 3, 4, 5]
    assert list(result.table["median"]) == [12, 13, 14, 15, 16]
    assert list(result.table["q25"]) == [11, 12, 13, 14, 15]
    assert list(result.table["q75"]) == [13, 14, 15, 16, 17]
    assert set(result.table["n"]) == {5}
    assert "5 clients whose first score was 10 to 14" in result.describe()
    assert "not a published norm" in result.describe()


def test_ties_at_the_edge_are_all_kept_whatever_the_row_order():
    frame = clinic([10, 12, 8, 14, 6, 20])
    forward = expected_trajectory(frame, 10, nearest=3, min_clients=1)
    backward = expected_trajectory(frame.iloc[::-1], 10, nearest=3, min_clients=1)
    assert forward.clients == backward.clients == 3
    pd.testing.assert_frame_equal(forward.table, backward.table)


def test_tolerance_limits_who_counts_as_similar():
    frame = clinic([10, 11, 12, 13, 14, 30, 31, 32, 33, 34])
    assert expected_trajectory(frame, 12, tolerance=2).clients == 5
    assert expected_trajectory(frame, 20, tolerance=2).empty


def test_sessions_with_too_few_clients_are_left_out():
    frame = pd.concat([clinic([10] * 6, sessions=3),
                       clinic([10] * 2, sessions=8).assign(client=lambda f: f["client"] + 100)])
    result = expected_trajectory(frame, 10, min_clients=5)
    assert list(result.table["session"]) == [1, 2, 3]  # sessions 4-8 have only 2 clients


def test_too_few_clients_gives_no_trajectory_and_says_so():
    result = expected_trajectory(clinic([10, 11]), 10, min_clients=5)
    assert result.empty and result.clients == 0
    assert "too few clients" in result.describe()


def test_first_score_is_at_the_lowest_session_and_missing_scores_are_ignored():
    frame = clinic([10] * 5).sample(frac=1, random_state=1)
    frame.loc[frame.index[0], "score"] = np.nan
    result = expected_trajectory(frame, 10)
    assert result.first_low == 10 and result.clients == 5


def test_bad_input_is_refused_clearly():
    with pytest.raises(KeyError, match="'score'"):
        expected_trajectory(pd.DataFrame({"client": [], "session": []}), 1)
    with pytest.raises(ValueError):
        expected_trajectory(clinic([1]), 1, nearest=0)
    assert expected_trajectory(clinic([1] * 5), float("nan")).empty


ORS = {"reliable_change": 5, "clinical_cutoff": 25, "improvement": "increase",
       "at_cutoff": "functional"}


def test_markers_for_reliable_change_and_recovery():
    markers = series_markers([20, 22, 26, 14, 24], ORS)
    assert list(markers) == [None, None, RECOVERED, RELIABLE_DETERIORATION, None]
    assert series_markers([10, 16], {"reliable_change": 5})[1] == RELIABLE_IMPROVEMENT


def test_a_rupture_wins_over_reliable_change():
    markers = series_markers([38, 39, 37.5, 30], {"reliable_change": 5}, rupture_drop=1)
    assert list(markers) == [None, None, RUPTURE, RUPTURE]


def test_no_markers_without_norms_or_next_to_missing_scores():
    assert list(series_markers([10, 2, 30], None)) == [None, None, None]
    assert list(series_markers([np.nan, 10, np.nan, 5], None, rupture_drop=1,
                               rupture_compare_to="previous")) == [None] * 4
    # By default a drop is measured from the last earlier score there is (10 -> 5).
    assert list(series_markers([np.nan, 10, np.nan, 5], None, rupture_drop=1)) == [
        None, None, None, "rupture"]
    assert list(series_markers([], ORS)) == []
