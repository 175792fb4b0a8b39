"""A REDCap data dictionary (CSV) in, a DRAFT instrument definition out, for a person to review.

What translates: radio and dropdown fields with numeric codes ("1, Never | 2, Sometimes")
become options scales (identical choice lists share one scale); yesno and truefalse become
yes-no scales; text becomes free text, or a number when validated as integer/number with a
min and a max; notes are free text; sliders become visual-analogue scales. A calc field that
is a plain sum (``[a]+[b]+[c]``) becomes a sum score marked for review; any other formula,
and any branching logic more complex than comparisons joined by one kind of ``and``/``or``,
is recorded in ``notes`` for a person to translate. Labels lose their HTML.

Every draft starts with notes saying it is a draft and that its licence and wording status
must be reviewed: a REDCap dictionary holds the wording, but not who owns it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

#: Our name for each column, and how the REDCap header starts (headers vary slightly).
COLUMNS = {
    "field": "variable",
    "form": "form name",
    "section": "section header",
    "type": "field type",
    "label": "field label",
    "choices": "choices",
    "note": "field note",
    "validation": "text validation type",
    "min": "text validation min",
    "max": "text validation max",
    "identifier": "identifier",
    "branching": "branching logic",
    "required": "required field",
}
NEEDED = ("field", "form", "type", "label", "choices")
WORDINGS = ("project", "structure-only")
ID_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9_.-]{0,62}[a-z0-9])?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SUM = re.compile(r"^\[(\w+)\](\s*\+\s*\[\w+\])+$")
_COMPARISON = re.compile(
    r"""^\s*\[(?P<field>\w+)\]\s*(?P<op><>|!=|>=|<=|==|=|>|<)\s*
        (?:'(?P<q1>[^']*)'|"(?P<q2>[^"]*)"|(?P<bare>-?\d+(?:\.\d+)?))\s*$""", re.X)
_OPS = {"=": "==", "==": "==", "<>": "!=", "!=": "!=", ">": ">", ">=": ">=", "<": "<",
        "<=": "<="}


class RedcapError(ValueError):
    """The file is not a REDCap data dictionary we can read; the message says why."""


@dataclass
class Draft:
    """A draft definition, and what a person must review before using it."""

    definition: dict[str, Any]
    #: One line per thing to check (the same lines as the definition's notes, minus banners).
    review: list[str] = field(default_factory=list)


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment; block-level tags become spaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.parts.append(" " if tag in {"br", "p", "div", "li", "tr", "td", "h1", "h2", "h3",
                                         "h4", "h5", "h6", "hr"} else "")

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, ())

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(label: str) -> str:
    """A REDCap label as plain text: tags removed, entities decoded, spaces collapsed."""
    parser = _TextOnly()
    parser.feed(label or "")
    parser.close()
    return " ".join("".join(parser.parts).split())


def read_dictionary(source: Path | str) -> list[dict[str, str]]:
    """The dictionary's rows, keyed by our column names (see :data:`COLUMNS`)."""
    text = source.read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise RedcapError("the file is empty: export the data dictionary from REDCap "
                          "(Project Setup > Data Dictionary > Download)")
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        wanted = " ".join(title.lower().split())
        for key, start in COLUMNS.items():
            if key not in positions and wanted.startswith(start):
                positions[key] = index
    missing = [COLUMNS[key] for key in NEEDED if key not in positions]
    if missing:
        raise RedcapError(f"no column starting {', '.join(repr(m) for m in missing)}: is "
                          "this a REDCap data dictionary (not a data export)?")
    return [{key: (row[i].strip() if i < len(row) else "") for key, i in positions.items()}
            for row in reader if any(cell.strip() for cell in row)]


def parse_choices(choices: str) -> list[tuple[str, str]]:
    """``"1, Never | 2, Sometimes"`` as [("1", "Never"), ("2", "Sometimes")]."""
    found = []
    for part in choices.split("|"):
        if part.strip():
            code, _, label = part.partition(",")
            found.append((code.strip(), plain_text(label)))
    return found


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_condition(logic: str) -> dict[str, Any] | None:
    """REDCap branching logic as an ``ask_if`` condition, or None when it is not simple.

    Simple means comparisons of a field with a number (``[q1] = '1'``), alone or joined all
    by ``and`` or all by ``or``.
    """
    logic = " ".join(logic.split())
    while logic.startswith("(") and logic.endswith(")") and "(" not in logic[1:-1]:
        logic = logic[1:-1].strip()
    if "(" in logic or ")" in logic:
        return None
    joiners = {word.lower() for word in re.findall(r"\s(and|or)\s", logic, flags=re.I)}
    if len(joiners) > 1:
        return None
    parts = re.split(r"\s(?:and|or)\s", logic, flags=re.I)
    conditions = []
    for part in parts:
        match = _COMPARISON.match(part)
        if not match:
            return None
        value = match["q1"] if match["q1"] is not None else match["q2"]
        value = match["bare"] if value is None else value
        if not _NUMBER.match(value.strip()):
            return None
        conditions.append({"item": match["field"], "op": _OPS[match["op"]],
                           "value": _number(value)})
    if len(conditions) == 1:
        return conditions[0]
    return {"all" if joiners == {"and"} else "any": conditions}


def _condition_items(condition: Mapping[str, Any]) -> list[str]:
    if "item" in condition:
        return [condition["item"]]
    return [i for part in condition.get("all", condition.get("any", []))
            for i in _condition_items(part)]


class _Builder:
    """Turns dictionary rows into a draft, collecting notes as it goes."""

    def __init__(self, wording: str, language: str):
        self.keep_text = wording != "structure-only"
        self.language = language
        self.scales: dict[str, dict[str, Any]] = {}
        self.items: list[dict[str, Any]] = []
        self.numeric: set[str] = set()
        self.notes: list[str] = []
        self.calcs: list[dict[str, str]] = []
        self.branching: list[tuple[dict[str, Any], str]] = []
        self.stem: str | None = None

    def text(self, value: str) -> dict[str, str]:
        return {self.language: value}

    def scale(self, scale: dict[str, Any], base: str) -> str:
        """The id of a scale equal to ``scale``, adding it if it is new."""
        for scale_id, known in self.scales.items():
            if known == scale:
                return scale_id
        scale_id = base
        counter = 2
        while scale_id in self.scales:
            scale_id, counter = f"{base}-{counter}", counter + 1
        self.scales[scale_id] = scale
        return scale_id

    def add(self, row: Mapping[str, str]) -> None:
        name, kind = row["field"], row["type"].lower()
        label = plain_text(row["label"])
        if row.get("section") and self.keep_text:
            section = plain_text(row["section"])
            if not self.items and self.stem is None:
                self.stem = section
            else:
                self.notes.append(f"REDCap section header before '{name}': {section!r}.")
        if kind == "descriptive":
            shown = f": {label!r}" if self.keep_text and label else ""
            self.notes.append(f"Descriptive field '{name}' (text only, no answer) was not "
                              f"imported{shown}.")
            return
        if kind == "calc":
            self.calcs.append({"field": name, "formula": row["choices"], "label": label})
            return
        if (row.get("identifier") or "").lower() == "y":
            self.notes.append(f"Field '{name}' is marked as an identifier (personal data) "
                              "and was not imported: keep identifying data out of "
                              "questionnaires.")
            return
        item_id = name.lower()
        if not ID_PATTERN.match(item_id):
            self.notes.append(f"Field '{name}' was not imported: its name is not a valid id "
                              "(lower-case letters, digits, '-', '_', '.').")
            return
        scale = self.scale_for(row, kind, name)
        if scale is None:
            return
        scale_body, base = scale
        item: dict[str, Any] = {"id": item_id}
        if self.keep_text:
            if not label:
                label = name
                self.notes.append(f"Field '{name}' has no label: its text is its name; "
                                  "write the question.")
            item["text"] = self.text(label)
        item["scale"] = self.scale(scale_body, base)
        if (row.get("required") or "").lower() != "y":
            item["required"] = False
        if row.get("note") and self.keep_text:
            item["note"] = f"REDCap field note: {plain_text(row['note'])}"
        if row.get("branching"):
            self.branching.append((item, row["branching"]))
        self.items.append(item)
        if scale_body["type"] != "text":
            self.numeric.add(item_id)

    def scale_for(self, row: Mapping[str, str], kind: str,
                  name: str) -> tuple[dict[str, Any], str] | None:
        """(scale, id to use if new) for a field, or None (with a note) if it has none."""
        if kind in ("radio", "dropdown"):
            choices = parse_choices(row["choices"])
            codes = [code for code, _ in choices]
            if len(choices) < 2 or not all(_NUMBER.match(code) for code in codes):
                self.notes.append(f"Field '{name}' ({kind}) has codes that are not numbers "
                                  f"({', '.join(codes) or 'none'}): imported as free text; "
                                  "recode it as an options scale with numeric values.")
                return {"type": "text"}, "text"
            options = []
            for code, label in choices:
                option: dict[str, Any] = {"value": _number(code)}
                if self.keep_text and label:
                    option["label"] = self.text(label)
                options.append(option)
            return {"type": "options", "options": options}, "choices"
        if kind in ("yesno", "truefalse"):
            scale: dict[str, Any] = {"type": "yes-no"}
            if self.keep_text:
                yes, no = ("Yes", "No") if kind == "yesno" else ("True", "False")
                scale["labels"] = {"yes": self.text(yes), "no": self.text(no)}
            return scale, "yes-no" if kind == "yesno" else "true-false"
        if kind == "text":
            validation = (row.get("validation") or "").lower()
            low, high = row.get("min", ""), row.get("max", "")
            if validation in ("integer", "number", "int", "float") or validation.startswith(
                    "number_"):
                if _NUMBER.match(low) and _NUMBER.match(high):
                    integer = validation in ("integer", "int")
                    return ({"type": "numeric", "min": _number(low), "max": _number(high),
                             **({"integer": True} if integer else {})}, "number")
                self.notes.append(f"Field '{name}' is a number without both a minimum and a "
                                  "maximum: imported as free text; give it a numeric scale "
                                  "with min and max.")
            elif validation:
                self.notes.append(f"Field '{name}' is text validated as {validation!r}: "
                                  "imported as free text without that check.")
            return {"type": "text", "multiline": False}, "text"
        if kind == "notes":
            return {"type": "text", "multiline": True}, "notes"
        if kind == "slider":
            low = _number(row["min"]) if _NUMBER.match(row.get("min", "")) else 0
            high = _number(row["max"]) if _NUMBER.match(row.get("max", "")) else 100
            scale = {"type": "visual-analogue", "min": low, "max": high, "step": 1}
            ends = [plain_text(part) for part in row["choices"].split("|")]
            if self.keep_text and len(ends) >= 2 and ends[0] and ends[-1]:
                scale["anchors"] = {"min": self.text(ends[0]), "max": self.text(ends[-1])}
            return scale, "slider"
        if kind == "checkbox":
            self.notes.append(f"Checkbox field '{name}' (several answers) was not imported: "
                              f"REDCap exports it as {name}___CODE columns; add one yes-no "
                              "item per choice if you need it.")
            return None
        self.notes.append(f"Field '{name}' of REDCap type {kind!r} has no equivalent and was "
                          "not imported.")
        return None

    def resolve_branching(self) -> None:
        for item, logic in self.branching:
            condition = parse_condition(logic)
            if condition is None:
                self.notes.append(f"Item '{item['id']}' is shown only if `{logic}` in REDCap: "
                                  "too complex to translate; write its ask_if by hand.")
                continue
            unknown = [i for i in _condition_items(condition) if i not in self.numeric]
            if unknown:
                self.notes.append(f"Item '{item['id']}' is shown only if `{logic}` in REDCap, "
                                  f"which depends on {', '.join(unknown)} (not a numeric item "
                                  "here): write its ask_if by hand.")
                continue
            item["ask_if"] = condition

    def scores(self) -> list[dict[str, Any]]:
        found = []
        for calc in self.calcs:
            name, formula = calc["field"], " ".join(calc["formula"].split())
            parts = re.findall(r"\[(\w+)\]", formula) if _SUM.match(formula) else []
            if parts and all(p in self.numeric for p in parts) and len(set(parts)) == len(parts):
                score: dict[str, Any] = {"id": name.lower()}
                if self.keep_text and calc["label"]:
                    score["title"] = self.text(calc["label"])
                score.update(method="sum", items=parts, max_missing=0,
                             note=f"REVIEW: imported from the REDCap calc field '{name}' "
                                  f"({formula}). Like REDCap, it is blank when any item is "
                                  "blank (max_missing 0). Check it, then add bands and "
                                  "cut-offs.")
                found.append(score)
                self.notes.append(f"Score '{name}' was translated from the REDCap calculation "
                                  f"`{formula}`: review it.")
            else:
                self.notes.append(f"Calc field '{name}' (`{formula}`) was not translated: only "
                                  "a plain sum of items ([a]+[b]) is; write the score by hand.")
        return found


def draft_definition(rows: list[dict[str, str]], instrument_id: str, *, form: str | None = None,
                     wording: str = "project", language: str = "en", title: str | None = None,
                     source: str = "the data dictionary") -> Draft:
    """A draft definition of one form's fields (the only form, or ``form``)."""
    if not ID_PATTERN.match(instrument_id):
        raise RedcapError(f"{instrument_id!r} is not a valid instrument id: use lower-case "
                          "letters, digits, '-', '_' and '.'")
    if wording not in WORDINGS:
        raise RedcapError(f"wording must be one of {', '.join(WORDINGS)}, not {wording!r}")
    forms = list(dict.fromkeys(row["form"] for row in rows))
    if not forms:
        raise RedcapError("the dictionary has no fields")
    if form is None:
        if len(forms) > 1:
            raise RedcapError(f"the dictionary has {len(forms)} forms ({', '.join(forms)}): "
                              "choose one with --form")
        form = forms[0]
    if form not in forms:
        raise RedcapError(f"no form {form!r} in the dictionary (forms: {', '.join(forms)})")
    builder = _Builder(wording, language)
    record_id = rows[0]["field"]
    for row in rows:
        if row["form"] != form:
            continue
        if row["field"] == record_id:
            builder.notes.append(f"Field '{record_id}' is the record id: not imported (keep it "
                                 "as a column of your data to pass through).")
            continue
        builder.add(row)
    if not builder.items:
        raise RedcapError(f"form {form!r} has no field that can be imported as an item")
    builder.resolve_branching()
    scores = builder.scores()
    review = list(builder.notes)
    banner = [
        f"DRAFT imported from the REDCap data dictionary {source} (form '{form}') by "
        "`alliance-kit import-redcap`: review every note below, then remove them.",
    ]
    if wording == "project":
        banner.append(
            "REVIEW THE LICENCE AND WORDING STATUS: the texts were copied from REDCap and the "
            "wording is marked 'project' (written by you). If anyone else wrote this "
            "instrument, find out who owns the wording: use 'open' only if it is free to "
            "redistribute; otherwise make it 'structure-only' (re-import with "
            "--wording structure-only) and supply the texts in a wording pack.")
    else:
        banner.append("The wording was left out (structure-only): supply it in a wording pack "
                      "(`alliance-kit wording template`).")
    banner.append("Check which items are reverse-keyed (REDCap does not record it) and set "
                  "\"reverse\": true on them.")
    definition: dict[str, Any] = {
        "$schema": "https://alliance-kit.dev/schemas/instrument.schema.json",
        "id": instrument_id,
        "version": "0.1.0",
        "title": {language: title or _title(form)},
        "citation": "Unknown: imported from a REDCap data dictionary; add the reference",
        "license": {"name": "Unknown: review",
                    "note": "Record who wrote this instrument and under what licence it may "
                            "be used and shared."},
        "wording": wording,
        "languages": [language] if wording == "project" else [],
        "notes": banner + review,
    }
    if builder.stem and builder.keep_text:
        definition["stem"] = builder.text(builder.stem)
    definition["scales"] = builder.scales
    definition["items"] = builder.items
    if scores:
        definition["scores"] = scores
    return Draft(definition, review)


def _title(form: str) -> str:
    return re.sub(r"[_\s]+", " ", form).strip().capitalize() or "Imported instrument"


def import_dictionary(path: Path, instrument_id: str, **options: Any) -> Draft:
    """Read a REDCap data dictionary file and draft a definition from it."""
    try:
        rows = read_dictionary(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RedcapError(f"{path}: cannot read it: {exc}") from None
    options.setdefault("source", path.name)
    return draft_definition(rows, instrument_id, **options)
