"""Instruments as FHIR R4 Questionnaires (the import is :mod:`.questionnaire_import`).

Export (:func:`questionnaire`): the Questionnaire's ``url`` and ``version`` are those the
QuestionnaireResponses of :mod:`alliance_kit.interop.fhir.bundle` point to, and every item's
type matches the answers written there: options scales are ``choice`` items whose ``answerOption``
codings (the same code system, code = value) carry the value as the ``ordinalValue``
extension; yes-no items are ``boolean``; visual-analogue and numeric items are ``decimal``
with ``minValue``/``maxValue`` (a slider ``itemControl`` and its step for visual-analogue
lines, ``maxDecimalPlaces`` 0 for whole numbers); free text is ``text`` or ``string`` with
``maxLength``. ``ask_if`` becomes ``enableWhen`` (with ``enableBehavior``) where FHIR's
single level of comparisons can say it, else an SDC ``enableWhenExpression`` in FHIRPath,
else a note. A score that is a plain sum of items (no weights, no prorating) becomes a
read-only ``decimal`` item with an SDC ``calculatedExpression`` (reverse keying, skip-rule
values and rounding included); every score or condition that is not expressed is listed in
a note extension on the Questionnaire. Structure-only instruments carry no text unless a
wording (a licensed wording pack) is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from alliance_kit.engine.definitions import Instrument, Item
from alliance_kit.engine.wording import Wording, merge_wording
from alliance_kit.interop.fhir.common import (
    BASE,
    CALCULATED,
    CITATION,
    ENABLE_WHEN_EXPRESSION,
    FHIR_OPS,
    ITEM_CONTROL,
    ITEM_CONTROL_SYSTEM,
    MAX_DECIMALS,
    MAX_VALUE,
    MIN_VALUE,
    NOT_EXPRESSED,
    ORDINAL,
    REVERSE,
    SCORED,
    SLIDER_STEP,
    STEM_LINK,
    STEP,
    UNIT,
    WHEN_NOT_ASKED,
    answer_system,
    ext,
    num,
    number,
    questionnaire_url,
    string,
)
from alliance_kit.version import __version__


def canonical_url(instrument: Instrument) -> str:
    """The Questionnaire's ``url`` (without the version a response's reference adds)."""
    return questionnaire_url(instrument).split("|")[0]


def _link_ref(link_id: str) -> str:
    return f"%resource.repeat(item).where(linkId='{link_id}').answer.value"


class _Exporter:
    def __init__(self, instrument: Instrument, wording: Wording | None, language: str):
        self.instrument = instrument
        self.wording = wording
        self.language = language
        self.notes: list[str] = []
        #: Scores that have a calculated item, so conditions and other scores may read them.
        self.calculated: dict[str, str] = {}

    # FHIRPath --------------------------------------------------------------------------

    def value_path(self, item: Item) -> str:
        ref = _link_ref(item.id)
        kind = item.scale.get("type")
        if kind == "options":
            return f"{ref}.ordinal()"
        if kind == "yes-no":
            return f"{ref}.select(iif($this, 1, 0))"
        return ref

    def condition_path(self, cond: Mapping[str, Any]) -> str | None:
        """``ask_if`` in FHIRPath (empty when unknown, like ours), or None if not expressible."""
        if "all" in cond or "any" in cond:
            joiner = " and " if "all" in cond else " or "
            parts = [self.condition_path(part) for part in cond.get("all") or cond["any"]]
            if any(part is None for part in parts):
                return None
            return joiner.join(f"({part})" for part in parts)
        if "score" in cond:
            if cond["score"] not in self.calculated:
                return None
            left = _link_ref(cond["score"])
        else:
            left = self.value_path(self.instrument.item(cond["item"]))
        return f"{left} {FHIR_OPS[cond['op']]} {number(cond['value'])}"

    def score_path(self, score) -> str | None:
        """A plain sum of items as FHIRPath, or None."""
        if score.method != "sum" or score.spec.get("weights") or score.spec.get("max_missing"):
            return None
        terms = []
        for item_id in score.items:
            item = self.instrument.item(item_id)
            term = self.value_path(item)
            if item.reverse:
                low, high = item.bounds
                term = f"({number(low + high)} - {term})"
            if item.ask_if is not None and item.when_not_asked is not None:
                cond = self.condition_path(item.ask_if)
                if cond is None:
                    return None
                term = f"iif(({cond}).not(), {number(item.when_not_asked)}, {term})"
            terms.append(term)
        expression = " + ".join(terms)
        if score.round is not None:
            expression = f"({expression}).round({score.round})"
        return expression

    # items -----------------------------------------------------------------------------

    def item_text(self, item: Item) -> str:
        return self.wording.item(item.id) if self.wording else ""

    def answer_options(self, item: Item) -> list[dict[str, Any]]:
        found = []
        for option in item.scale["options"]:
            coding: dict[str, Any] = {
                "extension": [ext(ORDINAL, valueDecimal=num(option["value"]))],
                "system": answer_system(self.instrument, item),
                "version": self.instrument.version,
                "code": number(option["value"]),
            }
            label = self.wording.option(item.scale_id, option["value"]) if self.wording else ""
            if label:
                coding["display"] = string(label)
            found.append({"valueCoding": coding})
        return found

    def item(self, item: Item) -> dict[str, Any]:
        scale, kind = item.scale, item.scale.get("type")
        entry: dict[str, Any] = {"linkId": item.id}
        extensions: list[dict[str, Any]] = []
        text = self.item_text(item)
        if text:
            entry["text"] = string(text)
        children: list[dict[str, Any]] = []
        if kind == "options":
            entry["type"] = "choice"
            entry["answerOption"] = self.answer_options(item)
        elif kind == "yes-no":
            entry["type"] = "boolean"
        elif kind in ("visual-analogue", "numeric"):
            entry["type"] = "decimal"
            low, high = item.bounds
            extensions += [ext(MIN_VALUE, valueDecimal=num(low)),
                           ext(MAX_VALUE, valueDecimal=num(high))]
            if kind == "numeric" and scale.get("integer"):
                extensions.append(ext(MAX_DECIMALS, valueInteger=0))
            unit = self.wording.units.get(item.scale_id) if self.wording else None
            if unit:
                extensions.append(ext(UNIT, valueCoding={"display": string(unit)}))
            if kind == "visual-analogue":
                extensions.append(ext(ITEM_CONTROL, valueCodeableConcept={"coding": [
                    {"system": ITEM_CONTROL_SYSTEM, "code": "slider", "display": "Slider"}]}))
                step = float(scale["step"])
                if step.is_integer():
                    extensions.append(ext(SLIDER_STEP, valueInteger=int(step)))
                else:  # R4's sliderStepValue is an integer: keep the step in our own one
                    extensions.append(ext(STEP, valueDecimal=step))
                    decimals = len(f"{step:g}".partition(".")[2])
                    extensions.append(ext(MAX_DECIMALS, valueInteger=decimals))
                anchors = self.wording.anchors.get(item.scale_id, {}) if self.wording else {}
                for end, control in (("min", "lower"), ("max", "upper")):
                    if anchors.get(end):
                        children.append({
                            "extension": [ext(ITEM_CONTROL, valueCodeableConcept={"coding": [
                                {"system": ITEM_CONTROL_SYSTEM, "code": control}]})],
                            "linkId": f"{item.id}.{control}", "text": string(anchors[end]),
                            "type": "display"})
        elif kind == "text":
            entry["type"] = "text" if scale.get("multiline", True) else "string"
            entry["maxLength"] = int(item.scale_type.max_length(scale))
        else:
            entry["type"] = "string"
            self.notes.append(f"Item '{item.id}' has scale type {kind!r}, which has no FHIR "
                              "equivalent: exported as a string item.")
        if item.reverse:
            extensions.append(ext(REVERSE, valueBoolean=True))
        if item.scale_type.numeric and not item.scored:
            extensions.append(ext(SCORED, valueBoolean=False))
        if item.ask_if is not None:
            if item.when_not_asked is not None:
                extensions.append(ext(WHEN_NOT_ASKED, valueDecimal=num(item.when_not_asked)))
            self.enable(item, entry, extensions)
        entry["required"] = bool(item.required)
        if extensions:
            entry = {"extension": extensions, **entry}
        if children:
            entry["item"] = children
        return entry

    def enable(self, item: Item, entry: dict[str, Any], extensions: list[dict[str, Any]]):
        cond = item.ask_if
        parts = cond.get("all") or cond.get("any") or [cond]
        whens = [self.enable_when(part) for part in parts]
        if all(when is not None for when in whens):
            entry["enableWhen"] = whens
            if len(whens) > 1:
                entry["enableBehavior"] = "all" if "all" in cond else "any"
            return
        expression = self.condition_path(cond)
        if expression is not None:
            extensions.append(ext(ENABLE_WHEN_EXPRESSION, valueExpression={
                "language": "text/fhirpath", "expression": expression}))
            return
        from alliance_kit.engine.rules import describe

        self.notes.append(f"Item '{item.id}' is asked only when {describe(cond)}: not "
                          "expressed (it depends on a score that is not calculated here), so "
                          "the item is always enabled.")

    def enable_when(self, cond: Mapping[str, Any]) -> dict[str, Any] | None:
        """One comparison as one enableWhen, or None when FHIR cannot say it that way."""
        if "item" not in cond and "score" not in cond:
            return None
        op, value = FHIR_OPS[cond["op"]], cond["value"]
        if "score" in cond:
            if cond["score"] not in self.calculated:
                return None
            return {"question": cond["score"], "operator": op, "answerDecimal": num(value)}
        target = self.instrument.item(cond["item"])
        kind = target.scale.get("type")
        when: dict[str, Any] = {"question": target.id, "operator": op}
        if kind == "options":
            values = [float(o["value"]) for o in target.scale["options"]]
            if op not in ("=", "!=") or float(value) not in values:
                return None
            when["answerCoding"] = {"system": answer_system(self.instrument, target),
                                    "code": number(value)}
        elif kind == "yes-no":
            if op not in ("=", "!=") or value not in (0, 1):
                return None
            when["answerBoolean"] = value == 1
        elif kind in ("visual-analogue", "numeric"):
            when["answerDecimal"] = num(value)
        else:
            return None
        return when

    def score_item(self, score, expression: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "extension": [ext(CALCULATED, valueExpression={
                "description": f"score '{score.id}': sum of items {', '.join(score.items)}",
                "language": "text/fhirpath", "expression": expression})],
            "linkId": score.id,
        }
        title = self.instrument.text(score.spec.get("title"), self.language)
        if title:
            entry["text"] = string(title)
        entry.update(type="decimal", required=False, readOnly=True)
        return entry

    def build(self) -> dict[str, Any]:
        instrument, raw = self.instrument, self.instrument.raw
        score_items = []
        for score in instrument.scores:
            expression = self.score_path(score)
            if expression is None:
                self.notes.append(f"Score '{score.id}' ({_describe_score(score)}) is not "
                                  "calculated here: only plain sums of items (no weights, no "
                                  "prorating of missing items) are expressed.")
                continue
            self.calculated[score.id] = expression
            score_items.append(self.score_item(score, expression))
        items = []
        if self.wording and self.wording.stem:
            items.append({"linkId": STEM_LINK, "text": string(self.wording.stem),
                          "type": "display"})
        items += [self.item(item) for item in instrument.items]
        items += score_items
        title = self.wording.title if self.wording else instrument.text(instrument.title,
                                                                        self.language)
        resource: dict[str, Any] = {
            "resourceType": "Questionnaire",
            "id": re.sub(r"[^A-Za-z0-9.\-]", "-", instrument.id)[:64],
            "meta": {"tag": [{"system": f"{BASE}/generator", "code": "alliance_kit",
                              "display": f"alliance_kit {__version__}"}]},
            "extension": [ext(CITATION, valueString=string(raw["citation"]))],
            "url": canonical_url(instrument),
            "version": instrument.version,
            "name": _name(instrument.id),
            "title": string(title),
            "status": "active",
            "language": self.language,
        }
        description = instrument.text(raw.get("description"), self.language)
        if description:
            resource["description"] = string(description)
        licence = raw["license"]
        resource["copyright"] = string(" ".join(
            part for part in (licence["name"] + ".", licence.get("note", ""),
                              licence.get("url", "")) if part))
        resource["extension"] += [ext(NOT_EXPRESSED, valueString=note) for note in self.notes]
        resource["item"] = items
        return resource


def _describe_score(score) -> str:
    spec = score.spec
    if score.method in ("sum", "mean"):
        extra = [word for word, present in (("weights", spec.get("weights")),
                                            ("prorating", spec.get("max_missing"))) if present]
        return f"{score.method} of items" + (f" with {' and '.join(extra)}" if extra else "")
    if score.method == "composite":
        return "composite of scores " + ", ".join(score.scores)
    return f"method {score.method!r}"


def _name(instrument_id: str) -> str:
    """A computable name (FHIR asks for ``[A-Z][A-Za-z0-9_]*``): 'wai-sr' -> 'WaiSr'."""
    parts = re.split(r"[^A-Za-z0-9]+", instrument_id)
    name = "".join(part[:1].upper() + part[1:] for part in parts if part)
    return name if name[:1].isalpha() else f"Q{name}"


def questionnaire(instrument: Instrument, wording: Wording | None = None,
                  language: str = "en") -> dict[str, Any]:
    """The instrument as a FHIR R4 Questionnaire (a plain dict, JSON-ready).

    Texts come from ``wording`` (``kit.wording(id, language)``, which includes wording
    packs); without one, from the definition, so a structure-only instrument has none.
    """
    if wording is None:
        wording = merge_wording(instrument, language, {})
    return _Exporter(instrument, wording, language).build()
