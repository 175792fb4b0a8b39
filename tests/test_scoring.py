"""The scoring engine: golden cases worked out by hand, properties, and alerts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import INSTRUMENTS, band, load, make_minimal, options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import alliance_kit
from alliance_kit import score
from alliance_kit.engine.alerts import COLUMNS, evaluate_alerts

PROPERTY = settings(max_examples=100, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
PHQ_ITEMS = [str(n) for n in range(1, 10)]
WAI_ITEMS = [str(n) for n in range(1, 13)]


def phq_answers(total: int) -> dict[str, float]:
    """Nine answers (0-3) adding up to ``total``: 3s first, then the remainder."""
    answers, left = {}, total
    for item in PHQ_ITEMS:
        answers[item] = float(min(3, left))
        left -= answers[item]
    assert left == 0
    return answers


def one(instrument, **answers) -> alliance_kit.ScoreResult:
    return score(instrument, pd.DataFrame([answers]))


# --- PHQ-9 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band_id", "case"),
    [
        (0, "minimal", False), (4, "minimal", False),
        (5, "mild", False), (9, "mild", False),
        (10, "moderate", True), (14, "moderate", True),
        (15, "moderately-severe", True), (19, "moderately-severe", True),
        (20, "severe", True), (27, "severe", True),
    ],
)
def test_phq9_totals_band_edges_and_caseness(phq9, total, band_id, case):
    result = score(phq9, pd.DataFrame([phq_answers(total)]))
    assert result.scores.loc[0, "total"] == total
    assert result.bands.loc[0, "total"] == band_id
    assert bool(result.flags.loc[0, "total_caseness"]) is case


def test_phq9_many_rows_at_once(phq9):
    frame = pd.DataFrame([phq_answers(t) for t in range(28)])
    result = score(phq9, frame)
    assert result.scores["total"].tolist() == list(range(28))
    expected = (["minimal"] * 5 + ["mild"] * 5 + ["moderate"] * 5
                + ["moderately-severe"] * 5 + ["severe"] * 8)
    assert result.bands["total"].astype(str).tolist() == expected
    assert result.flags["total_caseness"].tolist() == [t >= 10 for t in range(28)]


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        # two missing: 7 answered, total = sum * 9 / 7, rounded half-up to a whole number
        ([3, 3, 3, 3, 1, 0, 0], 17),  # 13 * 9/7 = 16.714 -> 17
        ([1, 1, 1, 1, 1, 1, 1], 9),   # 7 * 9/7 = 9
        ([2, 2, 2, 2, 2, 2, 2], 18),  # 14 * 9/7 = 18
        ([1, 1, 1, 1, 0, 0, 0], 5),   # 4 * 9/7 = 5.143 -> 5
        ([0, 0, 0, 0, 0, 0, 0], 0),
    ],
)
def test_phq9_two_missing_items_prorated(phq9, answered, expected):
    answers = dict(zip(PHQ_ITEMS[:7], map(float, answered), strict=True))
    answers.update({"8": np.nan, "9": np.nan})
    result = score(phq9, pd.DataFrame([answers]))
    assert result.scores.loc[0, "total"] == expected
    assert result.reasons().loc[0, "total"] is None


@pytest.mark.parametrize(
    ("answered_sum", "expected"),
    [
        # one missing: 8 answered, total = sum * 9/8; these are exactly x.5 and round UP
        (4, 5),    # 4.5 -> 5 (banker's rounding would give 4)
        (12, 14),  # 13.5 -> 14
        (20, 23),  # 22.5 -> 23
        (2, 2),    # 2.25 -> 2
        (6, 7),    # 6.75 -> 7
    ],
)
def test_phq9_one_missing_half_rounds_up(phq9, answered_sum, expected):
    answers = phq_answers(answered_sum)
    # phq_answers fills from item 1, so item 9 is 0 unless the sum is 27; drop it.
    assert answers["9"] == 0
    answers["9"] = np.nan
    result = score(phq9, pd.DataFrame([answers]))
    assert result.scores.loc[0, "total"] == expected


def test_phq9_prorated_half_up_changes_the_band(phq9):
    answers = {**phq_answers(4), "9": np.nan}  # 4.5 -> 5: mild, not minimal
    result = score(phq9, pd.DataFrame([answers]))
    assert result.bands.loc[0, "total"] == "mild"


def test_phq9_three_missing_gives_no_total(phq9):
    answers = {**phq_answers(12), "7": np.nan, "8": np.nan, "9": np.nan}
    result = score(phq9, pd.DataFrame([answers]))
    assert math.isnan(result.scores.loc[0, "total"])
    assert result.reasons().loc[0, "total"] == "3 of 9 items missing (at most 2 allowed)"
    assert pd.isna(result.bands.loc[0, "total"])
    assert pd.isna(result.flags.loc[0, "total_caseness"])


def test_phq9_all_missing_is_nan_not_zero(phq9):
    result = score(phq9, pd.DataFrame([{item: np.nan for item in PHQ_ITEMS}]))
    assert math.isnan(result.scores.loc[0, "total"])
    assert result.reasons().loc[0, "total"] == "9 of 9 items missing (at most 2 allowed)"


def test_phq9_item_10_does_not_enter_the_total(phq9):
    result = one(phq9, **phq_answers(7), **{"10": 3.0})
    assert result.scores.loc[0, "total"] == 7


def test_phq9_caseness_edge_after_prorating(phq9):
    # 8 answered summing 8 -> 9: not a case; summing 9 -> 10.125 -> 10: a case
    low = {**phq_answers(8), "9": np.nan}
    high = {**phq_answers(9), "9": np.nan}
    result = score(phq9, pd.DataFrame([low, high]))
    assert result.scores["total"].tolist() == [9, 10]
    assert result.flags["total_caseness"].tolist() == [False, True]


# --- WAI-SR ----------------------------------------------------------------------------


def wai_answers(**overrides) -> dict[str, float]:
    answers = {item: 3.0 for item in WAI_ITEMS}
    answers.update({k.lstrip("i"): v for k, v in overrides.items()})
    return answers


def test_wai_subscales_by_hand(wai):
    # task = 1, 2, 10, 12; bond = 3, 5, 7, 9; goal = 4, 6, 8, 11
    answers = {"1": 1, "2": 2, "10": 3, "12": 4,     # task 10
               "3": 5, "5": 5, "7": 4, "9": 4,       # bond 18
               "4": 1, "6": 1, "8": 1, "11": 2}      # goal 5
    result = score(wai, pd.DataFrame([answers]))
    row = result.scores.loc[0]
    assert (row["task"], row["bond"], row["goal"]) == (10, 18, 5)
    assert row["total"] == 33
    assert row["mean"] == pytest.approx(33 / 12)


def test_wai_extremes(wai):
    frame = pd.DataFrame([wai_answers(**{i: 1.0 for i in WAI_ITEMS}),
                          wai_answers(**{i: 5.0 for i in WAI_ITEMS})])
    result = score(wai, frame)
    assert result.scores[["task", "bond", "goal"]].values.tolist() == [[4, 4, 4], [20, 20, 20]]
    assert result.scores["total"].tolist() == [12, 60]
    assert result.scores["mean"].tolist() == pytest.approx([1, 5])


def test_wai_one_missing_item_in_a_subscale_is_prorated(wai):
    # task answered 5, 4, 4 and item 12 missing: 13 + 13/3 = 17.333...
    answers = wai_answers(i1=5, i2=4, i10=4, i12=np.nan)
    result = score(wai, pd.DataFrame([answers]))
    assert result.scores.loc[0, "task"] == pytest.approx(13 + 13 / 3)
    assert result.scores.loc[0, "bond"] == 12
    assert result.scores.loc[0, "total"] == pytest.approx(13 + 13 / 3 + 24)


def test_wai_two_missing_in_a_subscale(wai):
    answers = wai_answers(i3=np.nan, i7=np.nan)
    result = score(wai, pd.DataFrame([answers]))
    scores, reasons = result.scores.loc[0], result.reasons().loc[0]
    assert math.isnan(scores["bond"])
    assert reasons["bond"] == "2 of 4 items missing (at most 1 allowed)"
    assert scores["task"] == 12 and scores["goal"] == 12
    assert reasons["task"] is None
    assert math.isnan(scores["total"])
    assert "'bond'" in reasons["total"] and "missing" in reasons["total"]
    assert math.isnan(scores["mean"])
    assert "'total'" in reasons["mean"]


def test_wai_one_missing_in_each_subscale_still_has_a_total(wai):
    answers = wai_answers(i1=np.nan, i3=np.nan, i4=np.nan)
    result = score(wai, pd.DataFrame([answers]))
    assert result.scores.loc[0, ["task", "bond", "goal", "total"]].tolist() == [12, 12, 12, 36]


# --- custom definitions --------------------------------------------------------------------


def likert_definition(**score_fields):
    """Items p and q on a 1-5 scale (q reversed) and r on 0-3 (reversed), one sum score."""
    data = make_minimal()
    data["scales"] = {"five": options([1, 2, 3, 4, 5]), "four": options([0, 1, 2, 3])}
    data["items"] = [
        {"id": "p", "text": {"en": "P"}, "scale": "five"},
        {"id": "q", "text": {"en": "Q"}, "scale": "five", "reverse": True},
        {"id": "r", "text": {"en": "R"}, "scale": "four", "reverse": True},
    ]
    data["scores"] = [{"id": "total", "method": "sum", "items": ["p", "q", "r"], **score_fields}]
    return data


@pytest.mark.parametrize(("q", "keyed"), [(1, 5), (2, 4), (3, 3), (4, 2), (5, 1)])
def test_reverse_keying_on_a_1_to_5_item(q, keyed):
    instrument = load(likert_definition())
    # p = 1, r = 3 reversed on its own 0-3 scale -> 0; so the total is 1 + keyed(q) + 0
    result = one(instrument, p=1, q=q, r=3)
    assert result.scores.loc[0, "total"] == 1 + keyed


@pytest.mark.parametrize(("r", "keyed"), [(0, 3), (1, 2), (2, 1), (3, 0)])
def test_reverse_keying_uses_the_items_own_scale(r, keyed):
    instrument = load(likert_definition())
    result = one(instrument, p=1, q=5, r=r)  # q = 5 reversed -> 1
    assert result.scores.loc[0, "total"] == 1 + 1 + keyed


def test_reverse_keying_of_non_consecutive_options(minimal):
    minimal["scales"]["even"] = options([0, 2, 4])
    minimal["items"] = [{"id": "a", "text": {"en": "A"}, "scale": "even", "reverse": True}]
    minimal["scores"] = [{"id": "total", "method": "sum", "items": ["a"]}]
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [0, 2, 4]})
    assert score(instrument, frame).scores["total"].tolist() == [4, 2, 0]


def test_reverse_keyed_score_range_is_unchanged():
    instrument = load(likert_definition())
    assert instrument.score("total").range == (2, 13)  # 1-5, 1-5, 0-3


def test_mean_with_weights(minimal):
    minimal["scores"] = [{"id": "avg", "method": "mean", "items": ["a", "b", "c"],
                          "weights": {"a": 2}, "max_missing": 1}]
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [1, 1, np.nan, 1], "b": [2, 2, 2, np.nan],
                          "c": [3, np.nan, 3, np.nan]})
    result = score(instrument, frame)
    values = result.scores["avg"].tolist()
    assert values[0] == pytest.approx((2 * 1 + 2 + 3) / 4)  # 1.75
    assert values[1] == pytest.approx((2 * 1 + 2) / 3)      # c missing: 4/3
    assert values[2] == pytest.approx((2 + 3) / 2)          # a missing: 2.5
    assert math.isnan(values[3])
    assert result.reasons().loc[3, "avg"] == "2 of 3 items missing (at most 1 allowed)"


def test_sum_with_weights(minimal):
    minimal["scores"] = [{"id": "wsum", "method": "sum", "items": ["a", "b", "c"],
                          "weights": {"a": 2, "c": -1}}]
    instrument = load(minimal)
    assert instrument.score("wsum").range == (-3, 9)  # a 0..6, b 0..3, c -3..0
    result = one(instrument, a=3, b=1, c=2)
    assert result.scores.loc[0, "wsum"] == 2 * 3 + 1 - 2


def test_sum_with_weights_prorates_with_the_weighted_mean(minimal):
    # Documented (score-sum schema, max_missing): a missing item is replaced by the
    # *weighted* mean of the answered ones. a = 1 (weight 2), b = 2 (weight 1), c missing:
    # weighted mean (2*1 + 2)/3 = 4/3, total = 2 + 2 + 4/3 = 16/3 (= 4 * 4/3 prorated).
    minimal["scores"] = [{"id": "wsum", "method": "sum", "items": ["a", "b", "c"],
                          "weights": {"a": 2}, "max_missing": 1}]
    instrument = load(minimal)
    result = one(instrument, a=1, b=2, c=np.nan)
    assert result.scores.loc[0, "wsum"] == pytest.approx(16 / 3)


def urica_like():
    """Eight 1-5 items; four mean subscales of two; readiness = c + a + m - pc."""
    data = make_minimal()
    data["scales"] = {"agree": options([1, 2, 3, 4, 5])}
    names = ["pc", "c", "a", "m"]
    data["items"] = [{"id": f"{n}{k}", "text": {"en": n}, "scale": "agree"}
                     for n in names for k in (1, 2)]
    data["scores"] = [{"id": n, "method": "mean", "items": [f"{n}1", f"{n}2"]}
                      for n in names]
    data["scores"].append({
        "id": "readiness", "method": "composite", "range": [-2, 14],
        "terms": [{"score": "c"}, {"score": "a"}, {"score": "m"},
                  {"score": "pc", "weight": -1}],
    })
    return data


def test_composite_readiness_by_hand():
    instrument = load(urica_like())
    assert instrument.score("readiness").range == (-2, 14)
    result = one(instrument, pc1=1, pc2=2, c1=4, c2=5, a1=3, a2=3, m1=2, m2=3)
    row = result.scores.loc[0]
    assert (row["pc"], row["c"], row["a"], row["m"]) == (1.5, 4.5, 3, 2.5)
    assert row["readiness"] == pytest.approx(4.5 + 3 + 2.5 - 1.5)  # 8.5


def test_composite_extremes():
    instrument = load(urica_like())
    low = {f"{n}{k}": (5 if n == "pc" else 1) for n in ("pc", "c", "a", "m") for k in (1, 2)}
    high = {f"{n}{k}": (1 if n == "pc" else 5) for n in ("pc", "c", "a", "m") for k in (1, 2)}
    result = score(instrument, pd.DataFrame([low, high]))
    assert result.scores["readiness"].tolist() == [-2, 14]


def test_composite_missing_input_is_nan_with_reason():
    instrument = load(urica_like())
    answers = dict(pc1=1, pc2=2, c1=4, c2=5, a1=3, a2=3, m1=np.nan, m2=3)
    result = one(instrument, **answers)
    assert math.isnan(result.scores.loc[0, "m"])
    assert math.isnan(result.scores.loc[0, "readiness"])
    assert result.reasons().loc[0, "readiness"] == "needs score 'm', which is missing"


def audit_like(otherwise=True):
    data = make_minimal()
    data["attributes"] = {"sex": {"values": ["female", "male"]}}
    value = {"attribute": "sex", "values": {"male": 4, "female": 3}}
    if otherwise:
        value["otherwise"] = 2
    data["scores"][0]["cutoffs"] = [{"id": "positive", "op": ">=", "value": value}]
    return data


def test_attribute_dependent_cutoff():
    instrument = load(audit_like())
    # totals 3, 3, 3, 4, 2, 1 with sex male, female, blank/absent, male, absent, female
    frame = pd.DataFrame({"a": [1, 1, 1, 2, 1, 1], "b": [1, 1, 1, 1, 1, 0],
                          "c": [1, 1, 1, 1, 0, 0],
                          "sex": ["male", "female", "", "male", None, "female"]})
    result = score(instrument, frame)
    assert result.scores["total"].tolist() == [3, 3, 3, 4, 2, 1]
    # male needs >= 4, female >= 3, otherwise (not recorded) >= 2
    assert result.flags["total_positive"].tolist() == [False, True, True, True, True, False]


def test_attribute_values_are_normalized():
    instrument = load(audit_like())
    frame = pd.DataFrame({"a": [1, 1], "b": [1, 1], "c": [1, 1], "sex": [" Female", "MALE "]})
    assert score(instrument, frame).flags["total_positive"].tolist() == [True, False]


def test_attribute_cutoff_without_otherwise_is_missing_when_not_recorded():
    instrument = load(audit_like(otherwise=False))
    frame = pd.DataFrame({"a": [1, 1], "b": [1, 1], "c": [1, 1], "sex": ["", "female"]})
    flags = score(instrument, frame).flags["total_positive"]
    assert pd.isna(flags.iloc[0])
    assert flags.iloc[1] == True  # noqa: E712 - a nullable boolean


def test_attribute_column_absent_uses_otherwise():
    instrument = load(audit_like())
    result = one(instrument, a=1, b=1, c=0)  # total 2 >= otherwise 2
    assert result.flags["total_positive"].tolist() == [True]


def test_unknown_attribute_value_uses_otherwise_with_a_warning():
    instrument = load(audit_like())
    result = one(instrument, a=1, b=1, c=1, sex="unknown")  # total 3 >= otherwise 2
    assert result.flags["total_positive"].tolist() == [True]
    assert [(w.row, w.column) for w in result.row_warnings] == [(0, "sex")]
    assert "'otherwise' value 2" in result.row_warnings[0].message


def test_cutoff_operators_at_the_boundary(minimal):
    minimal["scores"][0]["cutoffs"] = [
        {"id": op_id, "op": op, "value": 5}
        for op_id, op in [("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"),
                          ("eq", "=="), ("ne", "!=")]
    ]
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [2, 2, 2, np.nan], "b": [2, 2, 2, 1], "c": [0, 1, 2, 1]})
    flags = score(instrument, frame).flags  # totals 4, 5, 6, missing
    expected = {"ge": [False, True, True], "gt": [False, False, True],
                "le": [True, True, False], "lt": [True, False, False],
                "eq": [False, True, False], "ne": [True, False, True]}
    for op_id, values in expected.items():
        column = flags[f"total_{op_id}"]
        assert column.iloc[:3].tolist() == values, op_id
        assert pd.isna(column.iloc[3]), op_id  # no total, no flag


def test_continuous_bands_sharing_a_boundary_take_the_higher(minimal):
    minimal["scores"] = [{"id": "avg", "method": "mean", "items": ["a", "b"],
                          "bands": [band("low", 0, 1.5), band("high", 1.5, 3)]}]
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [1, 1, 2, 0, 3], "b": [1, 2, 2, 0, 3]})  # 1, 1.5, 2, 0, 3
    bands = score(instrument, frame).bands["avg"].astype(str).tolist()
    assert bands == ["low", "high", "high", "low", "high"]


def test_rounding_to_decimals(minimal):
    minimal["scores"] = [{"id": "avg", "method": "mean", "items": ["a", "b", "c"], "round": 1}]
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [1, 1, 0], "b": [0, 1, 0], "c": [0, 0, 1]})  # .333, .667, .333
    assert score(instrument, frame).scores["avg"].tolist() == [0.3, 0.7, 0.3]


def test_rounding_half_up_at_two_decimals(minimal):
    # mean of 2.675 and 2.675 is 2.675 (stored as 2.67499...), which must round to 2.68
    minimal["scales"]["num"] = {"type": "numeric", "min": 0, "max": 10}
    minimal["items"] = [{"id": "x", "text": {"en": "X"}, "scale": "num"}]
    minimal["scores"] = [{"id": "avg", "method": "mean", "items": ["x"], "round": 2}]
    instrument = load(minimal)
    frame = pd.DataFrame({"x": [2.675, 0.125, 1.005]})
    assert score(instrument, frame).scores["avg"].tolist() == [2.68, 0.13, 1.01]


def test_skipped_item_scores_when_not_asked(minimal):
    minimal["items"][1]["ask_if"] = {"item": "a", "op": "!=", "value": 0}
    minimal["items"][1]["when_not_asked"] = 0
    minimal["items"][2]["ask_if"] = {"item": "a", "op": "!=", "value": 0}
    minimal["items"][2]["when_not_asked"] = 0
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [0, 2], "b": [np.nan, 3], "c": [np.nan, 1]})
    assert score(instrument, frame).scores["total"].tolist() == [0, 6]


def test_result_carries_versions(phq9):
    result = score(phq9, pd.DataFrame([phq_answers(3)]))
    assert result.instrument_id == "phq-9"
    assert result.instrument_version == "1.1.0"
    assert result.engine_version == alliance_kit.__version__


def test_kit_score_is_the_same(kit, phq9):
    frame = pd.DataFrame([phq_answers(t) for t in (0, 12, 27)])
    a = kit.score("phq-9", frame)
    b = score(phq9, frame)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    assert a.instrument_version == b.instrument_version


def test_kit_unknown_instrument_lists_known(kit):
    with pytest.raises(KeyError, match="phq-9"):
        kit.score("phq-99", pd.DataFrame())


def test_uncomputable_score_is_nan_never_zero(minimal):
    minimal["scores"].append({"id": "avg", "method": "mean", "items": ["a", "b"]})
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [np.nan, ""], "b": ["", ""], "c": ["", 1]})
    result = score(instrument, frame)
    assert result.scores.isna().all().all()
    assert (result.scores != 0).all().all()
    assert result.reasons().loc[0, "total"] == "3 of 3 items missing (at most 0 allowed)"
    assert result.reasons().loc[1, "total"] == "2 of 3 items missing (at most 0 allowed)"


def test_to_frame_and_index(phq9):
    frame = pd.DataFrame([phq_answers(12), {**phq_answers(3), "1": np.nan, "2": np.nan,
                                            "3": np.nan}], index=["x", "y"])
    result = score(phq9, frame)
    table = result.to_frame(flags=True, reasons=True)
    assert list(table.index) == ["x", "y"]
    assert list(table.columns) == ["total", "total_band", "total_caseness", "total_reason"]
    assert table.loc["x", "total"] == 12 and table.loc["x", "total_band"] == "moderate"
    assert pd.isna(table.loc["y", "total"])
    assert table.loc["y", "total_reason"].startswith("3 of 9")


def test_empty_table(phq9):
    result = score(phq9, pd.DataFrame(columns=PHQ_ITEMS))
    assert len(result.scores) == 0 and list(result.scores.columns) == ["total"]


# --- properties ------------------------------------------------------------------------


def answers_strategy(items, values, max_rows=6, min_rows=1):
    """A table of answers: each cell one of ``values`` or missing (NaN)."""
    cells = st.sampled_from([*values, np.nan])
    shapes = st.tuples(st.integers(min_rows, max_rows), st.just(len(items)))
    return hnp.arrays(np.float64, shapes, elements=cells).map(
        lambda array: pd.DataFrame(array, columns=items))


def property_definition():
    """Reverse-keyed items on two scales, weighted sum/mean scores, and a composite."""
    data = make_minimal()
    data["scales"] = {"five": options([1, 2, 3, 4, 5]), "four": options([0, 1, 2, 3])}
    data["items"] = [
        {"id": "p", "text": {"en": "P"}, "scale": "five"},
        {"id": "q", "text": {"en": "Q"}, "scale": "five", "reverse": True},
        {"id": "r", "text": {"en": "R"}, "scale": "four", "reverse": True},
        {"id": "s", "text": {"en": "S"}, "scale": "four"},
    ]
    data["scores"] = [
        {"id": "wsum", "method": "sum", "items": ["p", "q", "r", "s"],
         "weights": {"p": 2, "r": 0.5}, "max_missing": 1},
        {"id": "signed", "method": "sum", "items": ["p", "s"], "weights": {"s": -1.5}},
        {"id": "wmean", "method": "mean", "items": ["q", "r", "s"],
         "weights": {"q": 3}, "max_missing": 2},
        {"id": "combo", "method": "composite", "constant": 1,
         "terms": [{"score": "wsum", "weight": 0.25}, {"score": "wmean", "weight": -2}]},
    ]
    return data


PROPERTY_INSTRUMENT = load(property_definition())
PHQ9 = alliance_kit.load_definition(INSTRUMENTS / "phq-9.json")
WAI = alliance_kit.load_definition(INSTRUMENTS / "wai-sr.json")
PROPERTY_CASES = {
    "phq-9": (PHQ9, PHQ_ITEMS, [0.0, 1.0, 2.0, 3.0]),
    "wai-sr": (WAI, WAI_ITEMS, [1.0, 2.0, 3.0, 4.0, 5.0]),
    "custom": (PROPERTY_INSTRUMENT, ["p", "q", "r", "s"], [1.0, 2.0, 3.0]),
}


def assert_within_ranges(instrument, result):
    for spec in instrument.scores:
        values = result.scores[spec.id].to_numpy(float)
        present = values[~np.isnan(values)]
        low, high = spec.range
        assert np.all(present >= low - 1e-9), (spec.id, present, spec.range)
        assert np.all(present <= high + 1e-9), (spec.id, present, spec.range)


@pytest.mark.parametrize("case", list(PROPERTY_CASES))
def test_property_scores_within_declared_range(case):
    instrument, items, values = PROPERTY_CASES[case]

    @PROPERTY
    @given(answers_strategy(items, values, max_rows=10))
    def check(frame):
        assert_within_ranges(instrument, score(instrument, frame))

    check()


def test_custom_property_instrument_ranges():
    # wsum: p 1..5 *2, q 1..5, r 0..3 * .5, s 0..3, with max_missing 1 any item may take
    # any item's bounds: low = 0*(2+1+.5+1) = 0, high = 5 * 4.5 = 22.5
    assert PROPERTY_INSTRUMENT.score("wsum").range == (0, 22.5)
    assert PROPERTY_INSTRUMENT.score("signed").range == (1 - 4.5, 5)  # p 1..5, -1.5 * s
    assert PROPERTY_INSTRUMENT.score("wmean").range == (0, 5)
    assert PROPERTY_INSTRUMENT.score("combo").range == (1 - 10, 1 + 22.5 / 4)


@PROPERTY
@given(low=st.integers(-50, 50), width=st.integers(1, 100), fraction=st.floats(0, 1))
def test_property_reverse_keying_twice_is_identity(low, width, fraction):
    high = low + width
    data = make_minimal()
    data["scales"] = {"num": {"type": "numeric", "min": low, "max": high}}
    data["items"] = [{"id": "x", "text": {"en": "X"}, "scale": "num", "reverse": True}]
    data["scores"] = [{"id": "keyed", "method": "sum", "items": ["x"]}]
    instrument = load(data)
    x = low + fraction * width
    once = score(instrument, pd.DataFrame({"x": [x]})).scores.loc[0, "keyed"]
    assert once == pytest.approx(low + high - x)
    twice = score(instrument, pd.DataFrame({"x": [once]})).scores.loc[0, "keyed"]
    assert twice == pytest.approx(x)


@PROPERTY
@given(answers_strategy(["p", "q", "r", "s"], [1.0, 2.0, 3.0]))
def test_property_reverse_keying_twice_on_options(frame):
    # Reversing every item twice (once in the data, once by the engine) gives the
    # same scores as not reversing at all.
    plain_definition = property_definition()
    for item in plain_definition["items"]:
        item["reverse"] = False
    plain = load(plain_definition)
    bounds = {"p": 6, "q": 6, "r": 3, "s": 3}  # min + max per item's scale
    flipped = frame.copy()
    for item in ("q", "r"):
        flipped[item] = bounds[item] - frame[item]
    pd.testing.assert_frame_equal(score(PROPERTY_INSTRUMENT, flipped).scores,
                                  score(plain, frame).scores)


def rows(result):
    """Every output (scores, bands, flags, reasons) row by row as plain Python values."""
    columns = [result.scores[c].to_numpy(float) for c in result.scores.columns]
    columns += [result.bands[c].astype(object).to_numpy() for c in result.bands.columns]
    columns += [result.flags[c].to_numpy(object, na_value=None) for c in result.flags.columns]
    reasons = result.reasons()
    columns += [reasons[c].to_numpy(object) for c in reasons.columns]
    return [tuple(None if v is None or (isinstance(v, float) and math.isnan(v)) else v
                  for v in row) for row in zip(*columns, strict=True)]


@pytest.mark.parametrize("case", list(PROPERTY_CASES))
def test_property_batch_equals_rows_alone(case):
    instrument, items, values = PROPERTY_CASES[case]

    @PROPERTY
    @given(answers_strategy(items, values, max_rows=6))
    def check(frame):
        batch = rows(score(instrument, frame))
        for position in range(len(frame)):
            assert batch[position] == rows(score(instrument, frame.iloc[[position]]))[0]

    check()


@pytest.mark.parametrize("case", list(PROPERTY_CASES))
def test_property_row_order_does_not_matter(case):
    instrument, items, values = PROPERTY_CASES[case]

    @PROPERTY
    @given(answers_strategy(items, values, max_rows=10), st.randoms(use_true_random=False))
    def check(frame, random):
        order = list(frame.index)
        random.shuffle(order)
        straight = dict(zip(frame.index, rows(score(instrument, frame)), strict=True))
        shuffled = dict(zip(order, rows(score(instrument, frame.loc[order])), strict=True))
        assert straight == shuffled

    check()


@pytest.mark.parametrize("case", list(PROPERTY_CASES))
def test_property_same_input_same_output(case):
    instrument, items, values = PROPERTY_CASES[case]

    @PROPERTY
    @given(answers_strategy(items, values, max_rows=10))
    def check(frame):
        first = score(instrument, frame.copy())
        second = score(instrument, frame.copy())
        assert rows(first) == rows(second)
        assert first.warnings == second.warnings

    check()


# --- alerts ----------------------------------------------------------------------------


def test_alert_phq9_item_9_is_a_safety_alert(phq9):
    frame = pd.DataFrame([phq_answers(0), {**phq_answers(4), "9": 2.0}, phq_answers(27)],
                         index=["r0", "r1", "r2"])
    result = score(phq9, frame)
    alerts = evaluate_alerts(phq9, result=result, answers=frame)
    assert list(alerts.columns) == COLUMNS
    # r1 has item 9 = 2; r2 is all 3s so item 9 = 3
    assert alerts["row"].tolist() == ["r1", "r2"]
    assert set(alerts["alert"]) == {"self-harm"}
    assert set(alerts["severity"]) == {"safety"}
    assert alerts["value"].tolist() == [2.0, 3.0]
    assert "Item 9" in alerts["message"].iloc[0]


def test_alert_series_rules_need_client_and_order(phq9):
    frame = pd.DataFrame([phq_answers(5), phq_answers(11)])
    frame["client"], frame["session"] = ["c1", "c1"], [1, 2]
    result = score(phq9, frame[PHQ_ITEMS])
    assert evaluate_alerts(phq9, result=result, answers=frame).empty
    alerts = evaluate_alerts(phq9, result=result, answers=frame, client="client", order="session")
    assert alerts["alert"].tolist() == ["reliable-deterioration"]
    assert alerts["row"].tolist() == [1]
    assert alerts["value"].tolist() == [6.0]  # 11 - 5: at the reliable-change threshold of 6


def test_alert_reliable_change_threshold_edge(phq9):
    # c1: 5 -> 10 (+5, not reliable); c2: 3 -> 9 (+6, reliable); c3: 20 -> 8 (improvement)
    totals = [(("c1", 1), 5), (("c1", 2), 10), (("c2", 2), 9), (("c2", 1), 3),
              (("c3", 1), 20), (("c3", 2), 8)]
    frame = pd.DataFrame([phq_answers(t) for _, t in totals])
    frame["client"] = [c for (c, _), _ in totals]
    frame["session"] = [s for (_, s), _ in totals]
    result = score(phq9, frame)
    alerts = evaluate_alerts(phq9, result=result, answers=frame, client="client", order="session")
    assert alerts["row"].tolist() == [2]


def test_alert_severity_order_and_messages(minimal):
    minimal["scores"][0]["norms"] = {"reliable_change": 2, "improvement": "decrease"}
    minimal["alerts"] = [
        {"id": "high", "type": "score", "score": "total", "op": ">=", "value": 8,
         "severity": "info"},
        {"id": "case", "type": "cutoff", "score": "total", "cutoff": "case",
         "severity": "warning", "message": {"en": "Above the cut-off"}},
        {"id": "a3", "type": "item", "item": "a", "op": "==", "value": 3, "severity": "safety"},
        {"id": "fell", "type": "drop", "score": "total", "at_least": 3, "severity": "info"},
    ]
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [3, 0, 1], "b": [3, 2, 0], "c": [3, 2, 0],
                          "client": ["k", "k", "j"], "n": [1, 2, 1]})
    result = score(instrument, frame)  # totals 9, 4, 1
    alerts = evaluate_alerts(instrument, result=result, answers=frame, client="client", order="n")
    pairs = list(zip(alerts["alert"], alerts["row"], strict=True))
    # safety first, then warning, then info; within a severity by row
    assert pairs == [("a3", 0), ("case", 0), ("high", 0), ("fell", 1)]
    assert alerts.loc[alerts["alert"] == "case", "message"].item() == "Above the cut-off"
    assert alerts.loc[alerts["alert"] == "high", "message"].item() == "high"  # id as fallback
    assert alerts.loc[alerts["alert"] == "fell", "value"].item() == 5  # 9 -> 4


def test_no_alerts_gives_an_empty_table(phq9):
    frame = pd.DataFrame([phq_answers(3)])
    alerts = evaluate_alerts(phq9, result=score(phq9, frame), answers=frame)
    assert alerts.empty and list(alerts.columns) == COLUMNS


def test_alert_on_missing_score_does_not_fire(minimal):
    minimal["alerts"] = [{"id": "case", "type": "cutoff", "score": "total", "cutoff": "case",
                          "severity": "warning"}]
    instrument = load(minimal)
    frame = pd.DataFrame({"a": [3, np.nan], "b": [3, 3], "c": [3, 3]})
    alerts = evaluate_alerts(instrument, result=score(instrument, frame), answers=frame)
    assert alerts["row"].tolist() == [0]
