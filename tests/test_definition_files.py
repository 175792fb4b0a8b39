"""A definition file is enough: JSON files in the plugins folder are plugins, the CLI takes a
definition's path for an id, bulk problems read as one line, and editors get a schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, make_minimal
from jsonschema import Draft202012Validator

import alliance_kit
from alliance_kit.cli import cli
from alliance_kit.engine.editor_schemas import editor_schema, resolve_name, schema_names
from alliance_kit.plugins import json_kind
from alliance_kit.problems import DefinitionError, Problem, summarized

DEFINITION = ROOT / "tests" / "data" / "psych_alpha" / "two-scales.json"


def kit_with(folder: Path) -> alliance_kit.Kit:
    return alliance_kit.build_kit(plugins_dir=folder, disabled=(), entry_points=False)


def run(kit, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj=kit)


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def definition(ident: str) -> dict:
    data = make_minimal()
    data["id"] = ident
    return data


def wai_pack(kit) -> dict:
    from alliance_kit.default_wording import pack_template

    pack = pack_template(kit.instrument("wai-sr"), "en")
    pack["source"] = "test placeholders"
    pack["title"] = "WAI-SR (test)"
    pack["stem"] = "Think about your therapist."
    pack["items"] = {k: f"placeholder {k}" for k in pack["items"]}
    for scale in pack["scales"].values():
        scale["options"] = {k: f"option {k}" for k in scale["options"]}
    return pack


# --- JSON files in the plugins folder ------------------------------------------------------

def test_a_definition_file_in_the_plugins_folder_is_a_plugin(tmp_path):
    write(tmp_path / "plugins" / "my-scale.json", definition("my-scale"))
    kit = kit_with(tmp_path / "plugins")
    assert "my-scale" in kit.instruments
    info = {i.name: i for i in kit.plugin_info}["my-scale.json"]
    assert (info.source, info.hooks) == ("plugins folder", ["register_instruments"])
    assert info.location.endswith("my-scale.json")
    assert not kit.errors


def test_a_folder_of_definitions_and_wording_packs_is_a_plugin(tmp_path, kit):
    folder = tmp_path / "plugins" / "clinic-measures"
    write(folder / "a-scale.json", definition("a-scale"))
    write(folder / "b-scale.json", definition("b-scale"))
    write(folder / "wai-sr.en.json", wai_pack(kit))
    (folder / "notes.txt").write_text("not a plugin")
    loaded = kit_with(tmp_path / "plugins")
    assert {"a-scale", "b-scale"} <= set(loaded.instruments)
    assert ("wai-sr", "en") in loaded.wording_packs
    info = {i.name: i for i in loaded.plugin_info}["clinic-measures"]
    assert info.hooks == ["register_instruments", "register_wording_packs"]
    assert loaded.can_administer("wai-sr", "en") == (True, "")


def test_a_wording_pack_file_alone_installs_the_wording(tmp_path, kit):
    write(tmp_path / "plugins" / "wai-sr.en.json", {**wai_pack(kit), "$schema": None} |
          {"$schema": "https://alliance-kit.dev/schemas/wording-pack.schema.json"})
    loaded = kit_with(tmp_path / "plugins")
    assert loaded.wording("wai-sr", "en").item("3") == "placeholder 3"


def test_json_kind_by_schema_then_by_keys(tmp_path):
    assert json_kind(write(tmp_path / "a.json", {"instrument": "x", "language": "en"})) == \
        "wording_packs"
    assert json_kind(write(tmp_path / "b.json", {"$schema": "x/instrument.schema.json",
                                                  "instrument": "x", "language": "en"})) == \
        "instruments"
    (tmp_path / "c.json").write_text("{not json")
    assert json_kind(tmp_path / "c.json") == "instruments"  # the loader says what is wrong


def test_a_broken_file_is_reported_and_the_rest_loads(tmp_path):
    write(tmp_path / "plugins" / "good.json", definition("good"))
    (tmp_path / "plugins" / "bad.json").write_text('{"id": "bad",')
    kit = kit_with(tmp_path / "plugins")
    assert "good" in kit.instruments
    problems = [str(p) for p in kit.errors]
    assert any("bad.json: $: not valid JSON" in p for p in problems), problems


def test_a_file_a_python_plugin_also_registers_loads_once(tmp_path):
    folder = tmp_path / "plugins"
    write(folder / "mood-check.json", definition("mood-check"))
    (folder / "mood_check.py").write_text(
        "from pathlib import Path\nfrom alliance_kit import hookimpl\n\n@hookimpl\n"
        "def register_instruments():\n    return [Path(__file__).parent / 'mood-check.json']\n")
    kit = kit_with(folder)
    assert "mood-check" in kit.instruments
    assert not [p for p in kit.problems if "mood-check" in p.message], kit.problems


def test_a_json_plugin_can_be_disabled_by_its_file_name(tmp_path):
    write(tmp_path / "plugins" / "my-scale.json", definition("my-scale"))
    kit = alliance_kit.build_kit(plugins_dir=tmp_path / "plugins", disabled=["my-scale.json"],
                                 entry_points=False)
    assert "my-scale" not in kit.instruments


def test_validate_checks_a_plugins_folder_of_definitions_and_packs(tmp_path, kit):
    folder = tmp_path / "plugins"
    write(folder / "a-scale.json", definition("a-scale"))
    write(folder / "wai-sr.en.json", wai_pack(kit))
    result = run(kit, "validate", folder)
    assert result.exit_code == 0, result.output
    assert "1 definition(s) and 1 wording pack(s) valid" in result.stderr
    broken = wai_pack(kit)
    del broken["items"]["3"]
    write(folder / "wai-sr.en.json", broken)
    result = run(kit, "validate", folder)
    assert result.exit_code == 1
    assert "wai-sr.en.json: $.items" in result.stdout and "'3'" in result.stdout


# --- a definition's path wherever an id goes ------------------------------------------------

def test_score_psychometrics_and_validate_take_a_definition_path(kit, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("Q1,Q2,Q3,Q4,Q5\n1,2,3,4,5\n5,4,3,2,1\n2,2,3,3,4\n")
    scored = run(kit, "score", DEFINITION, data)
    assert scored.exit_code == 0, scored.output
    assert scored.stdout.splitlines()[0].endswith(",first,second")
    assert run(kit, "psychometrics", DEFINITION, data, "--score", "first").exit_code == 0
    assert run(kit, "validate", DEFINITION).exit_code == 0
    shown = run(kit, "instruments", "show", DEFINITION)
    assert json.loads(shown.stdout)["id"] == "two-scales"


def test_validate_takes_an_installed_id(kit):
    result = run(kit, "validate", "phq-9")
    assert result.exit_code == 0 and "1 definition(s) valid" in result.output
    unknown = run(kit, "validate", "no-such-thing")
    assert unknown.exit_code == 2 and "no such file, folder or installed instrument" in \
        unknown.output


def test_a_bad_definition_path_shows_its_problems(kit, tmp_path):
    bad = write(tmp_path / "bad.json", {**definition("bad"), "scales": {}})
    result = run(kit, "score", bad, DEFINITION)
    assert result.exit_code == 1
    assert f"{bad} is not a valid definition" in result.output
    assert "$.scales" in result.output
    missing = run(kit, "score", tmp_path / "nope.json", DEFINITION)
    assert missing.exit_code == 2 and "no such definition file" in missing.output
    unknown = run(kit, "score", "nope", DEFINITION)
    assert "or give the path of a definition file (.json)" in unknown.output


# --- many problems, one line -----------------------------------------------------------------

def upper_case_definition() -> dict:
    data = json.loads(DEFINITION.read_text())
    for item in data["items"]:
        item["id"] = item["id"].upper()
    return data


def test_25_upper_case_ids_read_as_one_line_with_the_count(kit, tmp_path):
    data = upper_case_definition()
    data["items"] += [{"id": f"X{i}", "scale": "agree", "required": False}
                      for i in range(15)]
    path = write(tmp_path / "upper.json", data)
    result = run(kit, "validate", path)
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines == [
        f"{path}: $.items[0].id: 'Q1' is not an id: ids are lower case, write 'q1' (data "
        "columns named 'Q1' still match it) [25 places break this rule: also "
        "$.items[1].id 'Q2', $.items[2].id 'Q3', $.items[3].id 'Q4' and 21 more]"]
    assert "25 problem(s) in 1 file(s)" in result.stderr


def test_summarized_keeps_order_and_small_groups():
    problems = [Problem("f.json", "$.a", "first"),
                *[Problem("f.json", f"$.items[{i}].scale", f"unknown scale 's{i}'")
                  for i in range(6)],
                Problem("f.json", "$.b", "last"),
                Problem("g.json", "$.items[0].id", "x"), Problem("g.json", "$.items[1].id", "x")]
    out = summarized(problems)
    assert [p.path for p in out] == ["$.a", "$.items[0].scale", "$.b", "$.items[0].id",
                                     "$.items[1].id"]
    assert out[1].message == ("unknown scale 's0' [6 places break this rule: also "
                              "$.items[1].scale 's1', $.items[2].scale 's2', $.items[3].scale "
                              "'s3' and 2 more]")
    assert summarized(problems[:4]) == problems[:4]  # three alike are shown as they are


def test_the_definition_error_message_is_summarized_but_keeps_every_problem(kit):
    with pytest.raises(DefinitionError) as caught:
        alliance_kit.load_definition(upper_case_definition())
    assert len(caught.value.problems) == 10
    assert str(caught.value).count("\n") == 0 and "10 places break this rule" in \
        str(caught.value)


# --- schemas for editors -------------------------------------------------------------------

def test_schema_command_writes_a_self_contained_instrument_schema(kit, tmp_path):
    result = run(kit, "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    text = json.dumps(schema)
    assert '"$ref": "https://' not in text  # nothing an editor would have to download
    validator = Draft202012Validator(schema)
    for path in sorted((ROOT / "instruments").glob("*.json")):
        assert not list(validator.iter_errors(json.loads(path.read_text()))), path.name
    # a scale's own fields are checked: what `validate` says, the editor shows
    broken = json.loads((ROOT / "instruments" / "phq-9.json").read_text())
    broken["scales"]["frequency"]["optons"] = []
    assert list(validator.iter_errors(broken))
    assert schema["properties"]["scales"]["additionalProperties"]["properties"]["type"][
        "enum"] == sorted(kit.types.scale_types)


def test_schema_of_wording_packs_by_a_start_of_its_name(kit, tmp_path):
    output = tmp_path / "wording-pack.schema.json"
    result = run(kit, "schema", "wording", "-o", output)
    assert result.exit_code == 0, result.output
    schema = json.loads(output.read_text())
    assert not list(Draft202012Validator(schema).iter_errors(wai_pack(kit)))
    assert list(Draft202012Validator(schema).iter_errors({"instrument": "x"}))


def test_schema_names_and_unknown_kind(kit):
    assert schema_names() == ["instrument", "drinking-limits", "guidance-pack", "wording-pack"]
    assert resolve_name("wording") == "wording-pack"
    assert resolve_name("guidance") == "guidance-pack"
    result = run(kit, "schema", "nope")
    assert result.exit_code == 2
    assert "there are instrument, drinking-limits, guidance-pack, wording-pack" in result.output


def test_schema_includes_plugin_types(kit):
    from alliance_kit.types import ScaleType

    class Stars(ScaleType):
        name = "stars"
        schema = {"type": "object", "required": ["type", "count"],
                  "properties": {"type": {"const": "stars"}, "count": {"type": "integer"}},
                  "additionalProperties": False}

    types = kit.types
    types.scale_types["stars"] = Stars()
    try:
        schema = editor_schema("instrument", types)
    finally:
        del types.scale_types["stars"]
    assert "scale-stars" in schema["$defs"]
    validator = Draft202012Validator(schema)
    data = make_minimal()
    data["scales"]["five"] = {"type": "stars", "count": "many"}
    assert [e.message for e in validator.iter_errors(data)]
