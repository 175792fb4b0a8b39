"""Importing historical attendance, on both engines: all rows or none, every problem named
with its row and column, and the same file twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import row_counts
from sqlalchemy import select

from alliance_kit.cli import cli
from alliance_kit.clinic import attendance
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.attendance_import import import_attendance
from alliance_kit.store.models import AuditEntry

SYSTEM = Actor.system("test")
TODAY = dt.date.today()


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


@pytest.fixture
def clinic(services):
    therapist = services.add_user(SYSTEM, "ana", "therapist")
    other = services.add_user(SYSTEM, "ben", "therapist")
    ana = Actor("ana", "therapist", therapist)
    mine = services.add_client(SYSTEM, "C1", therapist_ids=[therapist],
                               started_on=TODAY - dt.timedelta(days=90))
    services.add_client(SYSTEM, "C2", therapist_ids=[other])
    return ana, mine


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "date", "status", "why", "at"])


GOOD = table(("C1", day(-28), "attended", "", ""), ("C1", day(-21), "no-show", "ill", ""),
             ("C1", day(-14), "attended", "", "10:30"), ("C1", day(-7), "cancelled-by-client",
                                                          "", ""),
             ("C1", day(7), "scheduled", "", "09:00"))


def run(services, actor, frame, **options):
    return import_attendance(services, actor, frame, client_column="code", date_column="date",
                             status_column="status", reason_column="why", time_column="at",
                             source_name="visits.csv", **options)


def test_a_good_table_is_imported_once(services, store, clinic):
    ana, mine = clinic
    dry = run(services, ana, GOOD, dry_run=True)
    assert dry.ok and dry.created == 5 and "nothing was written" in dry.summary()
    before = row_counts(store)
    report = run(services, ana, GOOD)
    assert report.ok and (report.created, report.updated, report.already_stored) == (5, 0, 0)
    assert row_counts(store)["sessions"] == before["sessions"] + 5
    record = attendance.client_attendance(services, ana, mine)
    sessions = record.sessions
    assert sessions["status"].tolist() == ["attended", "no-show", "attended",
                                           "cancelled-by-client", "scheduled"]
    assert [None if pd.isna(n) else n for n in sessions["number"]][:3] == [1, None, 2]
    assert sessions["reason"].tolist()[1] == "ill"
    assert sessions["time"].tolist()[2] == dt.time(10, 30)
    assert record.facts.next_appointment == TODAY + dt.timedelta(days=7)
    with store.read() as session:
        entity, details = session.execute(select(AuditEntry.entity, AuditEntry.details).where(
            AuditEntry.action == "import")).one()
    assert entity == "attendance" and details["created"] == 5
    again = run(services, ana, GOOD)
    assert (again.created, again.updated, again.already_stored) == (0, 0, 5)
    assert row_counts(store)["sessions"] == before["sessions"] + 5


def test_an_import_fills_in_a_booked_appointment(services, store, clinic):
    ana, mine = clinic
    booked = attendance.record_attendance(services, ana, mine, TODAY, "scheduled")
    report = run(services, ana, table(("C1", day(0), "attended", "", "")))
    assert (report.created, report.updated) == (0, 1)
    record = attendance.client_attendance(services, ana, mine)
    assert record.sessions["session_id"].tolist() == [booked.session_id]
    assert record.sessions["status"].tolist() == ["attended"]


@pytest.mark.parametrize(("row", "column", "reason"), [
    (("C9", day(-3), "attended", "", ""), "code", "unknown client code 'C9'"),
    (("C2", day(-3), "attended", "", ""), "code", "unknown client code 'C2'"),  # not visible
    (("C1", day(-3), "came", "", ""), "status", "'came' is not a status"),
    (("C1", day(-3), "scheduled", "", ""), "status", "in the past: it cannot be scheduled"),
    (("C1", day(3), "attended", "", ""), "status", "has not happened yet"),
    (("C1", "last week", "attended", "", ""), "date", "is not a date"),
    (("C1", day(-3), "attended", "", "noon"), "at", "is not a time of day"),
    (("C1", day(-300), "attended", "", ""), "", "no episode of client C1 covers"),
    (("", day(-3), "attended", "", ""), "code", "no client code"),
])
def test_a_bad_row_stops_the_whole_import(services, store, clinic, row, column, reason):
    ana, _ = clinic
    before = row_counts(store)
    report = run(services, ana, pd.concat([GOOD, table(row)], ignore_index=True))
    assert not report.ok
    assert [(p.row, p.column) for p in report.rejected] == [(7, column)]
    assert reason in report.rejected[0].reason
    assert "nothing was imported" in report.summary()
    assert row_counts(store) == before


def test_an_attended_session_cannot_be_numbered_before_a_later_one(services, store, clinic):
    ana, mine = clinic
    services.add_session(ana, mine, TODAY - dt.timedelta(days=7))
    report = run(services, ana, table(("C1", day(-14), "attended", "", ""),
                                      ("C1", day(-10), "no-show", "", "")))
    assert [p.row for p in report.rejected] == [2]
    assert "cannot be numbered before it" in report.rejected[0].reason


def test_a_stored_outcome_is_not_overwritten(services, store, clinic):
    ana, mine = clinic
    attendance.record_attendance(services, ana, mine, TODAY - dt.timedelta(days=3), "attended")
    report = run(services, ana, table(("C1", day(-3), "no-show", "", "")))
    assert "correct it in the app" in report.rejected[0].reason


def test_duplicate_rows_are_named(services, store, clinic):
    ana, _ = clinic
    report = run(services, ana, table(("C1", day(-3), "attended", "", ""),
                                      ("C1", day(-3), "no-show", "", "")))
    assert "already in row 2" in report.rejected[0].reason


def test_the_command_imports_and_reports_problems(kit, database_url, services, clinic,
                                                  tmp_path):
    path = tmp_path / "visits.csv"
    GOOD.to_csv(path, index=False)
    options = ["--client-column", "code", "--date-column", "date", "--status-column",
               "status", "--reason-column", "why", "--time-column", "at",
               "--database", database_url]
    result = CliRunner().invoke(cli, ["attendance", "import", str(path), *options], obj=kit)
    assert result.exit_code == 0, result.output
    assert "added 5 appointment(s)" in result.stdout
    bad = tmp_path / "bad.csv"
    table(("C9", day(-3), "maybe", "", "")).to_csv(bad, index=False)
    result = CliRunner().invoke(cli, ["attendance", "import", str(bad), *options], obj=kit)
    assert result.exit_code == 1
    assert "row 2, column 'code': unknown client code 'C9'" in result.stderr
    assert "row 2, column 'status': 'maybe' is not a status" in result.stderr
    assert "nothing was imported" in result.stderr
    missing = CliRunner().invoke(cli, ["attendance", "import", str(path), "--client-column",
                                       "who", "--date-column", "date", "--status-column",
                                       "status", "--database", database_url], obj=kit)
    assert missing.exit_code == 1 and "no client column 'who'" in missing.stderr
