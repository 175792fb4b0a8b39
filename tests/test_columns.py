"""Data columns match item ids without ceremony; maps cover other names; long tables widen."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT

from alliance_kit.cli import cli
from alliance_kit.engine.columns import (
    ColumnError,
    match_columns,
    parse_renames,
    read_column_map,
)
from alliance_kit.engine.long_format import LongTableError, widen

PHQ = [str(i) for i in range(1, 10)]
DEFINITION = ROOT / "tests" / "data" / "psych_alpha" / "two-scales.json"


def run(kit, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj=kit)


# --- matching ------------------------------------------------------------------------------

def test_case_and_surrounding_spaces_are_ignored(kit, minimal):
    instrument = kit.instrument("audit-c")
    match = match_columns(instrument, ["Client", " 1 ", "2", "SEX", "3"])
    assert match.used == {" 1 ": "1", "2": "2", "SEX": "sex", "3": "3"}
    assert match.unused == ("Client",) and match.unmatched_items == ()
    assert match.renamed() == {" 1 ": "1", "SEX": "sex"}


def test_summary_is_one_line_with_what_matched_and_what_not(kit):
    instrument = kit.instrument("phq-9")
    match = match_columns(instrument, ["ID", "Q", *[f"{i} " for i in range(1, 8)], "age"])
    line = match.summary()
    assert "\n" not in line
    assert line.startswith("7 item column(s) matched (7 by case, spaces or map: 1 →1")
    assert "no column for item(s) 8, 9, 10 (unanswered)" in line
    assert "not used: ID, Q, age" in line


def test_two_columns_for_one_item_is_an_error_naming_both(kit):
    with pytest.raises(ColumnError, match="columns 'A1' and 'a1 ' both match item 'a1'"):
        match_columns(_upper(kit), ["A1", "a1 ", "A2"])


def _upper(kit):
    from alliance_kit.kit import load_definition

    definition = json.loads(DEFINITION.read_text())
    for item in definition["items"]:
        item["id"] = item["id"].replace("q", "a")
    for score in definition["scores"]:
        score["items"] = [i.replace("q", "a") for i in score["items"]]
    return load_definition(definition, kit.types)


def test_a_map_names_any_other_column(kit):
    instrument = kit.instrument("phq-9")
    columns = ["record_id", *[f"phq9_{i}" for i in range(1, 10)]]
    match = match_columns(instrument, columns, {f"phq9_{i}": str(i) for i in range(1, 10)})
    assert match.used == {f"phq9_{i}": str(i) for i in range(1, 10)}
    assert match.unused == ("record_id",)
    # a map entry for a column the data lacks is noted, unless typed on the command line
    noted = match_columns(instrument, columns[:5], {f"phq9_{i}": str(i) for i in range(1, 10)})
    assert noted.absent == ("phq9_5", "phq9_6", "phq9_7", "phq9_8", "phq9_9")
    with pytest.raises(ColumnError, match="there is no column 'phq9_10'"):
        match_columns(instrument, columns, {"phq9_10": "9"}, required={"phq9_10"})


def test_a_map_to_an_unknown_item_or_two_columns_to_one_item_is_an_error(kit):
    instrument = kit.instrument("phq-9")
    with pytest.raises(ColumnError, match="'11' .* is not an item of phq-9"):
        match_columns(instrument, ["x"], {"x": "11"})
    with pytest.raises(ColumnError, match="columns 'x' and '1' both match item '1'"):
        match_columns(instrument, ["x", "1"], {"x": "1"})


def test_repeated_column_names_are_an_error(kit):
    with pytest.raises(ColumnError, match="'1' appear more than once"):
        match_columns(kit.instrument("phq-9"), ["1", "1"])


def test_renames_and_map_files(tmp_path):
    assert parse_renames(["phq9_1=1", " b = 2 "]) == {"phq9_1": "1", "b": "2"}
    with pytest.raises(ColumnError, match="write COLUMN=ITEM"):
        parse_renames(["phq9_1"])
    as_csv = tmp_path / "map.csv"
    as_csv.write_text("column,item\nphq9_1,1\n\nphq9_2,2\n")
    assert read_column_map(as_csv) == {"phq9_1": "1", "phq9_2": "2"}
    as_json = tmp_path / "map.json"
    as_json.write_text('{"phq9_1": "1"}')
    assert read_column_map(as_json) == {"phq9_1": "1"}
    as_json.write_text('["phq9_1"]')
    with pytest.raises(ColumnError, match="one object"):
        read_column_map(as_json)
    bad = tmp_path / "map.csv"
    bad.write_text("column,item\nphq9_1\n")
    with pytest.raises(ColumnError, match="row 2: give a data column and an item id"):
        read_column_map(bad)


def test_cli_scores_upper_case_and_redcap_names_alike(kit, tmp_path):
    rows = ["2,1,0,3,1,0,0,2,1", "0,0,0,0,0,0,0,0,0"]
    plain = tmp_path / "plain.csv"
    plain.write_text("id," + ",".join(PHQ) + "\n" + "\n".join(f"p{i},{r}" for i, r in
                                                                enumerate(rows)) + "\n")
    redcap = tmp_path / "redcap.csv"
    redcap.write_text("record_id," + ",".join(f"PHQ9_{i}" for i in PHQ) + "\n"
                      + "\n".join(f"p{i},{r}" for i, r in enumerate(rows)) + "\n")
    colmap = tmp_path / "map.json"
    colmap.write_text(json.dumps({f"phq9_{i}": i for i in PHQ}))
    expected = run(kit, "score", "phq-9", plain)
    mapped = run(kit, "score", "phq-9", redcap, "--columns", colmap)
    typed = run(kit, "score", "phq-9", redcap,
                *[arg for i in PHQ for arg in ("--rename", f"PHQ9_{i}={i}")])
    for result in (expected, mapped, typed):
        assert result.exit_code == 0, result.output
    totals = [line.split(",")[-2] for line in expected.stdout.splitlines()[1:]]
    assert totals == ["10", "0"]
    assert [line.split(",")[-2] for line in mapped.stdout.splitlines()[1:]] == totals
    assert mapped.stdout.splitlines()[0].startswith("record_id,PHQ9_1,")  # names kept
    assert typed.stdout == mapped.stdout
    assert "9 item column(s) matched (9 by case, spaces or map: PHQ9_1→1" in mapped.stderr


def test_cli_bad_value_names_the_data_column(kit, tmp_path):
    source = tmp_path / "upper.csv"
    source.write_text("ID,Q1,Q2\nP1,1,7\n")
    result = run(kit, "score", DEFINITION, source)
    assert result.exit_code == 1
    assert "row 2, column 'Q2': 7 is not allowed" in result.output


def test_cli_ambiguous_columns_stop_before_reading(kit, tmp_path):
    source = tmp_path / "twice.csv"
    source.write_text("Q1,q1 \n1,2\n")
    result = run(kit, "score", DEFINITION, source)
    assert result.exit_code == 1
    assert "columns 'Q1' and 'q1 ' both match item 'q1'" in result.output


# --- long tables ---------------------------------------------------------------------------

LONG = pd.DataFrame({
    "record_id": ["7", "7", "7", "3", "3", "7"],
    "event": ["base", "base", "base", "base", "base", "week2"],
    "field_name": ["Q1", "Q2", "site", "Q1", "Q2", "Q1"],
    "value": ["4", "2", "x", "5", "", "1"],
    "site": ["north", "north", "north", "south", "south", "north"],
    "entered": ["d1", "d2", "d3", "d4", "d5", "d6"],
})


def test_widen_one_row_per_respondent_in_order_of_first_appearance():
    frame = LONG[LONG.field_name != "site"]
    widened = widen(frame, ["record_id", "event"], "field_name", "value")
    assert widened.frame.columns.tolist() == ["record_id", "event", "site", "Q1", "Q2"]
    assert widened.frame.values.tolist() == [["7", "base", "north", "4", "2"],
                                             ["3", "base", "south", "5", ""],
                                             ["7", "week2", "north", "1", ""]]
    assert widened.notes == ["left out column(s) entered: their values differ within a "
                             "respondent"]
    # errors name the long table's rows: respondent 3's Q2 is row 3 (0-based); week 2 has
    # no Q2, so its first row stands for it
    assert widened.row_of(1, "Q2") == 3 and widened.row_of(2, "Q2") == 4


def test_widen_refuses_a_repeated_answer_blank_names_and_missing_columns():
    twice = pd.concat([LONG, LONG.iloc[[0]]], ignore_index=True)
    with pytest.raises(LongTableError, match="more than once in rows 2, 8"):
        widen(twice, ["record_id", "event"], "field_name", "value")
    blank = LONG.assign(field_name=["Q1", "", "Q3", "Q1", "Q2", "Q1"])
    with pytest.raises(LongTableError, match="'field_name' is blank in row.s. 3"):
        widen(blank, ["record_id", "event"], "field_name", "value")
    with pytest.raises(LongTableError, match="--item-column 'item': no such column"):
        widen(LONG, ["record_id"])
    with pytest.raises(LongTableError, match="item name 'site' is also the name"):
        widen(LONG, ["record_id", "event"], "field_name", "value")


def test_cli_long_input_scores_as_the_wide_table_does(kit, tmp_path):
    rng = np.random.default_rng(3)
    wide = pd.DataFrame(rng.integers(1, 6, size=(8, 10)), columns=[f"Q{i}" for i in range(1, 11)])
    wide.insert(0, "ID", [f"P{i}" for i in range(8)])
    long = wide.melt(id_vars="ID", var_name="question", value_name="answer").sample(
        frac=1, random_state=1)
    long_path, wide_path = tmp_path / "long.csv", tmp_path / "wide.csv"
    long.to_csv(long_path, index=False)
    wide.to_csv(wide_path, index=False)
    from_long = run(kit, "score", DEFINITION, long_path, "--long", "--respondent", "ID",
                    "--item-column", "question", "--value-column", "answer")
    from_wide = run(kit, "score", DEFINITION, wide_path)
    assert from_long.exit_code == 0, from_long.output
    long_scores = pd.read_csv(__import__("io").StringIO(from_long.stdout)).set_index("ID")
    wide_scores = pd.read_csv(__import__("io").StringIO(from_wide.stdout)).set_index("ID")
    pd.testing.assert_frame_equal(long_scores.loc[wide_scores.index, ["first", "second"]],
                                  wide_scores[["first", "second"]])


def test_cli_long_input_bad_value_names_the_file_row(kit, tmp_path):
    source = tmp_path / "long.csv"
    source.write_text("respondent,item,value\nA,q1,1\nA,q2,2\nB,q1,8\n")
    result = run(kit, "score", DEFINITION, source, "--long")
    assert result.exit_code == 1
    assert "row 4, column 'q1': 8 is not allowed" in result.output


def test_cli_psychometrics_reads_long_input_too(kit, tmp_path):
    rng = np.random.default_rng(9)
    wide = pd.DataFrame(rng.integers(1, 6, size=(40, 10)), columns=[f"q{i}" for i in range(1, 11)])
    wide.insert(0, "respondent", range(40))
    source = tmp_path / "long.csv"
    wide.melt(id_vars="respondent", var_name="item").to_csv(source, index=False)
    wide_path = tmp_path / "wide.csv"
    wide.to_csv(wide_path, index=False)
    long_stats = run(kit, "psychometrics", DEFINITION, source, "--long", "--format", "json")
    wide_stats = run(kit, "psychometrics", DEFINITION, wide_path, "--format", "json")
    assert long_stats.exit_code == 0, long_stats.output
    strip = [json.loads(r.stdout) | {"input": None} for r in (long_stats, wide_stats)]
    assert strip[0] == strip[1]
