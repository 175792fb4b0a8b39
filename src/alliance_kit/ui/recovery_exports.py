"""The exports page's "Motivation and what works" tab: every visible client's motivation
profile over time, or the what-works notes with their history, as a table file."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import exports, recovery_exports
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "exports:recovery"


def render_section(app: App) -> None:
    what = st.radio("What", list(recovery_exports.WHAT), key=f"{KEY}:what",
                    format_func=recovery_exports.WHAT.__getitem__)
    offered = {name: e for name, e in exports.formats(app.kit).items() if name != "fhir"}
    fmt = st.radio("Format", list(offered), key=f"{KEY}:format", horizontal=True,
                   format_func=lambda name: offered[name].description or name)
    deidentified = st.toggle("De-identified", key=f"{KEY}:deidentified",
                             help="Pseudonyms instead of client codes, dates moved back by "
                                  "the same 1–365 days per client, no free text.")
    if st.button("Prepare the file", key=f"{KEY}:prepare", type="primary",
                 icon=":material/file_export:"):
        try:
            made = recovery_exports.recovery_export(app.services, app.actor, what, fmt=fmt,
                                                    deidentified=deidentified)
        except (ValueError, AccessDenied) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.markdown(plain(f"{made.filename}: {made.responses} row(s)."))
        st.download_button("Download", made.data, file_name=made.filename, mime=made.mime,
                           key=f"{KEY}:download", on_click="ignore", icon=":material/download:")
