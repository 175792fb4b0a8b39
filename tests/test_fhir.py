"""The FHIR export: a Bundle of QuestionnaireResponses that fhir.resources accepts.

fhir.resources ships R4B (and R5) models, not R4 itself; R4B's Bundle and
QuestionnaireResponse are the R4 ones (R4B changed neither), so they validate R4 here.
"""

from __future__ import annotations

import json

import pytest
from export_clinic import clinic
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alliance_kit.clinic import exports
from alliance_kit.interop.fhir import bundle as fhir
from alliance_kit.interop.fhir import common

SALT = b"a test salt of enough length"


@pytest.fixture(scope="module")
def c():
    return clinic()


def _bundle(c, instrument_id: str, actor: str = "therapist", deidentified: bool = False):
    made = exports.export(c.services, c.actors[actor], instrument_id, fmt="fhir",
                          deidentified=deidentified, salt=SALT if deidentified else None)
    assert made.filename.endswith(".fhir.json") and made.mime == "application/fhir+json"
    return json.loads(made.data)


@pytest.mark.parametrize("instrument_id", ["phq-9", "session-checkin", "hostile"])
@pytest.mark.parametrize("deidentified", [False, True])
def test_bundle_validates(c, instrument_id, deidentified):
    data = _bundle(c, instrument_id, deidentified=deidentified)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    assert len(bundle.entry) == len(data["entry"]) > 0
    for entry in bundle.entry:
        assert isinstance(entry.resource, QuestionnaireResponse)
        assert entry.resource.status == "completed"
        assert entry.fullUrl.startswith("urn:uuid:")


def test_questionnaire_is_the_canonical_url_with_version(c):
    phq9 = c.kit.instrument("phq-9")
    assert common.questionnaire_url(phq9) == \
        f"https://alliance-kit.dev/fhir/Questionnaire/phq-9|{phq9.version}"
    data = _bundle(c, "phq-9")
    assert {e["resource"]["questionnaire"] for e in data["entry"]} == {
        common.questionnaire_url(phq9)}


def test_answers_are_codings_decimals_and_strings(c):
    phq9 = c.kit.instrument("phq-9")
    entry = _bundle(c, "phq-9")["entry"][0]["resource"]
    first = next(i for i in entry["item"] if i["linkId"] == "1")
    coding = first["answer"][0]["valueCoding"]
    assert coding["system"] == common.answer_system(phq9, phq9.item("1"))
    label = phq9.item("1").option_label(float(coding["code"]))
    assert coding["display"] == label
    assert first["text"] == phq9.text(phq9.item("1").text)

    checkin = _bundle(c, "session-checkin")["entry"]
    items = {i["linkId"]: i["answer"][0] for i in checkin[0]["resource"]["item"]}
    assert items["bond"] == {"valueDecimal": 8.0}
    assert "valueString" in items["comment"]


def test_yes_no_answers_are_booleans(c):
    item = c.kit.instrument("phq-9").item("1")
    yes_no = type(item)(**{**item.__dict__, "scale": {"type": "yes-no"}})
    assert fhir.answer(c.kit.instrument("phq-9"), yes_no, 1) == {"valueBoolean": True}
    assert fhir.answer(c.kit.instrument("phq-9"), yes_no, None) is None


def test_subject_is_the_code_or_the_pseudonym(c):
    plain = _bundle(c, "phq-9")["entry"][0]["resource"]["subject"]["identifier"]
    assert plain == {"system": fhir.CLIENT_SYSTEM, "value": "AK-1"}
    hidden = _bundle(c, "phq-9", deidentified=True)["entry"][0]["resource"]
    assert hidden["subject"]["identifier"]["system"] == fhir.PSEUDONYM_SYSTEM
    assert hidden["subject"]["identifier"]["value"].startswith("P-")
    assert "AK-1" not in json.dumps(hidden)


def test_hostile_codes_and_comments_stay_data(c):
    data = _bundle(c, "session-checkin")
    Bundle.model_validate(data)
    codes = {e["resource"]["subject"]["identifier"]["value"] for e in data["entry"]}
    assert {code for code in c.clients if code != "OUT-1"} <= codes
    comments = {i["answer"][0]["valueString"] for e in data["entry"]
                for i in e["resource"].get("item", []) if i["linkId"] == "comment"}
    assert "<script>window.__pwned=1</script>" in comments
    assert "=cmd|' /C calc'!A0" in comments, "JSON is not a spreadsheet: left as written"


def test_access_follows_the_actor(c):
    assert _bundle(c, "phq-9", actor="admin")["entry"] == []
    outsider = _bundle(c, "phq-9", actor="outsider")
    assert [e["resource"]["subject"]["identifier"]["value"] for e in outsider["entry"]] == \
        ["OUT-1"]
