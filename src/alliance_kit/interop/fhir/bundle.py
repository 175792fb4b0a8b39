"""Responses as a FHIR R4 Bundle (type ``collection``) of QuestionnaireResponse resources.

Each response names its Questionnaire by a canonical URL made from the instrument id and
version (``https://alliance-kit.dev/fhir/Questionnaire/phq-9|1.0.0``) and its client by an
identifier only: the client code, or the pseudonym of a de-identified export. Answers are
``valueCoding`` (options scales: code = value, display = label), ``valueBoolean`` (yes-no),
``valueDecimal`` (numbers and visual-analogue lines) or ``valueString`` (free text).
Scores are not part of a QuestionnaireResponse and are left out.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from alliance_kit.engine.definitions import Instrument, Item
from alliance_kit.engine.records import Record
from alliance_kit.version import __version__

BASE = "https://alliance-kit.dev/fhir"
CLIENT_SYSTEM = f"{BASE}/client-code"
PSEUDONYM_SYSTEM = f"{BASE}/pseudonym"
RESPONSE_SYSTEM = f"{BASE}/response"
#: Fixed namespace: a response's fullUrl is the same in every export.
NAMESPACE = uuid.UUID("6f0f5a4e-93c1-4d6e-9a3e-0b6c1f0e7a21")
#: FHIR strings may not hold control characters other than tab, CR and LF.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def questionnaire_url(instrument: Instrument) -> str:
    """The canonical URL, with version, of the Questionnaire an instrument stands for."""
    return f"{BASE}/Questionnaire/{instrument.id}|{instrument.version}"


def answer_system(instrument: Instrument, item: Item) -> str:
    """The code system of an options scale's answers."""
    return f"{BASE}/CodeSystem/{instrument.id}/{item.scale_id}"


def _string(value: Any) -> str:
    """Text FHIR accepts: control characters dropped, never empty, no outer whitespace."""
    text = _CONTROL.sub("", str(value)).strip()
    return text or "?"


def _number(value: float) -> str:
    return f"{float(value):g}"


def answer(instrument: Instrument, item: Item, value: Any,
           language: str = "en") -> dict[str, Any] | None:
    """One item's answer in FHIR form, or None for a missing answer."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return {"valueString": _string(value)} if value.strip() else None
    kind = item.scale.get("type")
    if kind == "options":
        coding = {"system": answer_system(instrument, item), "version": instrument.version,
                  "code": _number(value)}
        label = item.option_label(value, language)
        if label:
            coding["display"] = _string(label)
        return {"valueCoding": coding}
    if kind == "yes-no":
        return {"valueBoolean": float(value) == 1}
    return {"valueDecimal": float(value)}


def questionnaire_response(instrument: Instrument, record: Record, *, language: str = "en",
                           deidentified: bool = False) -> dict[str, Any]:
    """One response as a QuestionnaireResponse resource (a plain dict, JSON-ready)."""
    items = []
    for item in instrument.items:
        given = answer(instrument, item, record.answers.get(item.id), language)
        if given is None:
            continue
        entry: dict[str, Any] = {"linkId": item.id}
        text = instrument.text(item.text, language)
        if text:
            entry["text"] = _string(text)
        entry["answer"] = [given]
        items.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _resource_id(record),
        "identifier": {"system": RESPONSE_SYSTEM, "value": _string(record.ref)},
        "questionnaire": questionnaire_url(instrument),
        "status": "completed",
        "subject": {"identifier": {
            "system": PSEUDONYM_SYSTEM if deidentified else CLIENT_SYSTEM,
            "value": _string(record.client)}},
        "authored": record.submitted_at.isoformat(),
    }
    if items:
        resource["item"] = items
    return resource


def _resource_id(record: Record) -> str:
    return re.sub(r"[^A-Za-z0-9.\-]", "-", f"qr-{record.ref}")[:64]


def bundle(instrument: Instrument, records: list[Record], *, language: str = "en",
           deidentified: bool = False) -> dict[str, Any]:
    """A ``collection`` Bundle of the records' QuestionnaireResponses."""
    entries = []
    for record in records:
        resource = questionnaire_response(instrument, record, language=language,
                                          deidentified=deidentified)
        full_url = uuid.uuid5(NAMESPACE, f"{instrument.id}:{record.ref}")
        entries.append({"fullUrl": f"urn:uuid:{full_url}", "resource": resource})
    return {
        "resourceType": "Bundle",
        "meta": {"tag": [{"system": f"{BASE}/generator", "code": "alliance_kit",
                          "display": f"alliance_kit {__version__}"}]},
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entry": entries,
    }


__all__ = ["answer", "answer_system", "bundle", "questionnaire_response", "questionnaire_url"]
