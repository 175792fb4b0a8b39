"""Wording packs: an instrument's respondent-facing text in one language, apart from its definition.

A structure-only definition (a licensed instrument) ships no text; a clinic that holds a
licence installs a *pack* (``wording-pack.schema.json``): a local file in
``instruments/wording/`` or in the folder ``ALLIANCE_KIT_WORDING_DIR`` names, or a plugin's
``register_wording_packs``. A pack is checked against the installed definition: every item
has text, no unknown item, scale or option value, anchors only on visual-analogue scales,
every option of every used options scale labelled, a version range the definition is in.

A pack may also add a language to an open or project instrument. In a language the
definition already ships, the definition's text is kept (it is the reviewed wording) and
the pack is ignored with a warning. Two packs for the same instrument and language: the
later one (clinic folder after bundled folder, plugins after built-ins) replaces the other.

Lookup (:func:`merge_wording`) falls back text by text: the requested language ('es-MX'),
its base language ('es'), then English; with none of these, there is no wording.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from alliance_kit.engine import checks, jsonschemas
from alliance_kit.engine.definitions import Instrument, read_json
from alliance_kit.engine.sources import expand
from alliance_kit.i18n import language_name
from alliance_kit.problems import Problem

WORDING_DIR_ENV = "ALLIANCE_KIT_WORDING_DIR"
FALLBACK_LANGUAGE = "en"
#: Where the message for a missing pack tells people to put one.
LOCAL_FOLDER = "instruments/wording"

#: A text's place: ("title",), ("stem",), ("items", id), ("options", scale, value),
#: ("anchors", scale, "min"|"max"), ("labels", scale, "yes"|"no"), ("units", scale).
Key = tuple[Any, ...]
_SCALE_PARTS = {"options": "options", "anchors": "visual-analogue", "labels": "yes-no",
                "unit": "numeric"}


@dataclass(frozen=True)
class WordingPack:
    """A checked pack: the texts of one instrument in one language."""

    instrument: str
    #: The definition versions it fits, as written (a PEP 440 range).
    version: str
    language: str
    #: Where the wording comes from and under what licence (the pack's "source").
    source: str
    texts: Mapping[Key, str]
    #: Where the pack was loaded from (a file, or the plugin that gave it).
    origin: str


@dataclass(frozen=True)
class Wording:
    """What a respondent reads: an instrument's texts in one language, with fallbacks marked."""

    instrument: str
    #: The language asked for; :meth:`language_of` says which language each text is in.
    language: str
    title: str
    short_title: str
    stem: str
    items: Mapping[str, str]
    #: Option labels by scale id, then option value (a float: ``options[s][1]`` works).
    options: Mapping[str, Mapping[float, str]]
    #: Visual-analogue end labels by scale id: {"min": ..., "max": ...}.
    anchors: Mapping[str, Mapping[str, str]]
    #: Yes-no labels by scale id: {"yes": ..., "no": ...}.
    labels: Mapping[str, Mapping[str, str]]
    units: Mapping[str, str]
    #: The language each text is in, by key (see :data:`Key`).
    languages: Mapping[Key, str] = field(repr=False)
    #: The source (licence) notes of the packs used.
    sources: tuple[str, ...] = ()

    def item(self, item_id: str) -> str:
        return self.items.get(item_id, "")

    def option(self, scale_id: str, value: float) -> str:
        return self.options.get(scale_id, {}).get(float(value), "")

    def language_of(self, *key: Any) -> str | None:
        """The language a text is in: ``language_of("items", "3")``, ``language_of("title")``."""
        return self.languages.get(key)

    def is_fallback(self, *key: Any) -> bool:
        """True when this text is not in the requested language (the UI may mark it)."""
        used = self.language_of(*key)
        return used is not None and used != self.language

    @property
    def fallbacks(self) -> tuple[Key, ...]:
        """Keys of every text shown in another language than the one asked for."""
        return tuple(key for key, used in self.languages.items() if used != self.language)


# --- loading and checking -------------------------------------------------------------------


def check_pack(data: Any, instruments: Mapping[str, Instrument]) -> checks.Found:
    """Every problem with a parsed pack as (JSON path, message), schema problems first."""
    found = list(checks.unsafe_strings(data, "$"))
    found += checks.schema_problems(data, jsonschemas.bundled_validator(jsonschemas.WORDING_PACK))
    if found:
        return found
    instrument = instruments.get(data["instrument"])
    if instrument is None:
        known = ", ".join(sorted(instruments)) or "none"
        return [("$.instrument", f"unknown instrument {data['instrument']!r}: fix the id or "
                 f"install its definition first (known: {known})")]
    return _version_problems(data["version"], instrument) + _text_problems(data, instrument)


def _version_problems(spec: str, instrument: Instrument) -> checks.Found:
    advice = "write the definition versions it fits as a range, e.g. '>=1.0.0,<2'"
    if not spec.strip():
        return [("$.version", f"empty: {advice}")]
    try:
        specifier = SpecifierSet(spec)
    except InvalidSpecifier:
        try:
            specifier = SpecifierSet(f"=={Version(spec)}")
        except InvalidVersion:
            return [("$.version", f"{spec!r} is not a version range: {advice}")]
    try:
        version = Version(instrument.version)
    except InvalidVersion:
        return [("$.version", f"the definition's version {instrument.version!r} cannot be "
                 "compared with a range: ask its author to use a version like '1.0.0'")]
    if not specifier.contains(version, prereleases=True):
        return [("$.version", f"the pack fits {instrument.id} {spec} but the installed definition "
                 f"is version {instrument.version}: use a pack made for this version (or widen "
                 "the range if the items did not change)")]
    return []


def _text_problems(data: Mapping[str, Any], instrument: Instrument) -> checks.Found:
    found: checks.Found = []
    for key in ("source", "title", "short_title", "stem"):
        if key in data and not data[key].strip():
            todo = ("say where this wording comes from and under what licence" if key == "source"
                    else "write it, or remove the key")
            found.append((f"$.{key}", f"empty: {todo}"))
    item_ids = [item.id for item in instrument.items]
    texts = data["items"]
    for item_id in item_ids:
        if item_id not in texts:
            found.append(("$.items", f"no text for item {item_id!r}: add it (a pack words "
                          "every item)"))
    for item_id, text in texts.items():
        if item_id not in item_ids:
            found.append((f"$.items.{item_id}", f"{instrument.id} has no item {item_id!r}: remove "
                          f"it or fix the id (items: {', '.join(item_ids)})"))
        elif not text.strip():
            found.append((f"$.items.{item_id}", "empty: write the item's text"))
    scales = instrument.raw["scales"]
    given = data.get("scales", {})
    for scale_id, parts in given.items():
        path = f"$.scales.{scale_id}"
        if scale_id not in scales:
            found.append((path, f"{instrument.id} has no scale {scale_id!r}: remove it or fix the "
                          f"id (scales: {', '.join(scales)})"))
            continue
        kind = scales[scale_id]["type"]
        for part, value in parts.items():
            if _SCALE_PARTS[part] != kind:
                found.append((f"{path}.{part}", f"'{part}' is only for {_SCALE_PARTS[part]} "
                              f"scales and {scale_id!r} is {kind}: remove it"))
            elif part == "options":
                found += _option_problems(value, scales[scale_id], f"{path}.options")
            elif isinstance(value, str):
                if not value.strip():
                    found.append((f"{path}.{part}", "empty: write it, or remove the key"))
            else:
                found += [(f"{path}.{part}.{end}", "empty: write it, or remove the key")
                          for end, text in value.items() if not text.strip()]
    used = dict.fromkeys(item.scale_id for item in instrument.items)
    for scale_id in used:
        scale = scales[scale_id]
        if scale["type"] != "options":
            continue
        labelled = {float(v) for v in given.get(scale_id, {}).get("options", {})}
        missing = [o["value"] for o in scale["options"] if float(o["value"]) not in labelled]
        if missing and "options" not in given.get(scale_id, {}):
            found.append(("$.scales", f"no option labels for scale {scale_id!r}: add "
                          f"\"{scale_id}\": {{\"options\": {{...}}}} with a label for each of "
                          f"{_numbers(missing)}"))
        elif missing:
            found.append((f"$.scales.{scale_id}.options", f"no label for option value(s) "
                          f"{_numbers(missing)}: add them (every option needs its label)"))
    return found


def _option_problems(labels: Mapping[str, str], scale: Mapping[str, Any],
                     path: str) -> checks.Found:
    found: checks.Found = []
    values = [float(o["value"]) for o in scale["options"]]
    seen: set[float] = set()
    for key, text in labels.items():
        value = float(key)
        if value not in values:
            found.append((f"{path}.{key}", f"the scale has no option {key}: remove it or fix the "
                          f"value (values: {_numbers(values)})"))
        elif value in seen:
            found.append((f"{path}.{key}", f"option {key} is labelled twice: keep one"))
        elif not text.strip():
            found.append((f"{path}.{key}", "empty: write the option's label"))
        seen.add(value)
    return found


def _numbers(values: Iterable[float]) -> str:
    return ", ".join(f"{v:g}" for v in values)


def pack_texts(data: Mapping[str, Any]) -> dict[Key, str]:
    """A checked pack's texts by key."""
    texts: dict[Key, str] = {(key,): data[key] for key in ("title", "short_title", "stem")
                             if key in data}
    texts.update({("items", item_id): text for item_id, text in data["items"].items()})
    for scale_id, parts in data.get("scales", {}).items():
        for value, text in parts.get("options", {}).items():
            texts["options", scale_id, float(value)] = text
        for end, text in parts.get("anchors", {}).items():
            texts["anchors", scale_id, end] = text
        for answer, text in parts.get("labels", {}).items():
            texts["labels", scale_id, answer] = text
        if "unit" in parts:
            texts["units", scale_id] = parts["unit"]
    return texts


def load_pack(
    entry: Path | str | Mapping[str, Any], instruments: Mapping[str, Instrument], source: str
) -> tuple[WordingPack | None, list[Problem]]:
    """Load and check one pack (a path or a parsed dict): the pack or None, and its problems."""
    if isinstance(entry, Mapping):
        data, problems = entry, []
    elif not isinstance(entry, str | os.PathLike):
        return None, [Problem(source, "$", f"{type(entry).__name__} is neither a path to a "
                              "wording pack nor a pack (a dict): the plugin must return those")]
    else:
        data, problems = read_json(Path(entry), source)
        if problems and data is None:
            return None, problems
    problems += [Problem(source, path, message) for path, message in check_pack(data, instruments)]
    if problems:
        return None, problems
    return WordingPack(data["instrument"], data["version"], data["language"], data["source"],
                       MappingProxyType(pack_texts(data)), source), []


def collect_packs(
    results: Iterable[tuple[str, Any]], instruments: Mapping[str, Instrument]
) -> tuple[dict[tuple[str, str], WordingPack], list[Problem]]:
    """Valid packs by (instrument id, language) from (plugin name, entries) pairs, and problems.

    Entries are what ``register_wording_packs`` returns: pack files, folders, parsed dicts.
    """
    packs: dict[tuple[str, str], WordingPack] = {}
    problems: list[Problem] = []
    seen: set[Path] = set()  # a file two plugins give is one pack
    for plugin, entries in results:
        for source, entry in _expand(entries, plugin, seen):
            pack, found = load_pack(entry, instruments, source)
            problems += found
            if pack is None:
                continue
            instrument, key = instruments[pack.instrument], (pack.instrument, pack.language)
            if pack.language in instrument.languages:
                problems.append(Problem(source, "$.language", f"{instrument.id} ships its own "
                                        f"{pack.language!r} wording, which is kept: this pack is "
                                        "not used (a pack adds a language)", "warning"))
                continue
            if key in packs:
                problems.append(Problem(source, "$", f"the {pack.language!r} wording of "
                                        f"{pack.instrument} is also in {packs[key].origin}: this "
                                        f"one (from {plugin}) replaces it", "warning"))
            packs[key] = pack
    return packs, problems


def _expand(entries: Any, plugin: str, seen: set[Path] | None = None) -> list[tuple[str, Any]]:
    """(source label, path or dict) for each entry; folders expand to their .json files."""

    def describe(pack: Mapping[str, Any]) -> str:
        name = f"{pack.get('instrument', '?')}.{pack.get('language', '?')}"
        return f"<{plugin}: wording pack {name}>"

    return expand(entries, describe, seen=seen)


# --- lookup ---------------------------------------------------------------------------------


def languages_of(instrument: Instrument, packs: Mapping[tuple[str, str], WordingPack]
                 ) -> tuple[str, ...]:
    """Every language the instrument has wording in: its definition's and its packs'."""
    from_packs = {language for (ident, language) in packs if ident == instrument.id}
    return tuple(sorted(set(instrument.languages) | from_packs))


def _chain(language: str) -> list[str]:
    """Languages to try, best first: 'es-MX' -> es-MX, es, en."""
    return list(dict.fromkeys((language, language.split("-")[0], FALLBACK_LANGUAGE)))


def definition_texts(instrument: Instrument, language: str) -> dict[Key, str]:
    """The definition's texts in one language (titles in any language it has them in)."""
    raw = instrument.raw
    texts: dict[Key, str] = {(key,): raw[key][language] for key in ("title", "short_title")
                             if language in raw.get(key, {})}
    if language not in instrument.languages:
        return texts
    if language in raw.get("stem", {}):
        texts["stem",] = raw["stem"][language]
    texts.update({("items", item.id): item.text[language] for item in instrument.items
                  if language in item.text})
    for scale_id, scale in raw["scales"].items():
        for option in scale.get("options", []):
            if language in option.get("label", {}):
                texts["options", scale_id, float(option["value"])] = option["label"][language]
        for end, text in scale.get("anchors", {}).items():
            if language in text:
                texts["anchors", scale_id, end] = text[language]
        for answer, text in scale.get("labels", {}).items():
            if language in text:
                texts["labels", scale_id, answer] = text[language]
        if language in scale.get("unit", {}):
            texts["units", scale_id] = scale["unit"][language]
    return texts


def merge_wording(instrument: Instrument, language: str,
                  packs: Mapping[tuple[str, str], WordingPack]) -> Wording | None:
    """The instrument's texts in ``language``, each falling back to English; None with neither."""
    available = languages_of(instrument, packs)
    chain = [code for code in _chain(language) if code in available]
    if not chain:
        return None
    chosen: dict[Key, tuple[str, str]] = {}
    sources = []
    for code in reversed(chain):  # best language last, so its texts win
        pack = packs.get((instrument.id, code))
        texts = definition_texts(instrument, code) | (dict(pack.texts) if pack else {})
        chosen.update({key: (text, code) for key, text in texts.items()})
        if pack:
            sources.append(pack.source)
    if ("title",) not in chosen:  # every definition has a title in some language
        code, text = next(iter(instrument.title.items()))
        chosen["title",] = (text, code)
    if ("short_title",) not in chosen:
        chosen["short_title",] = chosen["title",]
    texts = {key: text for key, (text, _) in chosen.items()}
    items = {item.id: texts["items", item.id] for item in instrument.items
             if ("items", item.id) in texts}
    grouped: dict[str, dict[str, Any]] = {"options": {}, "anchors": {}, "labels": {}}
    units: dict[str, str] = {}
    for scale_id, scale in instrument.raw["scales"].items():
        parts = {
            "options": [float(o["value"]) for o in scale.get("options", [])],
            "anchors": ["min", "max"],
            "labels": ["yes", "no"],
        }
        for part, ends in parts.items():
            found = {end: texts[part, scale_id, end] for end in ends
                     if (part, scale_id, end) in texts}
            if found:
                grouped[part][scale_id] = MappingProxyType(found)
        if ("units", scale_id) in texts:
            units[scale_id] = texts["units", scale_id]
    return Wording(
        instrument=instrument.id,
        language=language,
        title=chosen["title",][0],
        short_title=chosen["short_title",][0],
        stem=chosen.get(("stem",), ("", ""))[0],
        items=MappingProxyType(items),
        options=MappingProxyType(grouped["options"]),
        anchors=MappingProxyType(grouped["anchors"]),
        labels=MappingProxyType(grouped["labels"]),
        units=MappingProxyType(units),
        languages=MappingProxyType({key: code for key, (_, code) in chosen.items()}),
        sources=tuple(reversed(sources)),
    )


def administer_check(instrument: Instrument, language: str,
                     packs: Mapping[tuple[str, str], WordingPack]) -> tuple[bool, str]:
    """(can it be given in ``language``, why not or which fallback); ('', True) when fine."""
    available = languages_of(instrument, packs)
    chain = _chain(language)
    name = f"{language_name(language, 'en')} ({language})"
    label = instrument.label("en")
    english = language.split("-")[0] == FALLBACK_LANGUAGE
    if any(code in available for code in (chain if english else chain[:-1])):
        return True, ""
    where = where_to_put(instrument.id, language)
    if FALLBACK_LANGUAGE in available:
        return True, f"{label} has no {name} wording, so it is shown in English; to add it, {where}"
    has = f" (it has wording in {', '.join(available)} only)" if available else ""
    why = (" It is structure-only: its wording is licensed and not shipped."
           if instrument.wording == "structure-only" else "")
    return False, (f"{label} cannot be given in {name}: no wording pack for it{has}.{why} "
                   f"To give it, {where}")


def where_to_put(instrument_id: str, language: str) -> str:
    """Advice on installing a pack, for messages."""
    return (f"put a wording pack at {LOCAL_FOLDER}/{instrument_id}.{language}.json (or in the "
            f"folder {WORDING_DIR_ENV} names), or install a plugin that provides it; "
            f"`alliance-kit wording template {instrument_id} --lang {language}` writes one to "
            "fill in")
