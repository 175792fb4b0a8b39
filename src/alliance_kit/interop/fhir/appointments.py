"""Attendance as a FHIR R4 Bundle (type ``collection``): Appointment and EpisodeOfCare.

Statuses map where FHIR has them: scheduled -> ``booked``, attended -> ``fulfilled``,
no-show -> ``noshow``, cancelled (by the client or the clinic) -> ``cancelled`` with a
``cancelationReason`` of ``pat`` (patient) or ``prov`` (provider). FHIR wants a start and
an end for booked, fulfilled and no-show appointments: where a time was recorded, the
start is that time (in the server's time zone) and the end :data:`SESSION_MINUTES` later;
where none was, start and end span the day, and a comment says so (a cancellation without
a time carries its day as the requested period). Episodes become
EpisodeOfCare (``active`` or ``finished``) with the end reason in an alliance_kit
extension. Clients are named by identifier only: the client code, or a pseudonym.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from alliance_kit.interop.fhir.bundle import CLIENT_SYSTEM, PSEUDONYM_SYSTEM
from alliance_kit.interop.fhir.common import BASE, OWN, string
from alliance_kit.version import __version__

STATUS = {"scheduled": "booked", "attended": "fulfilled", "no-show": "noshow",
          "cancelled-by-client": "cancelled", "cancelled-by-clinic": "cancelled"}
CANCELLATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
CANCELLED_BY = {"cancelled-by-client": ("pat", "Patient"),
                "cancelled-by-clinic": ("prov", "Provider")}
SESSION_SYSTEM = f"{BASE}/session"
EPISODE_SYSTEM = f"{BASE}/episode"
END_REASON = f"{OWN}/episode-end-reason"
#: The length given to an appointment with a start time (FHIR asks for an end).
SESSION_MINUTES = 50
NO_TIME = "time not recorded: start and end span the day"
NAMESPACE = uuid.UUID("2c4f8d7e-5b1a-4e39-8f60-7a3d9e1b0c55")


def _patient(row: Mapping[str, Any], deidentified: bool) -> dict[str, Any]:
    return {"identifier": {"system": PSEUDONYM_SYSTEM if deidentified else CLIENT_SYSTEM,
                           "value": string(str(row["client"]))}}


def _times(day: dt.date, time: dt.time | None) -> tuple[str, str, bool]:
    """(start, end, whether the time is known) as FHIR instants."""
    if time is not None:
        start = dt.datetime.combine(day, time).astimezone()
        return (start.isoformat(), (start + dt.timedelta(minutes=SESSION_MINUTES)).isoformat(),
                True)
    start = dt.datetime.combine(day, dt.time(0)).astimezone()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)).astimezone()
    return start.isoformat(), end.isoformat(), False


def appointment(row: Mapping[str, Any], *, deidentified: bool = False) -> dict[str, Any]:
    """One appointment (a row of :func:`alliance_kit.clinic.attendance_export.table`)."""
    status = row["status"]
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(uuid.uuid5(NAMESPACE, f"appointment:{row['ref']}")),
        "identifier": [{"system": SESSION_SYSTEM, "value": string(str(row["ref"]))}],
        "status": STATUS[status],
    }
    if status in CANCELLED_BY:
        code, display = CANCELLED_BY[status]
        resource["cancelationReason"] = {"coding": [{"system": CANCELLATION_SYSTEM,
                                                     "code": code, "display": display}]}
    time = row.get("time")
    time = None if time is None or time != time else time
    if status not in CANCELLED_BY or time is not None:
        start, end, known = _times(row["date"], time)
        resource["start"], resource["end"] = start, end
        if known:
            resource["minutesDuration"] = SESSION_MINUTES
        else:
            resource["comment"] = NO_TIME
    else:  # a cancellation needs no start: the day goes in the requested period
        day = row["date"].isoformat()
        resource["requestedPeriod"] = [{"start": day, "end": day}]
    participant_status = "declined" if status == "cancelled-by-client" else "accepted"
    resource["participant"] = [{"actor": _patient(row, deidentified),
                                "status": participant_status}]
    return resource


def episode_of_care(row: Mapping[str, Any], *, deidentified: bool = False) -> dict[str, Any]:
    """One episode: ``client``, ``episode_ref``, ``started_on``, ``ended_on``, ``end_reason``."""
    ended = row.get("ended_on")
    ended = None if ended is None or ended != ended else ended
    period = {"start": row["started_on"].isoformat()}
    if ended is not None:
        period["end"] = ended.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": str(uuid.uuid5(NAMESPACE, f"episode:{row['episode_ref']}")),
        "identifier": [{"system": EPISODE_SYSTEM, "value": string(str(row["episode_ref"]))}],
        "status": "finished" if ended is not None else "active",
        "patient": _patient(row, deidentified),
        "period": period,
    }
    reason = row.get("end_reason")
    if isinstance(reason, str) and reason:
        resource["extension"] = [{"url": END_REASON, "valueCode": reason}]
    return resource


def bundle(sessions: list[Mapping[str, Any]], episodes: list[Mapping[str, Any]], *,
           deidentified: bool = False) -> dict[str, Any]:
    """A collection Bundle of every episode and appointment."""
    resources = [episode_of_care(e, deidentified=deidentified) for e in episodes]
    resources += [appointment(s, deidentified=deidentified) for s in sessions]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        "meta": {"tag": [{"system": f"{BASE}/generator", "code": f"alliance_kit {__version__}"}]},
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


__all__ = ["SESSION_MINUTES", "STATUS", "appointment", "bundle", "episode_of_care"]
