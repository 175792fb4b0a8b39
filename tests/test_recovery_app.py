"""The recovery focus in AppTest: the client page's profile and prompts (which change when
readiness changes), saving a what-works note, the feedback sheet, the guidance page and the
admin's feedback settings, and feedback on the kiosk only when the clinic turns it on."""

from __future__ import annotations

import uuid

import pytest
import streamlit as st
from test_dashboard_app import Clinic, bodies, clinic_template  # noqa: F401

from alliance_kit.clinic import feedback
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.kit import build_kit
from alliance_kit.ui.dashboard.common import CURRENT
from alliance_kit.ui.text import plain

SYSTEM = Actor.system("test:recovery-app")


@pytest.fixture
def clinic(clinic_template, tmp_path, monkeypatch):  # noqa: F811 - the shared template
    yield Clinic(clinic_template, tmp_path, monkeypatch)
    st.cache_resource.clear()


def services_of(app_clinic: Clinic) -> Services:
    return Services(app_clinic.store(), build_kit(entry_points=False, local=False, disabled=()))


def ruler(services: Services, client_id: int, importance: int, confidence: int) -> None:
    services.submit_response(SYSTEM, client_id=client_id, instrument_id="readiness-ruler",
                             answers={"importance": importance, "confidence": confidence},
                             idempotency_key=uuid.uuid4().hex)


def test_profile_and_prompts_follow_readiness(clinic):
    client_id = clinic.clients["C-001"]
    services = services_of(clinic)
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    assert not at.exception
    assert any("No readiness ruler, URICA or AUDIT-C answers yet" in b for b in bodies(at))

    ruler(services, client_id, 2, 8)
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    text = "\n".join(bodies(at))
    assert [m.value for m in at.metric][:2] == ["2 / 10", "8 / 10"]
    assert "Change is not important to them yet" in text
    assert plain("low importance, high confidence") in text

    ruler(services, client_id, 9, 2)
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    text = "\n".join(bodies(at))
    assert plain("Wants to change, doubts they can: build confidence") in text
    assert "Change is not important to them yet" not in text
    assert "was 2" in text  # what changed since the ruler before


def test_saving_a_note_keeps_the_history(clinic):
    client_id = clinic.clients["C-001"]
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    at.text_area(key="dashboard:what-works:reasons").input("To keep my job **now**")
    at.text_area(key="dashboard:what-works:approach").input("Small steps")
    at.button(key="dashboard:what-works:save").click().run()
    assert not at.exception
    assert any("Note saved." in s.value for s in at.success)
    at.text_area(key="dashboard:what-works:reasons").input("For my kids")
    at.button(key="dashboard:what-works:save").click().run()
    text = "\n".join(bodies(at))
    assert plain("To keep my job **now**") in text  # shown as written, not as Markdown
    assert "History: 1 earlier note(s)" in [e.label for e in at.expander]
    notes = services_of(clinic).what_works(clinic.actor("ana"), client_id)
    assert [n.reasons for n in notes] == ["For my kids", "To keep my job **now**"]


def test_an_empty_note_is_refused_with_a_reason(clinic):
    at = clinic.app("ana", "client", **{CURRENT: clinic.clients["C-001"]})
    at.button(key="dashboard:what-works:save").click().run()
    assert any(plain("the note is empty") in e.value for e in at.error)


def test_feedback_sheet_button(clinic):
    client_id = clinic.clients["C-001"]
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    at.button(key="dashboard:feedback:prepare").click().run()
    assert any(plain("no AUDIT-C or readiness-ruler answers yet") in w.value for w in at.warning)
    ruler(services_of(clinic), client_id, 6, 4)
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    at.selectbox(key="dashboard:feedback:language").set_value("es")
    at.button(key="dashboard:feedback:prepare").click().run()
    assert not at.exception
    assert not any(plain("answers yet") in w.value for w in at.warning)
    assert any("feedback" in (d.proto.label or "").lower() for d in at.get("download_button"))


def test_guidance_page_and_admin_settings(clinic):
    at = clinic.app("ana", "guidance")
    assert not at.exception
    title = plain("Motivation and recovery prompts (alliance_kit)")
    assert title in [s.value for s in at.subheader]
    assert not [t for t in at.toggle if t.key == "guidance:kiosk"]  # settings: admins only
    admin = clinic.app("adam", "guidance")
    admin.toggle(key="guidance:kiosk").set_value(True)
    admin.button(key="guidance:save").click().run()
    assert not admin.exception
    assert feedback.feedback_settings(clinic.store()).kiosk is True
