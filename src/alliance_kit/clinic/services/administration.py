"""Setting up and maintaining the clinic's records: teams, staff, clients, sessions,
assignments, and rescoring stored history with the current engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alliance_kit.clinic import accounts
from alliance_kit.clinic.access import (
    Actor,
    require_active,
    require_client,
    require_staff,
)
from alliance_kit.clinic.services.base import ServiceBase
from alliance_kit.engine.scoring import score
from alliance_kit.store import audit
from alliance_kit.store.models import (
    Assignment,
    CareTeam,
    Client,
    Episode,
    Response,
    Score,
    Team,
)
from alliance_kit.store.models import Session as SessionRow
from alliance_kit.store.names import check_code, check_name, visible


class Administration(ServiceBase):
    """Creating records and rescoring (staff only, audited)."""

    def add_team(self, actor: Actor, name: str) -> int:
        """A new team; returns its id."""
        require_staff(actor, "admin")
        name = check_name(name, "the team name")

        def work(session: Session) -> int:
            require_active(session, actor)
            team = Team(name=name)
            session.add(team)
            session.flush()
            audit.append(session, actor=actor.label, action="create", entity="team",
                         entity_id=team.id, details={"name": name})
            return team.id

        return self.store.write(work)

    def add_user(self, actor: Actor, username: str, role: str, *, display_name: str = "",
                 team_id: int | None = None, password_hash: str | None = None) -> int:
        """A new member of staff; returns the user id (see :mod:`alliance_kit.clinic.accounts`)."""
        return accounts.create_user(self.store, actor, username, role,
                                    password_hash=password_hash, display_name=display_name,
                                    team_id=team_id)

    def add_client(self, actor: Actor, code: str, *, therapist_ids: list[int],
                   initials: str | None = None, started_on: dt.date | None = None) -> int:
        """A new client with their care team and a first episode of care; returns its id."""
        require_staff(actor, "therapist", "supervisor", "admin")
        code = check_code(code)

        def work(session: Session) -> int:
            require_active(session, actor)
            client = Client(code=code, initials=initials)
            session.add(client)
            session.flush()
            for user_id in therapist_ids:
                session.add(CareTeam(client_id=client.id, user_id=user_id))
            session.add(Episode(client_id=client.id,
                                started_on=started_on or dt.date.today()))
            audit.append(session, actor=actor.label, action="create", entity="client",
                         entity_id=client.id, client_id=client.id,
                         details={"therapists": therapist_ids})
            return client.id

        return self.store.write(work)

    def recode_client(self, actor: Actor, client_id: int, code: str) -> str:
        """Give a client a new code (e.g. one ``db check`` says breaks the code rule), audited
        with the old and the new code; returns the new code."""
        require_staff(actor, "therapist", "supervisor", "admin")
        code = check_code(code)

        def work(session: Session) -> str:
            client = require_client(session, actor, client_id)
            taken = session.execute(select(Client.id).where(Client.code == code,
                                                            Client.id != client_id)).first()
            if taken:
                raise ValueError(f"client code {code!r} is already another client's")
            old, client.code = client.code, code
            audit.append(session, actor=actor.label, action="recode", entity="client",
                         entity_id=client_id, client_id=client_id,
                         details={"old": visible(old), "new": code})
            return code

        return self.store.write(work)

    def add_session(self, actor: Actor, client_id: int, date: dt.date,
                    therapist_id: int | None = None, *, status: str = "attended",
                    reason: str | None = None, time: dt.time | None = None) -> int:
        """The client's next session in their current episode; returns the session id.

        An attended session (the default) is numbered next in the episode; one with another
        status (see :mod:`alliance_kit.clinic.attendance`) is not. The status must fit the
        date (no scheduled session in the past, no attended one in the future). The
        attendance alert rules run for it, except for a session attended before today: that
        is history being entered (an import), judged once it is all in, by the next sweep.
        """
        from alliance_kit.clinic.attendance_alerts import evaluate_client
        from alliance_kit.engine.attendance import AttendanceError, status_problem

        require_staff(actor, "therapist", "supervisor", "admin")
        problem = status_problem(status, date, dt.date.today())
        if problem:
            raise AttendanceError(problem)

        def work(session: Session) -> int:
            require_client(session, actor, client_id)
            episode = session.execute(
                select(Episode).where(Episode.client_id == client_id)
                .order_by(Episode.started_on.desc(), Episode.id.desc()).limit(1)
            ).scalar_one()
            number = None
            if status == "attended":
                number = (session.execute(
                    select(func.max(SessionRow.number))
                    .where(SessionRow.episode_id == episode.id)
                ).scalar_one() or 0) + 1
            row = SessionRow(episode_id=episode.id, client_id=client_id, number=number,
                             date=date, therapist_id=therapist_id or actor.user_id,
                             status=status, status_reason=reason, time=time)
            session.add(row)
            session.flush()
            alerts = evaluate_client(session, self.kit, client_id, actor_label=actor.label) \
                if status != "attended" or date >= dt.date.today() else None
            audit.append(session, actor=actor.label, action="create", entity="session",
                         entity_id=row.id, client_id=client_id,
                         details={"number": number, "status": status,
                                  **({"alerts": [a["rule_id"] for a in alerts.raised]}
                                     if alerts and alerts.raised else {})})
            return row.id

        return self.store.write(work)

    def assign(self, actor: Actor, client_id: int, instrument_id: str, *,
               timing: str = "session-end", every: int = 1, first_session: int = 1) -> int:
        """Make an instrument due for a client (e.g. srs at the end of every session)."""
        require_staff(actor, "therapist", "supervisor", "admin")
        self.kit.instrument(instrument_id)

        def work(session: Session) -> int:
            require_client(session, actor, client_id)
            row = Assignment(client_id=client_id, instrument_id=instrument_id, timing=timing,
                             every=every, first_session=first_session)
            session.add(row)
            session.flush()
            audit.append(session, actor=actor.label, action="assign", entity="assignment",
                         entity_id=row.id, client_id=client_id,
                         details={"instrument": instrument_id, "timing": timing,
                                  "every": every})
            return row.id

        return self.store.write(work)

    def rescore(self, actor: Actor, instrument_id: str | None = None) -> pd.DataFrame:
        """Recompute stored scores with the current engine and definitions.

        Changed scores get new rows (the old ones stay, no longer current). Returns one
        row per changed score: response, score, old and new value and versions.
        """
        require_staff(actor, "admin")
        chosen = [self.kit.instrument(instrument_id)] if instrument_id else list(
            self.kit.instruments.values())
        changes: list[dict[str, Any]] = []

        def work(session: Session) -> None:
            require_active(session, actor)
            for instrument in chosen:
                responses = list(session.execute(
                    select(Response).where(Response.instrument_id == instrument.id)
                    .order_by(Response.id)).scalars())
                if not responses:
                    continue
                frame = pd.DataFrame([{**r.answers, **(r.attributes or {})} for r in responses])
                result = score(instrument, frame)
                current = {(s.response_id, s.score_id): s for s in session.execute(
                    select(Score).where(Score.current, Score.response_id.in_(
                        [r.id for r in responses]))).scalars()}
                reasons = result.reasons()
                for position, response in enumerate(responses):
                    for spec in instrument.scores:
                        new = result.scores[spec.id].iloc[position]
                        new = None if np.isnan(new) else float(new)
                        band = (result.bands[spec.id].iloc[position]
                                if spec.id in result.bands else None)
                        band = None if pd.isna(band) else str(band)
                        old = current.get((response.id, spec.id))
                        if old is not None and _same_value(old.value, new) \
                                and old.band == band \
                                and old.engine_version == result.engine_version \
                                and old.instrument_version == instrument.version:
                            continue
                        changes.append({
                            "response_id": response.id, "instrument_id": instrument.id,
                            "score_id": spec.id, "old_value": old.value if old else None,
                            "new_value": new,
                            "old_engine": old.engine_version if old else None,
                            "new_engine": result.engine_version,
                        })
                        if old is not None:
                            old.current = False
                        session.add(Score(
                            response_id=response.id, score_id=spec.id, value=new,
                            band=band,
                            reason=reasons[spec.id].iloc[position],
                            instrument_version=instrument.version,
                            engine_version=result.engine_version))
            audit.append(session, actor=actor.label, action="rescore", entity="scores",
                         entity_id=instrument_id, details={"changed": len(changes)})

        self.store.write(work)
        return pd.DataFrame(changes, columns=["response_id", "instrument_id", "score_id",
                                              "old_value", "new_value", "old_engine",
                                              "new_engine"])


def _same_value(old: float | None, new: float | None) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return abs(old - new) < 1e-9
