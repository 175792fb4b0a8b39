"""``alliance-kit score`` on real-world files: ``--bad-rows``, row warnings and ``--alerts``.

The issue's test of done: a file with one typo, a skipped-item answer and an unlisted
attribute value is scored with reasons, and a PHQ-9 with item 9 blank shows its alert.
"""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from alliance_kit.cli import cli

AUDIT = """id,1,2,3,sex
r1,2,1,1,female
r2,7,1,1,male
r3,0,2,,female
r4,2,1,1,other
r5,2,2,,male
"""
# r1: 4, positive (>= 3 for women). r2: a typo (7 is not an AUDIT-C answer).
# r3: 'Never', then item 2 answered anyway: scored 0 as the rule says, with a warning.
# r4: sex 'other' is not listed: read as not recorded, so 'otherwise' 3: 4 is positive.
# r5: item 3 left blank: no total, so the screen is 'incomplete'.
AUDIT_SCORED = """id,1,2,3,sex,total,total_positive,total_reason,error,warning,alerts
r1,2,1,1,female,4,True,,,,positive
r2,7,1,1,male,,,not scored: the row has a bad value (see its errors),"item '1': 7 is not \
allowed: give one of 0, 1, 2, 3, 4",,
r3,0,2,,female,0,False,,,"item '2': answered (2), but only asked when item '1' is not equal \
to 0: the answer was scored as 0, as the rule says",
r4,2,1,1,other,4,True,,,"sex: 'other' is not one of female, male: read as not recorded, so \
cut-off 'positive' of 'total' used its 'otherwise' value 3",positive
r5,2,2,,male,,,1 of 3 items missing (at most 0 allowed),,,incomplete
"""


def run(kit, *args):
    return CliRunner().invoke(cli, list(args), obj=kit, catch_exceptions=False)


def test_a_typo_a_skipped_item_answer_and_an_unlisted_value_are_scored_with_reasons(
        kit, tmp_path) -> None:
    path = tmp_path / "audit.csv"
    path.write_text(AUDIT, encoding="utf-8")
    result = run(kit, "score", "audit-c", str(path), "--flags", "--reasons",
                 "--bad-rows", "blank", "--alerts")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == AUDIT_SCORED
    assert f"{path}: row 3, column '1': bad value: 7 is not allowed" in result.stderr
    assert f"{path}: row 4, column '2': warning: answered (2)" in result.stderr
    assert f"{path}: row 5, column 'sex': warning: 'other' is not one of" in result.stderr
    assert f"{path}: 1 of 5 row(s) had bad values: their scores are blank" in result.stderr
    assert f"{path}: 2 row(s) scored with warnings" in result.stderr


def test_the_same_file_is_refused_by_default_and_nothing_is_written(kit, tmp_path) -> None:
    path, out = tmp_path / "audit.csv", tmp_path / "scored.csv"
    path.write_text(AUDIT, encoding="utf-8")
    result = run(kit, "score", "audit-c", str(path), "-o", str(out))
    assert result.exit_code == 1
    assert f"{path}: row 3, column '1': 7 is not allowed" in result.stderr
    assert "1 bad value(s); nothing was written" in result.stderr
    assert not out.exists()


def test_warnings_alone_never_stop_a_file(kit, tmp_path) -> None:
    path = tmp_path / "audit.csv"
    path.write_text(AUDIT.replace("r2,7,", "r2,1,"), encoding="utf-8")
    result = run(kit, "score", "audit-c", str(path))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "id,1,2,3,sex,total"   # no extra columns asked
    assert "warning" in result.stderr


def test_phq9_item_9_blank_shows_in_the_alerts_column(kit, tmp_path) -> None:
    path = tmp_path / "phq.csv"
    path.write_text("client,1,2,3,4,5,6,7,8,9,10\n"
                    "a,1,1,1,1,1,1,1,1,,1\n"      # item 9 blank: prorated 9, unanswered
                    "b,1,1,1,1,1,1,1,1,0,1\n"     # item 9 answered 0: nothing
                    "c,2,2,2,2,2,2,2,2,1,2\n",    # item 9 answered 1: safety
                    encoding="utf-8")
    result = run(kit, "score", "phq-9", str(path), "--alerts")
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(pd.io.common.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert table[["client", "total", "alerts"]].values.tolist() == [
        ["a", "9", "self-harm-unanswered"], ["b", "8", ""], ["c", "17", "self-harm"]]


def test_several_alerts_are_semicolon_separated_most_urgent_first(kit, tmp_path) -> None:
    path = tmp_path / "srs.csv"
    path.write_text("1,2,3,4\n8.5,9,9,9\n10,10,10,10\n", encoding="utf-8")
    result = run(kit, "score", "srs", str(path), "--alerts")
    table = pd.read_csv(pd.io.common.StringIO(result.stdout), keep_default_na=False)
    assert table["alerts"].tolist() == ["concern;item-low", ""]   # 35.5: warning, then info


def test_bad_rows_blank_to_a_spreadsheet(kit, tmp_path) -> None:
    path, out = tmp_path / "audit.csv", tmp_path / "scored.xlsx"
    path.write_text(AUDIT, encoding="utf-8")
    result = run(kit, "score", "audit-c", str(path), "--bad-rows", "blank", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    written = pd.read_excel(out, dtype=object)
    assert list(written.columns) == ["id", "1", "2", "3", "sex", "total", "error"]
    assert written["error"].fillna("").tolist()[1].startswith("item '1': 7 is not allowed")
    assert written.shape[0] == 5


def test_an_input_column_named_like_an_added_one_is_refused_only_when_added(
        kit, tmp_path) -> None:
    path = tmp_path / "phq.csv"
    path.write_text("alerts,1,2,3,4,5,6,7,8,9\nx,1,1,1,1,1,1,1,1,1\n", encoding="utf-8")
    assert run(kit, "score", "phq-9", str(path)).exit_code == 0
    refused = run(kit, "score", "phq-9", str(path), "--alerts")
    assert refused.exit_code == 1
    assert "column(s) alerts have the name of a score or of a column the output adds" in \
        refused.stderr
