"""Kiosk settings: the language each new person starts in, and what the tablet says after
answers that raised a safety alert (the clinic's words, a crisis line), per language."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import kiosk
from alliance_kit.i18n import language_name, languages, t
from alliance_kit.ui.admin import services_or_stop
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "admin:kiosk"


def render(app: App) -> None:
    services = services_or_stop(app)
    _ = app.translate
    store = services.store
    st.title(_("Kiosk settings"), anchor=False)
    notice = st.session_state.pop(f"{KEY}:notice", None)
    if notice:
        st.success(plain(notice), icon=":material/check_circle:")
    messages, crisis = kiosk.screen.safety_texts(store)
    current = kiosk.default_language(store)
    with st.form(f"{KEY}:form"):
        language = st.radio(_("Language each new person starts in"), languages(),
                            index=list(languages()).index(current), horizontal=True,
                            format_func=language_name, key=f"{KEY}:language")
        st.header(_("After answers that raised a safety alert"), anchor=False)
        st.caption(_("The client never sees a score or which answer raised it. Leave a "
                     "message blank for the built-in one; add a crisis line your clients "
                     "can call."))
        typed_messages, typed_crisis = {}, {}
        for code in languages():
            name = language_name(code)
            left, right = st.columns(2)
            typed_messages[code] = left.text_area(
                _("Message in {language}").format(language=name),
                value=messages.get(code, ""), height=90, max_chars=kiosk.screen.MAX_TEXT,
                placeholder=t(code)(kiosk.screen.DEFAULT_SAFETY_MESSAGE),
                key=f"{KEY}:message:{code}")
            typed_crisis[code] = right.text_area(
                _("Crisis line in {language}").format(language=name),
                value=crisis.get(code, ""), height=90, max_chars=kiosk.screen.MAX_TEXT,
                placeholder=_("e.g. Crisis line, day and night: 988"),
                key=f"{KEY}:crisis:{code}")
        saved = st.form_submit_button(_("Save"), type="primary")
    if saved:
        try:
            kiosk.set_default_language(store, app.actor, language)
            kiosk.set_safety_texts(store, app.actor, typed_messages, typed_crisis)
        except (ValueError, PermissionError) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.session_state[f"{KEY}:notice"] = _("Saved.")
        st.rerun()
    st.header(_("What the client reads"), anchor=False)
    for code in languages():
        message, *more = kiosk.safety_lines(store, code)
        st.info("  \n".join([f"**{plain(message)}**", *map(plain, more)]),
                icon=":material/support_agent:")
