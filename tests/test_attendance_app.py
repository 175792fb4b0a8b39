"""Attendance in the app (AppTest): the caseload section and its quick actions, the client
page's section, the supervisors' evidence page, the admins' settings, the alert settings
and the attendance export, on a copy of the dashboard tests' small clinic."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from e2e_dashboard.clinic import template
from sqlalchemy import select
from test_dashboard_app import Clinic, _assert_inert, bodies

from alliance_kit.clinic import attendance, settings
from alliance_kit.clinic.attendance_data import policy
from alliance_kit.clinic.services import Services
from alliance_kit.store.models import Alert, AuditEntry
from alliance_kit.store.models import Session as SessionRow
from alliance_kit.ui.dashboard.common import CURRENT
from alliance_kit.ui.text import plain

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def attendance_template(tmp_path_factory):
    return template(tmp_path_factory)


@pytest.fixture
def clinic(attendance_template, tmp_path, monkeypatch, kit):
    clinic = Clinic(attendance_template, tmp_path, monkeypatch)
    clinic.kit = kit
    yield clinic
    st.cache_resource.clear()


def services_of(clinic: Clinic) -> Services:
    return Services(clinic.store(), clinic.kit)


def frame_with(at, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_the_caseload_shows_attendance_and_records_with_one_tap(clinic):
    services = services_of(clinic)
    ana = clinic.actor("ana")
    c1 = clinic.clients["C-001"]
    attendance.record_attendance(services, ana, c1, TODAY + dt.timedelta(days=7), "scheduled",
                                 time=dt.time(10))
    # C-002 came this morning and is booked again for this evening.
    attendance.record_attendance(services, ana, clinic.clients["C-002"], TODAY, "scheduled",
                                 time=dt.time(18))
    at = clinic.app("ana")
    assert not at.exception
    assert "Attendance" in [s.value for s in at.subheader]
    table = frame_with(at, "Next appointment")
    assert set(table["Client"]) == {f"C-{n:03d}" for n in range(1, 7)}
    row = table.set_index("Client").loc["C-001"]
    assert row["Next appointment"].endswith("10:00")
    assert row["Days since"] == 0 and row["Attended (last 8)"] == "5 of 5 (100%)"
    assert table.iloc[0]["Client"] == "C-002"  # waiting for its outcome: first
    assert table.iloc[0]["To record"] == f"{TODAY:%a %d %b}"
    at.selectbox(key="dashboard:attendance:client").set_value(clinic.clients["C-002"]).run()
    assert any("the appointment of" in m.value for m in at.markdown)
    at.button(key="dashboard:attendance:no-show").click().run()
    assert not at.exception
    assert any(plain("recorded as no-show") in s.value for s in at.success)
    store = clinic.store()
    with store.read() as db:
        rows = db.execute(select(SessionRow.status).where(
            SessionRow.client_id == clinic.clients["C-002"], SessionRow.date == TODAY)
            .order_by(SessionRow.id)).scalars().all()
        actor = db.execute(select(AuditEntry.actor).where(AuditEntry.action == "record")
                           ).scalars().first()
    assert rows == ["attended", "no-show"] and actor == "ana"
    # Tapping again changes nothing and says so.
    at.selectbox(key="dashboard:attendance:client").set_value(clinic.clients["C-002"]).run()
    at.button(key="dashboard:attendance:no-show").click().run()
    assert any("nothing changed" in s.value for s in at.success)
    store.close()


def test_booking_from_the_caseload_and_a_refused_date(clinic):
    at = clinic.app("ana")
    at.selectbox(key="dashboard:attendance:client").set_value(clinic.clients["C-003"]).run()
    at.date_input(key="dashboard:attendance:date").set_value(TODAY + dt.timedelta(days=3))
    at.time_input(key="dashboard:attendance:time").set_value(dt.time(15, 30))
    at.button(key="FormSubmitter:dashboard:attendance:book-Book").click().run()
    assert not at.exception
    table = frame_with(at, "Next appointment").set_index("Client")
    assert table.loc["C-003", "Next appointment"].endswith("15:30")


def test_an_urgent_attendance_alert_reaches_the_caseload_cards(clinic):
    services = services_of(clinic)
    ana = clinic.actor("ana")
    # C-001's latest SRS was a rupture (33): missing the next appointment is urgent.
    attendance.record_attendance(services, ana, clinic.clients["C-001"],
                                 TODAY + dt.timedelta(days=7), "cancelled-by-client")
    at = clinic.app("ana")
    assert not at.exception
    cards = [b for b in bodies(at) if "Urgent" in b and "attendance" in b]
    assert cards and "Did not attend" in cards[0]
    table = next(df.value for df in at.dataframe if "Flag" in df.value.columns)
    table = table.data if hasattr(table, "data") else table
    assert table.set_index("Client").loc["C-001", "Flag"] == "! Urgent"
    assert table.iloc[0]["Client"] == "C-002"  # the safety alert still comes first
    assert table.iloc[1]["Client"] == "C-001"


def test_the_client_page_section_records_corrects_and_ends_the_episode(clinic):
    client_id = clinic.clients["C-001"]
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    assert not at.exception
    assert [s.value for s in at.subheader][:2] == ["Open alerts", "Attendance"]
    facts = [m.value for m in at.markdown if "Next appointment" in m.value]
    assert facts and "none booked" in facts[0]
    assert len(at.get("vega_lite_chart")) >= 4  # the timeline, then the trends
    at.date_input(key="dashboard:client-attendance:date").set_value(TODAY + dt.timedelta(days=2))
    at.selectbox(key="dashboard:client-attendance:status").set_value("attended")
    at.button(key="FormSubmitter:dashboard:client-attendance:record-Save").click().run()
    assert any("has not happened yet" in e.value for e in at.error)
    at.selectbox(key="dashboard:client-attendance:status").set_value("scheduled")
    at.button(key="FormSubmitter:dashboard:client-attendance:record-Save").click().run()
    assert not at.exception
    assert any("scheduled" in s.value for s in at.success)
    shown = frame_with(at, "What happened")
    assert shown.iloc[0]["What happened"] == "Booked"
    at.selectbox(key="dashboard:client-attendance:end-reason").set_value("referred")
    at.button(key="FormSubmitter:dashboard:client-attendance:end-End the episode").click().run()
    assert not at.exception
    assert any("referred" in i.value for i in at.info)
    assert at.button(key="FormSubmitter:dashboard:client-attendance:start-Start a new "
                         "episode")
    services = services_of(clinic)
    record = attendance.client_attendance(services, clinic.actor("ana"), client_id)
    assert not record.episode_open
    assert record.sessions["status"].tolist()[-1] == "cancelled-by-clinic"


def test_the_evidence_page_is_for_supervisors_and_admins(clinic):
    at = clinic.app("sue", "retention")
    assert not at.exception
    assert at.title[0].value == "Return and retention"
    assert any("associations in this clinic" in i.value for i in at.info)
    groups = frame_with(at, "95% interval")
    assert "SRS total ≤ 36" in set(groups["Group"])
    assert "too few" in set(groups["Rate"])  # a small clinic: groups under 10 sessions
    models = frame_with(at, "Odds ratio per point")
    assert set(models["Instrument"]) >= {"SRS"}
    store = clinic.store()
    with store.read() as db:
        assert db.execute(select(AuditEntry).where(AuditEntry.entity == "retention",
                                                   AuditEntry.actor == "sue")).first()
    store.close()
    therapist = clinic.app("ana", "retention")
    assert "Return and retention" not in [t.value for t in therapist.title]


def test_admins_set_the_definitions(clinic):
    at = clinic.app("adam", "admin-attendance")
    assert not at.exception
    assert at.title[0].value == "Return and dropout settings"
    assert any("unilateral termination" in m.value for m in at.markdown)
    at.number_input(key="admin:attendance:not-seen").set_value(21)
    at.button(key="FormSubmitter:admin:attendance:form-Save").click().run()
    assert not at.exception
    assert policy(clinic.store()).not_seen_days == 21
    assert clinic.app("sue", "admin-attendance").title[0].value != "Return and dropout settings"


def test_attendance_rules_are_switched_on_the_alert_settings_page(clinic):
    at = clinic.app("adam", "admin-alerts")
    assert not at.exception
    box = at.checkbox(key="admin:alerts:attendance:not-seen")
    assert box.value and "30 days" in box.label
    box.uncheck()
    at.button(key="FormSubmitter:admin:alerts:form-Save").click().run()
    assert not at.exception
    assert not settings.alert_settings(clinic.store()).enabled("attendance", "not-seen")


def test_the_attendance_export_tab(clinic):
    at = clinic.app("ana", "exports")
    assert not at.exception
    at.radio(key="exports:attendance:format").set_value("csv")
    at.button(key="exports:attendance:prepare").click().run()
    assert not at.exception
    assert any(plain("attendance-") in m.value and plain("appointment(s)") in m.value
               for m in at.markdown)


def test_hostile_client_codes_stay_text_in_the_attendance_sections(hostile, kit):
    code = hostile.info["codes"][3]  # one of Ana's clients with a hostile code
    client_id = hostile.clients[code]
    attendance.record_attendance(Services(hostile.store(), kit), hostile.actor("ana"),
                                 client_id, TODAY, "scheduled", time=dt.time(18))
    at = hostile.app("ana")
    at.selectbox(key="dashboard:attendance:client").set_value(client_id).run()
    at.button(key="dashboard:attendance:cancelled-by-client").click().run()
    assert not at.exception
    assert any(plain(code) in s.value for s in at.success)  # the flash, escaped
    _assert_inert(at)
    assert code in set(frame_with(at, "Next appointment")["Client"])  # as written
    page = hostile.app("ana", "client", **{CURRENT: client_id})
    assert not page.exception
    _assert_inert(page)


@pytest.fixture
def hostile(tmp_path_factory, tmp_path, monkeypatch):
    yield Clinic(template(tmp_path_factory, hostile=True), tmp_path, monkeypatch)
    st.cache_resource.clear()


def test_nothing_is_raised_for_clients_seen_today(clinic):
    at = clinic.app("ana")
    assert not at.exception
    store = clinic.store()
    with store.read() as db:
        assert db.execute(select(Alert).where(Alert.instrument_id == "attendance")).first() \
            is None
    store.close()
