"""Exports of the recovery focus: every visible client's motivation profile over time, and
the what-works notes with their history. Audited as exports, access by the care team, and
de-identified like response exports (pseudonyms, shifted dates, no free text)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select

from alliance_kit.clinic.access import Actor, require_staff, visible_client_ids
from alliance_kit.clinic.exports import (
    ExportFile,
    date_shift,
    fetch,
    formats,
    pseudonym,
    table_bytes,
)
from alliance_kit.clinic.services import Services
from alliance_kit.engine.motivation import PROFILE_INSTRUMENTS, build_profile
from alliance_kit.store import audit
from alliance_kit.store.models import Client, WhatWorksNote

WHAT = {"motivation": "Motivation profile over time",
        "what-works": "What works for each client (notes and history)"}


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def motivation_table(services: Services, actor: Actor, *, salt: bytes | None = None
                     ) -> pd.DataFrame:
    """One row per client and date: importance, confidence, quadrant, URICA stage and
    readiness, AUDIT-C. With ``salt``: pseudonyms and shifted dates."""
    records = [r for r in fetch(services, actor, purpose={"export": "motivation",
                                                          "deidentified": salt is not None},
                                entity="motivation")
               if r.instrument_id in PROFILE_INSTRUMENTS]
    frames = []
    for client_id in sorted({r.client_id for r in records}):
        mine = [r for r in records if r.client_id == client_id]
        table = build_profile(services.kit.instruments, mine).table()
        if salt is None:
            table.insert(0, "client", mine[0].client)
        else:
            table.insert(0, "client", "P-" + pseudonym(salt, "client", client_id))
            table["date"] = table["date"] + date_shift(salt, client_id)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["client", "date", "session", "instrument", "importance",
                                     "confidence", "quadrant", "stage", "readiness", "audit_c",
                                     "audit_c_positive"])
    return pd.concat(frames, ignore_index=True)


def what_works_table(services: Services, actor: Actor, *, salt: bytes | None = None
                     ) -> pd.DataFrame:
    """Every note of every visible client, oldest first; de-identified without free text."""
    require_staff(actor, "therapist", "supervisor", "admin")
    with services.store.read() as session:
        rows = session.execute(
            select(WhatWorksNote, Client.code).join(Client, Client.id == WhatWorksNote.client_id)
            .where(WhatWorksNote.client_id.in_(visible_client_ids(actor)))
            .order_by(Client.code, WhatWorksNote.written_at, WhatWorksNote.id)).all()
        data = [{"client_id": n.client_id, "client": code, "note": n.id,
                 "written_at": _aware(n.written_at), "author": n.author, "reasons": n.reasons,
                 "approach": n.approach,
                 "guidance": "; ".join(f"{g.get('pack')}/{g.get('id')}" for g in n.guidance or []),
                 "guidance_titles": "; ".join(str(g.get("title", "")) for g in n.guidance or [])}
                for n, code in rows]
    clients = sorted({d["client_id"] for d in data})
    services.store.write(lambda session: audit.append(
        session, actor=actor.label, action="export", entity="what-works",
        details={"notes": len(data), "clients": clients, "deidentified": salt is not None}))
    frame = pd.DataFrame(data, columns=["client_id", "client", "note", "written_at", "author",
                                        "reasons", "approach", "guidance", "guidance_titles"])
    if salt is not None and not frame.empty:
        frame["client"] = ["P-" + pseudonym(salt, "client", c) for c in frame["client_id"]]
        frame["written_at"] = [w + date_shift(salt, c)
                               for w, c in zip(frame["written_at"], frame["client_id"],
                                               strict=True)]
        frame["note"] = ["N-" + pseudonym(salt, "note", n, 12) for n in frame["note"]]
        frame = frame.drop(columns=["reasons", "approach", "author"])
    return frame.drop(columns="client_id")


def recovery_export(services: Services, actor: Actor, what: str, *, fmt: str = "csv",
                    deidentified: bool = False, salt: bytes | None = None) -> ExportFile:
    """``motivation`` or ``what-works`` as a file (CSV, XLSX, any table writer)."""
    if what not in WHAT:
        raise ValueError(f"{what!r} is not one of {', '.join(WHAT)}")
    offered = {name: e for name, e in formats(services.kit).items() if name != "fhir"}
    if fmt not in offered:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(offered)}")
    if deidentified and salt is None:
        from alliance_kit.clinic.settings import deid_salt

        salt = deid_salt(services.store)
    used = salt if deidentified else None
    frame = (motivation_table if what == "motivation" else what_works_table)(
        services, actor, salt=used)
    exporter = offered[fmt]
    name = f"{what}{'-deidentified' if deidentified else ''}-{dt.date.today().isoformat()}" \
           f"{exporter.suffixes[0]}"
    return ExportFile(name, exporter.media_type, table_bytes(exporter, frame), len(frame))


__all__ = ["WHAT", "motivation_table", "recovery_export", "what_works_table"]
