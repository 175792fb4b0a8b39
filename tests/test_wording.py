"""Wording packs: checking them against definitions, collecting them, looking texts up, the CLI.

Every pack here is SYNTHETIC ("Synthetic item 1 ..."): licensed wording is never committed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from conftest import INSTRUMENTS, ROOT

import alliance_kit
from alliance_kit import default_wording
from alliance_kit.cli import cli
from alliance_kit.engine.wording import WORDING_DIR_ENV, check_pack, load_pack
from alliance_kit.problems import Problem

WAI_ITEMS = [str(i) for i in range(1, 13)]


def synthetic_pack(language: str = "en", instrument: str = "wai-sr") -> dict[str, Any]:
    """A valid made-up pack for WAI-SR's structure (12 items on a 1-5 options scale)."""
    return {
        "$schema": "https://alliance-kit.dev/schemas/wording-pack.schema.json",
        "instrument": instrument,
        "version": ">=1.0.0,<2",
        "language": language,
        "source": "Synthetic test text; not the real instrument's wording",
        "title": f"Synthetic alliance form ({language})",
        "stem": f"Synthetic stem ({language})",
        "items": {i: f"Synthetic item {i} ({language})" for i in WAI_ITEMS},
        "scales": {"frequency5": {"options": {str(v): f"Synthetic option {v} ({language})"
                                              for v in range(1, 6)}}},
    }


def srs_pack(language: str = "en") -> dict[str, Any]:
    return {
        "instrument": "srs", "version": ">=1", "language": language,
        "source": "Synthetic", "items": {i: f"Synthetic SRS item {i}" for i in "1234"},
        "scales": {"vas10": {"anchors": {"min": "Synthetic worst", "max": "Synthetic best"}}},
    }


class PackPlugin:
    """A plugin giving packs through the same hook a third-party package uses."""

    def __init__(self, *entries: Any):
        self.entries = list(entries)

    @alliance_kit.hookimpl
    def register_wording_packs(self):
        return self.entries


def make_kit(*entries: Any) -> alliance_kit.Kit:
    return alliance_kit.build_kit(plugins_dir=ROOT / "tests" / "no-such-folder", disabled=(),
                                  entry_points=False, extra=[PackPlugin(*entries)])


@pytest.fixture(autouse=True)
def no_wording_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORDING_DIR_ENV, raising=False)


@pytest.fixture(scope="module")
def plain_kit() -> alliance_kit.Kit:
    return make_kit()


def problems_of(data: Any, kit: alliance_kit.Kit) -> list[tuple[str, str]]:
    found = check_pack(copy.deepcopy(data), kit.instruments)
    assert found, "expected the pack to be refused"
    return found


def paths(found: list[tuple[str, str]]) -> list[str]:
    return [path for path, _ in found]


def write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


# --- the policy --------------------------------------------------------------------------------


def test_no_pack_is_committed_beside_the_bundled_instruments():
    folder = INSTRUMENTS / "wording"
    assert (folder / "README.md").is_file()
    assert sorted(folder.glob("*.json")) == []


def test_structure_only_without_pack_cannot_be_administered(plain_kit):
    ok, reason = plain_kit.can_administer("wai-sr", "en")
    assert not ok
    assert "instruments/wording/wai-sr.en.json" in reason
    assert WORDING_DIR_ENV in reason and "plugin" in reason
    assert "alliance-kit wording template wai-sr --lang en" in reason
    assert plain_kit.wording("wai-sr", "en") is None
    assert plain_kit.wording_languages("wai-sr") == ()
    assert plain_kit.missing_wording("wai-sr") == ["en", "es"]


def test_unknown_instrument_cannot_be_administered(plain_kit):
    ok, reason = plain_kit.can_administer("nope", "en")
    assert not ok and "unknown instrument 'nope'" in reason
    with pytest.raises(KeyError, match="unknown instrument"):
        plain_kit.wording("nope", "en")


# --- a valid pack ------------------------------------------------------------------------------


def test_valid_pack_makes_wai_sr_administrable_with_its_texts():
    kit = make_kit(synthetic_pack("en"))
    assert [str(p) for p in kit.problems if "wording" in p.source] == []
    assert kit.can_administer("wai-sr", "en") == (True, "")
    wording = kit.wording("wai-sr", "en")
    assert list(wording.items) == WAI_ITEMS
    assert wording.item("3") == "Synthetic item 3 (en)"
    assert wording.title == "Synthetic alliance form (en)"
    assert wording.stem == "Synthetic stem (en)"
    assert wording.option("frequency5", 1) == "Synthetic option 1 (en)"
    assert wording.options["frequency5"][5.0] == "Synthetic option 5 (en)"
    assert wording.sources == ("Synthetic test text; not the real instrument's wording",)
    assert wording.fallbacks == ()
    assert kit.wording_packs[("wai-sr", "en")].instrument == "wai-sr"
    assert kit.missing_wording("wai-sr") == ["es"]


def test_hook_register_wording_packs_pack_used(tmp_path):
    """A plugin's packs (dicts, files and folders) reach the kit through the hook."""
    folder = tmp_path / "packs"
    folder.mkdir()
    write(folder, "srs.en.json", srs_pack("en"))
    write(folder, "notes.txt", "not a pack")
    file = write(tmp_path, "wai-sr.es.json", synthetic_pack("es"))
    kit = make_kit(synthetic_pack("en"), file, folder)
    assert set(kit.wording_packs) == {("wai-sr", "en"), ("wai-sr", "es"), ("srs", "en")}
    assert kit.wording("wai-sr", "es").item("1") == "Synthetic item 1 (es)"
    srs = kit.wording("srs", "en")
    assert srs.anchors["vas10"] == {"min": "Synthetic worst", "max": "Synthetic best"}
    assert kit.can_administer("srs", "en") == (True, "")
    plugin_info = [p for p in kit.plugin_info if "register_wording_packs" in p.hooks]
    assert {p.name for p in plugin_info} >= {"default_wording"}


def test_pack_in_the_clinic_folder_is_used(tmp_path, monkeypatch):
    write(tmp_path, "wai-sr.en.json", synthetic_pack("en"))
    monkeypatch.setenv(WORDING_DIR_ENV, str(tmp_path))
    kit = make_kit()
    assert kit.can_administer("wai-sr", "en") == (True, "")
    assert kit.wording_packs["wai-sr", "en"].origin.endswith("wai-sr.en.json")


def test_missing_clinic_folder_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv(WORDING_DIR_ENV, str(tmp_path / "nowhere"))
    kit = make_kit()
    assert any("nowhere" in p.source and "cannot read" in p.message for p in kit.problems)


def test_a_later_pack_replaces_an_earlier_one_with_a_warning(tmp_path, monkeypatch):
    write(tmp_path, "wai-sr.en.json", synthetic_pack("en"))
    monkeypatch.setenv(WORDING_DIR_ENV, str(tmp_path))
    later = synthetic_pack("en")
    later["items"]["1"] = "Synthetic item 1, plugin version"
    kit = make_kit(later)
    assert kit.wording("wai-sr", "en").item("1") == "Synthetic item 1, plugin version"
    warning = [p for p in kit.problems if p.severity == "warning" and "replaces" in p.message]
    assert len(warning) == 1 and "wai-sr.en.json" in warning[0].message


def test_invalid_pack_becomes_a_problem_and_is_not_used():
    bad = synthetic_pack("en")
    del bad["items"]["7"]
    kit = make_kit(bad)
    assert ("wai-sr", "en") not in kit.wording_packs
    problem = next(p for p in kit.problems if p.source == "<PackPlugin-0: wording pack wai-sr.en>")
    assert problem.path == "$.items" and "'7'" in problem.message
    assert not kit.can_administer("wai-sr", "en")[0]


# --- problems, each with its path ------------------------------------------------------------


def test_missing_item(plain_kit):
    pack = synthetic_pack()
    del pack["items"]["4"], pack["items"]["9"]
    found = problems_of(pack, plain_kit)
    assert paths(found) == ["$.items", "$.items"]
    assert "no text for item '4'" in found[0][1] and "'9'" in found[1][1]


def test_unknown_item_id(plain_kit):
    pack = synthetic_pack()
    pack["items"]["13"] = "Synthetic extra"
    [(path, message)] = problems_of(pack, plain_kit)
    assert path == "$.items.13"
    assert "wai-sr has no item '13'" in message and "remove it" in message


def test_unknown_option_value(plain_kit):
    pack = synthetic_pack()
    pack["scales"]["frequency5"]["options"]["6"] = "Synthetic sixth"
    [(path, message)] = problems_of(pack, plain_kit)
    assert path == "$.scales.frequency5.options.6"
    assert "no option 6" in message and "1, 2, 3, 4, 5" in message


def test_option_value_that_is_not_a_number(plain_kit):
    pack = synthetic_pack()
    pack["scales"]["frequency5"]["options"]["often"] = "Synthetic"
    found = problems_of(pack, plain_kit)
    assert paths(found) == ["$.scales.frequency5.options"]
    assert "value as a number" in found[0][1]


def test_missing_option_label(plain_kit):
    pack = synthetic_pack()
    del pack["scales"]["frequency5"]["options"]["3"]
    [(path, message)] = problems_of(pack, plain_kit)
    assert path == "$.scales.frequency5.options" and "3" in message


def test_options_scale_without_labels(plain_kit):
    pack = synthetic_pack()
    del pack["scales"]
    [(path, message)] = problems_of(pack, plain_kit)
    assert path == "$.scales" and "frequency5" in message


def test_unknown_scale(plain_kit):
    pack = synthetic_pack()
    pack["scales"]["frequency7"] = {"options": {"1": "Synthetic"}}
    [(path, message)] = problems_of(pack, plain_kit)
    assert path == "$.scales.frequency7" and "no scale 'frequency7'" in message


def test_anchors_only_on_visual_analogue_scales(plain_kit):
    pack = synthetic_pack()
    pack["scales"]["frequency5"]["anchors"] = {"min": "Synthetic low"}
    [(path, message)] = problems_of(pack, plain_kit)
    assert path == "$.scales.frequency5.anchors"
    assert "only for visual-analogue scales" in message


def test_wrong_instrument_version(plain_kit):
    pack = synthetic_pack()
    pack["version"] = ">=2,<3"
    [(path, message)] = problems_of(pack, plain_kit)
    assert path == "$.version"
    assert "installed definition is version 1.0.0" in message


def test_version_range_syntax(plain_kit):
    for spec in ("about one", " "):
        pack = synthetic_pack()
        pack["version"] = spec
        assert paths(problems_of(pack, plain_kit)) == ["$.version"]
    pack = synthetic_pack()
    pack["version"] = "1.0.0"  # a bare version means exactly that version
    assert check_pack(pack, plain_kit.instruments) == []


def test_unknown_instrument(plain_kit):
    pack = synthetic_pack(instrument="wai-xx")
    [(path, message)] = problems_of(pack, plain_kit)
    assert path == "$.instrument"
    assert "unknown instrument 'wai-xx'" in message and "wai-sr" in message


def test_empty_texts_must_be_written(plain_kit):
    pack = synthetic_pack()
    pack["items"]["2"] = ""
    pack["source"] = " "
    pack["scales"]["frequency5"]["options"]["4"] = ""
    found = problems_of(pack, plain_kit)
    assert sorted(paths(found)) == ["$.items.2", "$.scales.frequency5.options.4", "$.source"]


def test_schema_problems(plain_kit):
    pack = synthetic_pack()
    pack["language"] = "Spanish"
    pack["colour"] = "blue"
    del pack["source"]
    found = problems_of(pack, plain_kit)
    assert paths(found) == ["$", "$", "$.language"]
    assert "'source' is a required property: add it" in found[0][1]
    assert "'colour' was unexpected" in found[1][1]
    assert "a language code such as 'en'" in found[2][1]


def test_malformed_json_is_reported_with_its_line(tmp_path, plain_kit):
    path = write(tmp_path, "wai-sr.en.json", '{"instrument": "wai-sr",\n  "items": }')
    pack, problems = load_pack(path, plain_kit.instruments, str(path))
    assert pack is None
    [problem] = problems
    assert problem == Problem(str(path), "$", problem.message)
    assert "not valid JSON" in problem.message and "line 2" in problem.message


# --- open and project instruments ----------------------------------------------------------


def phq9_pack(language: str) -> dict[str, Any]:
    return {
        "instrument": "phq-9", "version": ">=1.0.0,<2", "language": language,
        "source": "Synthetic translation for tests",
        "stem": "Synthetic stem", "items": {str(i): f"Synthetic item {i}" for i in range(1, 11)},
        "scales": {
            "frequency": {"options": {str(v): f"Synthetic frequency {v}" for v in range(4)}},
            "difficulty": {"options": {str(v): f"Synthetic difficulty {v}" for v in range(4)}},
        },
    }


def test_pack_adds_a_language_to_an_open_instrument(plain_kit):
    assert plain_kit.can_administer("phq-9", "es")[0]  # in English, with a note
    assert "shown in English" in plain_kit.can_administer("phq-9", "es")[1]
    assert set(plain_kit.instrument("phq-9").raw["scales"]) == {"frequency", "difficulty"}
    kit = make_kit(phq9_pack("es"))
    assert kit.can_administer("phq-9", "es") == (True, "")
    wording = kit.wording("phq-9", "es")
    assert wording.item("9") == "Synthetic item 9"
    assert wording.option("difficulty", 3) == "Synthetic difficulty 3"
    # the pack has no title: the definition's English title is used, and marked
    assert wording.title == plain_kit.instrument("phq-9").title["en"]
    assert wording.fallbacks == (("title",), ("short_title",))
    assert kit.missing_wording("phq-9") == []


def test_pack_for_a_language_the_definition_ships_is_ignored(plain_kit):
    kit = make_kit(phq9_pack("en"))
    assert ("phq-9", "en") not in kit.wording_packs
    [warning] = [p for p in kit.problems if p.path == "$.language"]
    assert warning.severity == "warning" and "is kept" in warning.message
    assert kit.wording("phq-9", "en").item("1") == plain_kit.wording("phq-9", "en").item("1")


# --- fallback order ----------------------------------------------------------------------------


def test_fallback_requested_then_english_then_none():
    kit = make_kit(synthetic_pack("en"), synthetic_pack("es"))
    assert kit.wording("wai-sr", "es").item("1") == "Synthetic item 1 (es)"
    assert kit.wording("wai-sr", "es-MX").item("1") == "Synthetic item 1 (es)"  # base language
    assert kit.can_administer("wai-sr", "es-MX") == (True, "")
    french = kit.wording("wai-sr", "fr")
    assert french.item("1") == "Synthetic item 1 (en)"
    assert french.language == "fr" and french.language_of("items", "1") == "en"
    assert french.is_fallback("items", "1") and french.is_fallback("options", "frequency5", 2)
    ok, reason = kit.can_administer("wai-sr", "fr")
    assert ok and "shown in English" in reason and "wai-sr.fr.json" in reason

    only_spanish = make_kit(synthetic_pack("es"))
    assert only_spanish.wording("wai-sr", "fr") is None
    ok, reason = only_spanish.can_administer("wai-sr", "en")
    assert not ok and "it has wording in es only" in reason


def test_fallback_is_text_by_text():
    """A pack adding Portuguese to the check-in without anchors shows English anchors."""
    kit = make_kit({
        "instrument": "session-checkin", "version": ">=1", "language": "pt-BR",
        "source": "Synthetic", "items": {i: f"Synthetic {i}" for i in
                                         ("bond", "goals", "approach", "overall", "comment")},
    })
    wording = kit.wording("session-checkin", "pt-BR")
    assert wording.item("bond") == "Synthetic bond"
    assert not wording.is_fallback("items", "bond")
    assert wording.anchors["bond-slider"]["min"] == "Not at all"
    assert wording.is_fallback("anchors", "bond-slider", "min")
    assert wording.stem.startswith("Please think")


def test_project_instrument_in_spanish_from_its_definition(plain_kit):
    wording = plain_kit.wording("session-checkin", "es")
    assert wording.title == "Revisión breve de la sesión"
    assert wording.anchors["bond-slider"] == {"min": "Nada", "max": "Completamente"}
    assert wording.fallbacks == ()


# --- the command line --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_kit(plain_kit):
    """The kit whose plugins bring the commands (the wording group among them)."""
    return plain_kit


def run(kit, *args):
    return CliRunner().invoke(cli, list(args), obj=kit, catch_exceptions=False)


def fill(value: Any, path: str = "") -> Any:
    """Replace every empty string with synthetic text."""
    if isinstance(value, dict):
        return {key: fill(child, f"{path}.{key}") for key, child in value.items()}
    return f"Synthetic text{path}" if value == "" else value


def test_register_commands_adds_the_wording_group(cli_kit):
    group = click.Group()
    default_wording.register_commands(group)
    assert group.commands["wording"] is default_wording.wording
    assert cli_kit.commands()["wording"] is default_wording.wording


def test_template_after_filling_in_is_valid(cli_kit, tmp_path):
    out = tmp_path / "wai-sr.es.json"
    result = run(cli_kit, "wording", "template", "wai-sr", "--lang", "es", "-o", str(out))
    assert result.exit_code == 0, result.output
    skeleton = json.loads(out.read_text(encoding="utf-8"))
    assert skeleton["instrument"] == "wai-sr" and skeleton["language"] == "es"
    assert skeleton["version"] == ">=1.0.0,<2"
    assert skeleton["items"] == {i: "" for i in WAI_ITEMS}
    assert skeleton["scales"] == {"frequency5": {"options": {str(v): "" for v in range(1, 6)}}}

    unfilled = run(cli_kit, "wording", "check", str(out))
    assert unfilled.exit_code == 1
    lines = unfilled.stdout.splitlines()
    assert len(lines) == 12 + 5 + 3  # items, options, source/title/stem
    assert all(line.startswith(f"{out}: $.") for line in lines)

    out.write_text(json.dumps(fill(skeleton)), encoding="utf-8")
    checked = run(cli_kit, "wording", "check", str(out))
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == ""
    kit = make_kit(out)
    assert kit.can_administer("wai-sr", "es") == (True, "")


def test_template_for_srs_has_anchors_and_prints_to_stdout(cli_kit):
    result = run(cli_kit, "wording", "template", "srs", "--lang", "en")
    data = json.loads(result.stdout)
    assert data["scales"] == {"vas10": {"anchors": {"min": "", "max": ""}}}
    assert data["title"] == cli_kit.instrument("srs").title["en"]


def test_template_prefills_a_project_instrument(cli_kit):
    result = run(cli_kit, "wording", "template", "session-checkin", "--lang", "es")
    data = json.loads(result.stdout)
    assert data["items"]["bond"].startswith("¿Qué tanto sintió hoy")
    assert data["scales"]["bond-slider"] == {"anchors": {"min": "Nada", "max": "Completamente"}}
    assert "comment-text" not in data["scales"]  # free text has nothing to word


def test_template_refuses_to_overwrite_and_bad_input(cli_kit, tmp_path):
    out = write(tmp_path, "filled.json", "{}")
    result = CliRunner().invoke(cli, ["wording", "template", "wai-sr", "--lang", "es", "-o",
                                      str(out)], obj=cli_kit)
    assert result.exit_code == 1 and "--force" in result.output
    assert out.read_text() == "{}"
    result = CliRunner().invoke(cli, ["wording", "template", "nope", "--lang", "es"], obj=cli_kit)
    assert result.exit_code == 2 and "unknown instrument 'nope'" in result.output
    result = CliRunner().invoke(cli, ["wording", "template", "wai-sr", "--lang", "Spanish"],
                                obj=cli_kit)
    assert result.exit_code == 2 and "not a language code" in result.output


def test_check_exit_codes(cli_kit, tmp_path):
    good = write(tmp_path, "wai-sr.en.json", synthetic_pack("en"))
    broken = write(tmp_path, "broken.json", "{not json")
    bad = synthetic_pack("es")
    bad["items"]["99"] = "Synthetic"
    wrong = write(tmp_path, "wai-sr.es.json", bad)

    result = run(cli_kit, "wording", "check", str(good))
    assert result.exit_code == 0 and "1 wording pack(s) valid" in result.output
    result = run(cli_kit, "wording", "check", str(good), str(broken), str(wrong))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{broken}: $: not valid JSON: Expecting property name enclosed in double quotes at "
        "line 1 column 2",
        f"{wrong}: $.items.99: wai-sr has no item '99': remove it or fix the id (items: "
        + ", ".join(WAI_ITEMS) + ")",
    ]
    folder = run(cli_kit, "wording", "check", str(tmp_path))  # a folder: every .json in it
    assert folder.exit_code == 1 and "3 file(s)" in folder.output


def test_check_warning_does_not_fail(cli_kit, tmp_path):
    shipped = write(tmp_path, "phq-9.en.json", phq9_pack("en"))
    result = run(cli_kit, "wording", "check", str(shipped))
    assert result.exit_code == 0
    assert "warning:" in result.stdout and "is kept" in result.stdout


def test_plugin_returning_non_packs_is_reported_not_crashing():
    import alliance_kit

    class Odd:
        @alliance_kit.hookimpl
        def register_wording_packs(self):
            return [5, None]

    kit = alliance_kit.build_kit(extra=[Odd()], entry_points=False, local=False)
    messages = [p.message for p in kit.problems]
    assert sum("neither a path to a wording pack nor a pack" in m for m in messages) == 2
    assert "wai-sr" in kit.instruments
