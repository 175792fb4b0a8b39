"""Exports: wide and long tables with labels, access and audit, de-identification, and
formula injection neutralized in CSV and XLSX, with the hostile corpus in codes and comments."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from export_clinic import clinic
from hostile_strings import HOSTILE
from sqlalchemy import select

from alliance_kit.clinic import exports, settings
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.store.models import AuditEntry

SALT = b"a test salt of enough length"


@pytest.fixture(scope="module")
def c():
    return clinic()


def _last_audit(c, action: str) -> AuditEntry:
    with c.store.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                .order_by(AuditEntry.seq.desc()).limit(1)).one()
        session.expunge(entry)
        return entry


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 BOM for spreadsheets"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_wide_table_has_values_and_option_labels(c):
    phq9 = c.kit.instrument("phq-9")
    records = exports.fetch(c.services, c.actors["therapist"], "phq-9")
    frame = exports.wide_table(phq9, records)
    assert {"client", "response", "session", "session_date", "submitted_at"} <= set(frame)
    assert {"1", "1_label", "9", "9_label", "total", "total_band"} <= set(frame)
    labels = {o["value"]: o["label"]["en"] for o in phq9.item("1").scale["options"]}
    for value, label in zip(frame["1"], frame["1_label"], strict=True):
        assert label == labels[value]
    assert set(frame["client"]) == {"AK-1"}
    assert frame["total"].notna().all()


def test_long_table_has_one_row_per_answer_and_score(c):
    phq9 = c.kit.instrument("phq-9")
    records = exports.fetch(c.services, c.actors["therapist"], "phq-9")
    frame = exports.long_table(phq9, records)
    answers = sum(len(r.answers) for r in records)
    scores = sum(len(r.scores) for r in records)
    assert len(frame) == answers + scores
    assert set(frame["kind"]) == {"item", "score"}
    item = frame[(frame["kind"] == "item") & (frame["id"] == "1")].iloc[0]
    assert item["label"] == phq9.item("1").option_label(item["value"])


def test_export_follows_access_and_is_audited(c):
    therapist = exports.fetch(c.services, c.actors["therapist"], "session-checkin")
    assert {r.client for r in therapist} == set(c.clients) - {"OUT-1"}
    outsider = exports.fetch(c.services, c.actors["outsider"], "phq-9")
    assert {r.client for r in outsider} == {"OUT-1"}
    # An admin on no care team sees no client data, in exports too.
    assert exports.fetch(c.services, c.actors["admin"], "phq-9") == []
    made = exports.export(c.services, c.actors["supervisor"], "phq-9", fmt="xlsx")
    entry = _last_audit(c, "export")
    assert entry.actor == "supervisor" and entry.entity == "responses"
    assert entry.details["format"] == "xlsx" and entry.details["responses"] == made.responses
    assert entry.details["clients"] == [c.clients["AK-1"]]
    with pytest.raises(AccessDenied):
        exports.fetch(c.services, Actor("kiosk:x", "kiosk", client_id=1), "phq-9")
    with pytest.raises(AccessDenied):
        exports.fetch(c.services, c.actors["outsider"], client_id=c.clients["AK-1"])


def test_deidentified_export_has_no_codes_ids_real_dates_or_free_text(c):
    actor = c.actors["therapist"]
    plain = exports.fetch(c.services, actor, "session-checkin")
    first = exports.deidentify(plain, SALT, c.kit.instrument("session-checkin"))
    again = exports.deidentify(plain, SALT, c.kit.instrument("session-checkin"))
    other = exports.deidentify(plain, b"another salt, also long", c.kit.instrument(
        "session-checkin"))
    assert [r.client for r in first] == [r.client for r in again], "pseudonyms are stable"
    assert {r.client for r in first}.isdisjoint({r.client for r in other})
    assert all(r.client.startswith("P-") and r.ref.startswith("R-") for r in first)
    for before, after in zip(plain, first, strict=True):
        shift = before.submitted_at - after.submitted_at
        assert dt.timedelta(days=1) <= shift <= dt.timedelta(days=exports.MAX_SHIFT_DAYS)
        assert shift == -exports.date_shift(SALT, before.client_id)
        assert "comment" not in after.answers and "bond" in after.answers
    table = exports.wide_table(c.kit.instrument("session-checkin"), first)
    text = table.to_csv()
    for code in c.clients:
        if len(code) > 3:
            assert code not in text
    assert not set(table["response"]) & {str(r.response_id) for r in plain}
    # Intervals within a client hold: AK-1's sessions are a week apart either way.
    ak1 = [r for r in first if r.client_id == c.clients["AK-1"]]
    assert (ak1[1].session_date - ak1[0].session_date) == dt.timedelta(weeks=1)


def test_deidentified_export_file_uses_the_stored_salt(c, monkeypatch):
    monkeypatch.delenv(settings.SALT_ENV, raising=False)
    one = exports.export(c.services, c.actors["therapist"], "phq-9", deidentified=True)
    two = exports.export(c.services, c.actors["therapist"], "phq-9", deidentified=True)
    rows_one, rows_two = _csv_rows(one.data), _csv_rows(two.data)
    assert [r[0] for r in rows_one] == [r[0] for r in rows_two]
    assert "AK-1" not in one.data.decode("utf-8-sig")
    assert _last_audit(c, "export").details["deidentified"] is True


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralize_prefixes_formula_cells(value):
    assert exports.neutralize(value) == "'" + value


@pytest.mark.parametrize("value", ["ok", "", " =1", -1, -2.5, None, 3])
def test_neutralize_leaves_other_cells(value):
    assert exports.neutralize(value) == value


FORMULA = tuple(exports.FORMULA_PREFIXES)


@pytest.mark.parametrize("shape", exports.SHAPES)
def test_csv_export_of_hostile_codes_and_comments_is_inert(c, shape):
    made = exports.export(c.services, c.actors["therapist"], "session-checkin", shape=shape)
    rows = _csv_rows(made.data)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA)]
    for code in c.clients:
        if code != "OUT-1":
            assert exports.neutralize(code) in cells
    for comment in c.comments:
        if comment.strip():
            assert exports.neutralize(comment) in cells, comment


def test_xlsx_export_of_hostile_strings_has_no_formulas(c):
    made = exports.export(c.services, c.actors["therapist"], "session-checkin", fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(made.data)).active
    values = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} holds a formula: {cell.value!r}"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA), cell.coordinate
                values.append(cell.value)
    for comment in c.comments:
        if comment.strip() and "\r" not in comment:
            assert exports.neutralize(comment) in values, comment


def test_hostile_instrument_text_in_labels_is_inert(c):
    made = exports.export(c.services, c.actors["therapist"], "hostile", shape="long")
    rows = _csv_rows(made.data)
    labels = {row[-1] for row in rows[1:]}
    options = c.kit.instrument("hostile").item("a").scale["options"]
    assert {exports.neutralize(o["label"]["en"]) for o in options if o["value"] in (1, 2, 3)} \
        <= labels
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA)]


def test_every_format_carries_the_corpus_as_data(c):
    """Every corpus string reaches every format unchanged (or neutralized, in spreadsheets)."""
    assert len(HOSTILE) >= 50
    fhir = exports.export(c.services, c.actors["therapist"], "session-checkin", fmt="fhir")
    bundle = json.loads(fhir.data)
    strings = {a["valueString"] for e in bundle["entry"] for i in e["resource"].get("item", [])
               for a in i["answer"] if "valueString" in a}
    for comment in c.comments:
        if comment.strip() and comment.isprintable():
            assert comment.strip() in strings, comment


def test_unknown_shape_format_or_instrument_is_refused(c):
    actor = c.actors["therapist"]
    with pytest.raises(ValueError, match="shape"):
        exports.export(c.services, actor, "phq-9", shape="tall")
    with pytest.raises(ValueError, match="format"):
        exports.export(c.services, actor, "phq-9", fmt="pdf")
    with pytest.raises(KeyError, match="unknown instrument"):
        exports.export(c.services, actor, "nope")
