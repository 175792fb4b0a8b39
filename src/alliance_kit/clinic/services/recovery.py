"""The recovery focus for staff: a client's motivation profile, the guidance it brings up,
and the "what works for this client" notes. Access-checked and audited like every other
read and write of client data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import Actor, require_client, require_staff
from alliance_kit.clinic.services.base import ServiceBase, write_audit
from alliance_kit.engine.guidance import Entry, find_entry, match
from alliance_kit.engine.motivation import PROFILE_INSTRUMENTS, MotivationProfile, build_profile
from alliance_kit.engine.records import Record
from alliance_kit.store import audit
from alliance_kit.store.models import Client, Response, Score, WhatWorksNote
from alliance_kit.store.models import Session as SessionRow

#: Longest reasons or approach text, in characters.
MAX_NOTE = 4000
#: Most guidance entries one note may pick.
MAX_PICKED = 20
WRITERS = ("therapist", "supervisor", "admin")


@dataclass(frozen=True)
class WhatWorks:
    """One dated note: the client's reasons for change, the approach, the entries picked."""

    id: int
    written_at: dt.datetime
    author: str
    reasons: str
    approach: str
    #: [{"pack", "id", "title"}] as they were when the note was written.
    guidance: list[dict[str, str]] = field(default_factory=list)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def client_records(session: Session, client_id: int,
                   instrument_ids: Iterable[str] | None = None) -> list[Record]:
    """One client's current (not replaced) responses with their current scores, oldest
    first. No access check and no audit: callers do both."""
    replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
    query = (select(Response, Client.code, SessionRow.date)
             .join(Client, Client.id == Response.client_id)
             .outerjoin(SessionRow, SessionRow.id == Response.session_id)
             .where(Response.client_id == client_id, Response.id.not_in(replaced))
             .order_by(Response.submitted_at, Response.id))
    if instrument_ids is not None:
        query = query.where(Response.instrument_id.in_(list(instrument_ids)))
    rows = session.execute(query).all()
    scores: dict[int, dict[str, tuple[float | None, str | None]]] = {}
    ids = [r.Response.id for r in rows]
    for start in range(0, len(ids), 500):
        for s in session.execute(select(Score.response_id, Score.score_id, Score.value,
                                        Score.band)
                                 .where(Score.current,
                                        Score.response_id.in_(ids[start:start + 500]))):
            scores.setdefault(s.response_id, {})[s.score_id] = (s.value, s.band)
    return [Record(r.id, str(r.id), r.client_id, code, r.instrument_id, r.instrument_version,
                   r.session_number, _aware(r.submitted_at), r.language, dict(r.answers),
                   dict(r.attributes or {}), scores.get(r.id, {}), day)
            for r, code, day in rows]


def clean_text(text: str | None, what: str) -> str:
    """Free text as stored: stripped, at most MAX_NOTE characters, no NUL characters."""
    text = (text or "").strip()
    if "\x00" in text:
        raise ValueError(f"{what}: remove the NUL character (it cannot be stored)")
    if len(text) > MAX_NOTE:
        raise ValueError(f"{what} is {len(text):,} characters long: keep it to "
                         f"{MAX_NOTE:,} (nothing was saved)")
    return text


class Recovery(ServiceBase):
    """Motivation, tailored guidance and what works, per client (staff only, audited)."""

    def motivation_profile(self, actor: Actor, client_id: int) -> MotivationProfile:
        """The client's motivation over time, from their readiness ruler, URICA and AUDIT-C
        answers (audited as a view of the client)."""
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            require_client(session, actor, client_id)
            records = client_records(session, client_id, PROFILE_INSTRUMENTS)
        write_audit(self.store, actor, "view", "motivation", client_id, client_id,
                    {"responses": len(records)})
        return build_profile(self.kit.instruments, records)

    def tailored_guidance(self, actor: Actor, client_id: int
                          ) -> tuple[MotivationProfile, list[Entry]]:
        """The profile, and the guidance entries its latest values (and the latest recovery
        check-in) bring up, in pack order."""
        profile = self.motivation_profile(actor, client_id)
        values: dict[str, Any] = dict(profile.latest)
        checkin = self._latest_checkin(actor, client_id)
        if checkin:
            values["recovery-checkin"] = checkin
        return profile, match(self.kit.guidance.values(), values)

    def _latest_checkin(self, actor: Actor, client_id: int) -> dict[str, Any]:
        """The latest recovery check-in's items and scores (access already checked)."""
        instrument = self.kit.instruments.get("recovery-checkin")
        if instrument is None:
            return {}
        with self.store.read() as session:
            require_client(session, actor, client_id)
            records = client_records(session, client_id, [instrument.id])
        if not records:
            return {}
        latest = records[-1]
        values: dict[str, Any] = {k: v for k, v in latest.answers.items()
                                  if isinstance(v, int | float) and not isinstance(v, bool)}
        values.update({k: v for k, (v, _) in latest.scores.items() if v is not None})
        return values

    def what_works(self, actor: Actor, client_id: int) -> list[WhatWorks]:
        """The client's what-works notes, newest first (audited)."""
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            require_client(session, actor, client_id)
            rows = session.execute(
                select(WhatWorksNote).where(WhatWorksNote.client_id == client_id)
                .order_by(WhatWorksNote.written_at.desc(), WhatWorksNote.id.desc())
            ).scalars().all()
            notes = [WhatWorks(r.id, _aware(r.written_at), r.author, r.reasons, r.approach,
                               [dict(g) for g in r.guidance or []]) for r in rows]
        write_audit(self.store, actor, "view", "what-works", client_id, client_id,
                    {"notes": len(notes)})
        return notes

    def record_what_works(self, actor: Actor, client_id: int, *, reasons: str = "",
                          approach: str = "",
                          guidance: Sequence[tuple[str, str]] = ()) -> int:
        """Add a dated note (the earlier ones stay as history); returns its id.

        ``guidance`` names picked entries as (pack id, entry id). Bad input raises
        ValueError saying what and where, before anything is written.
        """
        require_staff(actor, *WRITERS)
        reasons = clean_text(reasons, "the client's reasons")
        approach = clean_text(approach, "the approach")
        picked = list(dict.fromkeys((str(p), str(e)) for p, e in guidance))
        if len(picked) > MAX_PICKED:
            raise ValueError(f"{len(picked)} guidance entries picked: pick at most {MAX_PICKED}")
        chosen = []
        for pack_id, entry_id in picked:
            try:
                entry = find_entry(self.kit.guidance, pack_id, entry_id)
            except KeyError as exc:
                raise ValueError(f"guidance: {exc.args[0]} (nothing was saved)") from None
            chosen.append({"pack": pack_id, "id": entry_id, "title": entry.title_in("en")})
        if not (reasons or approach or chosen):
            raise ValueError("the note is empty: write the client's reasons, the approach, "
                             "or pick a guidance entry")

        def work(session: Session) -> int:
            require_client(session, actor, client_id)
            note = WhatWorksNote(client_id=client_id, written_by=actor.user_id,
                                 author=actor.label, reasons=reasons, approach=approach,
                                 guidance=chosen)
            session.add(note)
            session.flush()
            audit.append(session, actor=actor.label, action="create", entity="what-works",
                         entity_id=note.id, client_id=client_id,
                         details={"guidance": [f"{c['pack']}/{c['id']}" for c in chosen],
                                  "reasons_chars": len(reasons),
                                  "approach_chars": len(approach)})
            return note.id

        return self.store.write(work)


__all__ = ["MAX_NOTE", "Recovery", "WhatWorks", "clean_text", "client_records"]
