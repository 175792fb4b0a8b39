"""Instruments as FHIR R4 Questionnaires, and a FHIR Questionnaire in as a DRAFT definition.

Export (:func:`questionnaire`): the Questionnaire's ``url`` and ``version`` are those the
QuestionnaireResponses of :mod:`alliance_kit.interop.fhir.bundle` point to, and every item's type matches
the answers written there: options scales are ``choice`` items whose ``answerOption``
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

Import (:func:`import_questionnaire`): a Questionnaire whose choice items have ordinal values
becomes a DRAFT definition that validates, with notes for everything a person must review
(licence and wording status first). A choice item without ordinal values is a problem: the
values would be guesses, and scores would silently be wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alliance_kit.engine.definitions import Instrument, Item
from alliance_kit.engine.wording import Wording, merge_wording
from alliance_kit.interop.fhir import bundle as fhir
from alliance_kit.interop.redcap import Draft
from alliance_kit.problems import Problem
from alliance_kit.version import __version__

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
OWN = f"{fhir.BASE}/StructureDefinition"
NOT_EXPRESSED = f"{OWN}/not-expressed"
REVERSE = f"{OWN}/reverse-keyed"
SCORED = f"{OWN}/scored"
WHEN_NOT_ASKED = f"{OWN}/when-not-asked"
STEP = f"{OWN}/slider-step"
#: linkId of the display item holding the stem (not a valid item id, so it never clashes).
STEM_LINK = "_stem"
_SYSTEM = re.compile(re.escape(fhir.BASE) + r"/CodeSystem/[^/]+/(?P<scale>[^/]+)$")
_FHIR_OPS = {"==": "=", "!=": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
_OUR_OPS = {"=": "==", "!=": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}
_FLIP = {"==": "==", "!=": "!=", ">": "<", "<": ">", ">=": "<=", "<=": ">="}
ID_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9_.-]{0,62}[a-z0-9])?$")
VERSION_PATTERN = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
WORDINGS = ("project", "structure-only")
_GENERIC = ("choices", "number", "slider", "text", "notes", "yes-no")


def _ext(url: str, **value: Any) -> dict[str, Any]:
    return {"url": url, **value}


def _num(value: float) -> int | float:
    """A JSON number as written in a definition: 3, not 3.0."""
    value = float(value)
    return int(value) if value.is_integer() else value


# --- export ---------------------------------------------------------------------------------


def canonical_url(instrument: Instrument) -> str:
    """The Questionnaire's ``url`` (without the version fhir.py's references add)."""
    return fhir.questionnaire_url(instrument).split("|")[0]


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
        return f"{left} {_FHIR_OPS[cond['op']]} {fhir._number(cond['value'])}"

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
                term = f"({fhir._number(low + high)} - {term})"
            if item.ask_if is not None and item.when_not_asked is not None:
                cond = self.condition_path(item.ask_if)
                if cond is None:
                    return None
                term = f"iif(({cond}).not(), {fhir._number(item.when_not_asked)}, {term})"
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
                "extension": [_ext(ORDINAL, valueDecimal=_num(option["value"]))],
                "system": fhir.answer_system(self.instrument, item),
                "version": self.instrument.version,
                "code": fhir._number(option["value"]),
            }
            label = self.wording.option(item.scale_id, option["value"]) if self.wording else ""
            if label:
                coding["display"] = fhir._string(label)
            found.append({"valueCoding": coding})
        return found

    def item(self, item: Item) -> dict[str, Any]:
        scale, kind = item.scale, item.scale.get("type")
        entry: dict[str, Any] = {"linkId": item.id}
        extensions: list[dict[str, Any]] = []
        text = self.item_text(item)
        if text:
            entry["text"] = fhir._string(text)
        children: list[dict[str, Any]] = []
        if kind == "options":
            entry["type"] = "choice"
            entry["answerOption"] = self.answer_options(item)
        elif kind == "yes-no":
            entry["type"] = "boolean"
        elif kind in ("visual-analogue", "numeric"):
            entry["type"] = "decimal"
            low, high = item.bounds
            extensions += [_ext(MIN_VALUE, valueDecimal=_num(low)),
                           _ext(MAX_VALUE, valueDecimal=_num(high))]
            if kind == "numeric" and scale.get("integer"):
                extensions.append(_ext(MAX_DECIMALS, valueInteger=0))
            unit = self.wording.units.get(item.scale_id) if self.wording else None
            if unit:
                extensions.append(_ext(UNIT, valueCoding={"display": fhir._string(unit)}))
            if kind == "visual-analogue":
                extensions.append(_ext(ITEM_CONTROL, valueCodeableConcept={"coding": [
                    {"system": ITEM_CONTROL_SYSTEM, "code": "slider", "display": "Slider"}]}))
                step = float(scale["step"])
                if step.is_integer():
                    extensions.append(_ext(SLIDER_STEP, valueInteger=int(step)))
                else:  # R4's sliderStepValue is an integer: keep the step in our own one
                    extensions.append(_ext(STEP, valueDecimal=step))
                    decimals = len(f"{step:g}".partition(".")[2])
                    extensions.append(_ext(MAX_DECIMALS, valueInteger=decimals))
                anchors = self.wording.anchors.get(item.scale_id, {}) if self.wording else {}
                for end, control in (("min", "lower"), ("max", "upper")):
                    if anchors.get(end):
                        children.append({
                            "extension": [_ext(ITEM_CONTROL, valueCodeableConcept={"coding": [
                                {"system": ITEM_CONTROL_SYSTEM, "code": control}]})],
                            "linkId": f"{item.id}.{control}", "text": fhir._string(anchors[end]),
                            "type": "display"})
        elif kind == "text":
            entry["type"] = "text" if scale.get("multiline", True) else "string"
            entry["maxLength"] = int(item.scale_type.max_length(scale))
        else:
            entry["type"] = "string"
            self.notes.append(f"Item '{item.id}' has scale type {kind!r}, which has no FHIR "
                              "equivalent: exported as a string item.")
        if item.reverse:
            extensions.append(_ext(REVERSE, valueBoolean=True))
        if item.scale_type.numeric and not item.scored:
            extensions.append(_ext(SCORED, valueBoolean=False))
        if item.ask_if is not None:
            if item.when_not_asked is not None:
                extensions.append(_ext(WHEN_NOT_ASKED, valueDecimal=_num(item.when_not_asked)))
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
            extensions.append(_ext(ENABLE_WHEN_EXPRESSION, valueExpression={
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
        op, value = _FHIR_OPS[cond["op"]], cond["value"]
        if "score" in cond:
            if cond["score"] not in self.calculated:
                return None
            return {"question": cond["score"], "operator": op, "answerDecimal": _num(value)}
        target = self.instrument.item(cond["item"])
        kind = target.scale.get("type")
        when: dict[str, Any] = {"question": target.id, "operator": op}
        if kind == "options":
            values = [float(o["value"]) for o in target.scale["options"]]
            if op not in ("=", "!=") or float(value) not in values:
                return None
            when["answerCoding"] = {"system": fhir.answer_system(self.instrument, target),
                                    "code": fhir._number(value)}
        elif kind == "yes-no":
            if op not in ("=", "!=") or value not in (0, 1):
                return None
            when["answerBoolean"] = value == 1
        elif kind in ("visual-analogue", "numeric"):
            when["answerDecimal"] = _num(value)
        else:
            return None
        return when

    def score_item(self, score, expression: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "extension": [_ext(CALCULATED, valueExpression={
                "description": f"score '{score.id}': sum of items {', '.join(score.items)}",
                "language": "text/fhirpath", "expression": expression})],
            "linkId": score.id,
        }
        title = self.instrument.text(score.spec.get("title"), self.language)
        if title:
            entry["text"] = fhir._string(title)
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
            items.append({"linkId": STEM_LINK, "text": fhir._string(self.wording.stem),
                          "type": "display"})
        items += [self.item(item) for item in instrument.items]
        items += score_items
        title = self.wording.title if self.wording else instrument.text(instrument.title,
                                                                        self.language)
        resource: dict[str, Any] = {
            "resourceType": "Questionnaire",
            "id": re.sub(r"[^A-Za-z0-9.\-]", "-", instrument.id)[:64],
            "meta": {"tag": [{"system": f"{fhir.BASE}/generator", "code": "alliance_kit",
                              "display": f"alliance_kit {__version__}"}]},
            "extension": [_ext(CITATION, valueString=fhir._string(raw["citation"]))],
            "url": canonical_url(instrument),
            "version": instrument.version,
            "name": _name(instrument.id),
            "title": fhir._string(title),
            "status": "active",
            "language": self.language,
        }
        description = instrument.text(raw.get("description"), self.language)
        if description:
            resource["description"] = fhir._string(description)
        licence = raw["license"]
        resource["copyright"] = fhir._string(" ".join(
            part for part in (licence["name"] + ".", licence.get("note", ""),
                              licence.get("url", "")) if part))
        resource["extension"] += [_ext(NOT_EXPRESSED, valueString=note) for note in self.notes]
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


# --- FHIRPath, the small part of it we write and read ---------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^'\\]|\\.)*')
   |(?P<num>\d+(?:\.\d+)?)
   |(?P<op><=|>=|!=|=|<|>|\+|-|\*|/|\(|\)|,|\.|\|)
   |(?P<name>[%$]?[A-Za-z_][A-Za-z0-9_]*|`[^`]*`)
)""", re.X)
_BINARY = {"or": 1, "xor": 1, "and": 2, "=": 4, "!=": 4, "<": 5, ">": 5, "<=": 5, ">=": 5,
           "|": 6, "+": 7, "-": 7, "*": 8, "/": 8}


class _Unreadable(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, Any]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise _Unreadable(f"cannot read {text[position:position + 20]!r}")
        position = match.end()
        kind = match.lastgroup
        value = match[kind]
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "num":
            value = float(value)
        elif kind == "name" and value.startswith("`"):
            value = value[1:-1]
        found.append((kind, value))
    return found


class _Parser:
    """A Pratt parser for FHIRPath expressions into tuples (enough for sums and conditions)."""

    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: Any = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise _Unreadable(f"expected {value!r}")
        self.at += 1
        return token

    def parse(self) -> tuple:
        node = self.expression(0)
        if self.peek() is not None:
            raise _Unreadable(f"unexpected {self.peek()[1]!r}")
        return node

    def expression(self, floor: int) -> tuple:
        left = self.postfix(self.primary())
        while (token := self.peek()) is not None and token[1] in _BINARY \
                and token[0] in ("op", "name") and _BINARY[token[1]] > floor:
            self.take()
            right = self.expression(_BINARY[token[1]])
            left = ("bin", token[1], left, right)
        return left

    def arguments(self) -> list[tuple]:
        self.take("(")
        args = []
        if self.peek() != ("op", ")"):
            args.append(self.expression(0))
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.expression(0))
        self.take(")")
        return args

    def primary(self) -> tuple:
        kind, value = self.take()
        if kind == "num":
            return ("num", value)
        if kind == "str":
            return ("str", value)
        if (kind, value) == ("op", "("):
            node = self.expression(0)
            self.take(")")
            return node
        if (kind, value) == ("op", "-"):
            operand = self.postfix(self.primary())
            return ("num", -operand[1]) if operand[0] == "num" else ("neg", operand)
        if kind == "name":
            if self.peek() == ("op", "("):
                return ("call", None, value, self.arguments())
            return ("name", value)
        raise _Unreadable(f"unexpected {value!r}")

    def postfix(self, node: tuple) -> tuple:
        while self.peek() == ("op", "."):
            self.take()
            kind, name = self.take()
            if kind != "name":
                raise _Unreadable(f"expected a name after '.', not {name!r}")
            if self.peek() == ("op", "("):
                node = ("call", node, name, self.arguments())
            else:
                node = ("member", node, name)
        return node


def _chain(node: tuple) -> list[tuple]:
    steps = []
    while node[0] in ("member", "call") and node[1] is not None:
        steps.append(node)
        node = node[1]
    steps.append(node)
    return steps[::-1]


_NAVIGATION = {"item", "descendants", "repeat", "children"}


def _answer_ref(node: tuple) -> tuple[str, str] | None:
    """(linkId, how the value is read) for ``...where(linkId='x').answer.value[...]``."""
    steps = _chain(node)
    if steps[0][0] != "name" or steps[0][1] not in ("%resource", "%questionnaire",
                                                    "%context", "item"):
        return None
    link = None
    index = 1
    while index < len(steps):
        step = steps[index]
        if step[0] == "call" and step[2] == "where" and len(step[3]) == 1:
            test = step[3][0]
            if not (test[0] == "bin" and test[1] == "=" and test[2] == ("name", "linkId")
                    and test[3][0] == "str"):
                return None
            link = test[3][1]
        elif not ((step[0] == "member" and step[2] == "item")
                  or (step[0] == "call" and step[2] in _NAVIGATION)):
            break
        index += 1
    rest = [(s[0], s[2], s[3] if s[0] == "call" else None) for s in steps[index:]]
    if link is None or rest[:2] != [("member", "answer", None), ("member", "value", None)]:
        return None
    suffix = rest[2:]
    if not suffix:
        return link, "value"
    if suffix in ([("call", "ordinal", [])], [("call", "weight", [])]):
        return link, "ordinal"
    if len(suffix) == 1 and suffix[0][:2] == ("call", "select") and suffix[0][2] == [
            ("call", None, "iif", [("name", "$this"), ("num", 1.0), ("num", 0.0)])]:
        return link, "boolean"
    return None


# --- import ---------------------------------------------------------------------------------


class QuestionnaireError(ValueError):
    """The Questionnaire cannot become a definition that scores right; ``problems`` say why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class _Question:
    link: str
    id: str
    path: str
    raw: Mapping[str, Any]
    item: dict[str, Any] | None = None
    #: code (and system) -> ordinal value, for choice items.
    codes: dict[tuple[str | None, str], float] = field(default_factory=dict)


def _extensions(element: Mapping[str, Any], url: str | tuple[str, ...]) -> list[Mapping]:
    urls = (url,) if isinstance(url, str) else url
    found = element.get("extension") or []
    return [e for e in found if isinstance(e, Mapping) and e.get("url") in urls]


def _ext_value(element: Mapping[str, Any], url: str | tuple[str, ...]) -> Any:
    for extension in _extensions(element, url):
        for key, value in extension.items():
            if key.startswith("value"):
                return value
    return None


def _item_control(element: Mapping[str, Any]) -> str | None:
    concept = _ext_value(element, ITEM_CONTROL)
    if isinstance(concept, Mapping):
        for coding in concept.get("coding") or []:
            if isinstance(coding, Mapping) and coding.get("code"):
                return str(coding["code"])
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Importer:
    def __init__(self, data: Mapping[str, Any], instrument_id: str, wording: str | None,
                 source: str):
        self.data = data
        self.instrument_id = instrument_id
        self.source = source
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.language = self.pick_language()
        self.wording = wording or self.guess_wording()
        self.keep_text = self.wording != "structure-only"
        self.scales: dict[str, dict[str, Any]] = {}
        self.questions: dict[str, _Question] = {}
        self.items: list[dict[str, Any]] = []
        self.calculated: list[_Question] = []
        self.ids: set[str] = set()
        self.stem: str | None = None
        self.conditions: list[tuple[_Question, str]] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, path, message))

    def pick_language(self) -> str:
        language = self.data.get("language")
        if isinstance(language, str):
            code = language.partition("-")[0].lower()
            if LANGUAGE_PATTERN.match(code):
                if code != language:
                    self.notes.append(f"The Questionnaire's language is {language!r}: the texts "
                                      f"are filed under {code!r}.")
                return code
        return "en"

    def guess_wording(self) -> str:
        def texts(items: Any) -> bool:
            return any(isinstance(i, Mapping) and (
                (i.get("type") not in ("group", "display") and i.get("text")
                 and not _extensions(i, CALCULATED)) or texts(i.get("item")))
                for i in items or [] if isinstance(items, list))

        if texts(self.data.get("item")):
            return "project"
        self.notes.append("No question has text (an export of a structure-only instrument?): "
                          "imported as 'structure-only'; supply the wording in a wording pack.")
        return "structure-only"

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
            if known == body and (scale_id == base or base in _GENERIC):
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
            if _extensions(raw, CALCULATED):
                self.calculated.append(_Question(link, "", where, raw))
                continue
            self.question(raw, where)
            children = [child for child in raw.get("item") or []
                        if not (isinstance(child, Mapping) and child.get("type") == "display"
                                and _item_control(child) in ("lower", "upper"))]
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
        question = _Question(link, self.new_id(link, where), where, raw)
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
        if _ext_value(raw, REVERSE) is True:
            item["reverse"] = True
        if _ext_value(raw, SCORED) is False and body["type"] != "text":
            item["scored"] = False
        if body["type"] == "options":
            question.codes = self.codes
        question.item = item
        self.questions[link] = question
        self.items.append(item)
        if raw.get("enableWhen") or _extensions(raw, ENABLE_WHEN_EXPRESSION):
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
            if _is_number(limit) and limit >= 1:
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
                value = _ext_value(coding, ORDINAL_URLS)
                if value is None:
                    value = _ext_value(answer, ORDINAL_URLS)
                label = coding.get("display")
                systems.add(coding.get("system") if isinstance(coding.get("system"), str)
                            else None)
                code = str(coding.get("code"))
                if _is_number(value):
                    self.codes[(coding.get("system"), code)] = float(value)
                    self.codes[(None, code)] = float(value)
            elif _is_number(answer.get("valueInteger")):
                value = answer["valueInteger"]
                label = str(value)
                self.codes[(None, str(value))] = float(value)
            elif "valueString" in answer:
                value = _ext_value(answer, ORDINAL_URLS)
                label = answer["valueString"]
                if _is_number(value):
                    self.codes[(None, str(label))] = float(value)
            if not _is_number(value):
                missing.append(f"{where}.answerOption[{index}]")
                continue
            option: dict[str, Any] = {"value": _num(value)}
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
            match = _SYSTEM.match(next(iter(systems)))
            if match and ID_PATTERN.match(match["scale"]):
                base = match["scale"]
        return {"type": "options", "options": options}, base

    def number(self, raw: Mapping[str, Any], kind: str,
               where: str) -> tuple[dict[str, Any], str] | None:
        link = raw["linkId"]
        low, high = _ext_value(raw, MIN_VALUE), _ext_value(raw, MAX_VALUE)
        if not (_is_number(low) and _is_number(high)):
            self.notes.append(f"Item '{link}' is a number without both a minValue and a "
                              "maxValue: imported as free text; give it a numeric scale with "
                              "min and max.")
            return {"type": "text", "multiline": False}, "text"
        if low > high:
            self.notes.append(f"Item '{link}' has minValue {low:g} above maxValue {high:g}: "
                              "imported as free text; give it a numeric scale.")
            return {"type": "text", "multiline": False}, "text"
        decimals = _ext_value(raw, MAX_DECIMALS)
        if not (isinstance(decimals, int) and not isinstance(decimals, bool)
                and 0 <= decimals <= 6):
            decimals = None
        if _item_control(raw) == "slider" and low < high:
            step = _ext_value(raw, (SLIDER_STEP, STEP))
            if not _is_number(step) or step <= 0:
                step = 10.0 ** -decimals if decimals and kind != "integer" else 1
                self.notes.append(f"Slider '{link}' has no step: imported with step "
                                  f"{step:g}; check it.")
            steps = (high - low) / step
            if abs(steps - round(steps)) < 1e-6:
                body: dict[str, Any] = {"type": "visual-analogue", "min": _num(low),
                                        "max": _num(high), "step": _num(step)}
                anchors = self.anchors(raw)
                if anchors:
                    body["anchors"] = anchors
                return body, "slider"
            self.notes.append(f"Slider '{link}': step {step:g} does not divide {low:g} to "
                              f"{high:g}: imported as a number; check it.")
        body = {"type": "numeric", "min": _num(low), "max": _num(high)}
        if kind == "integer" or decimals == 0:
            body["integer"] = True
        unit = _ext_value(raw, UNIT)
        text = self.text(unit.get("display") or unit.get("code")) if isinstance(
            unit, Mapping) else None
        if text:
            body["unit"] = text
        return body, "number"

    def anchors(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        found = {}
        for child in raw.get("item") or []:
            if isinstance(child, Mapping) and child.get("type") == "display":
                end = {"lower": "min", "upper": "max"}.get(_item_control(child) or "")
                text = self.text(child.get("text"))
                if end and text:
                    found[end] = text
        return found

    # conditions and scores -------------------------------------------------------------

    def numeric(self, link: str) -> _Question | None:
        question = self.questions.get(link)
        if question is None or question.item is None:
            return None
        scale = self.scales[question.item["scale"]]
        return question if scale["type"] != "text" else None

    def comparison(self, link: str, op: str, value: float) -> dict[str, Any] | None:
        if link in self.score_ids:
            return {"score": self.score_ids[link], "op": op, "value": _num(value)}
        question = self.numeric(link)
        if question is None:
            return None
        return {"item": question.id, "op": op, "value": _num(value)}

    def enable_when(self, question: _Question) -> tuple[dict[str, Any] | None, str]:
        raw = question.raw
        whens = raw.get("enableWhen") or []
        if not whens:
            expression = _ext_value(raw, ENABLE_WHEN_EXPRESSION) or {}
            text = expression.get("expression", "") if isinstance(expression, Mapping) else ""
            return self.condition_from_path(text), f"`{text}`"
        parts = []
        said = []
        for when in whens:
            if not isinstance(when, Mapping):
                return None, "an unreadable enableWhen"
            link, operator = when.get("question"), when.get("operator")
            if not isinstance(link, str):
                return None, "an enableWhen without a question"
            answers = {k: v for k, v in when.items() if k.startswith("answer")}
            said.append(f"{link} {operator} {next(iter(answers.values()), '?')}")
            if operator not in _OUR_OPS or len(answers) != 1:
                return None, " and ".join(said)
            (key, answer), = answers.items()
            value = None
            target = self.questions.get(link)
            if key == "answerCoding" and isinstance(answer, Mapping) and target is not None:
                code = str(answer.get("code"))
                value = target.codes.get((answer.get("system"), code),
                                         target.codes.get((None, code)))
            elif key == "answerBoolean" and isinstance(answer, bool):
                value = 1 if answer else 0
            elif key in ("answerDecimal", "answerInteger") and _is_number(answer):
                value = answer
            elif key == "answerString" and target is not None:
                value = target.codes.get((None, str(answer)))
            part = self.comparison(link, _OUR_OPS[operator], value) if value is not None \
                else None
            if part is None:
                return None, "; ".join(said)
            parts.append(part)
        said_text = (" " + (raw.get("enableBehavior") or "all") + " ").join(said)
        if len(parts) == 1:
            return parts[0], said_text
        behavior = raw.get("enableBehavior")
        if behavior not in ("all", "any"):
            self.notes.append(f"Item '{question.id}' has several enableWhen without "
                              "enableBehavior: read as 'all'; check it.")
            behavior = "all"
        return {behavior: parts}, said_text

    def condition_from_path(self, text: str) -> dict[str, Any] | None:
        try:
            return self.condition(_Parser(text).parse())
        except (_Unreadable, RecursionError, TypeError, IndexError):
            return None

    def condition(self, node: tuple) -> dict[str, Any] | None:
        if node[0] == "bin" and node[1] in ("and", "or"):
            key = "all" if node[1] == "and" else "any"
            parts = []
            for side in node[2:]:
                part = self.condition(side)
                if part is None:
                    return None
                parts += part.get(key, [part])
            return {key: parts}
        if node[0] == "bin" and node[1] in _OUR_OPS:
            op, left, right = _OUR_OPS[node[1]], node[2], node[3]
            if left[0] == "num":
                op, left, right = _FLIP[op], right, left
            reference = _answer_ref(left)
            if reference is None or right[0] != "num":
                return None
            return self.comparison(reference[0], op, right[1])
        return None

    def resolve_conditions(self) -> None:
        for question, _ in self.conditions:
            condition, said = self.enable_when(question)
            if condition is None:
                self.notes.append(f"Item '{question.id}' is enabled only when {said}: not "
                                  "translated; write its ask_if by hand.")
                continue
            question.item["ask_if"] = condition
            when_not_asked = _ext_value(question.raw, WHEN_NOT_ASKED)
            if _is_number(when_not_asked):
                question.item["when_not_asked"] = _num(when_not_asked)
        for question in self.questions.values():
            item = question.item
            if "when_not_asked" in item and "ask_if" not in item:
                self.notes.append(f"Item '{item['id']}' scores {item.pop('when_not_asked'):g} "
                                  "when it is not asked, but its condition was not translated: "
                                  "add its ask_if and when_not_asked by hand.")

    def score_terms(self, node: tuple) -> list[tuple[str, float | None, float | None]]:
        """(linkId, reverse constant, value when not asked) per term of a plain sum."""
        if node[0] == "bin" and node[1] == "+":
            return self.score_terms(node[2]) + self.score_terms(node[3])
        reference = _answer_ref(node)
        if reference is not None:
            return [(reference[0], None, None)]
        if node[0] == "bin" and node[1] == "-" and node[2][0] == "num":
            (link, reverse, skipped), = self.score_terms(node[3])
            if reverse is None and skipped is None:
                return [(link, node[2][1], None)]
        if node[0] == "call" and node[1] is None and node[2] == "iif" and len(node[3]) == 3:
            test, otherwise, term = node[3]
            if test[0] == "call" and test[2] == "not" and otherwise[0] == "num":
                (link, reverse, skipped), = self.score_terms(term)
                if skipped is None:
                    return [(link, reverse, otherwise[1])]
        raise _Unreadable("not a plain sum of item values")

    def scores(self) -> list[dict[str, Any]]:
        found = []
        self.score_ids = {}
        for question in self.calculated:
            question.id = self.new_id(question.link, question.path)
            self.score_ids[question.link] = question.id
        for question in self.calculated:
            expression = _ext_value(question.raw, CALCULATED) or {}
            text = expression.get("expression", "") if isinstance(expression, Mapping) else ""
            score = self.score(question, text)
            if score is None:
                self.notes.append(f"Calculated item '{question.link}' (`{text}`) was not "
                                  "translated: only a plain sum of item values is; write the "
                                  "score by hand.")
                del self.score_ids[question.link]
                continue
            found.append(score)
        return found

    def score(self, question: _Question, text: str) -> dict[str, Any] | None:
        try:
            node = _Parser(text).parse()
            rounding = None
            if node[0] == "call" and node[2] == "round" and node[1] is not None and (
                    len(node[3]) == 1 and node[3][0][0] == "num"):
                rounding, node = int(node[3][0][1]), node[1]
            terms = self.score_terms(node)
        except (_Unreadable, RecursionError, TypeError, IndexError, ValueError):
            return None
        items: list[str] = []
        changes: list[tuple[dict[str, Any], str, Any]] = []
        for link, reverse, skipped in terms:
            target = self.numeric(link)
            if target is None or target.id in items or target.item.get("scored") is False:
                return None
            if reverse is not None:
                body = self.scales[target.item["scale"]]
                low, high = (min(o["value"] for o in body["options"]),
                             max(o["value"] for o in body["options"])) \
                    if body["type"] == "options" else (body.get("min", 0), body.get("max", 1))
                if abs(low + high - reverse) > 1e-9:
                    return None
                changes.append((target.item, "reverse", True))
            if skipped is not None:
                if target.item.get("when_not_asked", skipped) != skipped:
                    return None
                changes.append((target.item, "when_not_asked", _num(skipped)))
            items.append(target.id)
        for item, key, value in changes:
            item[key] = value
        score: dict[str, Any] = {"id": question.id}
        title = self.text(question.raw.get("text"))
        if title:
            score["title"] = title
        score.update(method="sum", items=items, max_missing=0)
        if rounding is not None and 0 <= rounding <= 6:
            score["round"] = rounding
        score["note"] = (f"REVIEW: imported from the calculated item '{question.link}' "
                         f"(`{text}`). Like FHIRPath's '+', it is missing when any item is "
                         "(max_missing 0). Check it, then add bands and cut-offs.")
        self.notes.append(f"Score '{question.id}' was translated from the calculatedExpression "
                          f"of '{question.link}': review it.")
        return score

    def build(self) -> Draft:
        data = self.data
        self.walk(data.get("item"), "$.item", True)
        if not self.items and not self.problems:
            self.problem("$.item", "no question that can be imported as an item")
        if self.problems:
            raise QuestionnaireError(self.problems)
        scores = self.scores()
        self.resolve_conditions()
        # "when_not_asked" is written into items; a definition lists it after "ask_if".
        for item in self.items:
            if "when_not_asked" in item:
                item["when_not_asked"] = item.pop("when_not_asked")
        for note in _ext_values(data, NOT_EXPRESSED):
            self.notes.append(f"The Questionnaire says: {note}")
        review = list(self.notes)
        where = f"the FHIR Questionnaire {self.source}"
        banner = [f"DRAFT imported from {where} by `alliance-kit import-fhir-questionnaire`: "
                  "review every note below, then remove them."]
        if self.wording == "project":
            banner.append(
                "REVIEW THE LICENCE AND WORDING STATUS: the texts were copied from the "
                "Questionnaire and the wording is marked 'project' (written by you). If anyone "
                "else wrote this instrument, find out who owns the wording: use 'open' only if "
                "it is free to redistribute; otherwise make it 'structure-only' (re-import with "
                "--wording structure-only) and supply the texts in a wording pack.")
        else:
            banner.append("The wording was left out (structure-only): supply it in a wording "
                          "pack (`alliance-kit wording template`).")
        banner.append("Check which items are reverse-keyed (a Questionnaire records it only if "
                      "alliance_kit wrote it) and the scores' missing-data rules; bands, "
                      "cut-offs, norms and alerts are not part of a Questionnaire: add them.")
        version = data.get("version")
        if not (isinstance(version, str) and VERSION_PATTERN.match(version)):
            if version:
                review.append(f"The Questionnaire's version {version!r} is not a semantic "
                              "version: the draft is 0.1.0.")
            version = "0.1.0"
        title = next((data[key] for key in ("title", "name") if isinstance(data.get(key), str)
                      and data[key].strip()), self.instrument_id)
        licence: dict[str, Any] = {"name": "Unknown: review"}
        copyright_ = data.get("copyright")
        said = " ".join(copyright_.split()).rstrip(".") if isinstance(copyright_, str) else ""
        licence["note"] = (f"The Questionnaire's copyright: {said}. " if said else "") + \
            "Record who wrote this instrument and under what licence it may be used and shared."
        citation = _ext_value(data, CITATION)
        if not (isinstance(citation, str) and citation.strip()):
            publisher = data.get("publisher")
            citation = ("Unknown: imported from a FHIR Questionnaire"
                        + (f" published by {publisher}" if isinstance(publisher, str) else "")
                        + (f" ({data['url']})" if isinstance(data.get("url"), str) else "")
                        + "; add the reference")
        definition: dict[str, Any] = {
            "$schema": "https://alliance-kit.dev/schemas/instrument.schema.json",
            "id": self.instrument_id,
            "version": version,
            "title": {self.language: " ".join(title.split())},
        }
        description = data.get("description")
        if isinstance(description, str) and description.strip():
            definition["description"] = {self.language: " ".join(description.split())[:2000]}
        definition.update({
            "citation": " ".join(citation.split()),
            "license": licence,
            "wording": self.wording,
            "languages": [self.language] if self.keep_text else [],
            "notes": banner + review,
        })
        if self.stem and self.keep_text:
            definition["stem"] = {self.language: self.stem}
        definition["scales"] = self.scales
        definition["items"] = self.items
        if scores:
            definition["scores"] = scores
        return Draft(definition, review)


def _ext_values(element: Mapping[str, Any], url: str) -> list[str]:
    return [e["valueString"] for e in _extensions(element, url)
            if isinstance(e.get("valueString"), str)]


def import_questionnaire(data: Any, *, instrument_id: str | None = None,
                         wording: str | None = None, source: str = "<questionnaire>") -> Draft:
    """A DRAFT definition (and the lines to review) from a parsed FHIR Questionnaire.

    ``wording``: 'project' or 'structure-only'; by default 'project' when the questions have
    text, else 'structure-only'. Raises :class:`QuestionnaireError` when it cannot be drafted
    (e.g. a choice item without ordinal values).
    """
    if not isinstance(data, Mapping) or data.get("resourceType") != "Questionnaire":
        kind = data.get("resourceType") if isinstance(data, Mapping) else type(data).__name__
        raise QuestionnaireError([Problem(source, "$.resourceType", f"this is {kind!r}, not a "
                                          "FHIR Questionnaire")])
    problems = _model_problems(data, source)
    if problems:
        raise QuestionnaireError(problems)
    if wording is not None and wording not in WORDINGS:
        raise QuestionnaireError([Problem(source, "$", f"wording must be one of "
                                          f"{', '.join(WORDINGS)}, not {wording!r}")])
    if instrument_id is None:
        wanted = next((data[key] for key in ("id", "name") if isinstance(data.get(key), str)),
                      "")
        instrument_id = re.sub(r"[^a-z0-9_.-]+", "-", wanted.lower()).strip("-_.")[:64]
        instrument_id = instrument_id.strip("-_.")
    if not ID_PATTERN.match(instrument_id or ""):
        raise QuestionnaireError([Problem(source, "$.id", f"{instrument_id!r} is not a valid "
                                          "instrument id: give one (lower-case letters, digits, "
                                          "'-', '_' and '.')")])
    return _Importer(data, instrument_id, wording, source).build()


def _model_problems(data: Mapping[str, Any], source: str) -> list[Problem]:
    """What fhir.resources finds wrong with the resource's structure (R4, else R5)."""
    from fhir.resources.questionnaire import Questionnaire as R5Questionnaire  # R5
    from fhir.resources.R4B.questionnaire import Questionnaire as R4Questionnaire
    from pydantic import ValidationError

    try:
        R4Questionnaire.model_validate(data)
        return []
    except ValidationError as exc:
        errors = exc.errors()
    except (ValueError, TypeError, RecursionError) as exc:  # pragma: no cover - defensive
        return [Problem(source, "$", f"not a valid FHIR Questionnaire: {exc}")]
    try:
        R5Questionnaire.model_validate(data)
        return []
    except (ValidationError, ValueError, TypeError, RecursionError):
        pass
    problems = []
    for error in errors[:20]:
        path = "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                             for part in error.get("loc", ()))
        problems.append(Problem(source, path, f"not valid FHIR R4: {error.get('msg')}"))
    return problems or [Problem(source, "$", "not a valid FHIR Questionnaire")]


def definition_from_questionnaire(data: Any, *, instrument_id: str | None = None,
                                  wording: str | None = None) -> dict[str, Any]:
    """The DRAFT definition of :func:`import_questionnaire`, notes included."""
    return import_questionnaire(data, instrument_id=instrument_id, wording=wording).definition


__all__ = ["QuestionnaireError", "canonical_url", "definition_from_questionnaire",
           "import_questionnaire", "questionnaire"]
