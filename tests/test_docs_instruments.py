"""The instrument docs cannot drift: docs/instruments.md is what the generator prints, and what
docs/writing-instruments.md quotes (the example file, the plugin, the CLI output) is real."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT

import alliance_kit
from alliance_kit.authoring import catalog
from alliance_kit.cli import cli
from alliance_kit.engine.alerts import evaluate_alerts

DOCS = ROOT / "docs"
CATALOG = DOCS / "instruments.md"
GUIDE = DOCS / "writing-instruments.md"
EXAMPLE = DOCS / "examples" / "mood-check.json"
EXAMPLE_CSV = DOCS / "examples" / "mood-check.csv"


def block_after(marker: str, text: str | None = None) -> str:
    """The content of the fenced block right after ``<!-- marker -->`` in the guide."""
    text = GUIDE.read_text(encoding="utf-8") if text is None else text
    found = re.search(r"<!-- " + re.escape(marker) + r" -->\n```[a-z]*\n(.*?)^```$", text,
                      re.S | re.M)
    assert found, f"no fenced block after <!-- {marker} --> in {GUIDE.name}"
    return found.group(1)


def console_output(marker: str, command: str) -> str:
    block = block_after(marker)
    prompt = f"$ {command}\n"
    assert block.startswith(prompt), f"the block after <!-- {marker} --> must start {prompt!r}"
    return block[len(prompt):]


# --- docs/instruments.md ------------------------------------------------------------------


def test_catalog_is_up_to_date(kit) -> None:
    expected = catalog.instruments_markdown(kit)
    current = CATALOG.read_text(encoding="utf-8") if CATALOG.exists() else ""
    assert current == expected, (
        f"docs/instruments.md is out of date with the definitions: regenerate it with "
        f"`{catalog.COMMAND}`")


def test_catalog_main_prints_the_bundled_catalog(kit, capsysbinary) -> None:
    catalog.main()
    assert capsysbinary.readouterr().out.decode("utf-8") == catalog.instruments_markdown(kit)


def test_catalog_has_one_row_and_one_section_per_instrument(kit) -> None:
    text = catalog.instruments_markdown(kit)
    rows = [line for line in text.splitlines() if line.startswith("| [`")]
    assert len(rows) == len(kit.instruments)
    header = next(line for line in text.splitlines() if line.startswith("| id |"))
    for instrument_id in kit.instruments:
        assert f'<a id="{instrument_id}"></a>' in text
    for row in rows:
        assert _cells(row) == _cells(header)


def _cells(row: str) -> int:
    """Table cells in a row: pipes not escaped with a backslash, minus the outer two."""
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_catalog_row_shows_the_published_facts(kit) -> None:
    rows = {line.split("`")[1]: line for line in catalog.instruments_markdown(kit).splitlines()
            if line.startswith("| [`")}
    phq = rows["phq-9"]
    for fact in ("| 1.1.0 |", "| 10 |", "`total` sum 0 to 27", "Minimal 0–4", "Severe 20–27",
                 "`caseness`: `total` at or above 10", "6 points", "`self-harm` (safety)",
                 "| Public domain |", "| open |"):
        assert fact in phq, fact
    assert "`positive`: `total` at or above 4 if `sex` is male, 3 if `sex` is female, " \
           "3 otherwise" in rows["audit-c"]
    assert "`readiness` composite -2 to 14" in rows["urica"]
    assert "project, not validated" in rows["session-checkin"]


def test_definition_text_is_escaped(kit) -> None:
    """A '|' (or other Markdown) in definition text cannot break the table or the page."""
    data = json.loads((ROOT / "instruments" / "phq-9.json").read_text(encoding="utf-8"))
    data["id"] = "pipes"
    data["title"] = {"en": "A | B *bold* <b>html</b> [link](x) `code`"}
    data["license"] = {"name": "Mine | yours", "note": "x | y"}
    data["notes"] = ["1. not a list", "- not a bullet", "a | b"]
    data["scores"][0]["bands"][0]["label"] = {"en": "Low | none"}
    instrument = alliance_kit.load_definition(data)
    fake = alliance_kit.Kit(plugins=kit.plugins, types=kit.types,
                            instruments={"pipes": instrument})
    text = catalog.instruments_markdown(fake)
    row = next(line for line in text.splitlines() if line.startswith("| [`pipes"))
    header = next(line for line in text.splitlines() if line.startswith("| id |"))
    assert _cells(row) == _cells(header)
    assert r"A \| B \*bold\* \<b\>html\</b\> \[link\](x) \`code\`" in row
    assert r"Mine \| yours" in row
    assert r"Low \| none 0–4" in row
    assert "- 1\\. not a list" in text
    assert "- \\- not a bullet" in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("a|b", r"a\|b"), ("x_y", r"x\_y"), ("a\nb", "a b"), (r"back\slash", r"back\\slash"),
     ("Q&A", r"Q\&A"), ("3 < 4", r"3 \< 4")],
)
def test_escape(raw: str, escaped: str) -> None:
    assert catalog.escape(raw) == escaped


def test_escape_line_start() -> None:
    assert catalog.escape("1. first", line_start=True) == r"1\. first"
    assert catalog.escape("1. first") == "1. first"
    assert catalog.escape("+ plus", line_start=True) == r"\+ plus"


# --- the worked example ----------------------------------------------------------------


def test_example_validates(kit) -> None:
    instrument, problems = alliance_kit.engine.definitions.try_load_definition(EXAMPLE, kit.types)
    assert problems == []
    assert instrument.id == "mood-check"
    assert instrument.wording == "project" and not instrument.validated
    assert [item.reverse for item in instrument.items] == [False, True, False]


def test_example_scores(kit) -> None:
    instrument = alliance_kit.load_definition(EXAMPLE, kit.types)
    data = pd.read_csv(EXAMPLE_CSV, dtype=str, keep_default_na=False)
    result = alliance_kit.score(instrument, data)
    # c01: 0 + (3 - 3) + 1 = 1; 1 + (3 - 2) + 1 = 3. c02: 2 + (3 - 0) + 3 = 8; 'tired' blank.
    assert result.scores["total"].tolist()[:3] == [1, 3, 8]
    assert pd.isna(result.scores["total"].iloc[3])
    assert result.bands["total"].tolist()[:3] == ["low", "some", "high"]
    assert result.flags["total_concern"].tolist()[:3] == [False, False, True]
    alerts = evaluate_alerts(instrument, result)
    assert list(alerts["row"]) == [2]
    assert list(alerts["alert"]) == ["concern"]


def test_example_in_the_guide_is_the_file() -> None:
    assert block_after("example: docs/examples/mood-check.json") == \
        EXAMPLE.read_text(encoding="utf-8"), (
        "the JSON quoted in docs/writing-instruments.md differs from "
        "docs/examples/mood-check.json: paste the file into the block")
    assert block_after("example: docs/examples/mood-check.csv") == \
        EXAMPLE_CSV.read_text(encoding="utf-8")


def test_json_fragments_in_the_guide_parse() -> None:
    blocks = re.findall(r"^\s*```json\n(.*?)^\s*```$", GUIDE.read_text(encoding="utf-8"),
                        re.S | re.M)
    assert len(blocks) > 10
    for block in blocks:
        json.loads(block)


def installed(folder: Path, monkeypatch, with_python: bool = False) -> alliance_kit.Kit:
    """A plugins folder laid out as the guide says: the example JSON (and the Python plugin
    file the guide shows, when asked)."""
    plugins = folder / "plugins"
    plugins.mkdir()
    shutil.copy(EXAMPLE, plugins / "mood-check.json")
    if with_python:
        (plugins / "mood_check.py").write_text(block_after("example: plugins/mood_check.py"),
                                               encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(plugins))
    monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.chdir(ROOT)
    kit = alliance_kit.build_kit()
    assert not kit.errors, kit.errors
    return kit


@pytest.fixture
def example_installed(tmp_path, monkeypatch) -> alliance_kit.Kit:
    return installed(tmp_path, monkeypatch)


def test_the_json_file_alone_installs_the_example(example_installed) -> None:
    assert "mood-check" in example_installed.instruments
    assert "mood-check.json" in {p.name for p in example_installed.plugin_info}


def test_plugin_in_the_guide_registers_the_example_once(tmp_path, monkeypatch) -> None:
    kit = installed(tmp_path, monkeypatch, with_python=True)
    assert "mood-check" in kit.instruments
    assert {"mood_check", "mood-check.json"} <= {p.name for p in kit.plugin_info}
    assert not [p for p in kit.problems if "mood-check" in str(p)]


def test_column_matching_output_in_the_guide_is_real(kit, monkeypatch) -> None:
    command = ("alliance-kit score docs/examples/mood-check.json "
               "docs/examples/mood-check-export.csv --rename tired_score=tired")
    quoted = console_output(f"output: {command}", command)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, command.split()[1:], obj=kit)
    assert result.exit_code == 0, result.output
    assert result.output == quoted


def test_bulk_problem_output_in_the_guide_is_real(kit, tmp_path, monkeypatch) -> None:
    data = json.loads((ROOT / "tests" / "data" / "psych_alpha" / "two-scales.json").read_text())
    for item in data["items"]:
        item["id"] = item["id"].upper()
    data["items"] += [{"id": f"X{i}", "scale": "agree"} for i in range(15)]
    monkeypatch.chdir(tmp_path)
    Path("upper.json").write_text(json.dumps(data), encoding="utf-8")
    command = "alliance-kit validate upper.json"
    quoted = console_output(f"output: {command} (25 upper-case item ids)", command)
    result = CliRunner().invoke(cli, command.split()[1:], obj=kit)
    assert result.exit_code == 1
    assert result.output == quoted


def test_score_output_in_the_guide_is_real(example_installed) -> None:
    command = "alliance-kit score mood-check docs/examples/mood-check.csv --flags --reasons"
    quoted = console_output(f"output: {command}", command)
    result = CliRunner().invoke(cli, command.split()[1:], obj=example_installed)
    assert result.exit_code == 0, result.output
    assert result.stdout == quoted, (
        "the `alliance-kit score` output quoted in docs/writing-instruments.md is not what the "
        f"command prints now; it prints:\n{result.stdout}")


def test_validate_output_in_the_guide_is_real(kit, tmp_path, monkeypatch) -> None:
    command = "alliance-kit validate docs/examples/mood-check.json"
    runner = CliRunner()
    monkeypatch.chdir(ROOT)
    result = runner.invoke(cli, command.split()[1:], obj=kit)
    assert result.exit_code == 0
    assert f"$ {command}\n{result.output}" in GUIDE.read_text(encoding="utf-8")

    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["scores"][0]["bands"][1]["min"] = 4
    monkeypatch.chdir(tmp_path)
    Path("mood-check.json").write_text(json.dumps(data), encoding="utf-8")
    command = "alliance-kit validate mood-check.json"
    quoted = console_output(f"output: {command} (band 'some' starting at 4)", command)
    result = runner.invoke(cli, command.split()[1:], obj=kit)
    assert result.exit_code == 1
    assert result.output == quoted
