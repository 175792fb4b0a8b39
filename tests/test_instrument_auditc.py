"""AUDIT-C golden values: skip logic and the cut-off that depends on sex (INSTRUMENTS.md)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import alliance_kit

NA = np.nan


@pytest.fixture(scope="module")
def audit(kit) -> alliance_kit.Instrument:
    return kit.instrument("audit-c")


def test_structure(audit) -> None:
    assert [i.id for i in audit.items] == ["1", "2", "3"]
    assert audit.score("total").range == (0, 12)
    for item in audit.items:
        assert item.bounds == (0.0, 4.0)


def test_item_1_never_skips_items_2_and_3_which_score_0(audit) -> None:
    # Item 1 'Never' (0): items 2 and 3 are not asked, each scores 0, total 0.
    result = alliance_kit.score(audit, {"1": 0, "2": NA, "3": NA})
    assert result.scores["total"].item() == 0
    assert result.answers().iloc[0].tolist() == [0, 0, 0]
    assert result.reasons()["total"].iloc[0] is None
    assert not bool(result.flags["total_positive"].iloc[0])


def test_skip_works_without_columns_for_items_2_and_3(audit) -> None:
    result = alliance_kit.score(audit, pd.DataFrame({"1": [0]}))
    assert result.scores["total"].item() == 0


@pytest.mark.parametrize("value", [0, 1, 4])
def test_answering_item_2_after_never_scores_0_with_a_warning(audit, value: int) -> None:
    # A paper form answered item 2 after 'Never': the rule says item 2 scores 0.
    result = alliance_kit.score(audit, {"1": 0, "2": value, "3": NA})
    assert result.scores["total"].item() == 0
    assert result.answers().iloc[0].tolist() == [0, 0, 0]
    assert [(w.row, w.column) for w in result.row_warnings] == [(0, "2")]
    assert "only asked when item '1'" in result.row_warnings[0].message


def test_answering_item_2_after_never_is_refused_for_the_clinic(audit) -> None:
    # The kiosk and the clinic's database keep the stricter rule.
    errors = alliance_kit.validate_response(audit, {"1": 0, "2": 1, "3": None})
    assert [(e.column, "leave it blank" in e.message) for e in errors] == [("2", True)]


def test_answering_both_skipped_items_names_both(audit) -> None:
    result = alliance_kit.score(audit, {"1": 0, "2": 1, "3": 1})
    assert sorted(w.column for w in result.row_warnings) == ["2", "3"]
    assert result.scores["total"].item() == 0


def test_drinkers_answer_all_three(audit) -> None:
    # 2 to 4 times a month (2) + 5 or 6 drinks (2) + monthly binge (2) = 6.
    result = alliance_kit.score(audit, {"1": 2, "2": 2, "3": 2})
    assert result.scores["total"].item() == 6
    # A drinker who leaves item 3 blank has no total (no prorating).
    result = alliance_kit.score(audit, {"1": 2, "2": 2, "3": NA})
    assert np.isnan(result.scores["total"].item())


def test_top_of_range(audit) -> None:
    assert alliance_kit.score(audit, {"1": 4, "2": 4, "3": 4}).scores["total"].item() == 12


@pytest.mark.parametrize(
    ("answers", "sex", "positive"),
    [
        ((1, 1, 1), "male", False),    # 3: below the men's cut-off 4
        ((2, 1, 1), "male", True),     # 4: at the men's cut-off
        ((1, 1, 1), "female", True),   # 3: at the women's cut-off
        ((1, 1, 0), "female", False),  # 2
        ((1, 1, 1), "", True),         # 3, sex not recorded: 'otherwise' (3)
        ((1, 1, 0), "", False),        # 2, sex not recorded
        ((1, 1, 1), " Male ", False),  # case and spaces do not matter
        ((1, 1, 1), "FEMALE", True),
    ],
)
def test_positive_screen_by_sex(audit, answers, sex: str, positive: bool) -> None:
    row = {**dict(zip(["1", "2", "3"], answers, strict=True)), "sex": sex}
    result = alliance_kit.score(audit, row)
    assert bool(result.flags["total_positive"].iloc[0]) is positive


def test_no_sex_column_uses_otherwise(audit) -> None:
    result = alliance_kit.score(audit, {"1": 1, "2": 1, "3": 1})
    assert bool(result.flags["total_positive"].iloc[0])


def test_unknown_sex_uses_the_otherwise_value_whatever_it_is(audit) -> None:
    # With 'otherwise' set to 4, a 3 from someone whose sex is not recorded is not positive.
    data = copy.deepcopy(dict(audit.raw))
    data["scores"][0]["cutoffs"][0]["value"]["otherwise"] = 4
    changed = alliance_kit.load_definition(data)
    frame = pd.DataFrame([{"1": 1, "2": 1, "3": 1, "sex": ""},
                          {"1": 2, "2": 1, "3": 1, "sex": ""}])
    assert alliance_kit.score(changed, frame).flags["total_positive"].tolist() == [False, True]


def test_without_otherwise_unknown_sex_gives_no_flag(audit) -> None:
    data = copy.deepcopy(dict(audit.raw))
    del data["scores"][0]["cutoffs"][0]["value"]["otherwise"]
    changed = alliance_kit.load_definition(data)
    result = alliance_kit.score(changed, {"1": 1, "2": 1, "3": 1, "sex": ""})
    assert pd.isna(result.flags["total_positive"].iloc[0])


@pytest.mark.parametrize("sex", ["other", "m", "2"])
def test_sex_outside_female_male_uses_otherwise_naming_the_value(audit, sex: str) -> None:
    # A value the definition does not list is read as not recorded: the cut-off's
    # 'otherwise' (3) decides, and the row gets a warning naming the value.
    frame = pd.DataFrame([{"1": 1, "2": 1, "3": 1, "sex": "male"},
                          {"1": 1, "2": 1, "3": 1, "sex": sex}])
    result = alliance_kit.score(audit, frame)
    assert result.flags["total_positive"].tolist() == [False, True]  # 3: male no, other yes
    assert [(w.row, w.column) for w in result.row_warnings] == [(1, "sex")]
    message = result.row_warnings[0].message
    assert f"{sex!r} is not one of female, male" in message
    assert "cut-off 'positive' of 'total' used its 'otherwise' value 3" in message
    assert result.warnings_by_row().tolist() == [None, f"sex: {message}"]
