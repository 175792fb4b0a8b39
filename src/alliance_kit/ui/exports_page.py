"""Exports: one instrument's responses as CSV, XLSX, any plugin's table format or FHIR JSON,
and a client's PDF report.

Nothing is built until asked for: each file is made on a button press (an audited export)
and handed to a download button as bytes the library built. Nothing is cached.
"""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import exports, reports
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.i18n import N_
from alliance_kit.ui import attendance_export_page, recovery_exports
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "exports"
SHAPE_WORDS = {"wide": N_("Wide: one row per response"),
               "long": N_("Long: one row per answer or score")}


def render(app: App) -> None:
    _ = app.translate
    st.title(_("Exports and reports"), anchor=False)
    if app.services is None:
        st.error(_("The database cannot be opened."), icon=":material/error:")
        st.text(app.store_error or "")
        return
    st.caption(_("Exports hold your clients' answers: every export is recorded in the audit "
                 "log. Store files only where clinical records may be kept."))
    table, report, visits, recovery = st.tabs([_("Responses"), _("Client report (PDF)"),
                                               _("Attendance"), _("Motivation and what works")])
    with table:
        _responses(app)
    with report:
        _report(app)
    with recovery:
        recovery_exports.render_section(app)
    with visits:
        attendance_export_page.render(app)


def _responses(app: App) -> None:
    _ = app.translate
    kit = app.kit
    ids = sorted(kit.instruments)
    instrument_id = st.selectbox(
        _("Instrument"), ids, key=f"{KEY}:instrument",
        format_func=lambda i: f"{i} · v{kit.instruments[i].version} · "
                              f"{kit.instruments[i].label(app.language)}")
    left, right = st.columns(2)
    offered = exports.formats(kit)
    fmt = left.radio(_("Format"), list(offered), key=f"{KEY}:format",
                     format_func=lambda name: _(offered[name].description or name))
    shape = right.radio(_("Shape"), list(SHAPE_WORDS), key=f"{KEY}:shape",
                        format_func=lambda s: _(SHAPE_WORDS[s]), disabled=fmt == "fhir")
    deidentified = st.toggle(
        _("De-identified"), key=f"{KEY}:deidentified",
        help=_("No client codes or record numbers: stable pseudonyms instead, every date "
               "moved back by the same 1–365 days per client, free-text answers left out."))
    if st.button(_("Prepare the file"), key=f"{KEY}:prepare", type="primary",
                 icon=":material/file_export:"):
        try:
            made = exports.export(app.services, app.actor, instrument_id, shape=shape, fmt=fmt,
                                  deidentified=deidentified)
        except (ValueError, KeyError, AccessDenied) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.caption(plain(_("{file}: {count} response(s).").format(file=made.filename,
                                                                   count=made.responses)))
        st.download_button(_("Download"), made.data, file_name=made.filename, mime=made.mime,
                           key=f"{KEY}:download", on_click="ignore", icon=":material/download:")


def _report(app: App) -> None:
    _ = app.translate
    caseload = app.services.caseload(app.actor)
    if caseload.empty:
        st.info(_("You have no clients to report on."))
        return
    codes = dict(zip(caseload["client_id"], caseload["code"], strict=True))
    client_id = st.selectbox(_("Client"), sorted(codes, key=codes.get), key=f"{KEY}:client",
                             format_func=codes.get)
    if st.button(_("Prepare the PDF"), key=f"{KEY}:pdf", type="primary",
                 icon=":material/picture_as_pdf:"):
        try:
            with st.spinner(_("Drawing the charts…")):
                pdf = reports.client_report(app.services, app.actor, int(client_id))
        except AccessDenied as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.download_button(_("Download the report"), pdf, file_name=f"report-{client_id}.pdf",
                           mime="application/pdf", key=f"{KEY}:pdf-download",
                           on_click="ignore", icon=":material/download:")
