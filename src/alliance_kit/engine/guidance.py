"""Guidance packs: prompts for the clinician as data, each shown when conditions on a
client's scores hold (``guidance-pack.schema.json``).

A pack is a JSON file (or a dict a plugin returns from ``register_guidance``) of entries;
an entry has conditions (``when``: all must hold), a short title, a few sentences for the
clinician, and a citation, in every language the pack lists. A condition names an
instrument and one of its measures (:func:`alliance_kit.engine.motivation.measures`: a
score, a numeric item, a cut-off flag, a band, the ruler's ``quadrant`` or the URICA
``stage``) and compares it (``op`` and ``value``) or lists the values it may have (``in``).

Packs are checked like definitions: every problem as ``FILE: $.path: message``. A pack with
errors is left out; warnings (an instrument not installed, a condition always true) keep it.
Two packs with one id: the later (plugins after built-ins) replaces the earlier.
"""

from __future__ import annotations

import difflib
import operator
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alliance_kit.engine import checks, jsonschemas
from alliance_kit.engine.definitions import Instrument, read_json, text_in
from alliance_kit.engine.motivation import Measure, measures
from alliance_kit.engine.sources import expand
from alliance_kit.problems import Problem

GUIDANCE_DIR_ENV = "ALLIANCE_KIT_GUIDANCE_DIR"
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
       "==": operator.eq, "!=": operator.ne}


@dataclass(frozen=True)
class Condition:
    """One test on a client's latest values of one instrument."""

    instrument: str
    score: str
    op: str | None = None
    value: Any = None
    within: tuple[Any, ...] = ()

    def holds(self, values: Mapping[str, Mapping[str, Any]]) -> bool:
        """Whether it holds for ``values`` (instrument id -> name -> value); False when the
        client has no such value."""
        have = values.get(self.instrument, {}).get(self.score)
        if have is None:
            return False
        found = tuple(have) if isinstance(have, tuple | list) else (have,)  # tied URICA stages
        if self.within:
            return any(_same(v, w) for v in found for w in self.within)
        if self.op == "==":
            return any(_same(v, self.value) for v in found)
        if self.op == "!=":
            return not any(_same(v, self.value) for v in found)
        try:
            return any(OPS[self.op](float(v), float(self.value)) for v in found
                       if not isinstance(v, bool | str))
        except (TypeError, ValueError):
            return False

    def describe(self) -> str:
        """``readiness-ruler importance-score < 4`` as people read it."""
        if self.within:
            return f"{self.instrument} {self.score} in {', '.join(map(_show, self.within))}"
        return f"{self.instrument} {self.score} {self.op} {_show(self.value)}"


def _same(have: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return isinstance(want, bool) and isinstance(have, bool) and have == want
    if isinstance(want, str) or isinstance(have, str):
        return have == want
    return float(have) == float(want)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Entry:
    """One prompt for the clinician, with the conditions that bring it up."""

    id: str
    pack: str
    when: tuple[Condition, ...]
    title: Mapping[str, str]
    text: Mapping[str, str]
    citation: str
    tags: tuple[str, ...] = ()

    def holds(self, values: Mapping[str, Mapping[str, Any]]) -> bool:
        return all(condition.holds(values) for condition in self.when)

    def title_in(self, language: str = "en") -> str:
        return text_in(self.title, language)

    def text_in(self, language: str = "en") -> str:
        return text_in(self.text, language)

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.instrument for c in self.when))

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        """What ``alliance-kit guidance`` prints for it (JSON-ready)."""
        return {"id": self.id, "pack": self.pack, "title": self.title_in(language),
                "text": self.text_in(language), "citation": self.citation,
                "when": [c.describe() for c in self.when], "tags": list(self.tags)}


@dataclass(frozen=True)
class GuidancePack:
    """A checked pack: its entries in file order."""

    id: str
    version: str
    title: Mapping[str, str]
    languages: tuple[str, ...]
    source: str
    entries: tuple[Entry, ...]
    #: Where it was loaded from (a file, or the plugin that gave it).
    origin: str


# --- checking -------------------------------------------------------------------------------


def check_pack(data: Any, instruments: Mapping[str, Instrument], source: str) -> list[Problem]:
    """Every problem with a parsed pack, schema problems first (then nothing else)."""
    found = [Problem(source, path, message) for path, message in checks.unsafe_strings(data, "$")]
    found += [Problem(source, path, message) for path, message in checks.schema_problems(
        data, jsonschemas.bundled_validator(jsonschemas.GUIDANCE_PACK))]
    if found:
        return found
    languages = data["languages"]
    seen: dict[str, int] = {}
    for index, entry in enumerate(data["entries"]):
        path = f"$.entries[{index}]"
        if entry["id"] in seen:
            found.append(Problem(source, f"{path}.id", f"entry id {entry['id']!r} is also used "
                                 f"by $.entries[{seen[entry['id']]}]: ids must be unique in a "
                                 "pack"))
        seen.setdefault(entry["id"], index)
        for key in ("title", "text"):
            for language in languages:
                if not entry[key].get(language, "").strip():
                    found.append(Problem(source, f"{path}.{key}", f"no {language!r} text: the "
                                         f"pack's languages are {', '.join(languages)}; write "
                                         f"it (or take {language!r} out of $.languages)"))
            for language in entry[key]:
                if language not in languages:
                    found.append(Problem(source, f"{path}.{key}.{language}", f"{language!r} is "
                                         "not one of the pack's $.languages: add it there, or "
                                         "remove this text", "warning"))
        for number, condition in enumerate(entry["when"]):
            found += _condition_problems(condition, instruments, source,
                                         f"{path}.when[{number}]")
    return found


def _condition_problems(condition: Mapping[str, Any], instruments: Mapping[str, Instrument],
                        source: str, path: str) -> list[Problem]:
    ident = condition["instrument"]
    instrument = instruments.get(ident)
    if instrument is None:
        close = difflib.get_close_matches(ident, list(instruments), n=1, cutoff=0.8)
        if close:
            return [Problem(source, f"{path}.instrument", f"unknown instrument {ident!r}: did "
                            f"you mean {close[0]!r}?")]
        return [Problem(source, f"{path}.instrument", f"instrument {ident!r} is not installed: "
                        "this entry will not match until it is", "warning")]
    known = measures(instrument)
    name = condition["score"]
    if name not in known:
        return [Problem(source, f"{path}.score", f"{ident} has no score, item or measure "
                        f"{name!r} (it has: {', '.join(known)})")]
    return [Problem(source, f"{path}.{where}", message, severity)
            for where, message, severity in _comparison_problems(condition, known[name], ident)]


def _comparison_problems(condition: Mapping[str, Any], measure: Measure,
                         ident: str) -> list[tuple[str, str, str]]:
    name, op = measure.name, condition.get("op")
    wanted = condition["in"] if "in" in condition else [condition["value"]]
    where = "in" if "in" in condition else "value"
    if measure.kind == "flag":
        if op not in ("==", "!=") or not isinstance(condition.get("value"), bool):
            return [(where, f"{ident} {name} is yes/no: compare it with \"op\": \"==\" and "
                     "\"value\": true or false", "error")]
        return []
    if measure.kind == "category":
        if op not in (None, "==", "!="):
            return [("op", f"{ident} {name} is a category: use == or != (or \"in\"), not {op}",
                     "error")]
        wrong = [w for w in wanted if w not in measure.values]
        if wrong:
            return [(where, f"{ident} {name} is never {', '.join(map(_show, wrong))}: use one "
                     f"of {', '.join(measure.values)}", "error")]
        return []
    if any(isinstance(w, bool | str) for w in wanted):
        return [(where, f"{ident} {name} is a number: compare it with a number", "error")]
    if measure.range is None:
        return []
    low, high = measure.range
    if op is None or op == "==":
        possible = [w for w in wanted if low <= w <= high]
        always = False
    else:
        compare = OPS[op]
        bounds = (low, high)
        possible = [w for w in wanted if any(compare(b, w) for b in bounds)
                    or (op == "!=")]
        always = all(compare(b, w) for b in bounds for w in wanted) and op != "!="
    span = f"{_show(low)} to {_show(high)}"
    if not possible:
        return [(where, f"{ident} {name} runs from {span}: this condition can never hold",
                 "error")]
    if always:
        return [(where, f"{ident} {name} runs from {span}: this condition always holds "
                 "(remove it, or fix the value)", "warning")]
    return []


# --- loading --------------------------------------------------------------------------------


def _entries(data: Mapping[str, Any]) -> tuple[Entry, ...]:
    out = []
    for entry in data["entries"]:
        conditions = tuple(
            Condition(c["instrument"], c["score"], c.get("op"), c.get("value"),
                      tuple(c.get("in", ()))) for c in entry["when"])
        out.append(Entry(entry["id"], data["id"], conditions, dict(entry["title"]),
                         dict(entry["text"]), entry["citation"], tuple(entry.get("tags", ()))))
    return tuple(out)


def load_pack(entry: Path | str | Mapping[str, Any], instruments: Mapping[str, Instrument],
              source: str) -> tuple[GuidancePack | None, list[Problem]]:
    """Load and check one pack (a path or a parsed dict): the pack or None, and its problems."""
    if isinstance(entry, Mapping):
        data, problems = entry, []
    elif not isinstance(entry, str | os.PathLike):
        return None, [Problem(source, "$", f"{type(entry).__name__} is neither a path to a "
                              "guidance pack nor a pack (a dict): the plugin must return those")]
    else:
        data, problems = read_json(Path(entry), source)
        if data is None:
            return None, problems
    problems = problems + check_pack(data, instruments, source)
    if any(p.severity == "error" for p in problems):
        return None, problems
    pack = GuidancePack(data["id"], data["version"], dict(data["title"]),
                        tuple(data["languages"]), data["source"], _entries(data), source)
    return pack, problems


def collect_guidance(results: Iterable[tuple[str, Any]], instruments: Mapping[str, Instrument]
                     ) -> tuple[dict[str, GuidancePack], list[Problem]]:
    """Valid packs by id from (plugin name, entries) pairs, and every problem found."""
    packs: dict[str, GuidancePack] = {}
    problems: list[Problem] = []
    for plugin, entries in results:

        def describe(pack: Mapping[str, Any], plugin: str = plugin) -> str:
            return f"<{plugin}: guidance pack {pack.get('id', '?')}>"

        for source, entry in expand(entries, describe):
            pack, found = load_pack(entry, instruments, source)
            problems += found
            if pack is None:
                continue
            if pack.id in packs:
                problems.append(Problem(source, "$.id", f"guidance pack {pack.id!r} is also in "
                                        f"{packs[pack.id].origin}: this one (from {plugin}) "
                                        "replaces it", "warning"))
            packs[pack.id] = pack
    return packs, problems


# --- matching -------------------------------------------------------------------------------


def all_entries(packs: Iterable[GuidancePack]) -> list[Entry]:
    return [entry for pack in packs for entry in pack.entries]


def match(packs: Iterable[GuidancePack],
          values: Mapping[str, Mapping[str, Any]]) -> list[Entry]:
    """The entries whose conditions all hold, in pack order, then file order."""
    return [entry for entry in all_entries(packs) if entry.holds(values)]


def find_entry(packs: Mapping[str, GuidancePack], pack_id: str, entry_id: str) -> Entry:
    """One entry by pack and id; KeyError says what there is."""
    pack = packs.get(pack_id)
    if pack is None:
        raise KeyError(f"no guidance pack {pack_id!r} (installed: {', '.join(packs) or 'none'})")
    for entry in pack.entries:
        if entry.id == entry_id:
            return entry
    raise KeyError(f"guidance pack {pack_id!r} has no entry {entry_id!r}")


__all__ = ["GUIDANCE_DIR_ENV", "Condition", "Entry", "GuidancePack", "all_entries",
           "check_pack", "collect_guidance", "find_entry", "load_pack", "match"]
