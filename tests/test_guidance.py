"""Guidance packs: the schema and checks (FILE: $.path: message), matching, the hook that
adds or replaces packs, the built-in pack, and `alliance-kit guidance list|check|match`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import INSTRUMENTS

from alliance_kit import build_kit, hookimpl
from alliance_kit.cli import cli
from alliance_kit.engine.guidance import GUIDANCE_DIR_ENV, check_pack, collect_guidance, match

BUILTIN = INSTRUMENTS / "guidance" / "motivation.json"


def small_pack() -> dict:
    return {
        "id": "test-pack", "version": "1.0.0", "title": {"en": "Test", "es": "Prueba"},
        "languages": ["en", "es"], "source": "tests",
        "entries": [{
            "id": "low", "title": {"en": "Low", "es": "Baja"},
            "text": {"en": "Ask why.", "es": "Pregunte por qué."}, "citation": "A book",
            "when": [{"instrument": "readiness-ruler", "score": "importance", "op": "<",
                      "value": 4}],
        }],
    }


def problems_of(kit, data) -> list[str]:
    return [str(p) for p in check_pack(data, kit.instruments, "pack.json")]


# ---- the built-in pack ---------------------------------------------------------------------


def test_builtin_pack_is_valid_bilingual_and_cited(kit) -> None:
    assert [str(p) for p in kit.guidance_problems] == []
    pack = kit.guidance["alliance-kit-motivation"]
    assert pack.languages == ("en", "es")
    assert len(pack.entries) >= 10
    citations = " ".join(entry.citation for entry in pack.entries)
    for author in ("Miller WR, Rollnick S", "Prochaska JO, DiClemente CC, Norcross JC",
                   "Norcross JC, Krebs PM, Prochaska JO"):
        assert author in citations
    for entry in pack.entries:
        assert entry.title_in("es") != entry.title_in("en")
        assert entry.text_in("es") != entry.text_in("en")
        # Prompts to consider, not prescriptions.
        assert "Consider" in entry.text_in("en") or "consider" in entry.text_in("en")
        assert "must" not in entry.text_in("en").lower().split()


def test_builtin_entries_cover_every_urica_stage(kit) -> None:
    pack = kit.guidance["alliance-kit-motivation"]
    stages = {c.value for e in pack.entries for c in e.when if c.score == "stage"}
    assert stages == {"precontemplation", "contemplation", "action", "maintenance"}


@pytest.mark.parametrize(("values", "expected"), [
    ({"importance": 2, "confidence": 8, "quadrant": "importance-low"},
     ["importance-low", "could-but-why"]),
    ({"importance": 9, "confidence": 2, "quadrant": "confidence-low"},
     ["reasons-high", "confidence-low"]),
    ({"importance": 8, "confidence": 9, "quadrant": "both-high"}, ["reasons-high", "ready-plan"]),
    ({"importance": 5, "confidence": 5, "quadrant": "both-low"}, ["mixed-feelings"]),
])
def test_readiness_changes_the_prompts(kit, values, expected) -> None:
    found = match(kit.guidance.values(), {"readiness-ruler": values})
    assert [e.id for e in found] == expected


def test_conditions_across_instruments_need_both(kit) -> None:
    positive = {"audit-c": {"total": 6, "total_positive": True}}
    assert [e.id for e in match(kit.guidance.values(), positive)] == ["auditc-feedback"]
    both = {**positive, "readiness-ruler": {"importance": 1, "confidence": 1}}
    assert "auditc-not-yet" in [e.id for e in match(kit.guidance.values(), both)]


def test_tied_urica_stages_match_each(kit) -> None:
    found = match(kit.guidance.values(), {"urica": {"stage": ("contemplation", "action")}})
    assert [e.id for e in found] == ["stage-contemplation", "stage-action"]


def test_a_missing_value_never_matches(kit) -> None:
    assert match(kit.guidance.values(), {}) == []
    assert match(kit.guidance.values(), {"readiness-ruler": {"confidence": 1}}) == []


# ---- checks -----------------------------------------------------------------------------------


def test_small_pack_is_valid(kit) -> None:
    assert problems_of(kit, small_pack()) == []


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p: p["entries"][0].pop("citation"),
     "pack.json: $.entries[0]: "),
    (lambda p: p["entries"][0]["when"][0].update(op="~"),
     "pack.json: $.entries[0].when[0]"),
    (lambda p: p["entries"][0]["text"].pop("es"),
     "pack.json: $.entries[0].text: no 'es' text"),
    (lambda p: p["entries"].append(copy.deepcopy(p["entries"][0])),
     "pack.json: $.entries[1].id: entry id 'low' is also used by $.entries[0]"),
    (lambda p: p["entries"][0]["when"][0].update(instrument="readines-ruler"),
     "pack.json: $.entries[0].when[0].instrument: unknown instrument 'readines-ruler': did "
     "you mean 'readiness-ruler'?"),
    (lambda p: p["entries"][0]["when"][0].update(score="importanse"),
     "pack.json: $.entries[0].when[0].score: readiness-ruler has no score, item or measure "
     "'importanse'"),
    (lambda p: p["entries"][0]["when"][0].update(value=0),
     "pack.json: $.entries[0].when[0].value: readiness-ruler importance runs from 0 to 10: "
     "this condition can never hold"),
    (lambda p: p["entries"][0]["when"][0].update(value="high"),
     "pack.json: $.entries[0].when[0].value: readiness-ruler importance is a number"),
    (lambda p: p["entries"][0]["when"][0].update(instrument="urica", score="stage", op="==",
                                                  value="preparation"),
     "pack.json: $.entries[0].when[0].value: urica stage is never preparation: use one of "
     "precontemplation, contemplation, action, maintenance"),
    (lambda p: p["entries"][0]["when"][0].update(instrument="audit-c", score="total_positive",
                                                  op="==", value=1),
     "pack.json: $.entries[0].when[0].value: audit-c total_positive is yes/no"),
    (lambda p: p["entries"][0]["when"][0].update({"in": [1, 2]}),
     "pack.json: $.entries[0].when[0]"),
])
def test_problems_say_file_path_and_what(kit, change, expected) -> None:
    data = small_pack()
    change(data)
    found = problems_of(kit, data)
    assert any(p.startswith(expected) for p in found), found
    pack, problems = collect_guidance([("test", [data])], kit.instruments)
    assert pack == {} and problems


def test_warnings_keep_the_pack(kit) -> None:
    data = small_pack()
    data["entries"][0]["when"][0] = {"instrument": "clinic-only", "score": "x", "op": ">",
                                     "value": 1}
    data["entries"][0]["title"]["fr"] = "Bas"
    packs, problems = collect_guidance([("test", [data])], kit.instruments)
    assert "test-pack" in packs
    assert {p.severity for p in problems} == {"warning"}
    assert any("'clinic-only' is not installed" in p.message for p in problems)
    data = small_pack()
    data["entries"][0]["when"][0].update(op="<=", value=10)
    _, problems = collect_guidance([("test", [data])], kit.instruments)
    assert [p.severity for p in problems] == ["warning"]
    assert "always holds" in problems[0].message


def test_a_broken_file_is_reported_with_its_name(kit, tmp_path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"id": "x",', encoding="utf-8")
    packs, problems = collect_guidance([("test", [tmp_path])], kit.instruments)
    assert packs == {}
    assert str(problems[0]).startswith(f"{bad}: $")


# ---- the hook ------------------------------------------------------------------------------


def test_hook_register_guidance(no_plugin_env) -> None:
    class AddsAPack:
        @hookimpl
        def register_guidance(self):
            return [small_pack()]

    class ReplacesTheBuiltIn:
        @hookimpl
        def register_guidance(self):
            data = small_pack()
            data["id"] = "alliance-kit-motivation"
            return [data]

    kit = build_kit(extra=[AddsAPack()], entry_points=False, local=False, disabled=())
    assert set(kit.guidance) == {"alliance-kit-motivation", "test-pack"}
    found = match(kit.guidance.values(), {"readiness-ruler": {"importance": 1}})
    assert [(e.pack, e.id) for e in found][-1] == ("test-pack", "low")
    assert kit.plugins.register_guidance()  # the typed facade method

    kit = build_kit(extra=[ReplacesTheBuiltIn()], entry_points=False, local=False, disabled=())
    assert [e.id for e in kit.guidance["alliance-kit-motivation"].entries] == ["low"]
    assert any("replaces it" in p.message and p.severity == "warning"
               for p in kit.guidance_problems)


def test_clinic_folder_from_the_environment(no_plugin_env, monkeypatch, tmp_path) -> None:
    (tmp_path / "ours.json").write_text(json.dumps(small_pack()), encoding="utf-8")
    monkeypatch.setenv(GUIDANCE_DIR_ENV, str(tmp_path))
    kit = build_kit(entry_points=False, local=False, disabled=())
    assert "test-pack" in kit.guidance


def test_a_bad_plugin_pack_does_not_stop_the_others(no_plugin_env) -> None:
    class Broken:
        @hookimpl
        def register_guidance(self):
            return [{"id": "broken"}, 42]

    kit = build_kit(extra=[Broken()], entry_points=False, local=False, disabled=())
    assert "alliance-kit-motivation" in kit.guidance
    sources = {p.source for p in kit.guidance_problems}
    assert sources == {"<Broken-0: guidance pack broken>", "<int>"}
    assert any("'entries' is a required property" in p.message for p in kit.guidance_problems)


# ---- the command line ------------------------------------------------------------------------


def run(kit, *args: str):
    return CliRunner().invoke(cli, list(args), obj=kit)


def test_cli_match_readiness_examples(kit) -> None:
    low = run(kit, "guidance", "match", "readiness-ruler", "importance=2", "confidence=8",
              "--format", "json")
    high = run(kit, "guidance", "match", "readiness-ruler", "importance=9", "confidence=2",
               "--format", "json")
    assert low.exit_code == 0 and high.exit_code == 0, low.output + high.output
    low_entries, high_entries = json.loads(low.stdout), json.loads(high.stdout)
    assert {"id", "title", "citation"} <= set(low_entries[0])
    assert [e["id"] for e in low_entries] != [e["id"] for e in high_entries]
    assert not {e["id"] for e in low_entries} & {e["id"] for e in high_entries}


def test_cli_match_urica_and_audit_c_and_spanish(kit) -> None:
    urica = run(kit, "guidance", "match", "urica", "pc=1.5", "c=4.2", "a=3", "m=2")
    assert urica.exit_code == 0 and urica.stdout.startswith("stage-contemplation\t")
    audit = run(kit, "guidance", "match", "audit-c", "1=2", "2=1", "3=0", "sex=female",
                "--lang", "es", "--format", "json")
    assert [e["id"] for e in json.loads(audit.stdout)] == ["auditc-feedback"]  # 3 >= 3 (women)
    assert json.loads(audit.stdout)[0]["title"].startswith("AUDIT-C positivo")
    male = run(kit, "guidance", "match", "audit-c", "1=2", "2=1", "3=0", "sex=male")
    assert male.stdout == "" and "no entry matches" in male.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["importance"], "is not NAME=VALUE"),
    (["importanse=3"], "has no item, score, measure or attribute 'importanse'"),
    (["importance=11"], "readiness-ruler: "),
])
def test_cli_match_bad_input(kit, args, message) -> None:
    result = run(kit, "guidance", "match", "readiness-ruler", *args)
    assert result.exit_code != 0
    assert message in result.stderr


def test_cli_list_and_check(kit, tmp_path) -> None:
    listed = run(kit, "guidance", "list", "--format", "json")
    assert listed.exit_code == 0
    assert len(json.loads(listed.stdout)) == len(kit.guidance["alliance-kit-motivation"].entries)
    ok = run(kit, "guidance", "check", str(BUILTIN))
    assert ok.exit_code == 0 and "1 guidance pack(s) valid" in ok.stderr
    data = small_pack()
    data["entries"][0]["when"][0]["value"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = run(kit, "guidance", "check", str(bad))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{bad}: $.entries[0].when[0].value: ")
    assert Path(bad).read_text(encoding="utf-8") == json.dumps(data)  # never rewritten
