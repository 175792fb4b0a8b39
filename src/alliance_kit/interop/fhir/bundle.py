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
from alliance_kit.interop.fhir.common import BASE, answer_system, number, questionnaire_url, string
from alliance_kit.version import __version__

CLIENT_SYSTEM = f"{BASE}/client-code"
PSEUDONYM_SYSTEM = f"{BASE}/pseudonym"
RESPONSE_SYSTEM = f"{BASE}/response"
#: Fixed namespace: a response's fullUrl is the same in every export.
NAMESPACE = uuid.UUID("6f0f5a4e-93c1-4d6e-9a3e-0b6c1f0e7a21")




def answer(instrument: Instrument, item: Item, value: Any,
           language: str = "en") -> dict[str, Any] | None:
    """One item's answer in FHIR form, or None for a missing answer."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return {"valueString": string(value)} if value.strip() else None
    kind = item.scale.get("type")
    if kind == "options":
        coding = {"system": answer_system(instrument, item), "version": instrument.version,
                  "code": number(value)}
        label = item.option_label(value, language)
        if label:
            coding["display"] = string(label)
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
            entry["text"] = string(text)
        entry["answer"] = [given]
        items.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _resource_id(record),
        "identifier": {"system": RESPONSE_SYSTEM, "value": string(record.ref)},
        "questionnaire": questionnaire_url(instrument),
        "status": "completed",
        "subject": {"identifier": {
            "system": PSEUDONYM_SYSTEM if deidentified else CLIENT_SYSTEM,
            "value": string(record.client)}},
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
