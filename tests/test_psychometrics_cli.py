"""alliance-kit psychometrics as researchers use it: machine-readable, full precision, by group,
equal to R's psych::alpha (tests/data/psych_alpha/reference.csv, made by reference.R there)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from alliance_kit.cli import cli

DATA = ROOT / "tests" / "data" / "psych_alpha"
ITEMS = DATA / "items.csv"
DEFINITION = DATA / "two-scales.json"
SCALE_STATISTICS = ("alpha", "std_alpha", "average_r", "mean", "sd")
ITEM_STATISTICS = ("n", "mean", "sd", "raw_r", "r_drop", "alpha_if_deleted")


def run(kit, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj=kit, catch_exceptions=False)


def reference() -> dict[tuple[str, str, str, str], float]:
    with (DATA / "reference.csv").open(encoding="utf-8") as handle:
        return {(r["group"], r["score"], r["item"], r["statistic"]): float(r["value"])
                for r in csv.DictReader(handle)}


def test_the_two_command_workflow_needs_no_python(kit, tmp_path):
    """A definition file, upper-case columns: score, then psychometrics to CSV."""
    scored = tmp_path / "scored.csv"
    first = run(kit, "score", DEFINITION, ITEMS, "-o", scored)
    assert first.exit_code == 0, first.output
    assert "10 item column(s) matched" in first.stderr
    assert "Q1→q1" in first.stderr and "not used: ID, Site" in first.stderr
    table = list(csv.DictReader(scored.open(encoding="utf-8")))
    assert len(table) == 600 and list(table[0])[:3] == ["ID", "Site", "Q1"]
    # person 1 by hand: Q1..Q5 = 5, 1, 4, 3, 3, Q2 reversed (6 - 1 = 5): mean 20 / 5
    assert table[0]["ID"] == "P0001" and float(table[0]["first"]) == 4.0
    stats = tmp_path / "psych.csv"
    second = run(kit, "psychometrics", DEFINITION, ITEMS, "-o", stats)
    assert second.exit_code == 0, second.output
    rows = list(csv.DictReader(stats.open(encoding="utf-8", newline="")))
    assert [r["item"] for r in rows[:6]] == ["", "q1", "q2", "q3", "q4", "q5"]
    assert rows[0]["score"] == "first" and rows[0]["n"] == "600"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_psychometrics_equals_r_psych_alpha_to_1e9(kit, fmt):
    expected = reference()
    result = run(kit, "psychometrics", DEFINITION, ITEMS, "--format", fmt)
    assert result.exit_code == 0, result.output
    found = _found(result.stdout, fmt, group="")
    compared = 0
    for (group, score, item, statistic), value in expected.items():
        if group:
            continue
        assert found[(score, item, statistic)] == pytest.approx(value, abs=1e-9, rel=0), (
            score, item, statistic)
        compared += 1
    assert compared == 2 * (len(SCALE_STATISTICS) + 5 * len(ITEM_STATISTICS))


def test_psychometrics_by_group_equals_r_per_site(kit):
    expected = reference()
    result = run(kit, "psychometrics", DEFINITION, ITEMS, "--format", "json", "--by", "site")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["by"] == "Site"  # matched without regard to case, named as in the data
    assert sorted({entry["Site"] for entry in data["scores"]}) == ["east", "north", "south"]
    for site in ("east", "north", "south"):
        found = _found(result.stdout, "json", group=site)
        for (group, score, item, statistic), value in expected.items():
            if group == site:
                assert found[(score, item, statistic)] == pytest.approx(value, abs=1e-9,
                                                                        rel=0)


def _found(text: str, fmt: str, group: str) -> dict[tuple[str, str, str], float]:
    """(score, item, statistic) -> value from the command's JSON or CSV output."""
    found = {}
    if fmt == "json":
        for entry in json.loads(text)["scores"]:
            if entry.get("Site", "") != group:
                continue
            for name in SCALE_STATISTICS:
                found[(entry["score"], "", name)] = entry[name]
            for item in entry["items"]:
                for name in ITEM_STATISTICS:
                    found[(entry["score"], item["item"], name)] = item[name]
        return found
    for row in csv.DictReader(io.StringIO(text)):
        names = SCALE_STATISTICS if row["item"] == "" else ITEM_STATISTICS
        for name in names:
            found[(row["score"], row["item"], name)] = float(row[name])
    return found


def test_json_has_omega_n_and_item_statistics(kit):
    data = json.loads(run(kit, "psychometrics", DEFINITION, ITEMS, "--format", "json").stdout)
    assert data["instrument"] == "two-scales" and data["by"] is None
    first = data["scores"][0]
    assert first["score"] == "first" and first["n_items"] == 5
    assert first["n_respondents"] == 600
    assert 0.7 < first["omega"] < 0.9
    assert [item["item"] for item in first["items"]] == ["q1", "q2", "q3", "q4", "q5"]
    assert isinstance(first["items"][0]["n"], int)


def test_output_suffix_picks_the_format_and_the_table_is_for_reading(kit, tmp_path):
    target = tmp_path / "stats.json"
    result = run(kit, "psychometrics", DEFINITION, ITEMS, "-o", target, "--score", "second")
    assert result.exit_code == 0
    assert [s["score"] for s in json.loads(target.read_text())["scores"]] == ["second"]
    table = run(kit, "psychometrics", DEFINITION, ITEMS, "--score", "first").stdout
    assert table.startswith("first: alpha 0.773  std alpha 0.772  omega ")
    assert "raw_r" in table and "alpha_if_deleted" in table


def test_constant_item_gives_blank_not_nan_and_strict_json(kit, tmp_path):
    source = tmp_path / "flat.csv"
    lines = ["Q1,Q2,Q3,Q4,Q5"] + [f"{1 + i % 5},3,{1 + (i * 2) % 5},{1 + (i + 1) % 5},2"
                                  for i in range(30)]
    source.write_text("\n".join(lines) + "\n")
    as_json = run(kit, "psychometrics", DEFINITION, source, "--format", "json", "--score",
                  "first")
    assert as_json.exit_code == 0, as_json.output
    first = json.loads(as_json.stdout)["scores"][0]  # strict JSON: no NaN
    assert first["constant_items"] == ["q2", "q5"]
    assert first["std_alpha"] is None and first["items"][1]["r_drop"] is None
    as_csv = run(kit, "psychometrics", DEFINITION, source, "--format", "csv", "--score",
                 "first").stdout
    assert "nan" not in as_csv.lower()


def test_group_names_from_the_data_are_neutralized_in_csv(kit, tmp_path):
    source = tmp_path / "sites.csv"
    rows = ["site,Q1,Q2,Q3,Q4,Q5"] + [f"=cmd|' /C calc'!A0,{1 + i % 5},{1 + (i + 2) % 5},3,"
                                      f"{1 + (i + 1) % 5},2" for i in range(12)]
    source.write_text("\n".join(rows) + "\n")
    result = run(kit, "psychometrics", DEFINITION, source, "--format", "csv", "--by", "site",
                 "--score", "first")
    assert result.exit_code == 0, result.output
    groups = {row["site"] for row in csv.DictReader(io.StringIO(result.stdout))}
    assert groups == {"'=cmd|' /C calc'!A0"}


def test_bad_values_name_row_and_column_and_nothing_is_computed(kit, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("ID,Q1,Q2\nA,1,2\nB,9,2\n")
    result = CliRunner().invoke(cli, ["psychometrics", str(DEFINITION), str(source)], obj=kit)
    assert result.exit_code == 1
    assert "row 3, column 'Q1': 9 is not allowed: give one of 1, 2, 3, 4, 5" in result.output
    assert "nothing was computed" in result.output


def test_unknown_by_column_and_score_are_usage_errors(kit):
    by = CliRunner().invoke(cli, ["psychometrics", str(DEFINITION), str(ITEMS), "--by", "x"],
                            obj=kit)
    assert by.exit_code == 2 and "no column 'x'" in by.output
    score = CliRunner().invoke(cli, ["psychometrics", str(DEFINITION), str(ITEMS), "--score",
                                     "nope"], obj=kit)
    assert score.exit_code == 1 and "has no score nope" in score.output


def test_reference_file_is_complete():
    expected = reference()
    groups = {key[0] for key in expected}
    assert groups == {"", "east", "north", "south"}
    assert all(math.isfinite(v) for v in expected.values())
    assert Path(DATA / "reference.R").is_file()
