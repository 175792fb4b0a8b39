"""Instruments as FHIR R4 Questionnaires and back: export, validate, import, score the same.

fhir.resources ships R4B (and R5) models, not R4; R4B's Questionnaire is R4's, so it
validates R4 here. Wording packs used here are SYNTHETIC: licensed wording is never committed.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import INSTRUMENTS, ROOT
from fhir.resources.R4B.questionnaire import Questionnaire

import alliance_kit
from alliance_kit.cli import cli
from alliance_kit.engine.responses import InvalidResponses
from alliance_kit.engine.wording import load_pack, merge_wording
from alliance_kit.interop.fhir import bundle as fhir
from alliance_kit.interop.fhir import common
from alliance_kit.interop.fhir import questionnaire as fq
from alliance_kit.interop.fhir import questionnaire_import as fqi
from alliance_kit.kit import try_load_definition

DATA = ROOT / "tests" / "data" / "fhir"
SAMPLE = DATA / "sleep-check.questionnaire.json"
NO_ORDINALS = DATA / "no-ordinal.questionnaire.json"
BUNDLED = sorted(path.stem for path in INSTRUMENTS.glob("*.json"))
#: Scores that are plain sums of items, so they survive as calculatedExpression.
PLAIN_SUMS = {"audit-c": ["total"], "ors": ["total"], "srs": ["total"],
              "readiness-ruler": ["importance-score", "confidence-score"],
              "session-checkin": ["total"], "mood-check": ["total"],
              "recovery-checkin": [f"{item}-score" for item in (
                  "welfare", "listened", "understood", "recovery", "safe", "relief", "return")]}


@pytest.fixture(scope="module")
def kit():
    return alliance_kit.build_kit(entry_points=False, local=False, disabled=())


def _instrument(kit, instrument_id):
    if instrument_id == "mood-check":
        return alliance_kit.load_definition(ROOT / "docs" / "examples" / "mood-check.json")
    return kit.instrument(instrument_id)


def synthetic_wording(instrument, language="en"):
    """A made-up wording pack for a structure-only instrument, merged as the kit would."""
    scales = {}
    for item in instrument.items:
        if item.scale.get("type") == "options":
            scales[item.scale_id] = {"options": {
                f"{o['value']:g}": f"Synthetic option {o['value']:g}"
                for o in item.scale["options"]}}
        elif item.scale.get("type") == "visual-analogue":
            scales[item.scale_id] = {"anchors": {"min": "Synthetic low", "max": "Synthetic high"}}
    pack = {"instrument": instrument.id, "version": ">=1,<2", "language": language,
            "source": "Synthetic test text; not the real instrument's wording",
            "title": "Synthetic title", "stem": "Synthetic stem",
            "items": {item.id: f"Synthetic item {item.id}" for item in instrument.items},
            "scales": scales}
    loaded, problems = load_pack(pack, {instrument.id: instrument}, "<test pack>")
    assert loaded is not None, problems
    return merge_wording(instrument, language, {(instrument.id, language): loaded})


def random_answers(instrument, n=40, seed=0) -> pd.DataFrame:
    """Valid random responses: every answer on its scale's grid, skip rules obeyed."""
    rng = np.random.default_rng(seed)
    columns = {}
    for item in instrument.items:
        scale, kind = item.scale, item.scale.get("type")
        if kind == "options":
            values = [o["value"] for o in scale["options"]]
        elif kind == "yes-no":
            values = [0, 1]
        elif kind == "visual-analogue":
            steps = round((scale["max"] - scale["min"]) / scale["step"])
            values = [round(scale["min"] + k * scale["step"], 6) for k in range(steps + 1)]
        elif kind == "numeric":
            values = list(range(int(np.ceil(scale["min"])), int(scale["max"]) + 1))
        else:
            columns[item.id] = [f"text {k}" for k in range(n)]
            continue
        picked = [float(values[k]) for k in rng.integers(0, len(values), n)]
        columns[item.id] = [np.nan if rng.random() < 0.05 else v for v in picked]
    data = pd.DataFrame(columns)
    for _ in range(len(instrument.items) + 1):  # blank what the skip rules do not ask
        try:
            alliance_kit.score(instrument, data)
            return data
        except InvalidResponses as exc:
            for error in exc.errors:
                assert "only asked when" in error.message, error
                data.loc[data.index[error.row], error.column] = np.nan
    raise AssertionError("could not make valid answers")


def round_trip(instrument, wording=None):
    resource = fq.questionnaire(instrument, wording)
    parsed = Questionnaire.model_validate(resource)
    assert parsed.status == "active"
    draft = fqi.import_questionnaire(json.loads(json.dumps(resource)),
                                    instrument_id=instrument.id)
    imported, problems = try_load_definition(draft.definition)
    assert imported is not None, "\n".join(map(str, problems))
    return resource, draft, imported


def not_expressed(resource) -> list[str]:
    return [e["valueString"] for e in resource.get("extension", [])
            if e["url"] == common.NOT_EXPRESSED]


# --- every bundled instrument ----------------------------------------------------------


@pytest.mark.parametrize("instrument_id", [*BUNDLED, "mood-check"])
def test_round_trip(kit, instrument_id):
    original = _instrument(kit, instrument_id)
    resource, draft, imported = round_trip(original)
    assert resource["url"] == common.questionnaire_url(original).split("|")[0]
    assert f"{resource['url']}|{resource['version']}" == common.questionnaire_url(original)
    # Items, in order, with their scale types, option values and flags.
    assert [i.id for i in imported.items] == [i.id for i in original.items]
    for before, after in zip(original.items, imported.items, strict=True):
        assert after.scale["type"] == before.scale["type"]
        if before.scale_type.numeric:
            assert after.bounds == before.bounds
        if before.scale["type"] == "options":
            assert after.scale_id == before.scale_id
            assert after.scale["options"] == before.scale["options"]
        for key in ("reverse", "required", "scored"):
            assert getattr(after, key) == getattr(before, key), (before.id, key)
        if after.ask_if is not None:
            assert after.when_not_asked == before.when_not_asked
        # Conditions survive, or the Questionnaire says why not.
        if before.ask_if is not None and after.ask_if != before.ask_if:
            assert after.ask_if is None
            assert any(f"Item '{before.id}' is asked only when" in note
                       for note in not_expressed(resource)), before.id
    # Plain sums survive and score identically; every other score is named in a note.
    assert [s.id for s in imported.scores] == PLAIN_SUMS.get(instrument_id, [])
    for score in original.scores:
        if score.id not in PLAIN_SUMS.get(instrument_id, []):
            assert any(f"Score '{score.id}'" in note for note in not_expressed(resource))
            assert any(f"Score '{score.id}'" in note for note in draft.review)
    answers = random_answers(original)
    if imported.scores:
        want = alliance_kit.score(original, answers).scores[[s.id for s in imported.scores]]
        got = alliance_kit.score(imported, answers).scores
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=0, atol=1e-9)
        assert want.notna().any().all()
    # The wording status follows the texts: none in a structure-only export.
    if original.wording == "structure-only":
        assert imported.wording == "structure-only"
        assert all("text" not in item for item in resource["item"]
                   if "readOnly" not in item)
    else:
        assert imported.wording == "project" and not imported.validated
        assert [i.text for i in imported.items] == [
            {"en": original.text(i.text, "en")} for i in original.items]


def test_structure_only_with_a_synthetic_wording(kit):
    wai = kit.instrument("wai-sr")
    wording = synthetic_wording(wai)
    resource, draft, imported = round_trip(wai, wording)
    assert resource["title"] == "Synthetic title"
    assert resource["item"][0] == {"linkId": common.STEM_LINK, "text": "Synthetic stem",
                                   "type": "display"}
    first = resource["item"][1]
    assert first["text"] == "Synthetic item 1"
    assert [o["valueCoding"]["display"] for o in first["answerOption"]] == [
        f"Synthetic option {v}" for v in range(1, 6)]
    assert imported.wording == "project"
    assert imported.raw["stem"] == {"en": "Synthetic stem"}
    assert imported.item("12").text == {"en": "Synthetic item 12"}
    assert [o["label"]["en"] for o in imported.raw["scales"]["frequency5"]["options"]] == [
        f"Synthetic option {v}" for v in range(1, 6)]
    assert any("REVIEW THE LICENCE AND WORDING STATUS" in note for note in imported.raw["notes"])


def test_ors_anchors_and_decimal_step_with_a_synthetic_wording(kit):
    ors = kit.instrument("ors")
    resource, _, imported = round_trip(ors, synthetic_wording(ors))
    line = resource["item"][1]
    controls = [e for e in line["extension"] if e["url"] == common.ITEM_CONTROL]
    assert controls[0]["valueCodeableConcept"]["coding"][0]["code"] == "slider"
    assert {"url": common.STEP, "valueDecimal": 0.1} in line["extension"]
    assert {"url": common.MAX_DECIMALS, "valueInteger": 1} in line["extension"]
    assert [child["text"] for child in line["item"]] == ["Synthetic low", "Synthetic high"]
    assert imported.item("1").scale == {
        "type": "visual-analogue", "min": 0, "max": 10, "step": 0.1,
        "anchors": {"min": {"en": "Synthetic low"}, "max": {"en": "Synthetic high"}}}


def test_answer_codings_match_the_questionnaire_responses(kit):
    """A QuestionnaireResponse from the bundle export answers with codings the Questionnaire
    lists."""
    phq9 = kit.instrument("phq-9")
    resource = fq.questionnaire(phq9)
    for item in phq9.items:
        entry = next(i for i in resource["item"] if i["linkId"] == item.id)
        listed = {(o["valueCoding"]["system"], o["valueCoding"]["code"])
                  for o in entry["answerOption"]}
        for option in item.scale["options"]:
            coding = fhir.answer(phq9, item, option["value"])["valueCoding"]
            assert (coding["system"], coding["code"]) in listed
        ordinals = [e["valueDecimal"] for o in entry["answerOption"]
                    for e in o["valueCoding"]["extension"] if e["url"] == common.ORDINAL]
        assert ordinals == [o["value"] for o in item.scale["options"]]


def test_auditc_skip_rule_and_calculated_total(kit):
    resource = fq.questionnaire(kit.instrument("audit-c"))
    second = resource["item"][1]
    assert second["enableWhen"] == [{"question": "1", "operator": "!=", "answerCoding": {
        "system": f"{common.BASE}/CodeSystem/audit-c/frequency", "code": "0"}}]
    total = resource["item"][-1]
    assert total["readOnly"] is True and total["type"] == "decimal"
    expression = total["extension"][0]["valueExpression"]["expression"]
    assert ".ordinal()" in expression and "iif(" in expression


# --- conditions and scores a definition can hold ---------------------------------------


def conditions_definition():
    options = [{"value": v, "label": {"en": f"opt {v}"}} for v in (0, 1, 2, 3)]
    return {
        "id": "conditions", "version": "1.2.0", "title": {"en": "Conditions"},
        "license": {"name": "test only"}, "citation": "none", "wording": "project",
        "languages": ["en"],
        "scales": {
            "often": {"type": "options", "options": options},
            "yn": {"type": "yes-no", "labels": {"yes": {"en": "Yes"}, "no": {"en": "No"}}},
            "line": {"type": "visual-analogue", "min": 0, "max": 10, "step": 0.5},
            "count": {"type": "numeric", "min": 0, "max": 30, "integer": True,
                      "unit": {"en": "days"}},
            "short": {"type": "text", "max_length": 200, "multiline": False},
        },
        "items": [
            {"id": "a", "text": {"en": "A"}, "scale": "often"},
            {"id": "b", "text": {"en": "B"}, "scale": "often", "reverse": True},
            {"id": "flag", "text": {"en": "Flag"}, "scale": "yn"},
            {"id": "c", "text": {"en": "C"}, "scale": "often",
             "ask_if": {"item": "a", "op": ">=", "value": 2}, "when_not_asked": 0},
            {"id": "d", "text": {"en": "D"}, "scale": "line",
             "ask_if": {"all": [{"item": "flag", "op": "==", "value": 1},
                                {"item": "a", "op": "!=", "value": 0}]}},
            {"id": "e", "text": {"en": "E"}, "scale": "count", "required": False,
             "ask_if": {"any": [{"score": "core", "op": ">", "value": 3},
                                {"all": [{"item": "a", "op": "==", "value": 1},
                                         {"item": "flag", "op": "==", "value": 0}]}]}},
            {"id": "f", "text": {"en": "F"}, "scale": "often", "scored": False,
             "ask_if": {"score": "core", "op": "<=", "value": 2}},
            {"id": "g", "text": {"en": "G"}, "scale": "short", "required": False},
        ],
        "scores": [
            {"id": "core", "method": "sum", "items": ["a", "b", "flag"]},
            {"id": "all-items", "method": "sum", "items": ["a", "b", "c", "d", "flag"],
             "round": 1},
            {"id": "weighted", "method": "sum", "items": ["a", "b"],
             "weights": {"a": 2}},
            {"id": "avg", "method": "mean", "items": ["a", "b"], "max_missing": 1},
        ],
    }


def test_conditions_and_scores_round_trip():
    original = alliance_kit.load_definition(conditions_definition())
    resource, draft, imported = round_trip(original)
    items = {i["linkId"]: i for i in resource["item"]}
    # One-level comparisons are enableWhen; the rest enableWhenExpression.
    assert items["d"]["enableBehavior"] == "all"
    assert items["d"]["enableWhen"][0] == {"question": "flag", "operator": "=",
                                           "answerBoolean": True}
    assert items["f"]["enableWhen"] == [{"question": "core", "operator": "<=",
                                         "answerDecimal": 2}]
    for link in ("c", "e"):
        assert "enableWhen" not in items[link]
        urls = [x["url"] for x in items[link]["extension"]]
        assert urls.count(common.ENABLE_WHEN_EXPRESSION) == 1
    for item in original.items:
        assert imported.item(item.id).ask_if == item.ask_if, item.id
        assert imported.item(item.id).when_not_asked == item.when_not_asked
        assert imported.item(item.id).reverse == item.reverse
        assert imported.item(item.id).scored == item.scored
        assert imported.item(item.id).required == item.required
        # A boolean item has no answer labels: yes-no labels are the one thing lost.
        expected = {k: v for k, v in item.scale.items() if k != "labels"}
        assert imported.item(item.id).scale == expected
    assert [s.id for s in imported.scores] == ["core", "all-items"]
    assert imported.score("all-items").round == 1
    notes = not_expressed(resource)
    assert any("Score 'weighted' (sum of items with weights)" in n for n in notes)
    assert any("Score 'avg' (mean of items with prorating)" in n for n in notes)
    answers = random_answers(original, n=200, seed=3)
    want = alliance_kit.score(original, answers).scores[["core", "all-items"]]
    got = alliance_kit.score(imported, answers).scores
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=0, atol=1e-9)


def test_score_condition_without_a_calculated_score_is_a_note(kit):
    resource = fq.questionnaire(kit.instrument("phq-9"))
    tenth = next(i for i in resource["item"] if i["linkId"] == "10")
    assert "enableWhen" not in tenth
    assert not any(e["url"] == common.ENABLE_WHEN_EXPRESSION for e in tenth.get("extension", []))
    assert any("Item '10' is asked only when score 'total' is above 0" in n
               for n in not_expressed(resource))


# --- third-party Questionnaires ----------------------------------------------------------


def test_a_third_party_questionnaire_imports():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    Questionnaire.model_validate(data)
    draft = fqi.import_questionnaire(data, instrument_id="sleep-check")
    instrument, problems = try_load_definition(draft.definition)
    assert instrument is not None, problems
    definition = draft.definition
    assert definition["wording"] == "project" and definition["languages"] == ["en"]
    assert definition["title"] == {"en": "Weekly Sleep Check (made-up sample)"}
    assert definition["version"] == "2.1.0"
    assert definition["stem"] == {"en": "Please answer about the past 7 days."}
    assert "Example Clinic, CC0" in definition["license"]["note"]
    assert [i.id for i in instrument.items] == [
        "sleep1", "sleep2", "sleep3", "sleep_aid", "napped", "naps", "rested", "comments"]
    # Identical answer lists share one scale, wherever the ordinal value is written.
    assert {instrument.item(i).scale_id for i in ("sleep1", "sleep2", "sleep3")} == {"choices"}
    assert [o["value"] for o in instrument.item("sleep_aid").scale["options"]] == [0, 2]
    assert instrument.item("sleep_aid").ask_if == {"any": [
        {"item": "sleep1", "op": "==", "value": 2}, {"item": "sleep1", "op": "==", "value": 3}]}
    assert instrument.item("napped").scale["type"] == "yes-no"
    assert instrument.item("naps").scale == {"type": "numeric", "min": 1, "max": 21,
                                             "integer": True, "unit": {"en": "naps"}}
    assert instrument.item("naps").ask_if == {"item": "napped", "op": "==", "value": 1}
    assert instrument.item("rested").scale["anchors"] == {
        "min": {"en": "Not rested at all"}, "max": {"en": "Fully rested"}}
    assert instrument.item("comments").scale == {"type": "text", "multiline": True,
                                                 "max_length": 500}
    assert instrument.item("comments").required is False
    total = instrument.score("sleep-total")
    assert list(total.items) == ["sleep1", "sleep2", "sleep3"]
    assert total.spec["note"].startswith("REVIEW")
    notes = " ".join(definition["notes"])
    for said in ("REVIEW THE LICENCE AND WORDING STATUS", "'last-visit' of FHIR type 'date'",
                 "Calculated item 'risk'", "Group 'Sleep'", "'Sleep_Aid'"):
        assert said in notes
    scored = alliance_kit.score(instrument, {"sleep1": 3, "sleep2": 1, "sleep3": 0,
                                             "sleep_aid": 2, "napped": 0, "rested": 4})
    assert scored.scores["sleep-total"].iloc[0] == 4


def test_structure_only_import_on_request():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    definition = fqi.definition_from_questionnaire(data, instrument_id="sleep-check",
                                                  wording="structure-only")
    instrument = alliance_kit.load_definition(definition)
    assert instrument.wording == "structure-only" and instrument.languages == ()
    assert all(not item.text for item in instrument.items)


def test_missing_ordinal_values_are_a_clear_problem():
    data = json.loads(NO_ORDINALS.read_text(encoding="utf-8"))
    Questionnaire.model_validate(data)
    with pytest.raises(fqi.QuestionnaireError) as caught:
        fqi.definition_from_questionnaire(data)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 2
    assert "$.item[0].answerOption" in messages[0]
    assert "'q1' has no ordinal value for 3 of its 3 answers" in messages[0]
    assert common.ORDINAL in messages[0] and "will not guess" in messages[0]
    assert "'q2' takes its answers from a value set" in messages[1]


@pytest.mark.parametrize(("change", "message"), [
    (lambda q: q.update(resourceType="QuestionnaireResponse"), "not a FHIR Questionnaire"),
    (lambda q: q.update(item=[]), "no question that can be imported"),
    (lambda q: q["item"][1]["item"][0]["answerOption"][1]["extension"][0].update(
        valueDecimal=0), "two answers share an ordinal value"),
])
def test_other_problems(change, message):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(fqi.QuestionnaireError, match=message):
        fqi.import_questionnaire(data, instrument_id="x")


def test_instrument_id_from_the_questionnaire():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert fqi.definition_from_questionnaire(data)["id"] == "sleepcheck"
    with pytest.raises(fqi.QuestionnaireError, match="not a valid instrument id"):
        fqi.import_questionnaire(data, instrument_id="Not An Id")


def test_unreadable_expressions_become_notes():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["item"][-2]["extension"][0]["valueExpression"]["expression"] = "%resource.item.("
    data["item"][4]["extension"].append({"url": common.ENABLE_WHEN_EXPRESSION, "valueExpression": {
        "language": "text/fhirpath", "expression": "%resource.item.count() > 2"}})
    data["item"][4].pop("enableWhen")
    draft = fqi.import_questionnaire(copy.deepcopy(data), instrument_id="sleep-check")
    assert "scores" not in draft.definition or all(
        s["id"] != "sleep-total" for s in draft.definition["scores"])
    assert any("Calculated item 'sleep-total'" in n for n in draft.review)
    assert any("Item 'naps' is enabled only when" in n for n in draft.review)
    alliance_kit.load_definition(draft.definition)


# --- command line -----------------------------------------------------------------------


def test_cli_export_and_import(tmp_path):
    runner = CliRunner()
    out = tmp_path / "audit-c.fhir.json"
    result = runner.invoke(cli, ["fhir-questionnaire", "audit-c", "-o", str(out)])
    assert result.exit_code == 0, result.output
    Questionnaire.model_validate(json.loads(out.read_text(encoding="utf-8")))
    again = runner.invoke(cli, ["fhir-questionnaire", "audit-c", "-o", str(out)])
    assert again.exit_code == 1 and "exists" in again.output
    draft = tmp_path / "draft.json"
    result = runner.invoke(cli, ["import-fhir-questionnaire", str(out), "--id", "audit-c2",
                                 "-o", str(draft)])
    assert result.exit_code == 0, result.output
    assert "DRAFT" in result.output
    assert alliance_kit.load_definition(draft).id == "audit-c2"
    validate = runner.invoke(cli, ["validate", str(draft)])
    assert validate.exit_code == 0, validate.output


def test_cli_structure_only_export_says_so():
    result = CliRunner().invoke(cli, ["fhir-questionnaire", "wai-sr"])
    assert result.exit_code == 0
    assert "no wording pack is installed" in result.output
    assert "not expressed: Score 'task'" in result.output


def test_cli_unknown_instrument():
    result = CliRunner().invoke(cli, ["fhir-questionnaire", "nope"])
    assert result.exit_code == 2 and "unknown instrument 'nope'" in result.output


def test_cli_import_without_ordinals_exits_1():
    result = CliRunner().invoke(cli, ["import-fhir-questionnaire", str(NO_ORDINALS),
                                      "--id", "mood"])
    assert result.exit_code == 1
    assert "has no ordinal value" in result.output
    assert "cannot draft a definition" in result.output


def test_cli_import_sample_to_stdout():
    result = CliRunner().invoke(cli, ["import-fhir-questionnaire", str(SAMPLE), "--id",
                                      "sleep-check"])
    assert result.exit_code == 0, result.output
    assert "review: Calculated item 'risk'" in result.output
