"""The Attendance tab of the exports page: every appointment of the actor's clients as a
table file or FHIR, de-identified on request. Built on a button press (an audited export)."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import attendance_export, exports
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "exports:attendance"


def render(app: App) -> None:
    st.markdown("One row per appointment: client, episode and how it ended, session number, "
               "date, time, status and reason. FHIR gives Appointment and EpisodeOfCare "
               "resources.")
    offered = exports.formats(app.kit)
    fmt = st.radio("Format", list(offered), key=f"{KEY}:format", horizontal=True,
                   format_func=lambda name: offered[name].description or name)
    deidentified = st.toggle(
        "De-identified", key=f"{KEY}:deidentified",
        help="Pseudonyms instead of client codes (the same as in response exports), every "
             "date moved back by the same 1–365 days per client, reasons left out.")
    if st.button("Prepare the file", key=f"{KEY}:prepare", type="primary",
                 icon=":material/file_export:"):
        try:
            made = attendance_export.export(app.services, app.actor, fmt=fmt,
                                            deidentified=deidentified)
        except (ValueError, AccessDenied) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.markdown(plain(f"{made.filename}: {made.responses} appointment(s)."))
        st.download_button("Download", made.data, file_name=made.filename, mime=made.mime,
                           key=f"{KEY}:download", on_click="ignore", icon=":material/download:")
