"""What FHIR export and import share: alliance_kit's base URL, the canonical URLs of its
Questionnaires and code systems, the extension URLs both sides read and write, and FHIR's
rules for strings and numbers."""

from __future__ import annotations

import re
from typing import Any

from alliance_kit.engine.definitions import Instrument, Item

BASE = "https://alliance-kit.dev/fhir"

#: FHIR strings may not hold control characters other than tab, CR and LF.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

HL7 = "http://hl7.org/fhir/StructureDefinition"
SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition"
ORDINAL = f"{HL7}/ordinalValue"
#: Other names the same idea goes by: R5's itemWeight, the old ISO 21090 CO value.
ORDINAL_URLS = (ORDINAL, f"{HL7}/itemWeight", f"{HL7}/iso21090-CO-value")
MIN_VALUE = f"{HL7}/minValue"
MAX_VALUE = f"{HL7}/maxValue"
MAX_DECIMALS = f"{HL7}/maxDecimalPlaces"
ITEM_CONTROL = f"{HL7}/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
SLIDER_STEP = f"{HL7}/questionnaire-sliderStepValue"
UNIT = f"{HL7}/questionnaire-unit"
CITATION = f"{HL7}/cqf-citation"
CALCULATED = f"{SDC}/sdc-questionnaire-calculatedExpression"
ENABLE_WHEN_EXPRESSION = f"{SDC}/sdc-questionnaire-enableWhenExpression"
#: alliance_kit's own extensions, for what FHIR has no element for.
OWN = f"{BASE}/StructureDefinition"
NOT_EXPRESSED = f"{OWN}/not-expressed"
REVERSE = f"{OWN}/reverse-keyed"
SCORED = f"{OWN}/scored"
WHEN_NOT_ASKED = f"{OWN}/when-not-asked"
STEP = f"{OWN}/slider-step"
#: linkId of the display item holding the stem (not a valid item id, so it never clashes).
STEM_LINK = "_stem"
SYSTEM = re.compile(re.escape(BASE) + r"/CodeSystem/[^/]+/(?P<scale>[^/]+)$")
FHIR_OPS = {"==": "=", "!=": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
OUR_OPS = {"=": "==", "!=": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
FLIP = {"==": "==", "!=": "!=", ">": "<", "<": ">", ">=": "<=", "<=": ">="}
ID_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9_.-]{0,62}[a-z0-9])?$")
VERSION_PATTERN = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
WORDINGS = ("project", "structure-only")
GENERIC = ("choices", "number", "slider", "text", "notes", "yes-no")


def questionnaire_url(instrument: Instrument) -> str:
    """The canonical URL, with version, of the Questionnaire an instrument stands for."""
    return f"{BASE}/Questionnaire/{instrument.id}|{instrument.version}"


def answer_system(instrument: Instrument, item: Item) -> str:
    """The code system of an options scale's answers."""
    return f"{BASE}/CodeSystem/{instrument.id}/{item.scale_id}"


def string(value: Any) -> str:
    """Text FHIR accepts: control characters dropped, never empty, no outer whitespace."""
    text = _CONTROL.sub("", str(value)).strip()
    return text or "?"


def number(value: float) -> str:
    return f"{float(value):g}"


def ext(url: str, **value: Any) -> dict[str, Any]:
    return {"url": url, **value}


def num(value: float) -> int | float:
    """A JSON number as written in a definition: 3, not 3.0."""
    value = float(value)
    return int(value) if value.is_integer() else value
