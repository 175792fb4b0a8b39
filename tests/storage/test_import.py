"""Importing wide tables of responses: all rows or none, never twice, clients never created."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from alliance_kit.cli import cli
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.importer import import_table
from alliance_kit.clinic.services import Services
from alliance_kit.engine.tabular import read_table
from alliance_kit.store.models import AuditEntry, Client, Response, Score
from alliance_kit.store.models import Session as SessionRow

DATA = Path(__file__).parent.parent / "data" / "import"
SYSTEM = Actor.system("test:import")
PHQ9 = dict(client_column="client", session_column="session", date_column="date")


@pytest.fixture
def clinic(services):
    """Two clients, C-1 without sessions and C-2 with session 1 already held."""
    therapist = services.add_user(SYSTEM, "ana", "therapist")
    c1 = services.add_client(SYSTEM, "C-1", therapist_ids=[therapist])
    c2 = services.add_client(SYSTEM, "C-2", therapist_ids=[therapist])
    services.add_session(SYSTEM, c2, dt.date(2025, 1, 7))
    return {"C-1": c1, "C-2": c2, "therapist": therapist}


def _count(store, model) -> int:
    with store.read() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_good_file_imports_every_row_once(services, store, clinic):
    report = import_table(services, SYSTEM, "phq-9", read_table(DATA / "phq9_good.csv"),
                          source_name="phq9_good.csv", **PHQ9)
    assert report.ok and report.written, report.rejected
    assert (report.imported, report.already_stored, report.sessions_created) == (6, 0, 5)
    assert "notes" in report.warnings[0]
    with store.read() as session:
        rows = session.execute(select(Response.source, Response.session_number,
                                      Response.answers, SessionRow.date)
                               .join(SessionRow, SessionRow.id == Response.session_id)
                               .where(Response.client_id == clinic["C-1"])
                               .order_by(Response.session_number)).all()
        assert session.execute(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "import")).scalar_one() == 1
    assert [r.source for r in rows] == ["import"] * 3
    assert [r.session_number for r in rows] == [1, 2, 3]
    assert rows[0].date == dt.date(2025, 1, 6)
    assert rows[0].answers["1"] == 2 and "notes" not in rows[0].answers
    history = services.client_history(SYSTEM, clinic["C-1"], "phq-9")
    assert history["value"].tolist() == [10.0, 8.0, 5.0]

    again = import_table(services, SYSTEM, "phq-9", read_table(DATA / "phq9_good.csv"), **PHQ9)
    assert (again.imported, again.already_stored, again.sessions_created) == (0, 6, 0)
    assert not again.written
    assert _count(store, Response) == 6 and _count(store, SessionRow) == 6


def test_one_bad_value_imports_nothing_and_names_row_and_column(services, store, clinic):
    before = (_count(store, Response), _count(store, SessionRow))
    report = import_table(services, SYSTEM, "phq-9", read_table(DATA / "phq9_bad_value.csv"),
                          **PHQ9)
    assert not report.ok and not report.written
    assert [(r.row, r.column) for r in report.rejected] == [(5, "3")]
    assert "4 is not allowed" in report.rejected[0].reason
    assert (_count(store, Response), _count(store, SessionRow)) == before
    assert "nothing was imported" in report.summary()


def test_unknown_client_codes_are_rejected_never_created(services, store, clinic):
    report = import_table(services, SYSTEM, "phq-9",
                          read_table(DATA / "phq9_unknown_client.csv"), **PHQ9)
    assert report.unknown_clients == ["X-9", "Y-7"]
    unknown = [r for r in report.rejected if r.column == "client"]
    assert [r.row for r in unknown] == [3, 6]
    assert "unknown client code 'X-9'" in unknown[0].reason
    assert _count(store, Response) == 0
    with store.read() as session:
        assert sorted(session.execute(select(Client.code)).scalars()) == ["C-1", "C-2"]


def test_session_rules(services, store, clinic):
    frame = pd.DataFrame({"client": ["C-1", "C-2", "C-2", "C-1"], "session": ["1", "3", "3", "x"],
                          "1": "0", "2": "0", "3": "0", "4": "0", "5": "0", "6": "0", "7": "0",
                          "8": "0", "9": "0"})
    report = import_table(services, SYSTEM, "phq-9", frame, client_column="client",
                          session_column="session")
    reasons = {(r.row, r.column): r.reason for r in report.rejected}
    assert "no date for it" in reasons[2, "session"]
    assert "already in row 3" in reasons[4, "session"]
    assert "gap" in reasons[3, "session"]
    assert "not a session number" in reasons[5, "session"]
    assert _count(store, Response) == 0
    # A session date for every new session is enough.
    ok = import_table(services, SYSTEM, "phq-9", frame.iloc[:2].assign(session=["1", "2"]),
                      client_column="client", session_column="session",
                      session_date=dt.date(2025, 2, 3))
    assert ok.ok and ok.imported == 2 and ok.sessions_created == 2


def test_blank_required_item_is_a_gap_the_score_rule_handles(services, store, clinic):
    # A paper form may leave an item blank (the kiosk would insist): the PHQ-9 total is
    # prorated as its rule says, not the whole file refused.
    frame = read_table(DATA / "phq9_good.csv")
    frame.loc[1, "4"] = ""  # C-1 session 2: 8 answered items sum to 7 -> 7 + 7/8 = 7.875
    report = import_table(services, SYSTEM, "phq-9", frame, **PHQ9)
    assert report.ok and report.imported == 6, report.rejected
    with store.read() as session:
        totals = dict(session.execute(
            select(Response.session_number, Score.value).join(Score)
            .where(Response.client_id == clinic["C-1"], Score.score_id == "total")).all())
    assert totals == {1: 10.0, 2: 8.0, 3: 5.0}  # 7.875 rounds half-up to 8


def test_blank_safety_item_is_imported_with_its_alert(services, store, clinic):
    frame = read_table(DATA / "phq9_good.csv")
    frame.loc[0, "9"] = ""
    report = import_table(services, SYSTEM, "phq-9", frame, **PHQ9)
    assert report.ok, report.rejected
    assert report.alerts == ["C-1: phq-9 self-harm-unanswered"]
    alerts = services.open_alerts(SYSTEM, clinic["C-1"])
    assert alerts[["rule_id", "severity"]].values.tolist() == [
        ["self-harm-unanswered", "warning"]]
    assert "Safety item not answered" in alerts["message"].item()


def test_a_row_with_no_answers_is_rejected(services, store, clinic):
    frame = read_table(DATA / "phq9_good.csv")
    for item in map(str, range(1, 11)):
        frame.loc[2, item] = ""
    report = import_table(services, SYSTEM, "phq-9", frame, **PHQ9)
    assert [(r.row, r.column) for r in report.rejected] == [(4, "")]
    assert "no item is answered" in report.rejected[0].reason
    assert _count(store, Response) == 0


def test_an_answer_the_skip_rule_did_not_ask_is_still_refused(services, store, clinic):
    # The clinic's database keeps the kiosk's rule: item 10 at a total of 0 is refused.
    frame = read_table(DATA / "phq9_good.csv")
    frame.loc[5, "10"] = "1"
    report = import_table(services, SYSTEM, "phq-9", frame, **PHQ9)
    assert [(r.row, r.column) for r in report.rejected] == [(7, "10")]
    assert "leave it blank" in report.rejected[0].reason


def test_a_session_that_already_has_a_different_response_is_rejected(services, store, clinic):
    session_id = services.add_session(SYSTEM, clinic["C-1"], dt.date(2025, 1, 6))
    services.submit_response(SYSTEM, client_id=clinic["C-1"], instrument_id="phq-9",
                             answers={str(i): 0 for i in range(1, 10)}, idempotency_key="k",
                             session_id=session_id)
    report = import_table(services, SYSTEM, "phq-9", read_table(DATA / "phq9_good.csv"),
                          **PHQ9)
    assert [(r.row, r.column) for r in report.rejected] == [(2, "")]
    assert "already has a different phq-9 response" in report.rejected[0].reason
    assert _count(store, Response) == 1


def test_a_failure_midway_leaves_nothing_behind(services, store, clinic, monkeypatch):
    real = Services.submit_response
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("power cut")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Services, "submit_response", flaky)
    before = (_count(store, Response), _count(store, Score), _count(store, SessionRow),
              _count(store, AuditEntry))
    with pytest.raises(RuntimeError, match="power cut"):
        import_table(services, SYSTEM, "phq-9", read_table(DATA / "phq9_good.csv"), **PHQ9)
    assert len(calls) == 4
    assert (_count(store, Response), _count(store, Score), _count(store, SessionRow),
            _count(store, AuditEntry)) == before


def test_import_respects_access(services, store, clinic):
    other = services.add_user(SYSTEM, "bo", "therapist")
    bo = Actor("bo", "therapist", other)
    report = import_table(services, bo, "phq-9", read_table(DATA / "phq9_good.csv"), **PHQ9)
    assert report.unknown_clients == ["C-1", "C-2"]
    assert _count(store, Response) == 0


# ---- the command ----------------------------------------------------------------------------


def _run(kit, *args):
    return CliRunner().invoke(cli, ["import", *map(str, args)], obj=kit)


def test_cli_imports_csv_then_nothing_twice(kit, database_url, store, clinic):
    path = DATA / "phq9_good.csv"
    first = _run(kit, "phq-9", path, "--client-column", "client", "--session-column",
                 "session", "--date-column", "date", "--database", database_url)
    assert first.exit_code == 0, first.output
    assert "imported 6 phq-9 response(s), 0 already stored, 5 new session(s)" in first.stdout
    assert "warning: column(s) notes" in first.stderr
    again = _run(kit, "phq-9", path, "--client-column", "client", "--session-column",
                 "session", "--date-column", "date", "--database", database_url)
    assert again.exit_code == 0
    assert "imported 0 phq-9 response(s), 6 already stored" in again.stdout
    assert _count(store, Response) == 6


def test_cli_reports_bad_rows_and_exits_1(kit, database_url, store, clinic):
    result = _run(kit, "phq-9", DATA / "phq9_unknown_client.csv", "--client-column", "client",
                  "--session-column", "session", "--date-column", "date",
                  "--database", database_url)
    assert result.exit_code == 1
    assert "phq9_unknown_client.csv: row 3, column 'client': unknown client code 'X-9'" \
        in result.stderr
    assert "unknown client code(s): X-9, Y-7" in result.stderr
    assert "nothing was imported" in result.stderr
    assert _count(store, Response) == 0


def test_cli_dry_run_writes_nothing(kit, database_url, store, clinic):
    result = _run(kit, "phq-9", DATA / "phq9_good.csv", "--client-column", "client",
                  "--session-column", "session", "--date-column", "date", "--dry-run",
                  "--database", database_url)
    assert result.exit_code == 0, result.output
    assert "would import 6 phq-9 response(s)" in result.stdout
    assert "nothing was written" in result.stdout
    assert _count(store, Response) == 0 and _count(store, SessionRow) == 1


def test_cli_imports_xlsx_with_typed_cells(kit, database_url, store, clinic, tmp_path):
    frame = pd.read_csv(DATA / "phq9_good.csv", parse_dates=["date"])  # numbers and dates
    path = tmp_path / "paper.xlsx"
    frame.to_excel(path, index=False)
    result = _run(kit, "phq-9", path, "--client-column", "client", "--session-column",
                  "session", "--date-column", "date", "--database", database_url)
    assert result.exit_code == 0, result.output
    assert "imported 6 phq-9 response(s)" in result.stdout
    # The same rows as the CSV: a CSV import afterwards finds them all stored.
    csv = _run(kit, "phq-9", DATA / "phq9_good.csv", "--client-column", "client",
               "--session-column", "session", "--date-column", "date",
               "--database", database_url)
    assert "imported 0 phq-9 response(s), 6 already stored" in csv.stdout


def test_cli_imports_visual_analogue_items(kit, database_url, store, clinic):
    result = _run(kit, "ors", DATA / "ors_good.csv", "--client-column", "code",
                  "--session-column", "visit", "--session-date", "2025-03-03",
                  "--database", database_url)
    assert result.exit_code == 0, result.output
    with store.read() as session:
        values = session.execute(select(Score.value).join(Response)
                                 .where(Response.instrument_id == "ors")
                                 .order_by(Response.session_number)).scalars().all()
    assert values == [19.0, 23.5]


def test_cli_unknown_instrument_and_column(kit, database_url, clinic):
    result = _run(kit, "nope", DATA / "phq9_good.csv", "--client-column", "client",
                  "--session-column", "session", "--database", database_url)
    assert result.exit_code == 2
    result = _run(kit, "phq-9", DATA / "phq9_good.csv", "--client-column", "who",
                  "--session-column", "session", "--database", database_url)
    assert result.exit_code == 1
    assert "no client column 'who'" in result.stderr
