"""A FHIR Questionnaire in as a DRAFT definition for a person to review.

Import (:func:`import_questionnaire`): a Questionnaire whose choice items have ordinal values
becomes a DRAFT definition that validates, with notes for everything a person must review
(licence and wording status first). A choice item without ordinal values is a problem: the
values would be guesses, and scores would silently be wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from alliance_kit.interop.fhir.common import (
    CALCULATED,
    CITATION,
    ID_PATTERN,
    LANGUAGE_PATTERN,
    NOT_EXPRESSED,
    VERSION_PATTERN,
    WORDINGS,
)
from alliance_kit.interop.fhir.import_items import (
    ItemReader,
    Question,
    ext_value,
    ext_values,
    extensions,
)
from alliance_kit.interop.fhir.import_rules import RuleReader
from alliance_kit.interop.redcap import Draft
from alliance_kit.problems import Problem


class QuestionnaireError(ValueError):
    """The Questionnaire cannot become a definition that scores right; ``problems`` say why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Importer(ItemReader, RuleReader):
    """One Questionnaire on its way to a draft definition."""

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
        self.questions: dict[str, Question] = {}
        self.items: list[dict[str, Any]] = []
        self.calculated: list[Question] = []
        self.ids: set[str] = set()
        self.stem: str | None = None
        self.conditions: list[tuple[Question, str]] = []

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
                 and not extensions(i, CALCULATED)) or texts(i.get("item")))
                for i in items or [] if isinstance(items, list))

        if texts(self.data.get("item")):
            return "project"
        self.notes.append("No question has text (an export of a structure-only instrument?): "
                          "imported as 'structure-only'; supply the wording in a wording pack.")
        return "structure-only"

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
        for note in ext_values(data, NOT_EXPRESSED):
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
        citation = ext_value(data, CITATION)
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
    problems = model_problems(data, source)
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
    return Importer(data, instrument_id, wording, source).build()


def model_problems(data: Mapping[str, Any], source: str) -> list[Problem]:
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


__all__ = ["QuestionnaireError", "definition_from_questionnaire", "import_questionnaire"]
