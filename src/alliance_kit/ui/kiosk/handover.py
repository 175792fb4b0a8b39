"""Staff: start a hand-over on this tablet, or make a one-time code (8 digits and a QR code)."""

from __future__ import annotations

import datetime as dt
import io

import streamlit as st

from alliance_kit.clinic import kiosk
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.ui.context import App
from alliance_kit.ui.kiosk import common
from alliance_kit.ui.text import plain

KEY = "handover"
NEW_SESSION = -1
TIMINGS = {"session-end": "End of session", "session-start": "Start of session"}


def render(app: App) -> None:
    st.title("Start hand-over", anchor=False)
    st.caption("Give this tablet to a client for their questionnaires, or make a one-time "
               "code they can type on any kiosk tablet.")
    if app.services is None:
        st.error("The database cannot be opened.", icon=":material/error:")
        st.text(app.store_error or "")
        return
    services, actor = app.services, app.actor
    codes = dict(kiosk.clients_for(services, actor))
    if not codes:
        st.info("You have no clients yet.")
        return
    client_id = st.selectbox("Client", list(codes), key=f"{KEY}:client",
                             format_func=lambda c: str(codes[c]))
    sessions = kiosk.client_sessions(services, actor, int(client_id))
    choices = [NEW_SESSION, *(s.session_id for s in sessions)]
    names = {s.session_id: s.label for s in sessions}
    names[NEW_SESSION] = f"A new session today ({dt.date.today():%d %b %Y})"
    left, right = st.columns(2)
    with left:
        session_id = st.selectbox("Session", choices, key=f"{KEY}:session",
                                  index=1 if sessions else 0, format_func=names.__getitem__)
    with right:
        timing = st.radio("When", list(TIMINGS), key=f"{KEY}:timing", horizontal=True,
                          format_func=TIMINGS.__getitem__)
    due = kiosk.due_instruments(services, actor, int(client_id),
                                None if session_id == NEW_SESSION else int(session_id), timing)
    language = st.radio("Client's language", list(common.LANGUAGES), key=f"{KEY}:language",
                        horizontal=True, format_func=common.LANGUAGES.__getitem__)
    blocked = kiosk.blocked_instruments(services, due, language)
    for instrument_id, why in blocked.items():
        st.warning(plain(f"{instrument_id} cannot be given: {why}"), icon=":material/lock:")
    givable = [i for i in due if i not in blocked]
    others = [i for i in sorted(services.kit.instruments) if i not in givable
              and services.kit.can_administer(i, language)[0]]
    picked = st.multiselect(
        "Questionnaires", [*givable, *others], default=givable, key=f"{KEY}:instruments",
        format_func=lambda i: f"{i} · {services.kit.instrument(i).label()}",
        help="Due ones (from the client's assignments) are chosen already.")
    if not due:
        st.caption("Nothing is due for this session from the client's assignments.")
    if not kiosk.pin_is_set(services.store):
        st.caption("No kiosk PIN is set: unlocking the tablet will need a staff login.")

    hand, code = st.columns(2)
    with hand:
        start = st.button("Hand this tablet over", key=f"{KEY}:start", type="primary",
                          width="stretch", icon=":material/tablet:", disabled=not picked)
    with code:
        make_code = st.button("Make a one-time code", key=f"{KEY}:code", width="stretch",
                              icon=":material/qr_code:", disabled=not picked)
    if start or make_code:
        try:
            sid = None if session_id == NEW_SESSION else int(session_id)
            if sid is None:
                sid = services.add_session(actor, int(client_id), dt.date.today())
            if start:
                handover = kiosk.start_handover(services, actor, int(client_id), sid, picked,
                                                language)
                common.enter(handover)
            issued = kiosk.create_code(services, actor, int(client_id), sid, picked)
        except (kiosk.KioskError, AccessDenied, ValueError) as exc:
            st.error(plain(str(exc)), icon=":material/error:")
            return
        st.session_state[f"{KEY}:issued"] = issued
    issued = st.session_state.get(f"{KEY}:issued")
    if isinstance(issued, kiosk.IssuedCode):
        _show_code(issued)


def _show_code(issued: kiosk.IssuedCode) -> None:
    expires = issued.expires_at.astimezone()
    if issued.expires_at <= dt.datetime.now(dt.UTC):
        st.session_state.pop(f"{KEY}:issued", None)
        return
    with st.container(border=True, key=f"{KEY}-issued"):
        st.subheader("One-time code", anchor=False)
        left, right = st.columns([3, 2], vertical_alignment="center")
        with left:
            half = len(issued.code) // 2
            st.markdown(f"# {issued.code[:half]} {issued.code[half:]}")
            st.caption(f"Works once, until {expires:%H:%M}. The client types it on a kiosk "
                       "tablet (the 'Enter a code' screen).")
        with right:
            st.image(qr_png(issued.code), caption="The same code as a QR code", width=180)


def qr_png(code: str) -> bytes:
    """The code as a QR code, a PNG image."""
    import qrcode

    image = qrcode.make(code, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
