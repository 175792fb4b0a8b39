"""Exports of stored responses: wide and long tables, de-identified or not, CSV/XLSX/FHIR.

The one read behind every export, :func:`fetch`, follows the services' pattern: the
actor's access decides which clients are in it (:mod:`alliance_kit.clinic.access`), and an audit
entry names the instrument, the format and the clients before anything is returned.

- **wide**: one row per response: the answer to each item, its option label next to it
  (``<item>_label``), then the stored scores and bands;
- **long**: one row per answer or score (``kind`` is ``item`` or ``score``);
- **de-identified**: no client codes or database ids; a stable HMAC pseudonym per client
  (``P-…``) and response (``R-…``), dates shifted back by 1 to 365 days per client (the
  same for every response of a client, so intervals hold), free-text answers left out;
- every text cell that a spreadsheet could run as a formula (starting ``= + - @``, tab or
  carriage return) gets a leading ``'`` in CSV and XLSX files, and only there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import select

from alliance_kit.clinic.access import (
    Actor,
    require_active,
    require_client,
    require_staff,
    visible_client_ids,
)
from alliance_kit.clinic.services import Services
from alliance_kit.engine.cells import FORMULA_PREFIXES, neutralize, neutralize_frame
from alliance_kit.engine.definitions import Instrument, Item
from alliance_kit.engine.records import Record
from alliance_kit.kit import Kit
from alliance_kit.store import audit
from alliance_kit.store.models import Client, Response, Score
from alliance_kit.store.models import Session as SessionRow
from alliance_kit.types import Exporter

SHAPES = ("wide", "long")
#: A FHIR R4 Bundle is made from records, not from a table: the one format that is not a
#: registered table writer (``register_exporters``).
FHIR = Exporter("fhir", (".fhir.json",), lambda frame, target: None, "FHIR R4 JSON",
                "application/fhir+json")
#: Largest date shift, in days, of a de-identified export.
MAX_SHIFT_DAYS = 365
BASE_COLUMNS = ["client", "response", "session", "session_date", "submitted_at",
                "language", "instrument_version"]


@dataclass(frozen=True)
class ExportFile:
    """A file ready for a download button: bytes built here, never by the page."""

    filename: str
    mime: str
    data: bytes
    responses: int


# ---- reading (access-checked, audited) ------------------------------------------------------

def fetch(services: Services, actor: Actor, instrument_id: str | None = None, *,
          client_id: int | None = None, purpose: Mapping[str, Any] | None = None,
          entity: str = "responses") -> list[Record]:
    """The actor's clients' current responses (to one instrument, or all), oldest first.

    With ``client_id``, only that client's (AccessDenied when the actor may not see them).
    Writes one ``export`` audit entry naming the clients; ``purpose`` adds to its details.
    """
    require_staff(actor, "therapist", "supervisor", "admin")
    if instrument_id is not None:
        services.kit.instrument(instrument_id)
    with services.store.read() as session:
        require_active(session, actor)
        replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
        query = (select(Response, Client.code, SessionRow.date)
                 .join(Client, Client.id == Response.client_id)
                 .outerjoin(SessionRow, SessionRow.id == Response.session_id)
                 .where(Response.client_id.in_(visible_client_ids(actor)),
                        Response.id.not_in(replaced))
                 .order_by(Client.code, Response.submitted_at, Response.id))
        if instrument_id is not None:
            query = query.where(Response.instrument_id == instrument_id)
        if client_id is not None:
            require_client(session, actor, client_id)
            query = query.where(Response.client_id == client_id)
        rows = session.execute(query).all()
        ids = [r.Response.id for r in rows]
        stored: dict[int, dict[str, tuple[float | None, str | None]]] = {}
        for chunk in range(0, len(ids), 500):
            for s in session.execute(select(Score.response_id, Score.score_id, Score.value,
                                            Score.band)
                                     .where(Score.current,
                                            Score.response_id.in_(ids[chunk:chunk + 500]))):
                stored.setdefault(s.response_id, {})[s.score_id] = (s.value, s.band)
        records = [Record(r.id, str(r.id), r.client_id, code, r.instrument_id,
                          r.instrument_version, r.session_number, _aware(r.submitted_at),
                          r.language, dict(r.answers), dict(r.attributes or {}),
                          stored.get(r.id, {}), day) for r, code, day in rows]
    clients = sorted({r.client_id for r in records})
    details = {"instrument": instrument_id, "responses": len(records), "clients": clients,
               **(purpose or {})}
    services.store.write(lambda session: audit.append(
        session, actor=actor.label, action="export", entity=entity, entity_id=instrument_id,
        client_id=client_id, details=details))
    return records


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


# ---- de-identification ----------------------------------------------------------------------

def pseudonym(salt: bytes, kind: str, value: object, length: int = 16) -> str:
    """A stable keyed hash: the same salt and value give the same id, and nothing else does."""
    digest = hmac.new(salt, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:length]


def date_shift(salt: bytes, client_id: int) -> dt.timedelta:
    """How far back every date of one client moves: 1 to MAX_SHIFT_DAYS whole days."""
    digest = hmac.new(salt, f"shift:{client_id}".encode(), hashlib.sha256).digest()
    return -dt.timedelta(days=1 + int.from_bytes(digest[:8], "big") % MAX_SHIFT_DAYS)


def deidentify(records: list[Record], salt: bytes, instrument: Instrument | None = None,
               instruments: Mapping[str, Instrument] | None = None) -> list[Record]:
    """Records without codes, database ids, real dates or free text (see the module doc)."""
    if not salt:
        raise ValueError("de-identification needs a secret salt")
    lookup = dict(instruments or {})
    if instrument is not None:
        lookup[instrument.id] = instrument
    out = []
    for record in records:
        known = lookup.get(record.instrument_id)
        text_items = {i.id for i in known.items if not i.scale_type.numeric} if known else set()
        shift = date_shift(salt, record.client_id)
        answers = {k: v for k, v in record.answers.items()
                   if k not in text_items and (known is not None or not isinstance(v, str))}
        out.append(replace(
            record, ref="R-" + pseudonym(salt, "response", record.response_id, 12),
            client="P-" + pseudonym(salt, "client", record.client_id),
            submitted_at=record.submitted_at + shift,
            session_date=None if record.session_date is None else record.session_date + shift,
            answers=answers))
    return out


# ---- tables -------------------------------------------------------------------------------

def _labelled(item: Item) -> bool:
    return item.scale.get("type") in ("options", "yes-no")


def _base(record: Record) -> dict[str, Any]:
    return {"client": record.client, "response": record.ref, "session": record.session,
            "session_date": record.session_date, "submitted_at": record.submitted_at,
            "language": record.language, "instrument_version": record.instrument_version}


def wide_table(instrument: Instrument, records: list[Record],
               language: str = "en") -> pd.DataFrame:
    """One row per response: answer and label per item, then each stored score and band."""
    items = [i for i in instrument.items
             if any(i.id in r.answers for r in records) or i.scale_type.numeric]
    columns = list(BASE_COLUMNS)
    for item in items:
        columns += [item.id, f"{item.id}_label"] if _labelled(item) else [item.id]
    attributes = list(instrument.attributes)
    columns += attributes
    for spec in instrument.scores:
        columns += [spec.id, f"{spec.id}_band"] if spec.bands else [spec.id]
    rows = []
    for record in records:
        row = _base(record)
        for item in items:
            value = record.answers.get(item.id)
            row[item.id] = value
            if _labelled(item):
                row[f"{item.id}_label"] = item.option_label(value, language)
        for name in attributes:
            row[name] = record.attributes.get(name)
        for spec in instrument.scores:
            value, band = record.scores.get(spec.id, (None, None))
            row[spec.id] = value
            if spec.bands:
                row[f"{spec.id}_band"] = band
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def long_table(instrument: Instrument, records: list[Record],
               language: str = "en") -> pd.DataFrame:
    """One row per answer and per score: ``kind``, ``id``, ``value`` and ``label`` (or band)."""
    rows = []
    for record in records:
        base = _base(record)
        for item in instrument.items:
            if item.id not in record.answers:
                continue
            value = record.answers[item.id]
            rows.append({**base, "kind": "item", "id": item.id, "value": value,
                         "label": item.option_label(value, language)})
        for spec in instrument.scores:
            if spec.id in record.scores:
                value, band = record.scores[spec.id]
                rows.append({**base, "kind": "score", "id": spec.id, "value": value,
                             "label": band})
    return pd.DataFrame(rows, columns=[*BASE_COLUMNS, "kind", "id", "value", "label"])


# ---- writing ------------------------------------------------------------------------------

# neutralize and neutralize_frame live in alliance_kit.engine.cells: `alliance-kit score`
# writes its CSV and XLSX output the same way.


def formats(kit: Kit) -> dict[str, Exporter]:
    """What the app can export, by name: every registered table writer (built-in CSV, XLSX
    and Parquet, and any plugin's), then FHIR."""
    return {**{exporter.name: exporter for exporter in kit.exporters}, FHIR.name: FHIR}


def table_bytes(exporter: Exporter, frame: pd.DataFrame) -> bytes:
    """A table written by ``exporter`` into memory, formulas neutralized first.

    CSV gets a UTF-8 byte-order mark so spreadsheets read accents right; its rows end in
    CRLF (RFC 4180) so that a field holding a bare CR is quoted too: with LF endings a reader
    would start a new row there, with whatever follows the CR (``=1+1``) as a fresh,
    unneutralized cell.
    """
    buffer = io.BytesIO()
    if exporter.media_type == "text/csv":
        buffer.write("\ufeff".encode())
    exporter.write(neutralize_frame(frame), buffer)
    return buffer.getvalue()


def export(services: Services, actor: Actor, instrument_id: str, *, shape: str = "wide",
           fmt: str = "csv", deidentified: bool = False, language: str = "en",
           salt: bytes | None = None) -> ExportFile:
    """One instrument's responses as a file the actor may have (audited)."""
    if shape not in SHAPES:
        raise ValueError(f"shape {shape!r} is not one of {', '.join(SHAPES)}")
    offered = formats(services.kit)
    if fmt not in offered:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(offered)}")
    exporter = offered[fmt]
    instrument = services.kit.instrument(instrument_id)
    if deidentified and salt is None:
        from alliance_kit.clinic.settings import deid_salt

        salt = deid_salt(services.store)
    records = fetch(services, actor, instrument.id, purpose={
        "format": fmt, "shape": shape if fmt != "fhir" else None,
        "deidentified": deidentified})
    if deidentified:
        records = deidentify(records, salt or b"", instrument)
    stamp = dt.date.today().isoformat()
    name = f"{instrument.id}-{'fhir' if fmt == 'fhir' else shape}" \
           f"{'-deidentified' if deidentified else ''}-{stamp}{exporter.suffixes[0]}"
    if exporter is FHIR:
        from alliance_kit.interop.fhir.bundle import bundle

        data = json.dumps(bundle(instrument, records, language=language,
                                 deidentified=deidentified),
                          ensure_ascii=False, indent=1).encode("utf-8")
        return ExportFile(name, exporter.media_type, data, len(records))
    frame = (wide_table if shape == "wide" else long_table)(instrument, records, language)
    return ExportFile(name, exporter.media_type, table_bytes(exporter, frame), len(records))


__all__ = ["FHIR", "FORMULA_PREFIXES", "SHAPES", "ExportFile", "date_shift", "deidentify",
           "export", "fetch", "formats", "long_table", "neutralize", "neutralize_frame",
           "pseudonym", "table_bytes", "wide_table"]
