"""The alliance-kit command line: its output formats are a contract."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import alliance_kit
from alliance_kit.cli import cli
from alliance_kit.cli.docs import cli_markdown

ROOT = Path(__file__).resolve().parents[1]
WAI_HEADER = "client," + ",".join(str(i) for i in range(1, 13))


@pytest.fixture(scope="module")
def kit():
    return alliance_kit.build_kit()


def run(kit, *args):
    return CliRunner().invoke(cli, list(args), obj=kit, catch_exceptions=False)


def test_instruments_list_one_tab_separated_line_each(kit):
    result = run(kit, "instruments", "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == sorted(kit.instruments)
    phq = next(line for line in lines if line.startswith("phq-9\t")).split("\t")
    assert phq[1] == "1.1.0"
    assert "PHQ-9" in phq[2]
    assert phq[3] == "open"
    wai = next(line for line in lines if line.startswith("wai-sr\t")).split("\t")
    assert wai[3] == "structure-only"


def test_instruments_show_resolved_lists_items_and_score_inputs(kit):
    result = run(kit, "instruments", "show", "wai-sr", "--format", "json", "--resolved")
    data = json.loads(result.output)
    assert [item["id"] for item in data["items"]] == [str(i) for i in range(1, 13)]
    scores = {score["id"]: score for score in data["scores"]}
    assert scores["task"]["items"] == ["1", "2", "10", "12"]
    assert scores["total"]["scores"] == ["task", "bond", "goal"]
    assert scores["total"]["items"] == []
    assert scores["bond"]["range"] == [4, 20]


def test_instruments_show_json_is_the_source_and_validates_again(kit, tmp_path):
    result = run(kit, "instruments", "show", "phq-9", "--format", "json")
    assert result.exit_code == 0
    source = json.loads((ROOT / "instruments" / "phq-9.json").read_text(encoding="utf-8"))
    assert json.loads(result.output) == source
    assert list(json.loads(result.output)) == list(source)  # the author's order of keys
    # show > x.json; edit; validate x.json
    edited = json.loads(result.output)
    edited["id"] = "phq-9-local"
    edited["version"] = "1.1.0"
    copy = tmp_path / "phq-9-local.json"
    copy.write_text(json.dumps(edited), encoding="utf-8")
    checked = run(kit, "validate", str(copy))
    assert checked.exit_code == 0, checked.output
    assert "1 definition(s) valid" in checked.output


def test_instruments_show_unknown_id_names_the_known_ones(kit):
    result = CliRunner().invoke(cli, ["instruments", "show", "nope"], obj=kit)
    assert result.exit_code == 2
    assert "unknown instrument 'nope'" in result.output
    assert "phq-9" in result.output


def test_score_wai_sr_gives_the_right_subscale_sums(kit, tmp_path):
    # Row 1: task = items 1, 2, 10, 12 = 1+2+10... see values below; all hand-summed.
    rows = [
        # client, items 1..12
        "A,1,2,3,4,5,1,2,3,4,5,1,2",   # task 1+2+5+2=10, bond 3+5+2+4=14, goal 4+1+3+1=9
        "B,5,5,5,5,5,5,5,5,5,5,5,5",   # 20, 20, 20, total 60
        "C,1,1,,1,1,1,1,1,1,1,1,1",    # bond has item 3 missing: 3 answered ones prorated: 4
        "D,1,1,,1,,1,1,1,1,1,1,1",     # bond has 2 missing: blank, and so are total and mean
    ]
    source = tmp_path / "wai.csv"
    source.write_text(WAI_HEADER + "\n" + "\n".join(rows) + "\n")
    result = run(kit, "score", "wai-sr", str(source))
    assert result.exit_code == 0, result.output
    out = pd.read_csv(pd.io.common.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert list(out.columns) == WAI_HEADER.split(",") + ["task", "bond", "goal", "total", "mean"]
    assert out["client"].tolist() == ["A", "B", "C", "D"]
    assert [float(x) for x in out["task"]] == [10, 20, 4, 4]
    assert [float(x) for x in out["bond"][:3]] == [14, 20, 4]
    assert [float(x) for x in out["goal"]] == [9, 20, 4, 4]
    assert float(out["total"][0]) == 33 and float(out["total"][1]) == 60
    assert out.loc[3, ["bond", "total", "mean"]].tolist() == ["", "", ""]
    # Input columns pass through unchanged, blanks included.
    assert out.loc[2, "3"] == ""


def test_score_bad_value_names_row_and_column_and_writes_nothing(kit, tmp_path):
    source = tmp_path / "wai.csv"
    source.write_text(WAI_HEADER + "\nA,1,1,1,1,1,1,1,1,1,1,1,1\nB,1,9,1,1,1,1,1,1,1,1,1,1\n")
    output = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["score", "wai-sr", str(source), "-o", str(output)], obj=kit)
    assert result.exit_code == 1
    assert "row 3, column '2': 9 is not allowed: give one of 1, 2, 3, 4, 5" in result.output
    assert "nothing was written" in result.output
    assert not output.exists()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_score_writes_by_suffix_with_bands(kit, tmp_path, suffix):
    source = tmp_path / "phq.csv"
    header = ",".join(str(i) for i in range(1, 10))
    source.write_text(f"{header}\n1,1,1,1,1,0,0,0,0\n3,3,3,3,3,3,3,3,3\n")
    output = tmp_path / f"scored{suffix}"
    result = run(kit, "score", "phq-9", str(source), "-o", str(output), "--flags", "--reasons")
    assert result.exit_code == 0, result.output
    table = alliance_kit.engine.tabular.read_table(output)
    assert [float(x) for x in table["total"]] == [5, 27]
    assert list(table["total_band"]) == ["mild", "severe"]
    assert "total_caseness" in table.columns and "total_reason" in table.columns


def test_score_refuses_an_unknown_output_suffix(kit, tmp_path):
    source = tmp_path / "phq.csv"
    source.write_text("1\n1\n")
    result = CliRunner().invoke(cli, ["score", "phq-9", str(source), "-o", "x.txt"], obj=kit)
    assert result.exit_code != 0
    assert "no writer for '.txt'" in result.output


def test_validate_exit_codes_and_one_line_per_problem(kit, tmp_path):
    good = run(kit, "validate", str(ROOT / "instruments"))
    assert good.exit_code == 0
    bad = tmp_path / "bad.json"
    definition = json.loads((ROOT / "instruments" / "phq-9.json").read_text())
    definition["scores"][0]["items"].append("99")
    definition["items"][0]["scale"] = "nope"
    bad.write_text(json.dumps(definition))
    result = CliRunner().invoke(cli, ["validate", str(bad)], obj=kit)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(bad))]
    assert lines == [f"{bad}: $.items[0].scale: unknown scale 'nope': define it under 'scales' "
                     "(defined: frequency, difficulty)"]


def test_psychometrics_reports_alpha_per_score(kit, tmp_path):
    source = tmp_path / "wai.csv"
    rows = [",".join([f"c{n}"] + [str(1 + (n + i // 6) % 5) for i in range(12)])
            for n in range(20)]
    source.write_text(WAI_HEADER + "\n" + "\n".join(rows) + "\n")
    result = run(kit, "psychometrics", "wai-sr", str(source), "--score", "task")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("task: alpha ")
    assert "r_drop" in result.stdout and "alpha_if_deleted" in result.stdout


def test_plugins_lists_builtins_with_all(kit):
    plain = run(kit, "plugins")
    assert "default_scales" not in plain.output
    everything = run(kit, "plugins", "--all", "--format", "json")
    names = {p["name"]: p for p in json.loads(everything.output)}
    assert names["default_scorers"]["hooks"] == ["register_scorers"]
    assert names["default_scorers"]["version"] == alliance_kit.__version__


def test_cli_reference_is_up_to_date():
    documented = (ROOT / "docs" / "cli.md").read_text()
    assert documented == cli_markdown(), (
        "docs/cli.md is out of date: run `python -m alliance_kit.cli.docs > docs/cli.md`"
    )


def test_score_output_round_trips_a_cell_with_a_carriage_return(kit, tmp_path):
    source = tmp_path / "phq.parquet"
    frame = pd.DataFrame({"note": ["line one\rline two", "=1+1"],
                          **{str(i): ["1", "0"] for i in range(1, 10)}})
    frame.to_parquet(source)
    output = tmp_path / "scored.csv"
    assert run(kit, "score", "phq-9", str(source), "-o", str(output)).exit_code == 0
    back = alliance_kit.engine.tabular.read_table(output)
    # the carriage return survives in its quoted cell; the formula is made text
    assert back["note"].tolist() == ["line one\rline two", "'=1+1"]
    assert [float(x) for x in back["total"]] == [9, 0]
