"""The motivation profile, without a database: measures a condition may name, quadrants,
URICA stages (ties included), AUDIT-C flags, and the profile over time from records."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance_kit.engine.motivation import (
    build_profile,
    derive,
    measures,
    quadrant,
    score_values,
    stage,
)
from alliance_kit.engine.records import Record


def record(rid: int, day: int, instrument: str, answers: dict, attributes=None,
           scores=None) -> Record:
    when = dt.datetime(2026, 3, day, 10, tzinfo=dt.UTC)
    return Record(rid, str(rid), 1, "C-1", instrument, "1.0.0", day, when, "es", answers,
                  attributes or {}, scores or {})


@pytest.mark.parametrize(("importance", "confidence", "expected"), [
    (2, 8, "importance-low"), (9, 2, "confidence-low"), (6, 6, "both-high"),
    (5, 5, "both-low"), (None, 5, None)])
def test_quadrants(importance, confidence, expected) -> None:
    assert quadrant(importance, confidence) == expected


def test_stage_is_the_highest_subscale_and_ties_are_kept() -> None:
    assert stage({"pc": 1.2, "c": 4.1, "a": 3.9, "m": 2}) == ("contemplation",)
    assert stage({"pc": 1, "c": 4, "a": 4, "m": 2}) == ("contemplation", "action")
    assert stage({"pc": 1, "c": 4, "a": None, "m": 2}) == ()
    assert derive("urica", {"pc": 5, "c": 1, "a": 1, "m": 1}) == {"stage": ("precontemplation",)}


def test_measures_name_scores_items_flags_bands_and_derived(kit) -> None:
    ruler = measures(kit.instrument("readiness-ruler"))
    assert {"importance", "confidence", "importance-score", "quadrant"} <= set(ruler)
    assert ruler["importance"].range == (0, 10)
    assert measures(kit.instrument("urica"))["stage"].values[0] == "precontemplation"
    audit = measures(kit.instrument("audit-c"))
    assert audit["total_positive"].kind == "flag"
    assert measures(kit.instrument("phq-9"))["total_band"].kind == "category"
    assert "quadrant" not in measures(kit.instrument("srs"))


def test_audit_c_flag_follows_the_respondents_sex(kit) -> None:
    audit = kit.instrument("audit-c")
    female = score_values(audit, {"1": 2, "2": 1, "3": 0}, {"sex": "female"})
    male = score_values(audit, {"1": 2, "2": 1, "3": 0}, {"sex": "male"})
    assert female["total"] == male["total"] == 3
    assert female["total_positive"] is True and male["total_positive"] is False


def test_profile_over_time(kit) -> None:
    records = [
        record(3, 10, "readiness-ruler", {"importance": 9, "confidence": 2}),
        record(1, 3, "readiness-ruler", {"importance": 2, "confidence": 8}),
        record(2, 3, "audit-c", {"1": 4, "2": 3, "3": 3}, {"sex": "male"}),
        record(4, 10, "srs", {"1": 9, "2": 9, "3": 9, "4": 9}),  # not part of the profile
    ]
    profile = build_profile(kit.instruments, records)
    assert [p.instrument_id for p in profile.points] == ["readiness-ruler", "audit-c",
                                                         "readiness-ruler"]
    table = profile.table()
    assert table["quadrant"].tolist() == ["importance-low", "confidence-low"]
    assert table["instrument"].tolist() == ["readiness-ruler, audit-c", "readiness-ruler"]
    assert table["audit_c"].tolist() == [10, 10]  # known since the 3rd, still the latest
    assert profile.summary()["importance"] == 9
    assert profile.latest_point("audit-c").language == "es"


def test_stored_scores_are_used_as_stored(kit) -> None:
    """A score stored by an older definition stays what it was (it carries its version)."""
    profile = build_profile(kit.instruments, [record(
        1, 3, "readiness-ruler", {"importance": 4, "confidence": 4},
        scores={"importance-score": (7.0, None), "confidence-score": (7.0, None)})])
    assert profile.summary()["importance"] == 7
    assert profile.summary()["quadrant"] == "both-high"


def test_empty_profile(kit) -> None:
    profile = build_profile(kit.instruments, [])
    assert profile.empty and profile.table().empty
    assert set(profile.summary().values()) == {None}


def test_one_record_that_no_longer_validates_does_not_spoil_the_others(kit) -> None:
    records = [record(1, 3, "readiness-ruler", {"importance": 2, "confidence": 8}),
               record(2, 4, "readiness-ruler", {"importance": 12, "confidence": 8},
                      scores={"importance-score": (10.0, None), "confidence-score": (8.0, None)}),
               record(3, 5, "audit-c", {"1": 2, "2": 1, "3": 0}),
               record(4, 6, "audit-c", {"1": 2, "2": 1, "3": 0}, {"sex": "male"})]
    points = build_profile(kit.instruments, records).points
    assert points[0].values["quadrant"] == "importance-low"
    assert points[1].values["importance-score"] == 10 and "importance" not in points[1].values
    assert points[1].values["quadrant"] == "both-high"  # from the stored scores
    assert points[2].values["total_positive"] is True   # sex unknown: the lower cut-off
    assert points[3].values["total_positive"] is False
