"""Exporting attendance: every appointment of the actor's clients, CSV/XLSX/any registered
table format, or FHIR (Appointment and EpisodeOfCare), de-identified on request.

One row per appointment: client, episode (1, 2, ... per client), when it began and ended
and why, the session number (attended sessions), date, time, status and reason.
De-identified as the response exports are (:mod:`alliance_kit.clinic.exports`): the same
client pseudonym (``P-…``) and the same date shift per client, so the two exports join;
reasons (free text) are left out. Every export is audited, naming the clients.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
from sqlalchemy import select

from alliance_kit.clinic.access import Actor, require_staff, visible_client_ids
from alliance_kit.clinic.attendance_data import appointments, episodes
from alliance_kit.clinic.exports import (
    FHIR,
    ExportFile,
    date_shift,
    formats,
    pseudonym,
    table_bytes,
)
from alliance_kit.clinic.services import Services
from alliance_kit.store import audit
from alliance_kit.store.models import Client

COLUMNS = ["client", "episode", "episode_started", "episode_ended", "end_reason", "session",
           "date", "time", "status", "reason"]


def table(services: Services, actor: Actor, *, deidentified: bool = False,
          salt: bytes | None = None, purpose: dict[str, Any] | None = None
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(appointments, episodes) of the actor's clients, oldest first (audited as an export).

    The appointments have COLUMNS plus ``ref`` (a stable id for FHIR); the episodes
    ``client``, ``episode_ref``, ``started_on``, ``ended_on``, ``end_reason``.
    """
    require_staff(actor, "therapist", "supervisor", "admin")
    if deidentified and salt is None:
        from alliance_kit.clinic.settings import deid_salt

        salt = deid_salt(services.store)
    visible = select(Client.id).where(Client.id.in_(visible_client_ids(actor)))
    with services.store.read() as session:
        codes = dict(session.execute(select(Client.id, Client.code).where(
            Client.id.in_(visible))).all())
        sessions = appointments(session, visible, reasons=True)
        spells = episodes(session, visible)
    spells = spells.assign(place=spells.groupby("client_id").cumcount() + 1)
    by_episode = spells.set_index("episode_id")

    def client_of(client_id: int) -> str:
        return "P-" + pseudonym(salt, "client", client_id) if deidentified else codes[client_id]

    def day(value, client_id: int):
        if value is None or pd.isna(value):
            return None
        return value + date_shift(salt, client_id) if deidentified else value

    rows = []
    for row in sessions.itertuples(index=False):
        episode = by_episode.loc[row.episode_id]
        rows.append({
            "client": client_of(row.client_id), "episode": int(episode["place"]),
            "episode_started": day(episode["started_on"], row.client_id),
            "episode_ended": day(episode["ended_on"], row.client_id),
            "end_reason": episode["end_reason"],
            "session": None if pd.isna(row.number) else int(row.number),
            "date": day(row.date, row.client_id), "time": row.time, "status": row.status,
            "reason": None if deidentified else row.reason,
            "ref": ("S-" + pseudonym(salt, "session", row.session_id, 12)) if deidentified
            else str(row.session_id)})
    episode_rows = [{
        "client": client_of(e.client_id), "episode_ref": (
            "E-" + pseudonym(salt, "episode", e.episode_id, 12)) if deidentified
        else str(e.episode_id),
        "started_on": day(e.started_on, e.client_id), "ended_on": day(e.ended_on, e.client_id),
        "end_reason": e.end_reason} for e in spells.itertuples(index=False)]
    clients = sorted(codes)
    details = {"appointments": len(rows), "clients": clients, "deidentified": deidentified,
               **(purpose or {})}
    services.store.write(lambda session: audit.append(
        session, actor=actor.label, action="export", entity="attendance", details=details))
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "ref"])
    if deidentified:
        frame = frame.drop(columns="reason")
    return frame, pd.DataFrame(episode_rows, columns=["client", "episode_ref", "started_on",
                                                      "ended_on", "end_reason"])


def export(services: Services, actor: Actor, *, fmt: str = "csv",
           deidentified: bool = False, salt: bytes | None = None) -> ExportFile:
    """The actor's clients' attendance as a file (audited)."""
    offered = formats(services.kit)
    if fmt not in offered:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(offered)}")
    exporter = offered[fmt]
    sessions, spells = table(services, actor, deidentified=deidentified, salt=salt,
                             purpose={"format": fmt})
    stamp = dt.date.today().isoformat()
    name = f"attendance{'-deidentified' if deidentified else ''}-{stamp}{exporter.suffixes[0]}"
    if exporter is FHIR:
        from alliance_kit.interop.fhir.appointments import bundle

        data = json.dumps(bundle(sessions.to_dict("records"), spells.to_dict("records"),
                                 deidentified=deidentified), ensure_ascii=False,
                          indent=1).encode("utf-8")
        return ExportFile(name, exporter.media_type, data, len(sessions))
    shown = sessions.drop(columns="ref").assign(
        time=sessions["time"].map(lambda t: t.strftime("%H:%M") if t is not None
                                  and not pd.isna(t) else None))
    return ExportFile(name, exporter.media_type, table_bytes(exporter, shown), len(sessions))


__all__ = ["COLUMNS", "export", "table"]
