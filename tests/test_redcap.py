"""`alliance-kit import-redcap`: a REDCap data dictionary becomes a draft that validates, with
everything it could not translate written down for review."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT

import alliance_kit
from alliance_kit.cli import cli
from alliance_kit.interop import redcap
from alliance_kit.kit import try_load_definition

DICTIONARY = ROOT / "tests" / "data" / "redcap" / "weekly_worries_dictionary.csv"
HEADER = DICTIONARY.read_text(encoding="utf-8").splitlines()[0]


@pytest.fixture(scope="module")
def kit():
    return alliance_kit.build_kit(entry_points=False, local=False, disabled=())


@pytest.fixture(scope="module")
def draft() -> redcap.Draft:
    return redcap.import_dictionary(DICTIONARY, "weekly-worries", form="weekly_worries")


def dictionary(*rows: str) -> list[dict[str, str]]:
    """Rows of a dictionary with the real REDCap header (rows as CSV lines)."""
    return redcap.read_dictionary("\n".join([HEADER, *rows]) + "\n")


def notes_about(definition, word: str) -> list[str]:
    return [note for note in definition["notes"] if word in note]


# --- pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "text"), [
    ("<b>Worried</b> about <u>things</u>?", "Worried about things?"),
    ("work, school &amp; money &lt;3", "work, school & money <3"),
    ("hard to stop<br>once<br/>started", "hard to stop once started"),
    ('<p style="x">One.</p><p>Two.</p>', "One. Two."),
    ("  plain   text  ", "plain text"),
    ("", ""),
])
def test_labels_lose_their_html(label, text):
    assert redcap.plain_text(label) == text


def test_choices_with_codes():
    assert redcap.parse_choices("1, Never | 2, Some, but not much|3,<b>Often</b>") == [
        ("1", "Never"), ("2", "Some, but not much"), ("3", "Often")]


@pytest.mark.parametrize(("logic", "condition"), [
    ("[q1] = '1'", {"item": "q1", "op": "==", "value": 1}),
    ('[q1] <> "2"', {"item": "q1", "op": "!=", "value": 2}),
    ("[q1]>=3", {"item": "q1", "op": ">=", "value": 3}),
    ("[q1] < '2.5'", {"item": "q1", "op": "<", "value": 2.5}),
    ("([q1] = '1')", {"item": "q1", "op": "==", "value": 1}),
    ("[a] > '0' and [b] = '1'", {"all": [{"item": "a", "op": ">", "value": 0},
                                         {"item": "b", "op": "==", "value": 1}]}),
    ("[a] > '0' OR [b] = '1' or [c] = '1'", {"any": [{"item": "a", "op": ">", "value": 0},
                                                     {"item": "b", "op": "==", "value": 1},
                                                     {"item": "c", "op": "==", "value": 1}]}),
])
def test_simple_branching_becomes_ask_if(logic, condition):
    assert redcap.parse_condition(logic) == condition


@pytest.mark.parametrize("logic", [
    "([a] = '1' and [b] = '1') or [c] = '1'",   # mixed and/or with grouping
    "[a] = '1' and [b] = '1' or [c] = '1'",     # mixed without
    "[topics(2)] = '1'",                        # a checkbox choice
    "[event_1_arm_1][q1] = '1'",                # another event
    "[q1] = 'yes'",                             # not a number
    "[q1] = ''",                                # blank
    "datediff([d1], 'today', 'd') > 7",         # a function
])
def test_other_branching_is_not_translated(logic):
    assert redcap.parse_condition(logic) is None


def test_not_a_dictionary_is_refused():
    with pytest.raises(redcap.RedcapError, match="is this a REDCap data dictionary"):
        redcap.read_dictionary("record_id,ww1,ww2\n1,2,3\n")
    with pytest.raises(redcap.RedcapError, match="empty"):
        redcap.read_dictionary("")


# --- the sample dictionary ----------------------------------------------------------------


def test_the_draft_validates(draft, kit):
    instrument, problems = try_load_definition(draft.definition, kit.types, "draft")
    assert problems == []
    assert instrument.wording == "project" and not instrument.validated


def test_the_draft_says_it_is_a_draft_and_to_review_the_licence(draft):
    notes = draft.definition["notes"]
    assert notes[0].startswith("DRAFT imported from the REDCap data dictionary "
                               "weekly_worries_dictionary.csv (form 'weekly_worries')")
    assert notes[1].startswith("REVIEW THE LICENCE AND WORDING STATUS")
    assert "structure-only" in notes[1]
    assert draft.definition["license"]["name"] == "Unknown: review"
    assert draft.definition["citation"].startswith("Unknown")
    assert draft.review == notes[3:]


def test_fields_become_items_with_plain_text(draft):
    items = {item["id"]: item for item in draft.definition["items"]}
    assert list(items) == ["ww1", "ww2", "ww3", "ww4", "ww5", "ww_sleep_hours", "ww_talk",
                           "ww_talk_what", "ww_when"]
    assert items["ww1"]["text"] == {"en": "worried about things at home?"}
    assert items["ww2"]["text"] == {"en": "worried about work, school & money?"}
    assert items["ww3"]["text"] == {"en": "found it hard to stop worrying once you started?"}
    assert items["ww5"]["note"] == "REDCap field note: Count naps too."
    assert draft.definition["stem"] == {"en": "Over the past week, how often have you ..."}
    assert "required" not in items["ww1"]            # required in REDCap
    assert items["ww_sleep_hours"]["required"] is False


def test_choice_lists_become_shared_scales(draft):
    scales = draft.definition["scales"]
    items = {item["id"]: item for item in draft.definition["items"]}
    assert {items[f"ww{n}"]["scale"] for n in range(1, 6)} == {"choices"}
    assert [(o["value"], o["label"]["en"]) for o in scales["choices"]["options"]] == [
        (0, "Never"), (1, "Rarely"), (2, "Sometimes"), (3, "Often"), (4, "Always")]
    assert scales[items["ww_when"]["scale"]]["options"][2] == {"value": 3,
                                                               "label": {"en": "At night"}}
    assert scales[items["ww_talk"]["scale"]] == {
        "type": "yes-no", "labels": {"yes": {"en": "Yes"}, "no": {"en": "No"}}}
    assert scales[items["ww_sleep_hours"]["scale"]] == {"type": "numeric", "min": 0,
                                                        "max": 24, "integer": True}
    assert scales[items["ww_talk_what"]["scale"]] == {"type": "text", "multiline": True}


def test_branching_is_translated_where_simple_and_noted_where_not(draft):
    items = {item["id"]: item for item in draft.definition["items"]}
    assert items["ww_talk"]["ask_if"] == {"any": [{"item": "ww1", "op": ">", "value": 0},
                                                  {"item": "ww2", "op": ">", "value": 0}]}
    assert items["ww_talk_what"]["ask_if"] == {"item": "ww_talk", "op": "==", "value": 1}
    assert "ask_if" not in items["ww_when"]
    (note,) = notes_about(draft.definition, "'ww_when'")
    assert "([ww1] > '2' and [ww2] > '2') or [ww3] = '4'" in note
    assert "write its ask_if by hand" in note


def test_a_sum_calc_becomes_a_score_to_review(draft):
    (score,) = draft.definition["scores"]
    assert score["id"] == "ww_total" and score["method"] == "sum"
    assert score["items"] == ["ww1", "ww2", "ww3", "ww4", "ww5"]
    assert score["max_missing"] == 0 and score["note"].startswith("REVIEW: ")
    assert score["title"] == {"en": "Worries total"}
    assert notes_about(draft.definition, "Score 'ww_total' was translated")
    (other,) = notes_about(draft.definition, "'ww_mean'")
    assert "round(mean([ww1],[ww2],[ww3],[ww4],[ww5]),1)" in other and "not translated" in other


def test_what_was_left_out_is_noted(draft):
    assert notes_about(draft.definition, "Checkbox field 'ww_topics'")
    (intro,) = notes_about(draft.definition, "Descriptive field 'ww_intro'")
    assert "worries in the past week" in intro and "<b>" not in intro


def test_the_draft_scores_like_redcap(draft):
    instrument = alliance_kit.load_definition(draft.definition)
    frame = pd.DataFrame({"ww1": [0, 4, 2], "ww2": [1, 4, 2], "ww3": [2, 4, np.nan],
                          "ww4": [3, 4, 2], "ww5": [4, 4, 2], "ww_talk": [1, 0, 1],
                          "ww_talk_what": ["family", None, None], "ww_when": [np.nan, 3, 1]})
    totals = alliance_kit.score(instrument, frame).scores["ww_total"]
    assert totals.tolist()[:2] == [10, 20]
    assert np.isnan(totals.iloc[2])  # REDCap leaves [a]+[b] blank when one is blank


def test_the_other_form(kit):
    rows = redcap.read_dictionary(DICTIONARY)
    draft = redcap.draft_definition(rows, "enrolment", form="enrolment")
    assert [item["id"] for item in draft.definition["items"]] == ["age"]
    assert notes_about(draft.definition, "'record_id' is the record id")
    assert notes_about(draft.definition, "'initials' is marked as an identifier")
    assert try_load_definition(draft.definition, kit.types)[1] == []


def test_several_forms_need_a_choice():
    rows = redcap.read_dictionary(DICTIONARY)
    with pytest.raises(redcap.RedcapError, match=r"2 forms \(enrolment, weekly_worries\)"):
        redcap.draft_definition(rows, "x")
    with pytest.raises(redcap.RedcapError, match="no form 'nope'"):
        redcap.draft_definition(rows, "x", form="nope")


def test_structure_only_keeps_no_wording(kit):
    draft = redcap.import_dictionary(DICTIONARY, "ww", form="weekly_worries",
                                     wording="structure-only")
    definition = draft.definition
    assert definition["languages"] == [] and "stem" not in definition
    assert all("text" not in item for item in definition["items"])
    assert all("label" not in option for scale in definition["scales"].values()
               for option in scale.get("options", []))
    assert "labels" not in definition["scales"]["yes-no"]
    assert not any("worries in the past week" in note for note in definition["notes"])
    assert try_load_definition(definition, kit.types)[1] == []


def test_odd_fields(kit):
    rows = dictionary(
        "record_id,f,,text,ID,,,,,,,,,,,,,",
        'codes,f,,radio,"Lettered","a, Yes | b, No",,,,,,,,,,,,',
        'plain,f,,text,"",,,,,,,,,,,,,',
        'weight,f,,text,"Weight",,,number,,,,,,,,,,',
        'when,f,,text,"Date",,,date_ymd,,,,,,,,,,',
        'feel,f,,slider,"How do you feel?","Awful | Fine | Great",,,0,10,,"[codes] = \'1\'",,,,,,',
        'truth,f,,truefalse,"True?",,,,,,,,,,,,,',
        'upload,f,,file,"A file",,,,,,,,,,,,,',
        'bad_sum,f,,calc,"Sum",[feel]+[nothing],,,,,,,,,,,,',
    )
    definition = redcap.draft_definition(rows, "odd").definition
    scales = definition["scales"]
    items = {item["id"]: item for item in definition["items"]}
    assert scales[items["codes"]["scale"]]["type"] == "text"
    assert notes_about(definition, "Field 'codes' (radio) has codes that are not numbers")
    assert items["plain"]["text"] == {"en": "plain"}
    assert scales[items["weight"]["scale"]]["type"] == "text"
    assert notes_about(definition, "'weight' is a number without both a minimum and a maximum")
    assert notes_about(definition, "validated as 'date_ymd'")
    assert scales[items["feel"]["scale"]] == {
        "type": "visual-analogue", "min": 0, "max": 10, "step": 1,
        "anchors": {"min": {"en": "Awful"}, "max": {"en": "Great"}}}
    assert "ask_if" not in items["feel"]  # depends on a text item
    assert notes_about(definition, "which depends on codes")
    assert scales[items["truth"]["scale"]]["labels"]["yes"] == {"en": "True"}
    assert "upload" not in items and notes_about(definition, "type 'file' has no equivalent")
    assert "scores" not in definition and notes_about(definition, "'bad_sum'")
    assert try_load_definition(definition, kit.types)[1] == []


# --- the command --------------------------------------------------------------------------


def test_import_redcap_writes_a_draft_that_validates(kit, tmp_path):
    output = tmp_path / "weekly-worries.json"
    result = CliRunner().invoke(cli, ["import-redcap", str(DICTIONARY), "--id",
                                      "weekly-worries", "--form", "weekly_worries", "-o",
                                      str(output)], obj=kit)
    assert result.exit_code == 0, result.output
    assert "review: Checkbox field 'ww_topics'" in result.output
    assert "DRAFT: review the notes, the licence and the wording status" in result.output
    assert json.loads(output.read_text(encoding="utf-8"))["id"] == "weekly-worries"
    checked = CliRunner().invoke(cli, ["validate", str(output)], obj=kit)
    assert checked.exit_code == 0, checked.output
    again = CliRunner().invoke(cli, ["import-redcap", str(DICTIONARY), "--id", "x", "--form",
                                     "weekly_worries", "-o", str(output)], obj=kit)
    assert again.exit_code == 1 and "exists" in again.output
    forced = CliRunner().invoke(cli, ["import-redcap", str(DICTIONARY), "--id", "x", "--form",
                                      "weekly_worries", "-o", str(output), "--force"], obj=kit)
    assert forced.exit_code == 0
    assert json.loads(output.read_text(encoding="utf-8"))["id"] == "x"


def test_import_redcap_to_standard_output(kit):
    result = CliRunner().invoke(cli, ["import-redcap", str(DICTIONARY), "--id", "ww",
                                      "--form", "weekly_worries", "--wording",
                                      "structure-only", "--title", "Weekly worries"], obj=kit)
    assert result.exit_code == 0, result.output
    definition = json.loads(result.stdout)
    assert definition["wording"] == "structure-only"
    assert definition["title"] == {"en": "Weekly worries"}


def test_import_redcap_reports_a_bad_file(kit, tmp_path):
    data = tmp_path / "export.csv"
    data.write_text("record_id,ww1\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import-redcap", str(data), "--id", "x"], obj=kit)
    assert result.exit_code == 1
    assert f"{data}: no column starting" in result.output
