"""The client page's recovery focus: the motivation profile with two or three tailored
prompts (above the tabs), and a tab with the profile over time, every prompt, the
"what works for this client" notes with their history, and the personal feedback sheet."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from alliance_kit.clinic import feedback
from alliance_kit.clinic.recovery_report import PROFILE_HEADER, headline, profile_rows
from alliance_kit.clinic.services.recovery import MAX_NOTE
from alliance_kit.engine.guidance import Entry, all_entries
from alliance_kit.engine.motivation import QUADRANT_WORDS, MotivationProfile
from alliance_kit.i18n import language_name
from alliance_kit.ui.context import App
from alliance_kit.ui.dashboard.common import FLASH, KEY
from alliance_kit.ui.text import DASH, plain

#: Prompts shown on the client page before "more".
SHOWN = 3


def summary(app: App, client_id: int) -> tuple[MotivationProfile, list[Entry]]:
    """Motivation at a glance and the first prompts; returns what the tab shows in full."""
    profile, entries = app.services.tailored_guidance(app.actor, client_id)
    with st.container(border=True, key=f"{KEY}-recovery-summary"):
        st.subheader("Motivation and tailored prompts", anchor=False)
        facts = headline(profile)
        if facts:
            for start in range(0, len(facts), 2):  # two per row: readable on a tablet
                row = facts[start:start + 2]
                for column, (label, value, note) in zip(st.columns(2), row, strict=False):
                    column.metric(label, value)
                    column.markdown(plain(note))
            quadrant = profile.summary()["quadrant"]
            if quadrant:
                st.markdown(plain(f"Readiness ruler: {QUADRANT_WORDS[quadrant]}."))
        else:
            st.markdown("No readiness ruler, URICA or AUDIT-C answers yet: assign one to see "
                       "the profile.")
        if entries:
            st.markdown("**Prompts to consider**")
            for entry in entries[:SHOWN]:
                _prompt(entry)
            if len(entries) > SHOWN:
                with st.expander(f"{len(entries) - SHOWN} more prompt(s)"):
                    for entry in entries[SHOWN:]:
                        _prompt(entry)
        elif facts:
            st.markdown("No guidance entry matches the latest answers.")
    return profile, entries


def _prompt(entry: Entry) -> None:
    st.markdown(f"**{plain(entry.title_in('en'))}**  \n{plain(entry.text_in('en'))}")
    st.markdown(f"*{plain(entry.citation)}*")


def tab(app: App, client_id: int, profile: MotivationProfile, entries: list[Entry]) -> None:
    """The recovery tab: history, what works, the feedback sheet."""
    st.markdown("**Motivation over time**")
    if profile.empty:
        st.info("No readiness ruler, URICA or AUDIT-C answers yet.",
                icon=":material/hourglass_empty:")
    else:
        _history(profile)
    st.divider()
    _what_works(app, client_id, entries)
    st.divider()
    _feedback_sheet(app, client_id, profile)


def _history(profile: MotivationProfile) -> None:
    rows = pd.DataFrame(profile_rows(profile), columns=list(PROFILE_HEADER))
    st.dataframe(rows, hide_index=True, width="stretch",
                 key=f"{KEY}:recovery:history", placeholder=DASH)
    table = profile.table().dropna(subset=["importance", "confidence"], how="all")
    if len(table) >= 2:
        long = table.melt(id_vars=["date"], value_vars=["importance", "confidence"],
                          var_name="ruler", value_name="value").dropna()
        chart = alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("date:T", title="Date"),
            y=alt.Y("value:Q", title="Ruler (0-10)", scale=alt.Scale(domain=[0, 10])),
            color=alt.Color("ruler:N", title="Ruler", legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash("ruler:N", legend=None),
        ).properties(height=220)
        st.altair_chart(chart, width="stretch", key=f"{KEY}:recovery:chart")


def _what_works(app: App, client_id: int, entries: list[Entry]) -> None:
    st.markdown("**What works for this client**")
    notes = app.services.what_works(app.actor, client_id)
    if not notes:
        st.markdown("No notes yet: record the client's own reasons for change and the "
                   "approach you chose together.")
    for number, note in enumerate(notes):
        box = st.container(border=True) if number == 0 else None
        if number == 1:
            box = st.expander(f"History: {len(notes) - 1} earlier note(s)")
        with box:
            st.markdown(plain(f"{note.written_at:%d %b %Y %H:%M} UTC · {note.author}"
                             f"{' · current' if number == 0 else ''}"))
            if note.reasons:
                st.markdown(f"**Their reasons for change:** {plain(note.reasons)}")
            if note.approach:
                st.markdown(f"**Approach:** {plain(note.approach)}")
            if note.guidance:
                st.markdown("**Guidance picked:** " + plain("; ".join(
                    g.get("title", g.get("id", "")) for g in note.guidance)))
    everything = all_entries(app.kit.guidance.values())
    matched = [(e.pack, e.id) for e in entries]
    options = matched + [(e.pack, e.id) for e in everything if (e.pack, e.id) not in matched]
    titles = {(e.pack, e.id): e.title_in("en") for e in everything}
    with st.form(f"{KEY}:what-works", border=True, clear_on_submit=True):
        st.markdown("**Add a note** (the earlier ones stay as history)")
        reasons = st.text_area("The client's own reasons for change", max_chars=MAX_NOTE,
                               key=f"{KEY}:what-works:reasons")
        approach = st.text_area("The approach chosen", max_chars=MAX_NOTE,
                                key=f"{KEY}:what-works:approach")
        picked = st.multiselect("Guidance entries used (matching ones first)", options,
                                format_func=lambda key: titles.get(key, key[1]),
                                key=f"{KEY}:what-works:guidance")
        if st.form_submit_button("Save the note", icon=":material/save:",
                                 key=f"{KEY}:what-works:save"):
            try:
                app.services.record_what_works(app.actor, client_id, reasons=reasons,
                                               approach=approach, guidance=picked)
            except ValueError as exc:
                st.error(plain(exc), icon=":material/error:")
                return
            st.session_state[FLASH] = "Note saved."
            st.rerun()


def _feedback_sheet(app: App, client_id: int, profile: MotivationProfile) -> None:
    st.markdown("**Personal feedback sheet**")
    st.markdown("One page for the client, in their language: their AUDIT-C and readiness "
               "answers in plain words, next to low-risk drinking limits. Go through it "
               "with them.")
    latest = profile.points[-1].language if profile.points else "en"
    languages = list(feedback.LANGUAGES)
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    language = left.selectbox("Language", languages,
                              index=languages.index(latest) if latest in languages else 0,
                              format_func=lambda code: language_name(code),
                              key=f"{KEY}:feedback:language")
    if right.button("Prepare the sheet", key=f"{KEY}:feedback:prepare",
                    icon=":material/picture_as_pdf:", width="stretch"):
        try:
            pdf, used = feedback.feedback_sheet(app.services, app.actor, client_id, language)
        except ValueError as exc:
            st.warning(plain(exc), icon=":material/info:")
            return
        st.download_button("Download the feedback sheet", pdf,
                           file_name=f"feedback-{client_id}-{used}.pdf",
                           mime="application/pdf", key=f"{KEY}:feedback:download",
                           on_click="ignore", icon=":material/download:")
