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
    session_slot = st.container()  # filled below, once the choices are known
    timing = st.radio("When", list(TIMINGS), key=f"{KEY}:timing", horizontal=True,
                      format_func=TIMINGS.__getitem__)
    language = st.radio("Client's language", list(common.LANGUAGES), key=f"{KEY}:language",
                        horizontal=True, format_func=common.LANGUAGES.__getitem__)
    # Today's session (or a new one today) unless staff chose another for this client.
    session_key = f"{KEY}:session:{client_id}"
    try:
        plan = kiosk.plan_handover(services, actor, int(client_id),
                                   session_id=st.session_state.get(session_key),
                                   timing=timing, language=language)
    except (kiosk.KioskError, AccessDenied) as exc:
        st.session_state.pop(session_key, None)
        st.error(plain(str(exc)), icon=":material/error:")
        return
    names = {s.session_id: s.label for s in plan.sessions}
    names[kiosk.NEW_SESSION] = (f"A new session today: session {plan.new_number} "
                                f"({dt.date.today():%d %b %Y})")
    has_today = any(s.date == dt.date.today() for s in plan.sessions)
    choices = [] if has_today and plan.today_session else [kiosk.NEW_SESSION]
    choices += [s.session_id for s in plan.sessions]
    st.session_state[session_key] = plan.session_id
    session_id = session_slot.selectbox("Session", choices, key=session_key,
                                        format_func=names.__getitem__)
    for why in plan.blocked.values():
        st.warning(plain(why), icon=":material/lock:")
    for note in plan.notes.values():
        st.info(plain(note), icon=":material/translate:")
    # The due ones are chosen afresh whenever the client, session, timing or language changes.
    context = (client_id, session_id, timing, language)
    offered = [*plan.chosen, *plan.others]
    if st.session_state.get(f"{KEY}:context") != context:
        st.session_state[f"{KEY}:context"] = context
        st.session_state[f"{KEY}:instruments"] = list(plan.chosen)
    elif any(i not in offered for i in st.session_state.get(f"{KEY}:instruments", [])):
        st.session_state[f"{KEY}:instruments"] = [
            i for i in st.session_state[f"{KEY}:instruments"] if i in offered]
    picked = st.multiselect(
        "Questionnaires", offered, key=f"{KEY}:instruments",
        format_func=lambda i: f"{i} · {services.kit.instrument(i).label()}",
        help="The ones due for this session (from the client's assignments) are chosen "
             "already.")
    if not plan.due:
        st.caption("Nothing is due for this session from the client's assignments: choose "
                   "what to give.")
    if not kiosk.pin_is_set(services.store):
        st.caption("No kiosk PIN is set: unlocking the tablet will need a staff login.")

    start = st.button("Hand this tablet over", key=f"{KEY}:start", type="primary",
                      width="stretch", icon=":material/tablet:", disabled=not picked)
    make_code = st.button("Make a one-time code", key=f"{KEY}:code", width="stretch",
                          icon=":material/qr_code:", disabled=not picked)
    if start or make_code:
        try:
            sid = int(session_id)
            if sid == kiosk.NEW_SESSION:
                sid = services.add_session(actor, int(client_id), dt.date.today())
                st.session_state.pop(session_key, None)
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
