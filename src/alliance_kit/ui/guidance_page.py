"""Guidance and feedback: the installed guidance packs (every entry, its conditions and
citation, and any problem with a pack), and, for admins, the feedback settings: which
drinking limits the feedback sheet uses and whether the kiosk shows the client feedback."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import feedback
from alliance_kit.engine.definitions import text_in
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "guidance"


def render(app: App) -> None:
    st.title("Guidance and feedback", anchor=False)
    st.markdown("Prompts for the clinician come from guidance packs: the built-in one "
                "(motivational interviewing, stages of change, brief feedback), the clinic's "
                "own (the folder ALLIANCE_KIT_GUIDANCE_DIR names) and plugins'. The client "
                "page shows the entries whose conditions hold for the client's latest answers.")
    if app.role == "admin" and app.services is not None:
        _settings(app)
    for problem in app.kit.guidance_problems:
        (st.error if problem.severity == "error" else st.warning)(plain(str(problem)))
    for pack in app.kit.guidance.values():
        with st.container(border=True, key=f"{KEY}-pack-{pack.id}"):
            st.subheader(plain(text_in(pack.title)), anchor=False)
            st.markdown(plain(f"{pack.id} · version {pack.version} · "
                              f"{', '.join(pack.languages)} · {pack.source}"))
            for entry in pack.entries:
                with st.expander(plain(entry.title_in("en"))):
                    st.markdown("**When:** " + plain(" and ".join(c.describe()
                                                                for c in entry.when)))
                    st.markdown(plain(entry.text_in("en")))
                    st.markdown(f"*{plain(entry.citation)}*")


def _settings(app: App) -> None:
    store = app.services.store
    current = feedback.feedback_settings(store)
    known, problems = feedback.available_limits()
    with st.form(f"{KEY}:feedback", border=True):
        st.markdown("**Personal feedback settings**")
        ids = sorted(known) or [current.limits]
        limits = st.selectbox("Drinking limits on the feedback sheet", ids,
                              index=ids.index(current.limits) if current.limits in ids else 0,
                              format_func=lambda i: text_in(known[i].title) if i in known else i,
                              key=f"{KEY}:limits")
        if limits in known:
            st.markdown(plain(f"Source: {known[limits].source}"))
        kiosk = st.toggle("Show the client their feedback on the kiosk's thank-you screen",
                          value=current.kiosk, key=f"{KEY}:kiosk",
                          help="Off by default: the client sees nothing about their answers "
                               "unless the clinic decides so.")
        if st.form_submit_button("Save", type="primary", key=f"{KEY}:save"):
            try:
                feedback.set_feedback_settings(store, app.actor,
                                               feedback.FeedbackSettings(limits, kiosk))
            except (ValueError, PermissionError) as exc:
                st.error(plain(exc), icon=":material/error:")
            else:
                st.success("Saved.", icon=":material/check_circle:")
    for problem in problems:
        st.warning(plain(str(problem)))
