"""Exports: one instrument's responses as CSV, XLSX, any plugin's table format or FHIR JSON,
and a client's PDF report.

Nothing is built until asked for: each file is made on a button press (an audited export)
and handed to a download button as bytes the library built. Nothing is cached.
"""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import exports, reports
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.ui import attendance_export_page, recovery_exports
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "exports"
SHAPE_WORDS = {"wide": "Wide: one row per response",
               "long": "Long: one row per answer or score"}


def render(app: App) -> None:
    st.title("Exports and reports")
    if app.services is None:
        st.error("The database cannot be opened.", icon=":material/error:")
        st.text(app.store_error or "")
        return
    st.caption("Exports hold your clients' answers: every export is recorded in the audit "
               "log. Store files only where clinical records may be kept.")
    table, report, visits, recovery = st.tabs(["Responses", "Client report (PDF)", "Attendance",
                                               "Motivation and what works"])
    with table:
        _responses(app)
    with report:
        _report(app)
    with recovery:
        recovery_exports.render_section(app)
    with visits:
        attendance_export_page.render(app)


def _responses(app: App) -> None:
    kit = app.kit
    ids = sorted(kit.instruments)
    instrument_id = st.selectbox(
        "Instrument", ids, key=f"{KEY}:instrument",
        format_func=lambda i: f"{i} · v{kit.instruments[i].version} · "
                              f"{kit.instruments[i].label()}")
    left, right = st.columns(2)
    offered = exports.formats(kit)
    fmt = left.radio("Format", list(offered), key=f"{KEY}:format",
                     format_func=lambda name: offered[name].description or name)
    shape = right.radio("Shape", list(SHAPE_WORDS), key=f"{KEY}:shape",
                        format_func=SHAPE_WORDS.__getitem__, disabled=fmt == "fhir")
    deidentified = st.toggle(
        "De-identified", key=f"{KEY}:deidentified",
        help="No client codes or record numbers: stable pseudonyms instead, every date moved "
             "back by the same 1–365 days per client, free-text answers left out.")
    if st.button("Prepare the file", key=f"{KEY}:prepare", type="primary",
                 icon=":material/file_export:"):
        try:
            made = exports.export(app.services, app.actor, instrument_id, shape=shape, fmt=fmt,
                                  deidentified=deidentified)
        except (ValueError, KeyError, AccessDenied) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.caption(plain(f"{made.filename}: {made.responses} response(s)."))
        st.download_button("Download", made.data, file_name=made.filename, mime=made.mime,
                           key=f"{KEY}:download", on_click="ignore", icon=":material/download:")


def _report(app: App) -> None:
    caseload = app.services.caseload(app.actor)
    if caseload.empty:
        st.info("You have no clients to report on.")
        return
    codes = dict(zip(caseload["client_id"], caseload["code"], strict=True))
    client_id = st.selectbox("Client", sorted(codes, key=codes.get), key=f"{KEY}:client",
                             format_func=codes.get)
    if st.button("Prepare the PDF", key=f"{KEY}:pdf", type="primary",
                 icon=":material/picture_as_pdf:"):
        try:
            with st.spinner("Drawing the charts…"):
                pdf = reports.client_report(app.services, app.actor, int(client_id))
        except AccessDenied as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.download_button("Download the report", pdf, file_name=f"report-{client_id}.pdf",
                           mime="application/pdf", key=f"{KEY}:pdf-download",
                           on_click="ignore", icon=":material/download:")
