"""The kiosk pages in-process with AppTest: hand-over, codes, validation, idle lock, PIN lockout,
no staff page from kiosk state, and nothing of the client left after submit."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from pathlib import Path

import pytest
import streamlit as st
from e2e.seed import PIN, Seeded, seed
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

import alliance_kit
from alliance_kit.clinic import kiosk
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import Account
from alliance_kit.clinic.kiosk import pin
from alliance_kit.clinic.services import Services
from alliance_kit.store import open_store
from alliance_kit.store.models import AuditEntry, Response, utcnow
from alliance_kit.store.models import Session as SessionRow
from alliance_kit.types import STAFF
from alliance_kit.ui import session

ROOT = Path(__file__).resolve().parents[1]
CHECKIN = "session-checkin"
SLIDERS = {"bond": 7.0, "goals": 8.0, "approach": 9.0, "overall": 6.0}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Seeded]:
    folder = tmp_path_factory.mktemp("kiosk-app")
    return folder / "template.db", seed(folder / "template.db")


@pytest.fixture
def db(template, tmp_path, monkeypatch) -> Seeded:
    """A fresh copy of the seeded database, used by the app through the environment."""
    path, seeded = template
    shutil.copy(path, tmp_path / "kiosk.db")
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    monkeypatch.setenv("ALLIANCE_KIT_DATABASE_URL", url)
    (tmp_path / "plugins").mkdir()
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(tmp_path / "plugins"))
    monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()  # the app caches its store: use this test's database
    yield Seeded(url, seeded.therapist_id, seeded.client_id, seeded.other_client_id,
                 seeded.session_id, seeded.team_id)
    st.cache_resource.clear()


@pytest.fixture
def services(db):
    opened = Services(open_store(db.url), alliance_kit.build_kit(entry_points=False,
                                                                 local=False))
    yield opened
    opened.store.close()


def app(logged_in: Seeded | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if logged_in is not None:
        now = time.time()
        at.session_state[session.ACCOUNT_KEY] = session.LoggedIn(
            Account(logged_in.therapist_id, "ana", "Ana", "therapist", logged_in.team_id),
            now, now)
    return at


def goto(at: AppTest, url_path: str) -> AppTest:
    """Ask for a page by its URL, as a link or a typed address would."""
    at._page_hash = calc_hash(url_path)
    return at.run()


def unescape(body: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body)


def titles(at: AppTest) -> list[str]:
    return [unescape(title.value) for title in at.title]


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "error", "warning", "info", "success", "title")
    return "\n".join(element.value for kind in kinds for element in at.get(kind))


def kiosk_state(at: AppTest) -> kiosk.KioskState:
    return at.session_state[session.KIOSK_KEY]


def state_keys(at: AppTest) -> list[str]:
    return [str(key) for key in at.session_state._state._state.filtered_state]


def handed_over(db: Seeded) -> AppTest:
    """A therapist starts a hand-over for client 1's session on this tablet."""
    at = app(db).run()
    goto(at, "handover")
    assert not at.exception
    assert at.multiselect(key="handover:instruments").value == [CHECKIN]
    at.button(key="handover:start").click().run()
    assert not at.exception
    return at


def type_pin(at: AppTest, pin: str) -> AppTest:
    """What pressing "Unlock with PIN" sends from the kiosk's own form (ui/kiosk/secret.py):
    a trigger value, there for one run only."""
    key = "kiosk-unlock:pin"
    at.session_state[key] = {"submitted": {"pin": pin}}
    at.run()
    if key in at.session_state:
        at.session_state[key] = {"submitted": None}
    return at


def answer(at: AppTest, values: dict[str, float], comment: str | None = None) -> AppTest:
    for item_id, value in values.items():
        at.session_state[kiosk.answer_key(CHECKIN, item_id)] = value
    if comment is not None:
        at.text_area(key=kiosk.answer_key(CHECKIN, "comment")).input(comment)
    return at.run()


def submit(at: AppTest) -> AppTest:
    return at.button(key=f"kiosk-submit:{CHECKIN}").click().run()


def responses(services: Services) -> list[dict]:
    with services.store.read() as read:
        return [{"answers": r.answers, "client_id": r.client_id, "session_id": r.session_id,
                 "source": r.source}
                for r in read.execute(select(Response).order_by(Response.id)).scalars()]


# ---- hand-over ----------------------------------------------------------------------------


def test_handover_shows_the_due_checkin_and_saves_it(db, services):
    at = handed_over(db)
    assert titles(at) == ["Session check-in"]
    assert session.current_role(at.session_state, None) == "kiosk"
    assert "0 of 5 answered" in [p.proto.text for p in at.get("progress")]
    answer(at, SLIDERS, "Thanks")
    submit(at)
    assert not at.exception
    assert titles(at) == ["Thank you"]
    saved = responses(services)
    assert len(saved) == 1
    assert saved[0] == {"answers": {**SLIDERS, "comment": "Thanks"}, "client_id": db.client_id,
                        "session_id": db.session_id, "source": "kiosk"}
    # Thank-you, then the locked screen.
    at.button(key="kiosk-done").click().run()
    assert titles(at) == ["This tablet is locked"]
    assert kiosk_state(at).handover is None


def test_handover_and_unlock_are_audited(db, services):
    at = handed_over(db)
    goto(at, "kiosk-locked")
    type_pin(at, PIN)
    assert not at.exception
    assert session.KIOSK_KEY not in at.session_state
    assert titles(at) == ["Start hand-over"]
    with services.store.read() as read:
        actions = read.execute(select(AuditEntry.action).where(
            AuditEntry.entity == "kiosk")).scalars().all()
    assert actions == ["handover", "unlock"]


def test_nothing_of_the_client_is_left_in_session_state_after_submit(db):
    at = handed_over(db)
    answer(at, SLIDERS, "a private remark")
    assert any(kiosk.is_answer_key(k) for k in state_keys(at))
    submit(at)
    assert titles(at) == ["Thank you"]
    assert [k for k in state_keys(at) if kiosk.is_answer_key(k)] == []
    values = repr([at.session_state[k] for k in state_keys(at)])
    assert "a private remark" not in values
    state = kiosk_state(at)
    assert state.handover is None and state.errors == {} and state.save_failed is None


def test_double_tap_and_resubmit_make_one_response(db, services):
    at = handed_over(db)
    handover = kiosk_state(at).handover
    answer(at, SLIDERS)
    submit(at)
    again = kiosk.submit(services, handover, CHECKIN, {**SLIDERS, "comment": None})
    assert not again.created
    assert len(responses(services)) == 1


def test_a_failed_save_says_so_and_keeps_the_answers(db, services, monkeypatch):
    at = handed_over(db)
    answer(at, SLIDERS, "keep me")

    def broken(*args, **kwargs):
        raise OSError("connection dropped")

    monkeypatch.setattr(kiosk, "submit", broken)
    submit(at)
    assert not at.exception
    assert "Not saved — please tell staff" in [e.value for e in at.error]
    assert titles(at) == ["Session check-in"]
    assert at.text_area(key=kiosk.answer_key(CHECKIN, "comment")).value == "keep me"
    assert at.session_state[kiosk.answer_key(CHECKIN, "bond")] == 7.0
    monkeypatch.undo()
    submit(at)  # the retry, with the same key, saves once
    assert titles(at) == ["Thank you"]
    assert len(responses(services)) == 1


# ---- validation ---------------------------------------------------------------------------


def test_required_items_get_a_friendly_message_beside_them(db, services):
    at = handed_over(db)
    submit(at)
    assert not at.exception
    assert [w.value for w in at.warning] == ["Please answer this question."] * 4
    assert responses(services) == []
    answer(at, {"bond": 5.0, "goals": 5.0})
    assert [w.value for w in at.warning] == ["Please answer this question."] * 2
    # An untouched slider is "not answered": never stored as 0 or 5.
    assert kiosk.collect_answers(services.kit.instrument(CHECKIN), {})["bond"] is None


def test_spanish_on_the_kiosk(db):
    at = handed_over(db)
    at.session_state["kiosk-lang"] = "es"  # what a tap on "Español" leaves (choice.py)
    at.run()
    assert titles(at) == ["Revisión breve de la sesión"]
    submit(at)
    assert [w.value for w in at.warning] == ["Por favor, responda esta pregunta."] * 4


# ---- locked by construction ---------------------------------------------------------------


def test_no_staff_page_is_reachable_from_kiosk_state(db):
    at = handed_over(db)
    staff_pages = [p.url_path for p in alliance_kit.build_kit(entry_points=False, local=False)
                   .pages() if p.roles & STAFF]
    assert "handover" in staff_pages and "instruments" in staff_pages
    for url_path in staff_pages:
        goto(at, url_path)
        assert not at.exception, url_path
        assert titles(at) == ["Session check-in"], url_path
        assert not at.sidebar.children or all(
            "Log out" not in getattr(b, "label", "") for b in at.sidebar.button)
    at.switch_page  # noqa: B018 - AppTest cannot switch to a page the navigation lacks
    assert session.current_role(at.session_state, None) == "kiosk"


def test_idle_lock_discards_a_half_filled_questionnaire(db, services):
    at = handed_over(db)
    answer(at, {"bond": 3.0})
    kiosk_state(at).last_activity = time.time() - pin.IDLE_MINUTES * 60 - 1
    at.run()
    assert not at.exception
    assert titles(at) == ["This tablet is locked"]
    assert "without activity" in texts(at)
    assert [k for k in state_keys(at) if kiosk.is_answer_key(k)] == []
    assert responses(services) == []


def test_idle_time_is_a_setting(db, services):
    kiosk.set_idle_minutes(services.store, Actor.system("t"), 1)
    assert kiosk.idle_seconds(services.store) == 60
    at = handed_over(db)
    kiosk_state(at).last_activity = time.time() - 61
    at.run()
    assert titles(at) == ["This tablet is locked"]


def test_three_wrong_pins_make_the_tablet_wait(db, monkeypatch):
    at = handed_over(db)
    goto(at, "kiosk-locked")
    assert titles(at) == ["Questions in progress"]

    def try_pin(pin: str) -> list[str]:
        type_pin(at, pin)
        assert not at.exception
        return [e.value for e in at.error]

    assert try_pin("000000") == ["Wrong PIN."]
    assert try_pin("111111") == ["Wrong PIN."]
    assert try_pin("000000")[0].startswith("Too many wrong PINs: wait 3")
    assert try_pin(PIN)[0].startswith("Too many wrong PINs")  # even the right PIN waits
    assert session.KIOSK_KEY in at.session_state
    # Half a minute later (the count is on the server: the tablet's session holds none).
    later = utcnow() + dt.timedelta(seconds=31)
    monkeypatch.setattr("alliance_kit.clinic.kiosk.pin.utcnow", lambda: later)
    try_pin(PIN)
    assert session.KIOSK_KEY not in at.session_state
    assert titles(at) == ["Start hand-over"]


# ---- one-time codes -----------------------------------------------------------------------


def code_page(db: Seeded) -> AppTest:
    at = app().run()
    goto(at, "code")
    assert titles(at) == ["Welcome"]
    return at


def type_code(at: AppTest, code: str) -> AppTest:
    at.text_input(key="kiosk-code:value").input(code)
    return at.button(key="FormSubmitter:kiosk-code:form-Start").click().run()


def test_a_valid_code_opens_the_clients_questions_once(db, services):
    code = kiosk.create_code(services, Actor.system("t"), db.other_client_id, None,
                             [CHECKIN]).code
    at = type_code(code_page(db), code)
    assert not at.exception
    assert titles(at) == ["Session check-in"]
    assert kiosk_state(at).handover.client_id == db.other_client_id
    answer(at, SLIDERS)
    submit(at)
    assert titles(at) == ["Thank you"]
    at = type_code(code_page(db), code)
    assert titles(at) == ["Welcome"]
    assert "already used" in at.error[0].value
    assert session.KIOSK_KEY not in at.session_state


def test_an_expired_code_is_refused(db, services):
    issued = kiosk.create_code(services, Actor.system("t"), db.other_client_id, None,
                               [CHECKIN], now=utcnow() - dt.timedelta(minutes=31))
    at = type_code(code_page(db), issued.code)
    assert "expired" in at.error[0].value
    assert session.KIOSK_KEY not in at.session_state


def test_a_wrong_code_is_refused_and_audited(db, services):
    at = type_code(code_page(db), "12345x")
    assert "not right" in at.error[0].value
    with services.store.read() as read:
        assert read.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "code-refused")).scalar_one() == 1


def test_staff_make_a_code_with_a_qr_image(db):
    at = app(db).run()
    goto(at, "handover")
    at.button(key="handover:code").click().run()
    assert not at.exception
    code = at.session_state["handover:issued"].code
    assert any(code[:4] in m.value and code[4:] in m.value for m in at.markdown)
    assert len(at.get("image")) == 1


def test_a_structure_only_instrument_cannot_be_started(db, services):
    services.assign(Actor.system("t"), db.client_id, "wai-sr", timing="session-end")
    at = app(db).run()
    goto(at, "handover")
    assert not at.exception
    warnings = unescape(" ".join(w.value for w in at.warning))
    # Staff words: what it means and who can fix it; no file names, no commands.
    assert "WAI-SR cannot be given on the tablet: its questions are licensed" in warnings
    assert "administrator" in warnings
    page = unescape(texts(at))
    assert "alliance-kit" not in page and "wording/" not in page and ".json" not in page
    assert at.multiselect(key="handover:instruments").value == [CHECKIN]
    with pytest.raises(kiosk.KioskError, match="wording pack"):
        kiosk.start_handover(services, Actor.system("t"), db.client_id, db.session_id,
                             ["wai-sr"])


def test_handover_defaults_to_a_new_session_today_and_files_the_answers_there(db, services):
    """Last week's session is not preselected: a new session today is, with what its number
    makes due chosen already, and the answers are filed under today's date."""
    system = Actor.system("t")
    last_week = dt.date.today() - dt.timedelta(days=7)
    with services.store.read() as read:
        assert read.get(SessionRow, db.session_id).date == dt.date.today()
    services.add_session(system, db.other_client_id, last_week)
    at = app(db).run()
    goto(at, "handover")
    at.selectbox(key="handover:client").select(db.other_client_id).run()
    assert not at.exception
    session_box = at.selectbox(key=f"handover:session:{db.other_client_id}")
    assert session_box.value == kiosk.NEW_SESSION
    assert unescape(session_box.format_func(session_box.value)).startswith(
        "A new session today: session 2")
    assert at.multiselect(key="handover:instruments").value == [CHECKIN]
    assert not at.button(key="handover:start").disabled
    at.button(key="handover:start").click().run()
    assert not at.exception and titles(at) == ["Session check-in"]
    answer(at, SLIDERS)
    submit(at)
    with services.store.read() as read:
        stored = read.execute(select(Response.session_id).where(
            Response.client_id == db.other_client_id)).scalar_one()
        filed = read.get(SessionRow, stored)
        assert (filed.date, filed.number) == (dt.date.today(), 2)


def test_handover_preselects_todays_session_when_there_is_one(db):
    at = app(db).run()
    goto(at, "handover")
    at.selectbox(key="handover:client").select(db.client_id).run()
    assert at.selectbox(key=f"handover:session:{db.client_id}").value == db.session_id
    assert at.multiselect(key="handover:instruments").value == [CHECKIN]
