"""Fuzzed definitions: thousands of broken definitions, every one rejected plainly.

Each strategy starts from a valid definition (every bundled instrument and the minimal one
from ``conftest``) and breaks it in one way: a required key deleted, a value of the wrong
JSON type, a duplicated id, a NUL or bidirectional control character, min above max, a
score or item that depends on itself, an unknown key, nesting far too deep, a number
that is not finite; and at the file level a 10 MB file, truncated JSON, bytes that are
not UTF-8, ``NaN``/``Infinity`` literals and nesting thousands of levels deep.

For every one: ``try_load_definition`` returns ``(None, problems)`` without raising,
every problem names its source and a JSON path starting with ``$``, a problem sits at (or
above, or below) the place that was broken, a kit built with the broken definitions
registered by a plugin still loads every bundled instrument unchanged, and nothing is
written to the database.

Examples per run: 8 mutation kinds x 90, 120 non-finite numbers, 25 batches of 5-30
definitions through ``build_kit``, and 235 broken files (80 truncated, 60 not UTF-8, 60
with non-finite literals, 30 nested deeply, 5 of 2-10 MB), plus fixed cases: about 1,500.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tempfile
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import INSTRUMENTS, ROOT, make_minimal, row_counts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alliance_kit
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.engine.definitions import MAX_DEFINITION_BYTES, read_json
from alliance_kit.hookspecs import hookimpl
from alliance_kit.kit import build_kit, default_types, try_load_definition
from alliance_kit.problems import Problem
from alliance_kit.store import migrate, open_store

NO_FOLDER = ROOT / "tests" / "no-such-folder"
SYSTEM = Actor.system()

BUNDLED: dict[str, dict[str, Any]] = {
    path.stem: json.loads(path.read_text(encoding="utf-8"))
    for path in sorted(INSTRUMENTS.glob("*.json"))
}
BASES: dict[str, dict[str, Any]] = {**BUNDLED, "mini": make_minimal()}
BUNDLED_IDS = {data["id"] for data in BUNDLED.values()}

UNSAFE_CHARS = ["\x00", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]

TOP_REQUIRED = ["id", "version", "title", "license", "citation", "wording", "languages",
                "scales", "items"]
SCALE_REQUIRED = {"options": ["type", "options"], "visual-analogue": ["type", "min", "max", "step"],
                  "numeric": ["type", "min", "max"], "text": ["type"], "yes-no": ["type"]}
SCORE_REQUIRED = {"sum": ["id", "method", "items"], "mean": ["id", "method", "items"],
                  "composite": ["id", "method", "terms"]}

FAST = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---- helpers ----------------------------------------------------------------------------


def is_bundled(instrument) -> bool:
    """Loaded from the bundled instruments folder (not replaced by a plugin's copy)."""
    return Path(instrument.source).resolve().parent == INSTRUMENTS


def json_path(path: tuple[str | int, ...]) -> str:
    """A path as the library writes it: ``$.scales.freq.options[0].label``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def nodes(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, value) in a JSON document, the root first."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from nodes(child, (*path, index))


def get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: tuple, value: Any) -> None:
    get(data, path[:-1])[path[-1]] = value


def json_class(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def normal(path: str) -> str:
    """jsonschema writes ``$.scales['bond-slider']`` where the checks write
    ``$.scales.bond-slider``: compare the two spellings as one."""
    return re.sub(r"\['([^']*)'\]", r".\1", path)


def related(problem_path: str, broken: str) -> bool:
    """A problem is about the broken place when one path contains the other."""
    problem_path, broken = normal(problem_path), normal(broken)
    return problem_path.startswith(broken) or broken.startswith(problem_path)


def assert_rejected(definition: Any, broken_at: str | None, source: str = "fuzz.json",
                    what: str = "") -> list[Problem]:
    """Rejected, without an exception, with located problems; returns them."""
    instrument, problems = try_load_definition(definition, source=source)
    assert instrument is None, f"{what}: a broken definition loaded"
    assert problems, f"{what}: rejected without saying why"
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.source == source, (what, problem)
        assert problem.path.startswith("$"), (what, problem)
        assert problem.message.strip(), (what, problem)
        assert problem.severity == "error", (what, problem)
        assert str(problem).startswith(f"{source}: $"), (what, problem)
    if broken_at is not None:
        paths = [p.path for p in problems]
        assert any(related(p, broken_at) for p in paths), (
            f"{what}: broken at {broken_at}, problems at {paths}")
    return problems


# ---- the database: nothing may be written -------------------------------------------------


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """A migrated SQLite database with one therapist and one client; yields (store, counts)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzzdb') / 'fuzz.db'}"
    store = open_store(url, create=True)
    migrate.upgrade(store)
    services = Services(store, build_kit(plugins_dir=NO_FOLDER, entry_points=False,
                                         disabled=()))
    therapist = services.add_user(SYSTEM, "fuzz-therapist", "therapist")
    services.add_client(SYSTEM, "FUZZ-1", therapist_ids=[therapist])
    before = row_counts(store)
    yield store, before
    try:
        assert row_counts(store) == before, "a rejected definition wrote to the database"
    finally:
        store.close()


# ---- mutation strategies -------------------------------------------------------------------

base_names = st.sampled_from(sorted(BASES))


@st.composite
def missing_key(draw):
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    places: list[tuple[tuple, str]] = [((), key) for key in TOP_REQUIRED]
    for index in range(len(data["items"])):
        places += [(("items", index), "id"), (("items", index), "scale")]
    for key, scale in data["scales"].items():
        places += [(("scales", key), k) for k in SCALE_REQUIRED.get(scale["type"], ["type"])]
    for index, score in enumerate(data.get("scores", [])):
        places += [(("scores", index), k) for k in SCORE_REQUIRED[score["method"]]]
    for index in range(len(data.get("alerts", []))):
        places += [(("alerts", index), k) for k in ("id", "type", "severity")]
    container, key = draw(st.sampled_from(places))
    del get(data, container)[key]
    return name, data, json_path(container)


#: (path pattern, JSON class) replacements the schema allows, so not breakages.
_ALLOWED_REPLACEMENTS = {
    (("items", "#", "when_not_asked"), "null"),
    (("scores", "#", "cutoffs", "#", "value"), "number"),
    (("scores", "#", "cutoffs", "#", "value"), "object"),
}


def _pattern(path: tuple) -> tuple:
    return tuple("#" if isinstance(part, int) else part for part in path)


json_values = {
    "null": st.none(),
    "boolean": st.booleans(),
    "number": st.integers(-10**6, 10**6) | st.floats(-1e6, 1e6, allow_nan=False),
    "string": st.text(max_size=10),
    "array": st.lists(st.integers(0, 3), max_size=3),
    "object": st.dictionaries(st.sampled_from(["x", "en", "id"]), st.integers(0, 3), max_size=2),
}


@st.composite
def wrong_type(draw):
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    path, value = draw(st.sampled_from([(p, v) for p, v in nodes(data) if p]))
    choices = [c for c in json_values if c != json_class(value)
               and (_pattern(path), c) not in _ALLOWED_REPLACEMENTS]
    replacement = draw(json_values[draw(st.sampled_from(choices))])
    put(data, path, replacement)
    return name, data, json_path(path)


@st.composite
def duplicate_id(draw):
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    lists = [key for key in ("items", "scores", "alerts") if len(data.get(key, [])) >= 1]
    key = draw(st.sampled_from(lists))
    entries = data[key]
    source = draw(st.integers(0, len(entries) - 1))
    if len(entries) >= 2 and draw(st.booleans()):
        target = draw(st.integers(0, len(entries) - 1).filter(lambda i: i != source))
        entries[target]["id"] = entries[source]["id"]
    else:
        entries.insert(draw(st.integers(0, len(entries))), copy.deepcopy(entries[source]))
    return name, data, f"$.{key}"


@st.composite
def unsafe_text(draw):
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    char = draw(st.sampled_from(UNSAFE_CHARS))
    strings = [(p, v) for p, v in nodes(data) if isinstance(v, str)]
    keyed = [(p, k) for p, v in nodes(data) if isinstance(v, dict) for k in v]
    if draw(st.booleans()):
        path, value = draw(st.sampled_from(strings))
        at = draw(st.integers(0, len(value)))
        put(data, path, value[:at] + char + value[at:])
        return name, data, json_path(path)
    container, key = draw(st.sampled_from(keyed))
    mapping = get(data, container)
    at = draw(st.integers(0, len(key)))
    mapping[key[:at] + char + key[at:]] = mapping.pop(key)
    return name, data, json_path(container)


@st.composite
def min_above_max(draw):
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    places = []
    for key, scale in data["scales"].items():
        if "min" in scale and "max" in scale:
            places.append(("scale", ("scales", key)))
    for index, score in enumerate(data.get("scores", [])):
        places.append(("range", ("scores", index)))
        places += [("band", ("scores", index, "bands", b)) for b in range(len(score.get("bands",
                                                                                          [])))]
    kind, path = draw(st.sampled_from(places))
    gap = draw(st.integers(1, 100))
    target = get(data, path)
    if kind == "range":
        instrument = alliance_kit.load_definition(copy.deepcopy(BASES[name]))
        low, high = instrument.score(target["id"]).range
        target["range"] = [high + gap, low] if draw(st.booleans()) else [high, high - gap]
        return name, data, json_path((*path, "range"))
    if draw(st.booleans()):
        target["min"] = target["max"] + gap
    else:
        target["max"] = target["min"] - gap
    return name, data, json_path(path)


@st.composite
def self_reference(draw):
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    scores = data.setdefault("scores", [])
    kind = draw(st.sampled_from(["composite-self", "composite-pair", "ask-if-self",
                                 "ask-if-pair"]))
    if kind == "composite-self":
        composites = [i for i, s in enumerate(scores) if s["method"] == "composite"]
        if composites and draw(st.booleans()):
            index = draw(st.sampled_from(composites))
            scores[index]["terms"].append({"score": scores[index]["id"]})
        else:
            index = draw(st.integers(0, len(scores)))
            scores.insert(index, {"id": "loop", "method": "composite",
                                  "terms": [{"score": "loop", "weight": 1}]})
        return name, data, "$.scores"
    if kind == "composite-pair":
        scores += [{"id": "loop-a", "method": "composite", "terms": [{"score": "loop-b"}]},
                   {"id": "loop-b", "method": "composite", "terms": [{"score": "loop-a"}]}]
        return name, data, "$.scores"
    items = data["items"]
    numeric = [i for i, item in enumerate(items)
               if data["scales"][item["scale"]]["type"] != "text"]
    first = draw(st.sampled_from(numeric))
    if kind == "ask-if-self":
        items[first]["ask_if"] = {"item": items[first]["id"], "op": ">=", "value": 0}
        return name, data, "$.items"
    second = draw(st.sampled_from([i for i in numeric if i != first] or [first]))
    items[first]["ask_if"] = {"item": items[second]["id"], "op": ">=", "value": 0}
    items[second]["ask_if"] = {"item": items[first]["id"], "op": ">=", "value": 0}
    return name, data, "$.items"


@st.composite
def unknown_key(draw):
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    containers: list[tuple] = [(), ("license",)]
    containers += [("items", i) for i in range(len(data["items"]))]
    containers += [("scales", k) for k in data["scales"]]
    containers += [("scores", i) for i in range(len(data.get("scores", [])))]
    containers += [("alerts", i) for i in range(len(data.get("alerts", [])))]
    containers += [("scores", i, "bands", b) for i, s in enumerate(data.get("scores", []))
                   for b in range(len(s.get("bands", [])))]
    container = draw(st.sampled_from(containers))
    key = "zz" + draw(st.text("abcdefghijklmnopqrstuvwxyz_", max_size=8))
    get(data, container)[key] = draw(json_values["string"] | json_values["number"])
    return name, data, json_path(container)


def nested(depth: int, leaf: Any = 0, as_dict: bool = False) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value} if as_dict else [value]
    return value


class Deep:
    """A placeholder for a value nested ``depth`` levels deep, made only when loading:
    Hypothesis would otherwise recurse through it to print a failing example."""

    def __init__(self, depth: int, as_dict: bool):
        self.depth, self.as_dict = depth, as_dict

    def __repr__(self) -> str:
        return f"<{'dict' if self.as_dict else 'list'} nested {self.depth} levels deep>"


def realize(value: Any) -> Any:
    """The definition with every Deep placeholder replaced by the real nesting."""
    if isinstance(value, Deep):
        return nested(value.depth, as_dict=value.as_dict)
    if isinstance(value, dict):
        return {key: realize(child) for key, child in value.items()}
    if isinstance(value, list):
        return [realize(child) for child in value]
    return value


@st.composite
def deep_nesting(draw):
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    path, _ = draw(st.sampled_from([(p, v) for p, v in nodes(data) if p and len(p) <= 4]))
    put(data, path, Deep(draw(st.integers(33, 1000)), draw(st.booleans())))
    return name, data, json_path(path)


@st.composite
def not_finite(draw):
    """NaN and infinities: JSON has no such numbers, so no definition may contain one."""
    name = draw(base_names)
    data = copy.deepcopy(BASES[name])
    numbers = [p for p, v in nodes(data) if json_class(v) == "number"]
    path = draw(st.sampled_from(numbers))
    put(data, path, draw(st.sampled_from([math.nan, math.inf, -math.inf])))
    return name, data, json_path(path)


MUTATIONS = {
    "missing-key": missing_key(),
    "wrong-type": wrong_type(),
    "duplicate-id": duplicate_id(),
    "unsafe-text": unsafe_text(),
    "min-above-max": min_above_max(),
    "self-reference": self_reference(),
    "unknown-key": unknown_key(),
    "deep-nesting": deep_nesting(),
}
#: Any one breakage (locations are checked as "related": a value of the wrong type may be
#: reported at its parent by a oneOf, a duplicate at the second of the two entries).
ANY_MUTATION = st.one_of(*MUTATIONS.values())


def test_every_base_loads():
    """The fuzzing starts from definitions that are valid as they are."""
    for name, data in BASES.items():
        instrument, problems = try_load_definition(copy.deepcopy(data), source=name)
        assert instrument is not None, [str(p) for p in problems]


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
@settings(FAST, max_examples=90)
@given(data=st.data())
def test_mutated_definition_is_rejected_with_file_and_path(kind, data):
    name, definition, broken_at = data.draw(MUTATIONS[kind], label=kind)
    assert_rejected(realize(definition), broken_at, what=f"{kind} of {name}")


@settings(FAST, max_examples=120)
@given(mutated=not_finite())
def test_non_finite_number_is_rejected_not_loaded_or_crashing(mutated):
    name, definition, broken_at = mutated
    assert_rejected(definition, broken_at, what=f"non-finite number in {name}")


@settings(FAST, max_examples=25)
@given(batch=st.lists(ANY_MUTATION, min_size=5, max_size=30))
def test_kit_with_broken_definitions_still_loads_every_bundled_instrument(batch, db):
    store, before = db
    definitions = [realize(definition) for _, definition, _ in batch]
    plugin = types.ModuleType("fuzz_broken")
    plugin.register_instruments = hookimpl(lambda: definitions)
    kit = build_kit(plugins_dir=NO_FOLDER, entry_points=False, disabled=(), extra=[plugin])
    assert set(kit.instruments) == BUNDLED_IDS
    for instrument in kit.instruments.values():
        assert is_bundled(instrument), f"replaced by {instrument.source}"
        assert instrument.raw == BUNDLED[Path(instrument.source).stem]
    assert len(kit.errors) >= len(batch)
    for problem in kit.problems:
        assert problem.source and problem.path.startswith("$"), problem
    # A plugin that failed would show as "plugin ...: hook ... failed": none may.
    assert not [p for p in kit.problems if p.source.startswith("plugin ")], kit.problems
    # Submitting to a rejected instrument is refused before anything is written.
    services = Services(store, kit)
    for definition in definitions:
        ident = definition.get("id")
        if isinstance(ident, str) and ident not in BUNDLED_IDS:
            with pytest.raises(KeyError, match="unknown instrument"):
                services.submit_response(SYSTEM, client_id=1, instrument_id=ident,
                                         answers={}, idempotency_key=f"fuzz-{ident}"[:60])
    assert row_counts(store) == before


@pytest.mark.parametrize("entry", [42, None, 3.5, ["nested", "list"], b"bytes", object()],
                         ids=["int", "none", "float", "list", "bytes", "object"])
def test_plugin_registering_a_non_definition_is_a_problem_not_a_crash(entry, db):
    """A plugin returning something that is neither a path nor a dict (e.g. a definition
    that is a JSON list): reported against the plugin, and every other instrument loads."""
    store, before = db
    plugin = types.ModuleType("fuzz_not_a_definition")
    plugin.register_instruments = hookimpl(lambda: [entry])
    kit = build_kit(plugins_dir=NO_FOLDER, entry_points=False, disabled=(), extra=[plugin])
    assert set(kit.instruments) == BUNDLED_IDS
    assert kit.errors, "the bad entry must be reported"
    assert all(p.path.startswith("$") and p.source for p in kit.errors)
    assert row_counts(store) == before


@pytest.mark.parametrize("top", [[], ["a"], "text", 3, None, True],
                         ids=["empty-list", "list", "string", "number", "null", "bool"])
def test_definition_file_that_is_not_an_object(top, tmp_path):
    path = tmp_path / "top.json"
    path.write_text(json.dumps(top), encoding="utf-8")
    assert_rejected(path, "$", source=str(path))


# ---- file-level breakage -------------------------------------------------------------------


def _write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / f"{name}.json"
    path.write_bytes(content)
    return path


def _serialized(name: str) -> str:
    return json.dumps(BASES[name], indent=2, ensure_ascii=False)


@settings(FAST, max_examples=80)
@given(name=base_names, cut=st.floats(0, 1, exclude_max=True))
def test_truncated_file_is_rejected_with_line_and_column(name, cut):
    raw = _serialized(name)
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), name, raw[: int(len(raw) * cut)].encode("utf-8"))
        problems = assert_rejected(path, "$", source=str(path))
        assert any("line" in p.message and "column" in p.message for p in problems), problems


@settings(FAST, max_examples=60)
@given(name=base_names, at=st.floats(0, 1), bad=st.sampled_from([b"\xff", b"\xc3", b"\x80"]))
def test_file_that_is_not_utf8_is_rejected(name, at, bad):
    raw = _serialized(name).encode("utf-8")
    index = int(len(raw) * at)
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), name, raw[:index] + bad + raw[index:])
        assert_rejected(path, "$", source=str(path))


@settings(FAST, max_examples=60)
@given(name=base_names, literal=st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999",
                                                 "-1e999"]), data=st.data())
def test_file_with_a_non_finite_number_is_rejected(name, literal, data):
    """``json`` reads NaN, Infinity and 1e999 (as inf) although JSON has no such numbers."""
    definition = copy.deepcopy(BASES[name])
    numbers = [p for p, v in nodes(definition) if json_class(v) == "number"]
    path = data.draw(st.sampled_from(numbers), label="path")
    put(definition, path, "@@HERE@@")
    raw = json.dumps(definition, indent=2).replace('"@@HERE@@"', literal)
    with tempfile.TemporaryDirectory() as folder:
        file = _write(Path(folder), name, raw.encode("utf-8"))
        assert_rejected(file, json_path(path), source=str(file),
                        what=f"{literal} at {json_path(path)} of {name}")


@settings(FAST, max_examples=30)
@given(name=base_names, depth=st.integers(33, 200_000), as_dict=st.booleans(),
       data=st.data())
def test_file_nested_deeply_is_rejected(name, depth, as_dict, data):
    definition = copy.deepcopy(BASES[name])
    path = data.draw(st.sampled_from([p for p, _ in nodes(definition) if p and len(p) <= 3]),
                     label="path")
    put(definition, path, "@@HERE@@")
    opening, closing = ('{"a": ', "}") if as_dict else ("[", "]")
    deep = opening * depth + "0" + closing * depth
    raw = json.dumps(definition).replace('"@@HERE@@"', deep)
    if len(raw) > MAX_DEFINITION_BYTES:
        raw = raw[:MAX_DEFINITION_BYTES]  # still refused (truncated), never read whole
    with tempfile.TemporaryDirectory() as folder:
        file = _write(Path(folder), name, raw.encode("utf-8"))
        assert_rejected(file, None, source=str(file))


@settings(FAST, max_examples=5)
@given(name=base_names, size=st.integers(MAX_DEFINITION_BYTES + 1, 10 * 1024 * 1024))
def test_huge_file_is_refused_before_parsing(name, size):
    definition = copy.deepcopy(BASES[name])
    definition["citation"] = "@@HERE@@"
    raw = json.dumps(definition).encode("utf-8")
    raw = raw.replace(b"@@HERE@@", b"x" * max(0, size - len(raw) + 8))
    with tempfile.TemporaryDirectory() as folder:
        file = _write(Path(folder), name, raw)
        problems = assert_rejected(file, "$", source=str(file))
        assert len(problems) == 1 and "the limit is" in problems[0].message


def test_plugin_folder_with_broken_files_still_loads_everything(tmp_path, db):
    """A local plugin registers a folder of broken files (10 MB, 100,000 levels deep,
    truncated, not UTF-8, NUL, bidi): each is reported with its file name, the rest loads."""
    store, before = db
    broken = tmp_path / "broken"
    broken.mkdir()
    phq9 = _serialized("phq-9")
    files = {
        "ten-megabytes": phq9.replace('"citation": "', '"citation": "' + "x" * 10 * 1024 * 1024)
        .encode("utf-8"),
        "deep": ("[" * 100_000 + "]" * 100_000).encode("utf-8"),
        "deep-inside": phq9.replace('"notes": [', '"notes": [' + "[" * 5000 + "]" * 5000 + ", ",
                                    1).encode("utf-8"),
        "truncated": phq9[: len(phq9) // 2].encode("utf-8"),
        "latin-1": phq9.replace("Over", "Übér").encode("latin-1", errors="replace"),
        "nul": phq9.replace('"citation": "', '"citation": "\\u0000').encode("utf-8"),
        "bidi": phq9.replace('"citation": "', '"citation": "\\u202e').encode("utf-8"),
    }
    for name, content in files.items():
        assert content != phq9.encode("utf-8"), name
        _write(broken, name, content)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken_definitions.py").write_text(textwrap.dedent(f"""
        from pathlib import Path
        from alliance_kit.hookspecs import hookimpl

        @hookimpl
        def register_instruments():
            return [Path({str(broken)!r})]
    """), encoding="utf-8")
    kit = build_kit(plugins_dir=plugins, entry_points=False, disabled=())
    assert set(kit.instruments) == BUNDLED_IDS
    for instrument in kit.instruments.values():
        assert is_bundled(instrument), f"replaced by {instrument.source}"
    for name in files:
        named = [p for p in kit.errors if Path(p.source).name == f"{name}.json"]
        assert named, f"{name}.json was not reported: {[str(p) for p in kit.problems]}"
        assert all(p.path.startswith("$") for p in named)
    assert row_counts(store) == before


def test_nan_file_in_a_plugin_folder_does_not_replace_a_bundled_instrument(tmp_path):
    """A copy of phq-9.json whose total's range is ``[0, NaN]`` (not JSON) must be rejected,
    not silently replace the bundled PHQ-9 (a later plugin's instrument wins)."""
    broken = tmp_path / "broken"
    broken.mkdir()
    raw = _serialized("phq-9")
    assert '"range": [\n        0,\n        27\n      ]' in raw
    _write(broken, "phq-9-nan", raw.replace('        27\n', '        NaN\n', 1).encode("utf-8"))
    plugin = types.ModuleType("fuzz_nan_folder")
    plugin.register_instruments = hookimpl(lambda: [broken])
    kit = build_kit(plugins_dir=NO_FOLDER, entry_points=False, disabled=(), extra=[plugin])
    assert is_bundled(kit.instrument("phq-9")), (
        f"phq-9 was replaced by {kit.instrument('phq-9').source}")
    assert [p for p in kit.errors if Path(p.source).name == "phq-9-nan.json"]


def test_read_json_of_a_ten_megabyte_file_reads_nothing(tmp_path):
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.write(b'{"id": "' + b"x" * (10 * 1024 * 1024) + b'"}')
    data, problems = read_json(path)
    assert data is None
    assert [p.path for p in problems] == ["$"] and problems[0].source == str(path)


def test_default_types_are_not_changed_by_fuzzing():
    """The types are shared (functools.cache): no broken definition may register anything."""
    assert {"options", "visual-analogue", "numeric", "text", "yes-no"} <= set(
        default_types().scale_types)
