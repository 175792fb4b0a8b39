"""Reading a Questionnaire's questions: items, their scales (choices with ordinal values,
numbers, sliders, text) and texts, for :mod:`.questionnaire_import`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alliance_kit.interop.fhir.common import (
    CALCULATED,
    ENABLE_WHEN_EXPRESSION,
    GENERIC,
    ID_PATTERN,
    ITEM_CONTROL,
    MAX_DECIMALS,
    MAX_VALUE,
    MIN_VALUE,
    ORDINAL,
    ORDINAL_URLS,
    REVERSE,
    SCORED,
    SLIDER_STEP,
    STEM_LINK,
    STEP,
    SYSTEM,
    UNIT,
    num,
)


@dataclass
class Question:
    link: str
    id: str
    path: str
    raw: Mapping[str, Any]
    item: dict[str, Any] | None = None
    #: code (and system) -> ordinal value, for choice items.
    codes: dict[tuple[str | None, str], float] = field(default_factory=dict)


def extensions(element: Mapping[str, Any], url: str | tuple[str, ...]) -> list[Mapping]:
    urls = (url,) if isinstance(url, str) else url
    found = element.get("extension") or []
    return [e for e in found if isinstance(e, Mapping) and e.get("url") in urls]


def ext_value(element: Mapping[str, Any], url: str | tuple[str, ...]) -> Any:
    for extension in extensions(element, url):
        for key, value in extension.items():
            if key.startswith("value"):
                return value
    return None


def item_control(element: Mapping[str, Any]) -> str | None:
    concept = ext_value(element, ITEM_CONTROL)
    if isinstance(concept, Mapping):
        for coding in concept.get("coding") or []:
            if isinstance(coding, Mapping) and coding.get("code"):
                return str(coding["code"])
    return None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def ext_values(element: Mapping[str, Any], url: str) -> list[str]:
    return [e["valueString"] for e in extensions(element, url)
            if isinstance(e.get("valueString"), str)]


class ItemReader:
    """The part of the importer that turns questions into items and scales."""

    def text(self, value: Any) -> dict[str, str] | None:
        if self.keep_text and isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            if len(text) > 2000:
                self.notes.append(f"A text of {len(text)} characters was cut to 2000: "
                                  f"{text[:40]!r}...")
                text = text[:2000]
            return {self.language: text}
        return None

    def new_id(self, wanted: str, path: str) -> str:
        ident = re.sub(r"[^a-z0-9_.-]+", "-", wanted.strip().lower()).strip("-_.")[:64]
        ident = ident.strip("-_.") or "item"
        base, counter = ident, 2
        while ident in self.ids:
            ident, counter = f"{base[:60]}-{counter}", counter + 1
        if ident != wanted:
            self.notes.append(f"linkId {wanted!r} ({path}) is not a valid id here: it is "
                              f"'{ident}'.")
        self.ids.add(ident)
        return ident

    def scale(self, body: dict[str, Any], base: str) -> str:
        """The id of a scale equal to ``body``, adding it if it is new. A scale named by its
        code system (an alliance_kit export) keeps its name, so it is shared only by name."""
        for scale_id, known in self.scales.items():
            if known == body and (scale_id == base or base in GENERIC):
                return scale_id
        scale_id, counter = base, 2
        while scale_id in self.scales:
            scale_id, counter = f"{base}-{counter}", counter + 1
        self.scales[scale_id] = body
        return scale_id

    # walking ---------------------------------------------------------------------------

    def walk(self, items: Any, path: str, top: bool) -> None:
        if not isinstance(items, list):
            return
        for index, raw in enumerate(items):
            where = f"{path}[{index}]"
            if not isinstance(raw, Mapping) or not isinstance(raw.get("linkId"), str):
                self.problem(where, "not an item with a linkId: fix the Questionnaire")
                continue
            kind = raw.get("type")
            link = raw["linkId"]
            if kind == "group":
                shown = f" ({raw['text']!r})" if raw.get("text") and self.keep_text else ""
                self.notes.append(f"Group '{link}'{shown}: its items are imported in order, "
                                  "without the grouping.")
                self.walk(raw.get("item"), f"{where}.item", False)
                continue
            if kind == "display":
                text = self.text(raw.get("text"))
                if top and text and self.stem is None and not self.items:
                    self.stem = text[self.language]
                elif text or link == STEM_LINK:
                    self.notes.append(f"Display item '{link}' (text only) was not imported"
                                      + (f": {raw.get('text')!r}." if text else "."))
                continue
            if extensions(raw, CALCULATED):
                self.calculated.append(Question(link, "", where, raw))
                continue
            self.question(raw, where)
            children = [child for child in raw.get("item") or []
                        if not (isinstance(child, Mapping) and child.get("type") == "display"
                                and item_control(child) in ("lower", "upper"))]
            if children:
                self.notes.append(f"Items nested under '{link}' are imported after it.")
                self.walk(children, f"{where}.item", False)

    def question(self, raw: Mapping[str, Any], where: str) -> None:
        link, kind = raw["linkId"], raw.get("type")
        self.codes: dict[tuple[str | None, str], float] = {}
        scale = self.scale_for(raw, kind, where)
        if scale is None:
            return
        body, base = scale
        question = Question(link, self.new_id(link, where), where, raw)
        item: dict[str, Any] = {"id": question.id}
        if self.keep_text:
            text = self.text(raw.get("text"))
            if text is None:
                text = {self.language: link}
                self.notes.append(f"Item '{question.id}' has no text: its text is its linkId; "
                                  "write the question.")
            item["text"] = text
        item["scale"] = self.scale(body, base)
        if raw.get("required") is not True:
            item["required"] = False
        if ext_value(raw, REVERSE) is True:
            item["reverse"] = True
        if ext_value(raw, SCORED) is False and body["type"] != "text":
            item["scored"] = False
        if body["type"] == "options":
            question.codes = self.codes
        question.item = item
        self.questions[link] = question
        self.items.append(item)
        if raw.get("enableWhen") or extensions(raw, ENABLE_WHEN_EXPRESSION):
            self.conditions.append((question, where))

    def scale_for(self, raw: Mapping[str, Any], kind: Any,
                  where: str) -> tuple[dict[str, Any], str] | None:
        link = raw["linkId"]
        if kind in ("choice", "open-choice"):
            return self.options(raw, where)
        if kind == "boolean":
            return {"type": "yes-no"}, "yes-no"
        if kind in ("decimal", "integer"):
            return self.number(raw, kind, where)
        if kind in ("string", "text"):
            body: dict[str, Any] = {"type": "text", "multiline": kind == "text"}
            limit = raw.get("maxLength")
            if is_number(limit) and limit >= 1:
                if limit > 5000:
                    self.notes.append(f"Item '{link}' allows {limit} characters; free text "
                                      "here holds at most 5000.")
                body["max_length"] = int(min(limit, 5000))
            return body, "text" if kind == "string" else "notes"
        self.notes.append(f"Item '{link}' of FHIR type {kind!r} has no equivalent and was not "
                          "imported.")
        return None

    def options(self, raw: Mapping[str, Any], where: str) -> tuple[dict[str, Any], str] | None:
        link = raw["linkId"]
        answers = raw.get("answerOption")
        if not isinstance(answers, list) or not answers:
            how = ("takes its answers from a value set (answerValueSet)"
                   if raw.get("answerValueSet") else "has no answerOption")
            self.problem(f"{where}.answerOption", f"choice item '{link}' {how}: list the "
                         "answers as answerOption, each with its ordinalValue")
            return None
        options: list[dict[str, Any]] = []
        missing, systems = [], set()
        for index, answer in enumerate(answers):
            answer = answer if isinstance(answer, Mapping) else {}
            coding = answer.get("valueCoding")
            value = None
            label = None
            if isinstance(coding, Mapping):
                value = ext_value(coding, ORDINAL_URLS)
                if value is None:
                    value = ext_value(answer, ORDINAL_URLS)
                label = coding.get("display")
                systems.add(coding.get("system") if isinstance(coding.get("system"), str)
                            else None)
                code = str(coding.get("code"))
                if is_number(value):
                    self.codes[(coding.get("system"), code)] = float(value)
                    self.codes[(None, code)] = float(value)
            elif is_number(answer.get("valueInteger")):
                value = answer["valueInteger"]
                label = str(value)
                self.codes[(None, str(value))] = float(value)
            elif "valueString" in answer:
                value = ext_value(answer, ORDINAL_URLS)
                label = answer["valueString"]
                if is_number(value):
                    self.codes[(None, str(label))] = float(value)
            if not is_number(value):
                missing.append(f"{where}.answerOption[{index}]")
                continue
            option: dict[str, Any] = {"value": num(value)}
            text = self.text(label)
            if text:
                option["label"] = text
            options.append(option)
        if missing:
            self.problem(f"{where}.answerOption", f"choice item '{link}' has no ordinal value "
                         f"for {len(missing)} of its {len(answers)} answers (first: "
                         f"{missing[0]}): give every answerOption's valueCoding the extension "
                         f"{ORDINAL} (valueDecimal) so answers can be scored; alliance_kit "
                         "will not guess them")
            return None
        values = [o["value"] for o in options]
        if len(set(values)) != len(values) or len(values) < 2:
            why = "two answers share an ordinal value" if len(values) >= 2 else \
                "it has fewer than two answers"
            self.problem(f"{where}.answerOption", f"choice item '{link}': {why}; an options "
                         "scale needs at least two answers with different values")
            return None
        if raw.get("type") == "open-choice":
            self.notes.append(f"Item '{link}' is open-choice: its free-text alternative was "
                              "dropped.")
        base = "choices"
        if len(systems) == 1 and isinstance(next(iter(systems)), str):
            match = SYSTEM.match(next(iter(systems)))
            if match and ID_PATTERN.match(match["scale"]):
                base = match["scale"]
        return {"type": "options", "options": options}, base

    def number(self, raw: Mapping[str, Any], kind: str,
               where: str) -> tuple[dict[str, Any], str] | None:
        link = raw["linkId"]
        low, high = ext_value(raw, MIN_VALUE), ext_value(raw, MAX_VALUE)
        if not (is_number(low) and is_number(high)):
            self.notes.append(f"Item '{link}' is a number without both a minValue and a "
                              "maxValue: imported as free text; give it a numeric scale with "
                              "min and max.")
            return {"type": "text", "multiline": False}, "text"
        if low > high:
            self.notes.append(f"Item '{link}' has minValue {low:g} above maxValue {high:g}: "
                              "imported as free text; give it a numeric scale.")
            return {"type": "text", "multiline": False}, "text"
        decimals = ext_value(raw, MAX_DECIMALS)
        if not (isinstance(decimals, int) and not isinstance(decimals, bool)
                and 0 <= decimals <= 6):
            decimals = None
        if item_control(raw) == "slider" and low < high:
            step = ext_value(raw, (SLIDER_STEP, STEP))
            if not is_number(step) or step <= 0:
                step = 10.0 ** -decimals if decimals and kind != "integer" else 1
                self.notes.append(f"Slider '{link}' has no step: imported with step "
                                  f"{step:g}; check it.")
            steps = (high - low) / step
            if abs(steps - round(steps)) < 1e-6:
                body: dict[str, Any] = {"type": "visual-analogue", "min": num(low),
                                        "max": num(high), "step": num(step)}
                anchors = self.anchors(raw)
                if anchors:
                    body["anchors"] = anchors
                return body, "slider"
            self.notes.append(f"Slider '{link}': step {step:g} does not divide {low:g} to "
                              f"{high:g}: imported as a number; check it.")
        body = {"type": "numeric", "min": num(low), "max": num(high)}
        if kind == "integer" or decimals == 0:
            body["integer"] = True
        unit = ext_value(raw, UNIT)
        text = self.text(unit.get("display") or unit.get("code")) if isinstance(
            unit, Mapping) else None
        if text:
            body["unit"] = text
        return body, "number"

    def anchors(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        found = {}
        for child in raw.get("item") or []:
            if isinstance(child, Mapping) and child.get("type") == "display":
                end = {"lower": "min", "upper": "max"}.get(item_control(child) or "")
                text = self.text(child.get("text"))
                if end and text:
                    found[end] = text
        return found

    # conditions and scores -------------------------------------------------------------
