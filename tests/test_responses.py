"""Checking answers: the generated response schema, one response, and whole tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import INSTRUMENTS, load
from jsonschema import Draft202012Validator

import alliance_kit
from alliance_kit.engine import responses
from alliance_kit.engine.responses import (
    MAX_REPORTED,
    InvalidResponses,
    ResponseError,
    response_schema,
)
from alliance_kit.engine.scoring import validate_response

GOOD_PHQ9 = {"1": 1, "2": 2, "3": 0, "4": 3, "5": 1, "6": 0, "7": 2, "8": 1, "9": 0, "10": 1}


def phq9_row(**answers):
    row = {str(n): 0 for n in range(1, 10)}
    row.update({k.lstrip("i"): v for k, v in answers.items()})
    return row


@pytest.fixture(scope="module")
def auditc():
    path = INSTRUMENTS / "audit-c.json"
    if not path.exists():
        pytest.fail("instruments/audit-c.json is missing")
    return alliance_kit.load_definition(path)


# --- the response schema -------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(INSTRUMENTS.glob("*.json")), ids=lambda p: p.stem)
def test_response_schema_is_valid_draft_2020_12(path):
    instrument, problems = alliance_kit.try_load_definition(path)
    assert instrument is not None, [str(p) for p in problems]
    schema = response_schema(instrument)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == {item.id for item in instrument.items}
    assert schema["additionalProperties"] is False


def test_phq9_response_schema_contents(phq9):
    schema = response_schema(phq9)
    assert schema["properties"]["3"] == {"enum": [0, 1, 2, 3]}
    assert schema["required"] == [str(n) for n in range(1, 10)]  # item 10 is optional
    assert None in schema["properties"]["10"]["enum"]
    assert phq9.version in schema["$id"] and phq9.id in schema["$id"]


def test_schema_accepts_good_and_rejects_bad_directly(phq9):
    validator = Draft202012Validator(response_schema(phq9))
    assert validator.is_valid(GOOD_PHQ9)
    assert not validator.is_valid({**GOOD_PHQ9, "3": 7})
    assert not validator.is_valid({**GOOD_PHQ9, "3": 1.5})
    assert not validator.is_valid({k: v for k, v in GOOD_PHQ9.items() if k != "4"})


def test_vas_and_numeric_answer_schemas(minimal):
    minimal["scales"]["vas"] = {"type": "visual-analogue", "min": 0, "max": 10, "step": 0.5}
    minimal["scales"]["num"] = {"type": "numeric", "min": 0, "max": 40, "integer": True}
    minimal["items"] += [{"id": "v", "text": {"en": "V"}, "scale": "vas"},
                         {"id": "n", "text": {"en": "N"}, "scale": "num"}]
    instrument = load(minimal)
    base = {"a": 0, "b": 0, "c": 0}
    assert validate_response(instrument, {**base, "v": 7.5, "n": 12}) == []
    errors = validate_response(instrument, {**base, "v": 7.25, "n": 12})
    assert [e.column for e in errors] == ["v"]
    assert "steps of 0.5" in errors[0].message
    errors = validate_response(instrument, {**base, "v": 7.5, "n": 41})
    assert [e.column for e in errors] == ["n"] and "0 to 40" in errors[0].message


# --- validate_response -------------------------------------------------------------------


def test_good_phq9_response(phq9):
    assert validate_response(phq9, GOOD_PHQ9) == []


def test_good_phq9_response_without_optional_item_10(phq9):
    assert validate_response(phq9, {k: v for k, v in GOOD_PHQ9.items() if k != "10"}) == []
    assert validate_response(phq9, {**GOOD_PHQ9, "10": None}) == []


def test_value_not_on_the_scale(phq9):
    errors = validate_response(phq9, {**GOOD_PHQ9, "3": 7})
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, ResponseError)
    assert error.column == "3"
    assert "7" in error.message
    assert "0, 1, 2, 3" in error.message
    assert str(error).startswith("response 0, item '3': ")


def test_text_instead_of_a_number(phq9):
    errors = validate_response(phq9, {**GOOD_PHQ9, "2": "two"})
    assert [e.column for e in errors] == ["2"]
    assert "'two'" in errors[0].message


def test_unknown_item_is_named(phq9):
    errors = validate_response(phq9, {**GOOD_PHQ9, "11": 1})
    assert [e.column for e in errors] == ["11"]
    assert "no such item" in errors[0].message


def test_missing_required_item_is_named(phq9):
    answers = {k: v for k, v in GOOD_PHQ9.items() if k != "6"}
    errors = validate_response(phq9, answers)
    assert [e.column for e in errors] == ["6"]
    assert "required" in errors[0].message


def test_null_for_a_required_item(phq9):
    errors = validate_response(phq9, {**GOOD_PHQ9, "6": None})
    assert [(e.column, e.message) for e in errors] == [("6", "required: answer it")]
    # A paper form may leave it blank: the score's missing-data rule takes over.
    assert validate_response(phq9, {**GOOD_PHQ9, "6": None}, complete=False) == []


def test_several_problems_reported_together(phq9):
    answers = {**GOOD_PHQ9, "3": 7, "12": 0}
    del answers["1"]
    assert {e.column for e in validate_response(phq9, answers)} == {"1", "3", "12"}


def test_phq9_item_10_answered_while_total_is_zero(phq9):
    answers = {**{str(n): 0 for n in range(1, 10)}, "10": 2}
    errors = validate_response(phq9, answers)
    assert [e.column for e in errors] == ["10"]
    assert "only asked when score 'total' is above 0" in errors[0].message


def test_phq9_item_10_answered_when_total_above_zero(phq9):
    answers = {**{str(n): 0 for n in range(1, 10)}, "1": 1, "10": 2}
    assert validate_response(phq9, answers) == []


def test_auditc_skip_logic_item_2_answered_after_never(auditc):
    errors = validate_response(auditc, {"1": 0, "2": 1, "3": None})
    assert [e.column for e in errors] == ["2"]
    assert "only asked when item '1' is not equal to 0" in errors[0].message


def test_auditc_skip_logic_items_left_blank_after_never(auditc):
    assert validate_response(auditc, {"1": 0}) == []
    assert validate_response(auditc, {"1": 0, "2": None, "3": None}) == []


def test_auditc_asked_items_are_required_when_drinking(auditc):
    errors = validate_response(auditc, {"1": 2, "3": 1})
    assert [e.column for e in errors] == ["2"]
    assert validate_response(auditc, {"1": 2, "2": 1, "3": 1}) == []


def test_auditc_asked_items_sent_blank_are_required_too(auditc):
    # The kiosk sends None for an unanswered question: asked and required, it is refused.
    errors = validate_response(auditc, {"1": 2, "2": None, "3": 1})
    assert [(e.column, e.message) for e in errors] == [("2", "required: answer it")]
    assert validate_response(auditc, {"1": 0, "2": None, "3": None}) == []


def test_auditc_skip_logic_in_a_table_scores_as_the_rule_says(auditc):
    # A table is not refused for an answer the skip rule did not ask: item 2 after
    # 'Never' scores 0 (when_not_asked), with a warning naming the row and the rule.
    frame = pd.DataFrame({"1": [0, 0, 2], "2": [np.nan, 3, 1], "3": [np.nan, np.nan, 1]})
    result = alliance_kit.score(auditc, frame)
    assert result.scores["total"].tolist() == [0, 0, 4]
    assert [(w.row, w.column, w.kind) for w in result.row_warnings] == [(1, "2", "not-asked")]
    assert "only asked when item '1' is not equal to 0" in result.row_warnings[0].message
    assert "scored as 0" in result.row_warnings[0].message


# --- tables through score() ----------------------------------------------------------------


def test_non_number_names_row_and_column(phq9):
    frame = pd.DataFrame([phq9_row(), phq9_row(), phq9_row()]).astype(str)
    frame.loc[2, "4"] = "abc"
    with pytest.raises(InvalidResponses) as info:
        alliance_kit.score(phq9, frame)
    assert info.value.total == 1
    error = info.value.errors[0]
    assert (error.row, error.column) == (2, "4")
    assert "'abc'" in error.message and "not a number" in error.message
    assert "0, 1, 2, 3" in error.message
    assert "response 2, item '4'" in str(info.value)


def test_out_of_range_in_a_table(phq9):
    frame = pd.DataFrame([phq9_row(), phq9_row(i5=4)])
    with pytest.raises(InvalidResponses) as info:
        alliance_kit.score(phq9, frame)
    assert [(e.row, e.column) for e in info.value.errors] == [(1, "5")]
    assert "4 is not allowed" in info.value.errors[0].message


def test_row_is_position_not_index_label(phq9):
    frame = pd.DataFrame([phq9_row(), phq9_row(i5=9)], index=[100, 200])
    with pytest.raises(InvalidResponses) as info:
        alliance_kit.score(phq9, frame)
    assert info.value.errors[0].row == 1


def test_blank_strings_are_missing(phq9):
    row = {k: str(v) for k, v in phq9_row(i1=2, i2=2, i3=2).items()}
    blank = {**row, "4": "", "5": "   "}
    nan = {**phq9_row(i1=2, i2=2, i3=2), "4": np.nan, "5": np.nan}
    result_blank = alliance_kit.score(phq9, pd.DataFrame([blank]))
    result_nan = alliance_kit.score(phq9, pd.DataFrame([nan]))
    # 7 answered, sum 6, two missing prorated: 6 * 9/7 = 7.714 -> 8
    assert result_blank.scores.loc[0, "total"] == 8
    pd.testing.assert_frame_equal(result_blank.scores, result_nan.scores)


def test_numbers_and_the_same_as_strings_give_identical_scores(phq9):
    rng = np.random.default_rng(7)
    numbers = pd.DataFrame(rng.integers(0, 4, size=(50, 9)),
                           columns=[str(n) for n in range(1, 10)]).astype(float)
    numbers = numbers.mask(rng.random((50, 9)) < 0.15)
    strings = numbers.apply(lambda col: col.map(lambda v: "" if np.isnan(v) else f"{v:g}"))
    a = alliance_kit.score(phq9, numbers)
    b = alliance_kit.score(phq9, strings)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.bands, b.bands)
    pd.testing.assert_frame_equal(a.flags, b.flags)
    pd.testing.assert_frame_equal(a.reasons(), b.reasons())


def test_integer_and_object_columns_accepted(phq9):
    ints = pd.DataFrame([phq9_row(i1=3, i2=3)])
    objects = ints.astype(object)
    assert alliance_kit.score(phq9, ints).scores.loc[0, "total"] == 6
    assert alliance_kit.score(phq9, objects).scores.loc[0, "total"] == 6


def test_single_dict_is_one_response(phq9):
    result = alliance_kit.score(phq9, phq9_row(i1=3))
    assert result.scores["total"].tolist() == [3.0]


def test_missing_item_column_is_a_warning(phq9):
    frame = pd.DataFrame([phq9_row(i1=2)]).drop(columns=["9"])
    result = alliance_kit.score(phq9, frame)
    # 8 answered, sum 2, one missing: 2 * 9/8 = 2.25 -> 2
    assert result.scores.loc[0, "total"] == 2
    assert any("9" in w for w in result.warnings)


def test_other_columns_are_ignored(phq9):
    frame = pd.DataFrame([{**phq9_row(i1=1), "client": "c-1", "date": "2024-01-01"}])
    assert alliance_kit.score(phq9, frame).scores.loc[0, "total"] == 1


def test_error_list_is_capped_but_total_counts_all(phq9):
    n = MAX_REPORTED + 500
    frame = pd.DataFrame([phq9_row()] * n).astype(str)
    frame["1"] = "abc"
    frame["2"] = "9"
    with pytest.raises(InvalidResponses) as info:
        alliance_kit.score(phq9, frame)
    assert len(info.value.errors) == MAX_REPORTED
    assert info.value.total == 2 * n
    assert f"and {2 * n - 20} more" in str(info.value)


def test_errors_sorted_by_row_then_column(phq9):
    frame = pd.DataFrame([phq9_row(), phq9_row(), phq9_row()])
    frame.loc[2, "1"] = 5
    frame.loc[0, "7"] = 5
    frame.loc[0, "3"] = 5
    with pytest.raises(InvalidResponses) as info:
        alliance_kit.score(phq9, frame)
    assert [(e.row, e.column) for e in info.value.errors] == [(0, "3"), (0, "7"), (2, "1")]


def test_attribute_errors_capped_with_the_rest(auditc):
    # Answer errors fill the list; attribute errors must not push it past the cap.
    n = MAX_REPORTED + 200
    frame = pd.DataFrame({"1": ["abc"] * n, "2": [""] * n, "3": [""] * n, "sex": ["x"] * n})
    with pytest.raises(InvalidResponses) as info:
        alliance_kit.score(auditc, frame)
    assert len(info.value.errors) <= MAX_REPORTED


def test_unlisted_attribute_values_all_warned(auditc):
    n = 300
    frame = pd.DataFrame({"1": [1] * n, "2": [1] * n, "3": [1] * n, "sex": ["robot"] * n})
    result = alliance_kit.score(auditc, frame)
    assert len(result.row_warnings) == n
    assert {w.column for w in result.row_warnings} == {"sex"}
    assert "'robot' is not one of female, male" in result.row_warnings[0].message
    assert result.flags["total_positive"].tolist() == [True] * n  # 3 >= otherwise 3


def test_invalid_responses_message_lists_first_errors():
    errors = [ResponseError(i, "1", "bad") for i in range(25)]
    exc = InvalidResponses(errors)
    assert exc.total == 25
    assert str(exc).count("\n") == 20  # 20 errors, then "... and 5 more"
    assert str(exc).endswith("... and 5 more")


def test_text_item_too_long(minimal):
    minimal["scales"]["free"] = {"type": "text", "max_length": 5}
    minimal["items"].append({"id": "note", "text": {"en": "Anything?"}, "scale": "free",
                             "required": False})
    instrument = load(minimal)
    ok = pd.DataFrame([{"a": 1, "b": 1, "c": 1, "note": "short"}])
    assert alliance_kit.score(instrument, ok).scores.loc[0, "total"] == 3
    with pytest.raises(InvalidResponses) as info:
        alliance_kit.score(instrument, ok.assign(note="too long"))
    assert info.value.errors[0].column == "note" and "too long" in info.value.errors[0].message
    errors = validate_response(instrument, {"a": 1, "b": 1, "c": 1, "note": "toolong"})
    assert [e.column for e in errors] == ["note"]


def test_booleans_in_a_numeric_column(minimal):
    minimal["scales"]["yn"] = {"type": "yes-no"}
    minimal["items"].append({"id": "yn", "text": {"en": "Yes?"}, "scale": "yn"})
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [1, 1], "b": [1, 1], "c": [1, 1], "yn": [True, False]})
    assert alliance_kit.score(instrument, frame).scores["total"].tolist() == [3.0, 3.0]


def test_module_exports():
    assert responses.InvalidResponses is alliance_kit.InvalidResponses
    assert responses.ResponseError is alliance_kit.ResponseError


def test_duplicate_item_columns_are_reported_plainly(phq9):
    # A CSV with a repeated header gives two columns named "1": say so, do not crash.
    frame = pd.DataFrame([[1] * 10], columns=[*(str(n) for n in range(1, 10)), "1"])
    with pytest.raises(ValueError, match="'1'"):
        alliance_kit.score(phq9, frame)


def test_infinite_answer_rejected_without_numpy_warnings(phq9):
    import warnings

    frame = pd.DataFrame([phq9_row(), phq9_row()]).astype(float)
    frame.loc[1, "3"] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(InvalidResponses) as info:
            alliance_kit.score(phq9, frame)
    assert [(e.row, e.column) for e in info.value.errors] == [(1, "3")]


def test_validate_response_rejects_booleans_and_nan(phq9):
    good = {str(n): 1 for n in range(1, 10)}
    assert [e.column for e in validate_response(phq9, {**good, "3": True})] == ["3"]
    assert [e.column for e in validate_response(phq9, {**good, "3": float("nan")})] == ["3"]
    assert validate_response(phq9, {**good, "3": 1.0}) == []
