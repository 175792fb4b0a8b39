"""Attendance exports, on both engines: the table, de-identified as the response exports are
(so they join), FHIR Appointment and EpisodeOfCare that fhir.resources accepts, and only the
actor's clients, audited."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from alliance_kit.cli import cli
from alliance_kit.clinic import attendance, attendance_export, exports
from alliance_kit.clinic.access import Actor
from alliance_kit.interop.fhir import appointments as fhir
from alliance_kit.store.models import AuditEntry

SYSTEM = Actor.system("test")
TODAY = dt.date.today()
SALT = b"a test salt of enough length"


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


@pytest.fixture
def clinic(services):
    ana_id = services.add_user(SYSTEM, "ana", "therapist")
    ben_id = services.add_user(SYSTEM, "ben", "therapist")
    ana = Actor("ana", "therapist", ana_id)
    mine = services.add_client(SYSTEM, "C-ana", therapist_ids=[ana_id], started_on=day(-60))
    other = services.add_client(SYSTEM, "C-ben", therapist_ids=[ben_id], started_on=day(-60))
    attendance.record_attendance(services, ana, mine, day(-21), "attended")
    session = attendance.record_attendance(services, ana, mine, day(-14), "attended")
    services.submit_response(ana, client_id=mine, instrument_id="phq-9",
                             answers={str(i): 0 for i in range(1, 10)}, idempotency_key="p1",
                             session_id=session.session_id)
    attendance.record_attendance(services, ana, mine, day(-7), "no-show", reason="=1+1 sick")
    attendance.record_attendance(services, ana, mine, day(-3), "cancelled-by-clinic")
    attendance.record_attendance(services, ana, mine, day(-1), "cancelled-by-client")
    attendance.record_attendance(services, ana, mine, day(5), "scheduled", time=dt.time(14))
    attendance.record_attendance(services, SYSTEM, other, day(-5), "attended")
    return ana, mine


def test_the_table_holds_every_appointment_of_the_actors_clients(services, store, clinic):
    ana, _ = clinic
    sessions, spells = attendance_export.table(services, ana)
    assert set(sessions["client"]) == {"C-ana"}
    assert sessions["status"].tolist() == ["attended", "attended", "no-show",
                                           "cancelled-by-clinic", "cancelled-by-client",
                                           "scheduled"]
    assert sessions["session"].tolist()[:2] == [1, 2]
    assert sessions["reason"].tolist()[2] == "=1+1 sick"
    assert spells.to_dict("records") == [{"client": "C-ana", "episode_ref": spells.iloc[0][
        "episode_ref"], "started_on": day(-60), "ended_on": None, "end_reason": None}]
    with store.read() as session:
        details = session.execute(select(AuditEntry.details).where(
            AuditEntry.entity == "attendance", AuditEntry.action == "export")).scalar_one()
    assert details["appointments"] == 6 and len(details["clients"]) == 1


def test_csv_and_xlsx_files_neutralise_formulas(services, clinic):
    ana, _ = clinic
    made = attendance_export.export(services, ana, fmt="csv")
    text = made.data.decode("utf-8-sig")
    assert made.filename.startswith("attendance-") and made.responses == 6
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(frame.columns) == attendance_export.COLUMNS
    assert frame.loc[2, "reason"] == "'=1+1 sick"
    assert frame.loc[5, "time"] == "14:00"
    xlsx = attendance_export.export(services, ana, fmt="xlsx")
    assert pd.read_excel(io.BytesIO(xlsx.data))["status"].tolist()[0] == "attended"
    with pytest.raises(ValueError, match="format 'pdf' is not one of"):
        attendance_export.export(services, ana, fmt="pdf")


def test_deidentified_rows_join_the_response_export(services, clinic):
    ana, mine = clinic
    sessions, spells = attendance_export.table(services, ana, deidentified=True, salt=SALT)
    assert "reason" not in sessions.columns
    pseudonym = sessions["client"].iloc[0]
    assert pseudonym.startswith("P-") and "C-ana" not in sessions.to_string()
    shift = exports.date_shift(SALT, mine)
    assert sessions["date"].tolist()[0] == day(-21) + shift
    assert spells["started_on"].iloc[0] == day(-60) + shift
    records = exports.deidentify(exports.fetch(services, ana, "phq-9"), SALT,
                                 services.kit.instrument("phq-9"))
    assert records[0].client == pseudonym
    assert records[0].session_date == sessions["date"].tolist()[1]


def test_fhir_appointments_and_episodes_validate(services, clinic):
    ana, _ = clinic
    made = attendance_export.export(services, ana, fmt="fhir")
    data = json.loads(made.data)
    Bundle.model_validate(data)
    resources = [entry["resource"] for entry in data["entry"]]
    kinds = [r["resourceType"] for r in resources]
    assert kinds == ["EpisodeOfCare"] + ["Appointment"] * 6
    appointments = resources[1:]
    assert [a["status"] for a in appointments] == ["fulfilled", "fulfilled", "noshow",
                                                   "cancelled", "cancelled", "booked"]
    assert appointments[3]["cancelationReason"]["coding"][0]["code"] == "prov"
    assert appointments[4]["cancelationReason"]["coding"][0]["code"] == "pat"
    assert appointments[4]["participant"][0]["status"] == "declined"
    # No time recorded: the day; a cancellation without a time keeps its day as requested.
    assert appointments[0]["comment"] == fhir.NO_TIME and "start" in appointments[0]
    assert appointments[3]["requestedPeriod"][0]["start"] == day(-3).isoformat()
    booked = appointments[5]
    assert booked["minutesDuration"] == fhir.SESSION_MINUTES
    assert dt.datetime.fromisoformat(booked["start"]).time() == dt.time(14)
    assert resources[0]["status"] == "active"
    private = attendance_export.export(services, ana, fmt="fhir", deidentified=True, salt=SALT)
    Bundle.model_validate(json.loads(private.data))
    assert b"C-ana" not in private.data and b"sick" not in private.data


def test_an_ended_episode_carries_its_reason(services, clinic):
    ana, mine = clinic
    attendance.end_episode(services, ana, mine, day(0), "dropped-out")
    data = json.loads(attendance_export.export(services, ana, fmt="fhir").data)
    episode = data["entry"][0]["resource"]
    assert episode["status"] == "finished"
    assert episode["extension"] == [{"url": fhir.END_REASON, "valueCode": "dropped-out"}]
    sessions, _ = attendance_export.table(services, ana)
    assert set(sessions["end_reason"]) == {"dropped-out"}


def test_the_export_command(kit, database_url, clinic, tmp_path):
    target = tmp_path / "visits.fhir.json"
    result = CliRunner().invoke(cli, ["attendance", "export", str(target), "--deidentified",
                                      "--database", database_url], obj=kit)
    assert result.exit_code == 0, result.output
    assert "7 appointment(s) written" in result.stdout  # the system sees both clients
    Bundle.model_validate(json.loads(target.read_bytes()))
    again = CliRunner().invoke(cli, ["attendance", "export", str(target), "--database",
                                     database_url], obj=kit)
    assert again.exit_code == 1 and "already exists" in again.stderr
    odd = CliRunner().invoke(cli, ["attendance", "export", str(tmp_path / "x.doc"),
                                   "--database", database_url], obj=kit)
    assert odd.exit_code == 1 and "no writer for '.doc'" in odd.stderr
