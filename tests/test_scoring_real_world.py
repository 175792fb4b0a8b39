"""Scoring real-world data (issue 16): golden cases, each firing and not firing.

Bad rows (``bad_rows="blank"``), answers to items a skip rule did not ask, attribute values
a definition does not list, ``when_missing`` alerts, drops over a missing session, the
disputed ORS and SRS cut-off edges, the clinical cut-off fallback and rounding before or
after banding. Every expected value is worked by hand from the rule it tests.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import load, make_minimal

import alliance_kit
from alliance_kit.engine import change
from alliance_kit.engine.alerts import alert_ids, evaluate_alerts
from alliance_kit.engine.scoring import BAD_ROW_REASON

NA = np.nan
PHQ = [str(i) for i in range(1, 10)]


def phq(*values) -> dict[str, float]:
    """PHQ-9 answers for items 1.. in order (NA for blank); item 10 left out."""
    return dict(zip(PHQ, values, strict=False))


def vas(*values: float) -> dict[str, float]:
    return dict(zip(["1", "2", "3", "4"], values, strict=True))


def edited(instrument: alliance_kit.Instrument, change_it) -> alliance_kit.Instrument:
    raw = copy.deepcopy(dict(instrument.raw))
    change_it(raw)
    return alliance_kit.load_definition(raw)


# ---- 1. one bad row must not sink a file ----------------------------------------------


def test_bad_value_rejects_the_table_by_default(phq9) -> None:
    frame = pd.DataFrame([phq(1, 1, 1, 1, 1, 1, 1, 1, 0), phq(7, 1, 1, 1, 1, 1, 1, 1, 0)])
    with pytest.raises(alliance_kit.InvalidResponses) as caught:
        alliance_kit.score(phq9, frame)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "1")]


def test_bad_rows_blank_scores_every_other_row(phq9) -> None:
    frame = pd.DataFrame([phq(1, 1, 1, 1, 1, 1, 1, 1, 0),      # 8, mild
                          phq(7, 1, 1, 1, 1, 1, 1, 1, 0),      # 7 is not a PHQ-9 answer
                          phq(3, 3, 3, 3, 3, 3, 3, 3, 3)])     # 27, severe
    result = alliance_kit.score(phq9, frame, bad_rows="blank")
    assert result.scores["total"].tolist()[::2] == [8, 27]
    assert np.isnan(result.scores["total"].iloc[1])
    assert result.bands["total"].tolist()[::2] == ["mild", "severe"]
    assert pd.isna(result.bands["total"].iloc[1])
    assert pd.isna(result.flags["total_caseness"].iloc[1])
    assert result.bad_rows.tolist() == [False, True, False]
    assert result.errors_by_row().tolist() == [
        None, "item '1': 7 is not allowed: give one of 0, 1, 2, 3", None]
    reasons = result.reasons()["total"]
    assert reasons.iloc[1] == BAD_ROW_REASON and reasons.iloc[[0, 2]].isna().all()
    frame_out = result.to_frame(errors=True)
    assert list(frame_out.columns) == ["total", "total_band", "error"]


def test_bad_rows_blank_good_rows_score_as_they_would_alone(phq9) -> None:
    good = [phq(0, 1, 2, 3, 0, 1, 2, 3, 0), phq(1, NA, 1, 1, 1, 1, 1, 1, 1)]
    mixed = pd.DataFrame([good[0], phq("x", 1, 1, 1, 1, 1, 1, 1, 1), good[1]])
    blank = alliance_kit.score(phq9, mixed, bad_rows="blank")
    alone = alliance_kit.score(phq9, pd.DataFrame(good))
    assert blank.scores["total"].iloc[[0, 2]].tolist() == alone.scores["total"].tolist()
    assert blank.errors_by_row().iloc[1] == "item '1': 'x' is not a number: give one of 0, 1, 2, 3"


def test_bad_rows_blank_names_every_bad_value_of_a_row(phq9) -> None:
    result = alliance_kit.score(phq9, phq(1, 9, 1, 1, 1, 1, 1, 1, -1), bad_rows="blank")
    assert result.errors_by_row().item() == (
        "item '2': 9 is not allowed: give one of 0, 1, 2, 3; "
        "item '9': -1 is not allowed: give one of 0, 1, 2, 3")


def test_bad_rows_blank_without_bad_rows_is_the_same_as_reject(phq9) -> None:
    frame = pd.DataFrame([phq(1, 1, 1, 1, 1, 1, 1, 1, 0), phq(2, 2, NA, 2, 2, 2, 2, 2, 2)])
    blank = alliance_kit.score(phq9, frame, bad_rows="blank")
    reject = alliance_kit.score(phq9, frame)
    pd.testing.assert_frame_equal(blank.to_frame(flags=True, reasons=True),
                                  reject.to_frame(flags=True, reasons=True))
    assert blank.row_errors == [] and blank.errors_by_row().isna().all()


def test_bad_rows_option_is_checked(phq9) -> None:
    with pytest.raises(ValueError, match="use one of reject, blank"):
        alliance_kit.score(phq9, phq(1, 1, 1, 1, 1, 1, 1, 1, 1), bad_rows="skip")


def test_bad_rows_blank_keeps_every_error_beyond_the_reported_cap(phq9) -> None:
    frame = pd.DataFrame([phq(5, 1, 1, 1, 1, 1, 1, 1, 1)] * 1500)
    result = alliance_kit.score(phq9, frame, bad_rows="blank")
    assert len(result.row_errors) == 1500 and result.bad_rows.all()


# ---- 2. answers to items the skip rule did not ask ------------------------------------


def test_phq9_item_10_answered_at_total_0_is_ignored_with_a_warning(phq9) -> None:
    frame = pd.DataFrame([{**phq(0, 0, 0, 0, 0, 0, 0, 0, 0), "10": 2},    # not asked
                          {**phq(1, 0, 0, 0, 0, 0, 0, 0, 0), "10": 2}])   # asked: no warning
    result = alliance_kit.score(phq9, frame)
    assert result.scores["total"].tolist() == [0, 1]
    assert result.answers()["10"].tolist()[1] == 2 and np.isnan(result.answers()["10"][0])
    assert [(w.row, w.column, w.kind) for w in result.row_warnings] == [(0, "10", "not-asked")]
    assert result.warnings_by_row().tolist() == [
        "item '10': answered (2), but only asked when score 'total' is above 0: the answer "
        "was ignored", None]


def test_auditc_items_answered_after_never_score_0_with_warnings(kit) -> None:
    audit = kit.instrument("audit-c")
    frame = pd.DataFrame([{"1": 0, "2": 3, "3": 4}, {"1": 1, "2": 3, "3": 4}])
    result = alliance_kit.score(audit, frame)
    assert result.scores["total"].tolist() == [0, 8]
    assert [(w.row, w.column) for w in result.row_warnings] == [(0, "2"), (0, "3")]
    assert "the answer was scored as 0, as the rule says" in result.row_warnings[0].message


def test_skipped_item_answers_are_refused_by_the_kiosk_rules(phq9) -> None:
    errors = alliance_kit.validate_response(phq9, {**phq(0, 0, 0, 0, 0, 0, 0, 0, 0), "10": 2})
    assert [(e.column, e.message) for e in errors] == [
        ("10", "answered, but the item is only asked when score 'total' is above 0: "
               "leave it blank")]


# ---- 3. attribute values a cut-off does not list --------------------------------------


def test_unlisted_sex_uses_otherwise_and_says_so(kit) -> None:
    audit = kit.instrument("audit-c")
    frame = pd.DataFrame([{"1": 1, "2": 1, "3": 1, "sex": "other"},      # 3 >= otherwise 3
                          {"1": 1, "2": 1, "3": 1, "sex": "male"},       # 3 < 4, no warning
                          {"1": 1, "2": 1, "3": 1, "sex": ""}])          # not recorded
    result = alliance_kit.score(audit, frame)
    assert result.flags["total_positive"].tolist() == [True, False, True]
    assert [(w.row, w.column, w.kind) for w in result.row_warnings] == [(0, "sex", "attribute")]
    assert result.row_warnings[0].message == (
        "'other' is not one of female, male: read as not recorded, so cut-off 'positive' of "
        "'total' used its 'otherwise' value 3")
    assert alliance_kit.validate_response(audit, {"1": 1, "2": 1, "3": 1, "sex": "other"})


def test_unlisted_value_without_otherwise_leaves_the_flag_blank_and_says_so(kit) -> None:
    audit = edited(kit.instrument("audit-c"),
                   lambda raw: raw["scores"][0]["cutoffs"][0]["value"].pop("otherwise"))
    result = alliance_kit.score(audit, {"1": 1, "2": 1, "3": 1, "sex": "other"})
    assert pd.isna(result.flags["total_positive"].item())
    assert "has no 'otherwise' value, so its flag is blank" in result.row_warnings[0].message


# ---- 4. an unanswered safety item is seen ---------------------------------------------


def test_phq9_item_9_blank_raises_self_harm_unanswered(phq9) -> None:
    frame = pd.DataFrame([phq(1, 1, 1, 1, 1, 1, 1, 1, NA),   # fires: prorated to 9
                          phq(1, 1, 1, 1, 1, 1, 1, 1, 0),    # item 9 answered 0: nothing
                          phq(1, 1, 1, 1, 1, 1, 1, 1, 2)])   # item 9 answered 2: self-harm
    result = alliance_kit.score(phq9, frame)
    found = evaluate_alerts(phq9, result)
    assert found[["row", "alert", "severity"]].values.tolist() == [
        [2, "self-harm", "safety"], [0, "self-harm-unanswered", "warning"]]
    assert alert_ids(phq9, result).tolist() == ["self-harm-unanswered", "", "self-harm"]


def test_a_bad_item_9_in_a_blank_row_is_an_unanswered_safety_item(phq9) -> None:
    result = alliance_kit.score(phq9, phq(1, 1, 1, 1, 1, 1, 1, 1, 5), bad_rows="blank")
    assert alert_ids(phq9, result).tolist() == ["self-harm-unanswered"]


def test_a_bad_row_is_not_reported_as_an_incomplete_screen(kit) -> None:
    audit = kit.instrument("audit-c")
    frame = pd.DataFrame([{"1": 9, "2": 1, "3": 1}, {"1": 2, "2": 1, "3": NA}])
    result = alliance_kit.score(audit, frame, bad_rows="blank")
    assert alert_ids(audit, result).tolist() == ["", "incomplete"]


def test_an_item_its_skip_rule_skipped_is_not_missing() -> None:
    data = make_minimal()
    data["items"][1]["ask_if"] = {"item": "a", "op": "!=", "value": 0}
    data["alerts"] = [{"id": "b-high", "type": "item", "item": "b", "op": ">=", "value": 2,
                       "severity": "safety",
                       "when_missing": {"id": "b-blank", "severity": "warning"}}]
    instrument = load(data)
    frame = pd.DataFrame({"a": [0, 1, NA], "b": [NA, NA, NA], "c": [0, 0, 0]})
    # row 0: b not asked (a is 0); row 1: asked, blank; row 2: a blank, so b counts as asked
    assert alert_ids(instrument, alliance_kit.score(instrument, frame)).tolist() == [
        "", "b-blank", "b-blank"]


def test_when_missing_needs_an_id_of_its_own(minimal) -> None:
    minimal["alerts"] = [
        {"id": "high", "type": "score", "score": "total", "op": ">=", "value": 5,
         "severity": "warning", "when_missing": {"id": "high", "severity": "info"}}]
    problems = alliance_kit.try_load_definition(minimal)[1]
    assert [(p.path, "used twice" in p.message) for p in problems] == [
        ("$.alerts[0].when_missing.id", True)]


def test_when_missing_is_not_for_rules_that_compare_sessions(minimal) -> None:
    minimal["alerts"] = [{"id": "fell", "type": "drop", "score": "total", "at_least": 2,
                          "severity": "warning", "when_missing": {"id": "x", "severity": "info"}}]
    problems = alliance_kit.try_load_definition(minimal)[1]
    assert problems and all("when_missing" in p.message for p in problems)


def test_the_unanswered_rule_of_a_safety_rule_is_protected(phq9) -> None:
    rules = {a.id: a for a in phq9.alerts}
    assert rules["self-harm-unanswered"].protected and rules["self-harm"].protected
    assert not rules["reliable-deterioration"].protected
    # The definition as written keeps when_missing inside its rule.
    assert [a["id"] for a in phq9.normalized()["alerts"]] == ["self-harm",
                                                               "reliable-deterioration"]


# ---- 5. drops over a missing session --------------------------------------------------


def srs_series(*totals: float | None) -> pd.DataFrame:
    rows = []
    for number, total in enumerate(totals, start=1):
        answers = vas(NA, NA, NA, NA) if total is None else vas(*[total / 4] * 4)
        rows.append({"client": "a", "session": number, **answers})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("compare_to", "fires"), [("last_available", [2]),
                                                   ("previous", [])])
def test_srs_rupture_over_a_session_without_an_srs(kit, compare_to, fires) -> None:
    srs = edited(kit.instrument("srs"), lambda raw: raw["alerts"][1].update(
        compare_to=compare_to))
    frame = srs_series(38, None, 36)
    result = alliance_kit.score(srs, frame)
    found = evaluate_alerts(srs, result, frame, client="client", order="session")
    found = found[found["alert"] == "rupture"]
    assert found["row"].tolist() == fires
    if fires:
        assert found["value"].item() == pytest.approx(2.0)
        assert found["detail"].item() == (
            "measured from session 1, the last earlier one with a score: 38 to 36")


def test_srs_rupture_default_is_last_available_and_says_the_session(kit) -> None:
    srs = kit.instrument("srs")
    frame = srs_series(38, 36.8, 37.2)   # 38 -> 36.8 fires (session 2); then a rise
    result = alliance_kit.score(srs, frame)
    found = evaluate_alerts(srs, result, frame, client="client", order="session")
    found = found[found["alert"] == "rupture"]
    assert found["row"].tolist() == [1]
    assert found["detail"].item() == "measured from session 1: 38 to 36.8"


def test_checkin_drop_skips_a_missing_session(kit) -> None:
    checkin = kit.instrument("session-checkin")
    items = ["bond", "goals", "approach", "overall"]
    frame = pd.DataFrame([{"client": "a", "session": 1, **dict.fromkeys(items, 8)},
                          {"client": "a", "session": 2, **dict.fromkeys(items, NA)},
                          {"client": "a", "session": 3, **dict.fromkeys(items, 7)},   # 32 -> 28
                          {"client": "b", "session": 1, **dict.fromkeys(items, 8)},
                          {"client": "b", "session": 2, **dict.fromkeys(items, NA)},
                          {"client": "b", "session": 3, **{**dict.fromkeys(items, 7),
                                                         "bond": 8}}])                # 32 -> 29
    result = alliance_kit.score(checkin, frame)
    found = evaluate_alerts(checkin, result, frame, client="client", order="session")
    assert found.loc[found["alert"] == "drop", "row"].tolist() == [2]


def test_drops_compare_to_previous_or_last_available() -> None:
    frame = pd.DataFrame({"c": ["a", "a", "a", "a"], "o": [1, 2, 3, 4],
                          "s": [30, NA, 28, 27]})
    last = change.drops(frame, client="c", order="o", score="s", compare_to="last_available")
    previous = change.drops(frame, client="c", order="o", score="s")
    assert last.tolist()[2:] == [2.0, 1.0] and np.isnan(last[1])
    assert np.isnan(previous[2]) and previous[3] == 1.0
    with pytest.raises(ValueError, match="compare_to"):
        change.drops(frame, client="c", order="o", score="s", compare_to="first")


# ---- 6. the ORS and SRS cut-off edges -------------------------------------------------


def test_ors_25_is_not_clinical_and_the_edge_is_a_setting(kit) -> None:
    ors = kit.instrument("ors")
    frame = pd.DataFrame([vas(6.2, 6.2, 6.3, 6.3), vas(6.2, 6.2, 6.2, 6.3)])   # 25.0, 24.9
    assert alliance_kit.score(ors, frame).flags["total_clinical"].tolist() == [False, True]
    secondary = edited(ors, lambda raw: raw["scores"][0]["cutoffs"][0].update(op="<="))
    assert alliance_kit.score(secondary, frame).flags["total_clinical"].tolist() == [True, True]
    # Recovery: 20 -> 25 is reliable improvement (5) onto the cut-off, functional by default.
    assert change.classify_change(20, 25, ors.score("total").norms) == change.RECOVERED
    clinical = dict(ors.score("total").norms, at_cutoff="clinical")
    assert change.classify_change(20, 25, clinical) == change.RELIABLE_IMPROVEMENT


def test_srs_36_is_a_concern_by_default_and_not_with_openfits_rule(kit) -> None:
    srs = kit.instrument("srs")
    frame = pd.DataFrame([vas(9, 9, 9, 9), vas(9, 9, 9, 9.1)])                 # 36.0, 36.1
    assert alliance_kit.score(srs, frame).flags["total_concern"].tolist() == [True, False]
    openfit = edited(srs, lambda raw: raw["scores"][0]["cutoffs"][0].update(op="<"))
    assert alliance_kit.score(openfit, frame).flags["total_concern"].tolist() == [False, False]
    below = alliance_kit.score(openfit, vas(9, 9, 9, 8.9))                      # 35.9
    assert below.flags["total_concern"].tolist() == [True]


def test_ors_and_srs_notes_cite_their_sources(kit) -> None:
    for instrument_id in ("ors", "srs"):
        notes = " ".join(kit.instrument(instrument_id).raw["notes"])
        assert "https://support.openfit.care/support/solutions/articles/204000069702" in notes
    phq_notes = " ".join(kit.instrument("phq-9").raw["notes"])
    assert "datadictionary.nhs.uk" in phq_notes and "'round_when'" in phq_notes


# ---- 7. the clinical cut-off when none is published -----------------------------------


def test_clinical_cutoff_basis_published_c_midpoint_or_none() -> None:
    means = {"clinical": {"mean": 19.6}, "nonclinical": {"mean": 28.0}}
    both = {"clinical": {"mean": 20.0, "sd": 4.0}, "nonclinical": {"mean": 30.0, "sd": 6.0}}
    assert change.clinical_cutoff_basis({**means, "clinical_cutoff": 25}) == (25.0, "published")
    assert change.clinical_cutoff_basis(means) == (pytest.approx(23.8), "midpoint of means")
    # c = (4 * 30 + 6 * 20) / (6 + 4) = 24
    assert change.clinical_cutoff_basis(both) == (pytest.approx(24.0), "criterion c")
    one_sd = {"clinical": {"mean": 20.0, "sd": 4.0}, "nonclinical": {"mean": 30.0}}
    assert change.clinical_cutoff_basis(one_sd) == (pytest.approx(25.0), "midpoint of means")
    assert change.clinical_cutoff_basis({"clinical": {"mean": 20.0}}) == (None, None)
    assert change.cutoff_words(means).startswith("clinical cut-off c = 23.8 (the midpoint")


def test_recovery_uses_the_midpoint_when_no_cutoff_or_sds_are_published() -> None:
    norms = {"clinical": {"mean": 19.6}, "nonclinical": {"mean": 28.0},
             "reliable_change": 5, "improvement": "increase"}
    # c = 23.8: 18 -> 24 recovers (reliable, crosses c); 18 -> 23 is reliable but below c.
    assert change.classify_change(18, 24, norms) == change.RECOVERED
    assert change.classify_change(18, 23, norms) == change.RELIABLE_IMPROVEMENT


def test_the_catalogue_says_which_criterion_gave_c(kit) -> None:
    from alliance_kit.authoring import catalog

    ors = edited(kit.instrument("ors"),
                 lambda raw: raw["scores"][0]["norms"].pop("clinical_cutoff"))
    lines = "\n".join(catalog._section(ors))
    assert "Recovery is judged against the clinical cut-off c = 23.8 (the midpoint" in lines
    assert "Recovery is judged" not in "\n".join(catalog._section(kit.instrument("ors")))


# ---- 8. rounding before or after banding ----------------------------------------------


def test_phq9_prorated_4_5_rounds_to_5_mild_before_banding(phq9) -> None:
    result = alliance_kit.score(phq9, phq(1, 1, 1, 1, 0, 0, 0, 0, NA))   # 4 + 4/8 = 4.5
    assert result.scores["total"].item() == 5
    assert result.bands["total"].item() == "mild"


def test_after_bands_reads_the_unrounded_total(phq9) -> None:
    after = edited(phq9, lambda raw: raw["scores"][0].update(round_when="after-bands"))
    frame = pd.DataFrame([phq(1, 1, 1, 1, 0, 0, 0, 0, NA),     # 4.5: minimal, reported 5
                          phq(1, 1, 1, 1, 1, 0, 0, 0, 0),      # 5 exactly: mild
                          phq(2, 1, 1, 1, 1, 1, 1, 1, NA),     # 9 + 9/8 = 10.125: moderate
                          phq(1, 1, 1, 1, 1, 1, 1, 2, NA),     # 9 + 9/8 = 10.125
                          phq(3, 3, 3, 3, 3, 3, 3, 3, 3)])     # 27: severe, the top edge
    result = alliance_kit.score(after, frame)
    assert result.scores["total"].tolist() == [5, 5, 10, 10, 27]
    assert result.bands["total"].astype(str).tolist() == [
        "minimal", "mild", "moderate", "moderate", "severe"]
    assert result.flags["total_caseness"].tolist() == [False, False, True, True, True]


def test_cutoffs_read_the_same_value_as_the_bands(phq9) -> None:
    # PHQ-9's prorated totals never fall in [9.5, 10), so the caseness edge at 10 cannot
    # move; a cut-off at 5 (the minimal/mild edge) shows the rule: 4.5 is 5 before banding.
    def at_5(raw, when):
        raw["scores"][0]["cutoffs"][0]["value"] = 5
        raw["scores"][0]["round_when"] = when

    frame = pd.DataFrame([phq(1, 1, 1, 1, 0, 0, 0, 0, NA),    # 4.5
                          phq(1, 1, 1, 1, 0, 0, 0, 0, 0)])    # 4
    before = edited(phq9, lambda raw: at_5(raw, "before-bands"))
    after = edited(phq9, lambda raw: at_5(raw, "after-bands"))
    assert alliance_kit.score(before, frame).flags["total_caseness"].tolist() == [True, False]
    assert alliance_kit.score(after, frame).flags["total_caseness"].tolist() == [False, False]


def test_moderately_severe_edge_moves_with_round_when(phq9) -> None:
    answers = phq(2, 2, 2, 2, 2, 1, 1, 1, NA)                  # 13 + 13/8 = 14.625
    after = edited(phq9, lambda raw: raw["scores"][0].update(round_when="after-bands"))
    assert alliance_kit.score(phq9, answers).bands["total"].item() == "moderately-severe"
    assert alliance_kit.score(after, answers).bands["total"].item() == "moderate"
    assert alliance_kit.score(after, answers).scores["total"].item() == 15


def test_round_when_needs_round(minimal) -> None:
    minimal["scores"][0]["round_when"] = "after-bands"
    problems = alliance_kit.try_load_definition(minimal)[1]
    assert [(p.path, "only means something with 'round'" in p.message) for p in problems] == [
        ("$.scores[0].round_when", True)]


def test_rounding_rule_is_in_the_catalogue_and_the_report(kit) -> None:
    from alliance_kit.engine.explain import scoring_note

    total = kit.instrument("phq-9").score("total")
    assert scoring_note(total, "Depression severity") == (
        "Depression severity: up to 2 items missing, each taking the mean of the answered "
        "items; rounded half-up to a whole number before banding (bands and cut-offs read "
        "the rounded score).")
    assert scoring_note(kit.instrument("srs").score("total"), "Total") is None  # no gaps
