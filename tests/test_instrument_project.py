"""The project-authored measures: session check-in and readiness ruler (not validated)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alliance_kit

NA = np.nan
CHECKIN = ["bond", "goals", "approach", "overall"]


@pytest.fixture(scope="module")
def checkin(kit) -> alliance_kit.Instrument:
    return kit.instrument("session-checkin")


@pytest.fixture(scope="module")
def ruler(kit) -> alliance_kit.Instrument:
    return kit.instrument("readiness-ruler")


@pytest.mark.parametrize("instrument_id", ["session-checkin", "readiness-ruler"])
def test_marked_not_validated_with_english_and_spanish(kit, instrument_id: str) -> None:
    instrument = kit.instrument(instrument_id)
    assert instrument.wording == "project"
    assert instrument.validated is False
    assert set(instrument.languages) == {"en", "es"}
    for item in instrument.items:
        assert set(item.text) == {"en", "es"}
    assert "not a validated instrument" in instrument.text(instrument.raw["description"])


def test_checkin_total(checkin) -> None:
    # 8 + 7 + 9 + 6 = 30; the comment is stored, never scored.
    row = {"bond": 8, "goals": 7, "approach": 9, "overall": 6,
           "comment": "Less homework | more talking"}
    result = alliance_kit.score(checkin, row)
    assert result.scores["total"].item() == 30
    assert not checkin.item("comment").scored
    assert not checkin.item("comment").required


def test_checkin_needs_all_four_sliders(checkin) -> None:
    result = alliance_kit.score(checkin, {"bond": 8, "goals": 7, "approach": 9, "overall": NA})
    assert np.isnan(result.scores["total"].item())


def test_checkin_does_not_copy_the_srs(checkin, kit) -> None:
    srs = kit.instrument("srs")
    assert checkin.item("bond").scale["step"] == 1  # whole-number sliders, not a 10 cm line
    assert not srs.languages  # the SRS ships no wording to copy from


def test_checkin_comment_length_is_limited(checkin) -> None:
    with pytest.raises(alliance_kit.InvalidResponses) as caught:
        alliance_kit.score(checkin, {**dict.fromkeys(CHECKIN, 5), "comment": "x" * 1001})
    assert [e.column for e in caught.value.errors] == ["comment"]


def test_checkin_rejects_half_points(checkin) -> None:
    with pytest.raises(alliance_kit.InvalidResponses):
        alliance_kit.score(checkin, {**dict.fromkeys(CHECKIN, 5), "bond": 5.5})


def test_ruler_scores_are_the_two_rulers(ruler) -> None:
    frame = pd.DataFrame([{"importance": 7, "confidence": 3},
                          {"importance": 10, "confidence": 0},
                          {"importance": NA, "confidence": 4}])
    scores = alliance_kit.score(ruler, frame).scores
    assert scores["importance-score"].tolist()[:2] == [7, 10]
    assert np.isnan(scores["importance-score"].iloc[2])
    assert scores["confidence-score"].tolist() == [3, 0, 4]
    assert not ruler.alerts
    assert all(not s.cutoffs for s in ruler.scores)


@pytest.mark.parametrize("value", [11, -1, 6.5])
def test_ruler_rejects_values_off_the_ruler(ruler, value) -> None:
    with pytest.raises(alliance_kit.InvalidResponses) as caught:
        alliance_kit.score(ruler, {"importance": value, "confidence": 5})
    assert [e.column for e in caught.value.errors] == ["importance"]
