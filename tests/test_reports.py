"""The per-client PDF: charts and tables, access and audit, and text drawn, never parsed."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from export_clinic import clinic
from pypdf import PdfReader
from sqlalchemy import select

from alliance_kit.clinic import reports
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.engine.records import Record
from alliance_kit.store.models import AuditEntry


@pytest.fixture(scope="module")
def c():
    return clinic()


@pytest.fixture(scope="module")
def ak1_pdf(c) -> bytes:
    return reports.client_report(c.services, c.actors["therapist"], c.clients["AK-1"])


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_report_has_charts_scores_alerts_and_comments(c, ak1_pdf):
    assert ak1_pdf.startswith(b"%PDF")
    text = _text(ak1_pdf)
    assert "Client: AK-1" in text
    for heading in ("Scores", "Open alerts", "Comments"):
        assert heading in text
    # One trend chart per instrument with scores: phq-9, session-checkin, hostile.
    assert _images(ak1_pdf) == 3
    assert "2026-01-12" in text, "rows are dated by the session's date"


def test_report_draws_hostile_text_as_written(c, ak1_pdf):
    text = _text(ak1_pdf)
    # AK-1's comment and the hostile instrument's alert message print literally.
    assert c.comments[0] in text
    hostile = c.kit.instrument("hostile")
    message = hostile.alerts[0].spec["message"]["en"]
    assert message[:40] in text


@pytest.mark.parametrize("code", ["<b>bold</b>", "&#60;b&#62;entity&#60;/b&#62;",
                                  "<font size=40>big</font>", "**bold**"])
def test_markup_in_a_code_is_not_interpreted(c, code):
    records: list[Record] = []
    pdf = reports.render_report(c.services, code, records, pd.DataFrame(), "tester")
    assert f"Client: {code}" in _text(pdf)


def test_a_long_comment_flows_over_pages(c):
    comment = ("word " * 1500) + "x" * 3000
    record = Record(1, "1", 1, "AK-9", "session-checkin", "1.0.0", 1,
                    dt.datetime(2026, 1, 5, tzinfo=dt.UTC), "en",
                    {"bond": 1, "goals": 1, "approach": 1, "overall": 1, "comment": comment},
                    scores={"total": (4.0, None)}, session_date=dt.date(2026, 1, 5))
    pdf = reports.render_report(c.services, "AK-9", [record], pd.DataFrame(), "tester")
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2


def test_every_hostile_client_report_renders(c):
    code = next(code for code in c.clients if code.startswith("<script"))
    pdf = reports.client_report(c.services, c.actors["supervisor"], c.clients[code])
    assert f"Client: {code}" in _text(pdf)


def test_report_needs_access_and_is_audited(c):
    for name in ("outsider", "admin"):
        with pytest.raises(AccessDenied):
            reports.client_report(c.services, c.actors[name], c.clients["AK-1"])
    reports.client_report(c.services, c.actors["outsider"], c.clients["OUT-1"])
    with c.store.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "report")
                                .order_by(AuditEntry.seq.desc()).limit(1)).one()
        assert (entry.actor, entry.action, entry.client_id) == (
            "outsider", "export", c.clients["OUT-1"])
        assert entry.details["format"] == "pdf"
