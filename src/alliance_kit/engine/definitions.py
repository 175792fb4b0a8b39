"""Instrument definitions: read a JSON file, check it, and build the instrument model.

Every problem is reported as ``FILE: $.json.path: what is wrong and what to do`` and a
definition with any error is not built, so nothing downstream ever sees a broken one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_kit.engine import checks
from alliance_kit.engine.missing import companion
from alliance_kit.problems import DefinitionError, Problem
from alliance_kit.types import AlertType, ScaleType, Scorer, Types

#: Definitions larger than this are refused before parsing.
MAX_DEFINITION_BYTES = 2 * 1024 * 1024


def text_in(texts: Mapping[str, str] | None, language: str = "en") -> str:
    """Of a definition's texts by language: ``language``'s, else English, else the first
    there is; '' when there are none."""
    if not texts:
        return ""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()))


@dataclass(frozen=True)
class Item:
    """One question: its scale and the rules for asking and keying it."""

    id: str
    scale_id: str
    scale: Mapping[str, Any]
    scale_type: ScaleType
    text: Mapping[str, str]
    reverse: bool = False
    required: bool = True
    scored: bool = True
    ask_if: Mapping[str, Any] | None = None
    when_not_asked: float | None = None
    note: str | None = None

    @property
    def bounds(self) -> tuple[float, float] | None:
        """Smallest and largest answer, or None for free text."""
        return self.scale_type.bounds(self.scale) if self.scale_type.numeric else None

    def option_label(self, value: Any, language: str = "en") -> str | None:
        """The words of an answer on an options or yes-no scale (None for other scales)."""
        if value is None or isinstance(value, str):
            return None
        kind = self.scale.get("type")
        if kind == "options":
            for option in self.scale.get("options", []):
                if float(option["value"]) == float(value):
                    return text_in(option.get("label"), language) or None
            return None
        if kind == "yes-no":
            word = "yes" if float(value) == 1 else "no"
            return text_in(self.scale.get("labels", {}).get(word), language) or word
        return None


@dataclass(frozen=True)
class Score:
    """One score: its method and inputs, range, bands, cut-offs and norms."""

    id: str
    method: str
    scorer: Scorer
    spec: Mapping[str, Any]
    items: tuple[str, ...]
    scores: tuple[str, ...]
    range: tuple[float, float]
    step: float
    bands: tuple[Mapping[str, Any], ...] = ()
    cutoffs: tuple[Mapping[str, Any], ...] = ()
    norms: Mapping[str, Any] = field(default_factory=dict)
    round: int | None = None
    #: "before-bands": bands and cut-offs read the rounded score; "after-bands": the
    #: unrounded one (the score is still reported rounded).
    round_when: str = "before-bands"


@dataclass(frozen=True)
class Alert:
    """One alert rule of an instrument."""

    id: str
    type: str
    alert_type: AlertType
    spec: Mapping[str, Any]
    severity: str
    #: For a rule made from another rule's ``when_missing``: that rule's id.
    missing_of: str | None = None

    @property
    def protected(self) -> bool:
        """Safety rules, and the rules that say a safety rule could not be judged, cannot
        be switched off."""
        return self.severity == "safety" or self.spec.get("of", {}).get("severity") == "safety"


@dataclass(frozen=True, eq=False)
class Instrument:
    """A checked instrument definition, ready to administer and score."""

    id: str
    version: str
    wording: str
    languages: tuple[str, ...]
    items: tuple[Item, ...]
    scores: tuple[Score, ...]
    alerts: tuple[Alert, ...]
    #: Items and scores in the order they must be evaluated: ("item" | "score", id) pairs.
    order: tuple[tuple[str, str], ...]
    raw: Mapping[str, Any]
    source: str

    @property
    def title(self) -> Mapping[str, str]:
        return self.raw["title"]

    @property
    def validated(self) -> bool:
        """False for project-authored measures: the app says 'not a validated instrument'."""
        return bool(self.raw.get("validated", self.wording != "project"))

    @property
    def attributes(self) -> Mapping[str, Any]:
        return self.raw.get("attributes", {})

    @property
    def kind(self) -> str | None:
        """'alliance' or 'outcome' from the definition's tags, else None."""
        tags = set(self.raw.get("tags", []))
        for kind in ("alliance", "outcome"):
            if kind in tags:
                return kind
        return None

    @property
    def primary_score_id(self) -> str | None:
        """The score a trend and the caseload show: the first total, else the first score."""
        for spec in self.scores:
            if spec.spec.get("kind") == "total":
                return spec.id
        return self.scores[0].id if self.scores else None

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.id} has no item {item_id!r}")

    def score(self, score_id: str) -> Score:
        for score in self.scores:
            if score.id == score_id:
                return score
        raise KeyError(f"{self.id} has no score {score_id!r}")

    def text(self, texts: Mapping[str, str] | None, language: str = "en") -> str:
        """The text in ``language``, else English, else the first available; '' if none."""
        return text_in(texts, language)

    def label(self, language: str = "en") -> str:
        return self.text(self.raw.get("short_title") or self.title, language)

    def normalized(self) -> dict[str, Any]:
        """The definition with defaults filled in, scales resolved and score inputs listed."""
        data = {k: v for k, v in self.raw.items() if k not in ("$schema", "items", "scores")}
        data["validated"] = self.validated
        data["items"] = [
            {
                "id": item.id,
                "text": dict(item.text),
                "scale": {"id": item.scale_id, **item.scale},
                "reverse": item.reverse,
                "required": item.required,
                "scored": item.scored,
                **({"ask_if": item.ask_if} if item.ask_if else {}),
                **({"when_not_asked": item.when_not_asked} if item.ask_if else {}),
                **({"note": item.note} if item.note else {}),
            }
            for item in self.items
        ]
        data["scores"] = [
            {
                **score.spec,
                "items": list(score.items),
                "scores": list(score.scores),
                "range": list(score.range),
            }
            for score in self.scores
        ]
        data["alerts"] = [dict(alert.spec) for alert in self.alerts if alert.missing_of is None]
        data["source"] = self.source
        return data


def read_json(path: Path, source: str | None = None) -> tuple[Any, list[Problem]]:
    """Parse a JSON file, refusing huge, deeply nested or duplicate-key input plainly."""
    source = source or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_DEFINITION_BYTES:
            return None, [
                Problem(
                    source,
                    "$",
                    f"file is {size:,} bytes; the limit is "
                    f"{MAX_DEFINITION_BYTES:,}: is this really a definition?",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(source, "$", f"cannot read the file: {exc.strerror or exc}")]
    return parse_json(raw, source)


def parse_json(raw: bytes | str, source: str) -> tuple[Any, list[Problem]]:
    """Parse JSON text; problems name the line and column of a syntax error."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=_not_json)
    except UnicodeDecodeError as exc:
        return None, [Problem(source, "$", f"not UTF-8 text (byte {exc.start}): save it as UTF-8")]
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                source, "$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            )
        ]
    except RecursionError:
        return None, [Problem(source, "$", "nested too deeply to be a definition")]
    except _NotJson as exc:
        return None, [Problem(source, "$", f"{exc} is not valid JSON (Python writes it, JSON "
                              "does not): use a finite number")]
    problems = [
        Problem(source, "$", f"the key {key!r} appears twice in one object: keep one")
        for key in dict.fromkeys(duplicates)
    ]
    return data, problems


class _NotJson(ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, but they are not JSON."""


def _not_json(constant: str) -> Any:
    raise _NotJson(constant)


def load_definition(
    definition: Path | str | Mapping[str, Any],
    types: Types,
    source: str | None = None,
) -> Instrument:
    """Load and check one definition (a path or a parsed dict) with the registered ``types``;
    raise DefinitionError if bad. :func:`alliance_kit.load_definition` supplies the built-in
    types when a caller has no kit."""
    instrument, problems = try_load_definition(definition, types, source)
    if instrument is None:
        raise DefinitionError(problems)
    return instrument


def try_load_definition(
    definition: Path | str | Mapping[str, Any],
    types: Types,
    source: str | None = None,
) -> tuple[Instrument | None, list[Problem]]:
    """Load and check one definition with the registered ``types``; return the instrument
    (or None) and all problems."""
    if isinstance(definition, Mapping):
        data, source = definition, source or f"<{definition.get('id', 'definition')}>"
        problems: list[Problem] = []
    elif not isinstance(definition, str | os.PathLike):
        return None, [Problem(source or f"<{type(definition).__name__}>", "$",
                              f"{type(definition).__name__} is neither a path to a definition "
                              "nor a definition (a dict): the plugin must return those")]
    else:
        path = Path(definition)
        data, problems = read_json(path, source or str(path))
        source = source or str(path)
        if problems and data is None:
            return None, problems
    found = checks.check_definition(data, types)
    problems += [Problem(source, path, message) for path, message in found]
    if problems:
        return None, problems
    return build(data, types, source), []


def build(data: Mapping[str, Any], types: Types, source: str) -> Instrument:
    """Build the model from a definition that passed every check."""
    scales = data["scales"]
    items = tuple(
        Item(
            id=raw["id"],
            scale_id=raw["scale"],
            scale=scales[raw["scale"]],
            scale_type=types.scale_types[scales[raw["scale"]]["type"]],
            text=raw.get("text", {}),
            reverse=raw.get("reverse", False),
            required=raw.get("required", True),
            scored=raw.get("scored", True)
            and types.scale_types[scales[raw["scale"]]["type"]].numeric,
            ask_if=raw.get("ask_if"),
            when_not_asked=raw.get("when_not_asked"),
            note=raw.get("note"),
        )
        for raw in data["items"]
    )
    order = checks.evaluation_order(data, types)
    bounds = checks.score_bounds(data, types, order)
    scores = []
    for raw in data.get("scores", []):
        scorer = types.scorers[raw["method"]]
        low, high, step = bounds[raw["id"]]
        scores.append(
            Score(
                id=raw["id"],
                method=raw["method"],
                scorer=scorer,
                spec=raw,
                items=tuple(scorer.item_inputs(raw)),
                scores=tuple(scorer.score_inputs(raw)),
                range=tuple(raw.get("range", (low, high))),
                step=step,
                bands=tuple(raw.get("bands", ())),
                cutoffs=tuple(raw.get("cutoffs", ())),
                norms=raw.get("norms", {}),
                round=raw.get("round"),
                round_when=raw.get("round_when", "before-bands"),
            )
        )
    alerts: list[Alert] = []
    for raw in data.get("alerts", []):
        alert_type = types.alert_types[raw["type"]]
        alerts.append(Alert(raw["id"], raw["type"], alert_type, raw, raw["severity"]))
        if "when_missing" in raw:
            spec, missing = companion(raw, alert_type)
            alerts.append(Alert(spec["id"], spec["type"], missing, spec, spec["severity"],
                                missing_of=raw["id"]))
    return Instrument(
        id=data["id"],
        version=data["version"],
        wording=data["wording"],
        languages=tuple(data["languages"]),
        items=items,
        scores=tuple(scores),
        alerts=tuple(alerts),
        order=tuple(order),
        raw=data,
        source=source,
    )
