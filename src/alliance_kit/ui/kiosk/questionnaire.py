"""The kiosk questionnaire flow: one instrument per screen, then thank-you, then locked.

Answers live only in the widgets' keys (``kiosk:<instrument>:<item>``); they are removed
from the session on submit, on idle lock and when staff unlock.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from alliance_kit.clinic import kiosk
from alliance_kit.engine.definitions import Instrument, Item
from alliance_kit.engine.wording import Wording
from alliance_kit.i18n import t
from alliance_kit.kit import Kit
from alliance_kit.ui.context import App
from alliance_kit.ui.kiosk import common
from alliance_kit.ui.kiosk import feedback as kiosk_feedback
from alliance_kit.ui.text import plain

#: Seconds the thank-you screen stays before the tablet locks by itself.
THANKS_SECONDS = 8
#: Idle notices shown on the locked screen (kept in the kiosk state, never client data).
IDLE_NOTICE = "idle"


def render(app: App) -> None:
    current = common.state()
    common.style()
    store = app.services.store if app.services else None
    idle = kiosk.idle_seconds(store)
    if current.idle_expired(idle):
        common.lock(current, store, notice=IDLE_NOTICE)
    if current.thanks:
        _thanks(current, store)
        return
    if current.locked or app.services is None:
        common.go(common.LOCKED_URL)
        return
    current.touch()
    with st.container(key="kiosk-screen"):
        _screen(app, current)
    idle_watch(current, idle)
    if st.session_state.get(common.FRESH_KEY):
        _first_paint()


def _first_paint() -> None:
    """Right after a hand-over, run once more: the browser drops the staff page's sidebar
    (and its toggle) only when a run finishes after the one that left it empty."""

    @st.fragment(run_every=0.3)
    def again() -> None:
        if st.session_state.get(common.FRESH_KEY) == "drawn":
            st.session_state.pop(common.FRESH_KEY, None)
            st.rerun(scope="app")
        st.session_state[common.FRESH_KEY] = "drawn"

    again()


def idle_watch(current: kiosk.KioskState, idle: float) -> None:
    """Re-check idleness every few seconds in the browser, so an untouched tablet locks."""

    @st.fragment(run_every=max(2.0, min(15.0, idle / 4)))
    def watch() -> None:
        if current.idle_expired(idle):
            st.rerun(scope="app")

    watch()


def _screen(app: App, current: kiosk.KioskState) -> None:
    handover = current.handover
    instrument_id = current.current
    assert handover is not None and instrument_id is not None
    _ = common.language_picker(current)
    language = current.language
    instrument = app.kit.instrument(instrument_id)
    wording = app.kit.wording(instrument_id, language)
    if wording is None:  # checked at hand-over; a plugin may have gone since
        st.error(_("Not saved — please tell staff"), icon=":material/error:")
        return
    total = len(handover.instruments)
    if total > 1:
        # Plain text, not st.caption: the caption grey fails contrast (4.15:1) on white.
        st.markdown(_("Questionnaire {n} of {total}").format(n=current.step + 1, total=total))
    st.title(plain(wording.title), anchor=False)
    if wording.stem:
        st.markdown(plain(wording.stem))

    values = {item.id: _value(instrument_id, item) for item in instrument.items}
    answers = kiosk.collect_answers(instrument, values)
    shown = kiosk.asked_items(instrument, answers)
    # A message goes away as soon as its question has an answer.
    current.errors = {k: v for k, v in current.errors.items()
                      if k in shown and (answers.get(k) is None or v == "invalid")}
    done, count = kiosk.progress(instrument, answers)
    st.progress(done / count if count else 1.0,
                text=_("{done} of {count} answered").format(done=done, count=count))

    for number, item in enumerate((i for i in instrument.items if i.id in shown), start=1):
        with st.container(key=f"kiosk-item-{_css_key(item.id)}"):
            _item(app.kit, item, instrument, wording, number, len(shown), current, _)

    if current.save_failed == instrument_id:
        st.error(_("Not saved — please tell staff"), icon=":material/cloud_off:")
    elif current.errors:
        st.error(_("Some questions still need an answer: see the messages above."),
                 icon=":material/info:")
    label = _("Submit") if current.step + 1 >= total else _("Next")
    # A callback: the save happens before the rerun, so one script run draws the outcome.
    st.button(label, key=f"kiosk-submit:{instrument_id}", type="primary", width="stretch",
              icon=":material/check:", on_click=_submit, args=(app, current, instrument))
    st.divider()
    if st.button(_("Staff"), key="kiosk-staff", type="tertiary", icon=":material/lock:"):
        common.go(common.LOCKED_URL)


def _css_key(item_id: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in item_id)


def _value(instrument_id: str, item: Item) -> Any:
    return st.session_state.get(kiosk.answer_key(instrument_id, item.id))


def _item(kit: Kit, item: Item, instrument: Instrument, wording: Wording, number: int,
          count: int, current: kiosk.KioskState, _) -> None:
    key = kiosk.answer_key(instrument.id, item.id)
    text = wording.item(item.id) or item.id
    shown = (_("Question {n} of {total}").format(n=number, total=count) + " — " + text
             if count > 1 else text)
    touch = common.touch_callback(current)
    kind = item.scale.get("type")
    widget = kit.widgets.get(kind) or kit.widgets["numeric"]
    widget.render(item, wording, key, label=shown, on_change=touch, translate=_)
    problem = current.errors.get(item.id)
    if problem:
        message = _("Please answer this question.") if problem == "required" else _(
            "Please check this answer.")
        st.warning(message, icon=":material/arrow_upward:")
    elif kind == "visual-analogue" and _value(instrument.id, item) is None and not item.required:
        st.caption(_("Optional"))


def _submit(app: App, current: kiosk.KioskState, instrument: Instrument) -> None:
    """The Submit tap: validate, save idempotently, then clear every answer and go on."""
    values = {item.id: _value(instrument.id, item) for item in instrument.items}
    answers = kiosk.collect_answers(instrument, values)
    problems = kiosk.problems_by_item(instrument, answers)
    current.errors = {item_id: ("required" if answers.get(item_id) is None else "invalid")
                      for item_id in problems}
    current.save_failed = None
    current.touch()
    if problems or current.handover is None or app.services is None:
        return
    try:
        saved = kiosk.submit(app.services, current.handover, instrument.id, answers,
                             language=current.language, started_at=current.started_at)
    except Exception:  # any failure (conflict, database, network): keep the answers on screen
        current.save_failed = instrument.id
        return
    kiosk.clear_answers(st.session_state)
    kiosk_feedback.remember(app, current, instrument.id, answers)
    # Kept as a yes/no only: the thank-you screen asks the client to tell staff now.
    current.safety = current.safety or any(a.get("severity") == "safety" for a in saved.alerts)
    current.advance()


def _thanks(current: kiosk.KioskState, store) -> None:
    _ = t(current.language)
    with st.container(key="kiosk-screen"):
        st.title(_("Thank you"), anchor=False)
        st.markdown(_("Your answers have been saved."))
        reading = False
        if current.safety:
            # The clinic's words (and crisis line) in the client's language; never a score.
            message, *more = kiosk.safety_lines(store, current.language)
            st.info("  \n".join([f"**{plain(message)}**", *map(plain, more)]),
                    icon=":material/support_agent:")
        else:
            st.markdown(_("Please hand the tablet back to staff."))
            reading = kiosk_feedback.show(_)
        if st.button(_("Done"), key="kiosk-done", type="primary", width="stretch"):
            common.lock(current, store)
            common.go(common.LOCKED_URL)

    # After a safety alert the words stay on screen for staff to see, as long as the kiosk's
    # idle time (then the tablet locks, as any unattended one does).
    # Personal feedback stays long enough to read.
    stay = (kiosk.idle_seconds(store) if current.safety else
            kiosk_feedback.READ_SECONDS if reading else THANKS_SECONDS)

    @st.fragment(run_every=2.0)
    def later() -> None:
        if time.time() - current.last_activity > stay:
            common.lock(current, store)
            st.rerun(scope="app")

    later()
