"""What the kiosk says that a clinic sets, as the client sees it (AppTest): the words after
a safety alert (never a score), and each new person starting in the clinic's language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from e2e.seed import Seeded, seed
from test_kiosk_app import app, goto, kiosk_state, texts, titles, unescape

import alliance_kit
from alliance_kit.clinic import kiosk
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SYSTEM = Actor.system("test")
PHQ9_SAFETY = {**{str(i): 2 for i in range(1, 9)}, "9": 1, "10": 2}
PHQ9_NONE = {**{str(i): 0 for i in range(1, 10)}}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Seeded:
    return seed(tmp_path_factory.mktemp("kiosk-screens") / "template.db")


@pytest.fixture
def db(template, tmp_path, monkeypatch) -> Seeded:
    """A fresh copy of the seeded database, used by the app through the environment."""
    shutil.copy(template.url.removeprefix("sqlite:///"), tmp_path / "kiosk.db")
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    monkeypatch.setenv("ALLIANCE_KIT_DATABASE_URL", url)
    (tmp_path / "plugins").mkdir()
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(tmp_path / "plugins"))
    monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    yield Seeded(url, template.therapist_id, template.client_id, template.other_client_id,
                 template.session_id, template.team_id)
    st.cache_resource.clear()


@pytest.fixture
def services(db):
    opened = Services(open_store(db.url), alliance_kit.build_kit(entry_points=False,
                                                                 local=False))
    yield opened
    opened.store.close()


def phq9_on_the_tablet(db: Seeded, language: str = "en"):
    at = app(db).run()
    goto(at, "handover")
    if language != "en":  # first: a new language chooses the due ones afresh
        at.radio(key="handover:language").set_value(language).run()
    at.multiselect(key="handover:instruments").set_value(["phq-9"]).run()
    at.button(key="handover:start").click().run()
    assert not at.exception and kiosk_state(at).current == "phq-9"
    return at


def answer_phq9(at, answers):
    for item, value in answers.items():
        at.session_state[kiosk.answer_key("phq-9", item)] = value
    at.run()
    at.button(key="kiosk-submit:phq-9").click().run()
    assert not at.exception
    return at


def test_a_safety_alert_asks_the_client_to_tell_staff_now_and_shows_no_score(db):
    at = answer_phq9(phq9_on_the_tablet(db), PHQ9_SAFETY)
    assert titles(at) == ["Thank you"]
    page = unescape(texts(at))
    assert "Please tell a member of staff now." in page
    assert "hand the tablet back" not in page
    assert "17" not in page and "score" not in page.lower() and "item 9" not in page.lower()
    assert kiosk_state(at).safety is True
    # Done locks the tablet and forgets it all.
    at.button(key="kiosk-done").click().run()
    assert titles(at) == ["This tablet is locked"] and kiosk_state(at).safety is False


def test_without_a_safety_alert_the_usual_thank_you(db):
    at = answer_phq9(phq9_on_the_tablet(db), PHQ9_NONE)
    page = unescape(texts(at))
    assert "Please hand the tablet back to staff." in page
    assert "tell a member of staff now" not in page


def test_the_clinics_message_and_crisis_line_in_the_clients_language(db, services):
    kiosk.set_safety_texts(services.store, SYSTEM,
                           {"es": "Avise ahora a una persona del equipo, por favor."},
                           {"en": "Crisis line (24 h): 988", "es": "Línea de crisis (24 h): 988"})
    at = answer_phq9(phq9_on_the_tablet(db, "es"), PHQ9_SAFETY)
    assert titles(at) == ["Gracias"]
    page = unescape(texts(at))
    assert "Avise ahora a una persona del equipo, por favor." in page
    assert "Línea de crisis (24 h): 988" in page


def test_the_crisis_line_falls_back_to_english_and_the_message_to_the_built_in_one(db,
                                                                                  services):
    kiosk.set_safety_texts(services.store, SYSTEM, {}, {"en": "Crisis line: 988"})
    assert kiosk.safety_lines(services.store, "es") == [
        "Por favor, avise ahora a una persona del equipo.", "Crisis line: 988"]
    assert kiosk.safety_lines(services.store, "en") == [
        "Please tell a member of staff now.", "Crisis line: 988"]


def test_bad_safety_texts_are_refused(services):
    with pytest.raises(ValueError, match="not one of the app's languages"):
        kiosk.set_safety_texts(services.store, SYSTEM, {"fr": "x"}, {})
    with pytest.raises(ValueError, match="keep it to 300"):
        kiosk.set_safety_texts(services.store, SYSTEM, {"en": "x" * 301}, {})
    with pytest.raises(ValueError, match="U\\+202E"):
        kiosk.set_safety_texts(services.store, SYSTEM, {}, {"en": "call \u202e889"})
    with pytest.raises(PermissionError):
        kiosk.set_safety_texts(services.store, Actor("ana", "therapist", 1), {}, {})


def test_the_next_person_starts_in_the_clinics_language(db, services):
    kiosk.set_default_language(services.store, SYSTEM, "es")
    at = answer_phq9(phq9_on_the_tablet(db), PHQ9_NONE)  # a client who read English
    at.button(key="kiosk-done").click().run()
    assert titles(at) == ["Esta tableta está bloqueada"]
    assert kiosk_state(at).language == "es"
    assert "Personal: desbloquear esta tableta" in [e.label for e in at.expander]


def test_the_staff_unlock_is_in_the_kiosks_language(db):
    at = phq9_on_the_tablet(db, "es")
    at.button(key="kiosk-staff").click().run()
    assert titles(at) == ["Preguntas en curso"]
    assert [e.label for e in at.expander] == ["Personal: desbloquear esta tableta"]
    assert at.button(key="kiosk-back").label == "Volver a las preguntas"

