"""Reading definition files: JSON errors, size and nesting limits, the bundled instruments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import INSTRUMENTS, at, find_problems, make_minimal

import alliance_kit
from alliance_kit.engine import definitions
from alliance_kit.engine.definitions import MAX_DEFINITION_BYTES
from alliance_kit.kit import load_definition, try_load_definition
from alliance_kit.problems import DefinitionError, Problem

BUNDLED = sorted(INSTRUMENTS.glob("*.json"))


def write(tmp_path: Path, text: str | bytes, name: str = "def.json") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- the bundled instruments ---------------------------------------------------------------


def test_there_are_bundled_instruments():
    names = {p.stem for p in BUNDLED}
    assert {"phq-9", "wai-sr"} <= names


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_definition_loads_without_problems(path):
    instrument, problems = try_load_definition(path)
    assert [str(p) for p in problems] == []
    assert instrument is not None
    # The file name is the instrument id, so a kit can find the file again.
    assert instrument.id == path.stem


def test_phq9_model(phq9):
    assert phq9.id == "phq-9" and phq9.version == "1.1.0"
    assert [i.id for i in phq9.items] == [str(n) for n in range(1, 11)]
    assert phq9.item("10").scored is False and phq9.item("10").required is False
    total = phq9.score("total")
    assert total.range == (0, 27)
    assert [b["id"] for b in total.bands] == ["minimal", "mild", "moderate",
                                               "moderately-severe", "severe"]
    # item 10 is asked after the total is known
    assert phq9.order.index(("score", "total")) < phq9.order.index(("item", "10"))


def test_wai_model(wai):
    assert wai.wording == "structure-only" and wai.languages == ()
    assert wai.score("task").items == ("1", "2", "10", "12")
    assert wai.score("bond").items == ("3", "5", "7", "9")
    assert wai.score("goal").items == ("4", "6", "8", "11")
    assert wai.score("total").scores == ("task", "bond", "goal")
    assert all(item.text == {} for item in wai.items)


# --- Problem and DefinitionError -----------------------------------------------------------


def test_problem_str_format():
    problem = Problem("instruments/x.json", "$.items[1].scale", "unknown scale 'z'")
    assert str(problem) == "instruments/x.json: $.items[1].scale: unknown scale 'z'"


def test_problem_str_of_a_warning_says_so():
    problem = Problem("a.json", "$.id", "replaces it", "warning")
    assert str(problem) == "a.json: $.id: warning: replaces it"


def test_problem_str_names_the_file_it_came_from(tmp_path):
    data = make_minimal()
    data["items"][1]["scale"] = "nope"
    path = write(tmp_path, json.dumps(data))
    problems = find_problems(path)
    assert str(problems[0]).startswith(f"{path}: $.items[1].scale: unknown scale 'nope'")


def test_source_label_can_be_given(minimal):
    minimal["items"][1]["scale"] = "nope"
    problems = find_problems(minimal, source="plugin x")
    assert str(problems[0]).startswith("plugin x: $.items[1].scale: ")


def test_load_definition_raises_with_problems(minimal):
    minimal["version"] = "one"
    with pytest.raises(DefinitionError) as info:
        load_definition(minimal)
    assert isinstance(info.value, ValueError)
    assert [p.path for p in info.value.problems] == ["$.version"]
    assert "$.version" in str(info.value)


def test_load_definition_from_path_and_str(tmp_path):
    path = write(tmp_path, json.dumps(make_minimal()))
    assert load_definition(path).id == "mini"
    assert load_definition(str(path)).id == "mini"


def test_public_load_definition_is_the_same():
    assert alliance_kit.load_definition is load_definition


# --- reading JSON ------------------------------------------------------------------------


def test_invalid_json_names_line_and_column(tmp_path):
    path = write(tmp_path, '{\n  "id": "mini",\n  "version": ,\n}')
    instrument, problems = try_load_definition(path)
    assert instrument is None
    assert len(problems) == 1 and problems[0].path == "$"
    assert "not valid JSON" in problems[0].message
    # the bad value starts at line 3, column 14
    assert "line 3 column 14" in problems[0].message


def test_trailing_comma_is_invalid_json(tmp_path):
    path = write(tmp_path, '{"id": "mini",\n}')
    message = find_problems(path)[0].message
    assert "line 2 column 1" in message


def test_not_utf8(tmp_path):
    path = write(tmp_path, b'{"id": "caf\xe9"}')
    message = find_problems(path)[0].message
    assert "UTF-8" in message


def test_missing_file(tmp_path):
    problems = find_problems(tmp_path / "nope.json")
    assert problems[0].path == "$" and "cannot read" in problems[0].message


def test_duplicate_json_keys(tmp_path):
    text = json.dumps(make_minimal())
    # a second "citation" at the end of the top-level object
    text = text[:-1] + ', "citation": "again"}'
    problems = find_problems(write(tmp_path, text))
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].path == "$"
    assert "'citation' appears twice" in problems[0].message


def test_duplicate_keys_nested(tmp_path):
    text = json.dumps(make_minimal()).replace('"scale": "freq"}',
                                              '"scale": "freq", "scale": "freq"}', 1)
    messages = [p.message for p in find_problems(write(tmp_path, text))]
    assert any("'scale' appears twice" in m for m in messages)


def test_file_bigger_than_the_limit(tmp_path):
    text = json.dumps(make_minimal())
    padding = MAX_DEFINITION_BYTES + 1 - len(text.encode())
    path = write(tmp_path, text[:-1] + " " * padding + "}")
    assert path.stat().st_size == MAX_DEFINITION_BYTES + 1
    problems = find_problems(path)
    assert len(problems) == 1 and problems[0].path == "$"
    assert f"{MAX_DEFINITION_BYTES:,}" in problems[0].message
    assert "limit" in problems[0].message


def test_file_at_the_limit_is_read(tmp_path):
    text = json.dumps(make_minimal())
    padding = MAX_DEFINITION_BYTES - len(text.encode())
    path = write(tmp_path, text[:-1] + " " * padding + "}")
    instrument, problems = try_load_definition(path)
    assert problems == [] and instrument is not None


@pytest.mark.parametrize("text", ["[" * 5000, "[" * 5000 + "]" * 5000,
                                  '{"a":' * 5000 + "1" + "}" * 5000])
def test_deep_nesting_in_a_file_is_a_problem_not_a_crash(tmp_path, text):
    problems = find_problems(write(tmp_path, text))
    assert problems[0].path == "$"
    assert problems[0].message


def test_deep_nesting_inside_a_definition_file(tmp_path):
    text = json.dumps(make_minimal())[:-1] + ', "notes": ' + "[" * 5000 + "]" * 5000 + "}"
    assert find_problems(write(tmp_path, text))


def test_deep_nesting_in_a_dict_definition_is_a_problem_not_a_crash(minimal):
    # A plugin may hand over a parsed dict; nesting must not raise RecursionError.
    nested: list = []
    for _ in range(5000):
        nested = [nested]
    minimal["notes"] = nested
    instrument, problems = try_load_definition(minimal)
    assert instrument is None
    assert problems


def test_parse_json_accepts_text():
    data, problems = definitions.parse_json('{"a": 1}', "x")
    assert data == {"a": 1} and problems == []


def test_top_level_not_an_object(tmp_path):
    problems = find_problems(write(tmp_path, "[1, 2]"))
    assert at(problems, "$")
    assert "object" in problems[0].message


# --- normalized ------------------------------------------------------------------------


def test_normalized_fills_defaults(minimal):
    minimal["items"][0]["reverse"] = True
    data = load_definition(minimal).normalized()
    assert data["items"][0]["reverse"] is True
    assert data["items"][1]["reverse"] is False and data["items"][1]["required"] is True
    assert data["items"][0]["scale"]["id"] == "freq"
    assert data["scores"][0]["range"] == [0, 9]
    assert data["validated"] is True


def test_project_wording_is_not_validated(minimal):
    minimal["wording"] = "project"
    assert load_definition(minimal).validated is False
