"""The service layer: the one way the app and the CLI read and write client data.

Every function takes the acting :class:`~alliance_kit.clinic.access.Actor`, checks access in
:mod:`alliance_kit.clinic.access`, does its work in one transaction, and writes an audit entry
in that same transaction (reads of client data included). Answers are validated and
scored before anything is written, so a response that is saved is always complete.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alliance_kit.clinic import accounts, settings
from alliance_kit.clinic.access import (
    AccessDenied,
    Actor,
    require_client,
    require_staff,
    visible_client_ids,
)
from alliance_kit.engine.alerts import SEVERITIES, evaluate_alerts
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.responses import InvalidResponses, answers_frame, schema_problems
from alliance_kit.engine.scoring import ScoreResult, score
from alliance_kit.kit import Kit
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.integrity import payload_hash
from alliance_kit.store.models import (
    Alert,
    Assignment,
    CareTeam,
    Client,
    Episode,
    Response,
    Score,
    Team,
)
from alliance_kit.store.models import Session as SessionRow

#: How a client's responses to one instrument are ordered into a series.
_ORDER = ("session_number", "submitted_at", "response_id")
#: Longest idempotency key accepted (a UUID is 36 characters).
MAX_KEY_LENGTH = 64


class IdempotencyConflict(ValueError):
    """The key was already used for a different submission: nothing was saved."""


@dataclass(frozen=True)
class Submitted:
    """What a submission stored (or had already stored, for a repeated key)."""

    response_id: int
    created: bool
    scores: dict[str, float | None]
    alerts: list[dict[str, Any]] = field(default_factory=list)


def _canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _json_safe(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as plain JSON values: numbers stay numbers, NaN becomes None."""
    safe = {}
    for key, value in answers.items():
        if isinstance(value, float | np.floating) and np.isnan(value):
            value = None
        elif isinstance(value, np.generic):
            value = value.item()
        safe[str(key)] = value
    return safe


class Services:
    """Client data operations for one database and one kit."""

    def __init__(self, store: Store, kit: Kit):
        self.store = store
        self.kit = kit

    # ---- submitting -------------------------------------------------------------------

    def submit_response(
        self,
        actor: Actor,
        *,
        client_id: int,
        instrument_id: str,
        answers: Mapping[str, Any],
        idempotency_key: str,
        language: str = "en",
        session_id: int | None = None,
        source: str = "kiosk",
        started_at: dt.datetime | None = None,
        attributes: Mapping[str, Any] | None = None,
        replaces_id: int | None = None,
    ) -> Submitted:
        """Validate, score and store one response with its scores, alerts and audit entry.

        Idempotent: the same key with the same answers returns the stored response and
        writes nothing; the same key with other answers raises IdempotencyConflict.
        Raises InvalidResponses (nothing written) when an answer breaks the rules.
        """
        if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
            raise ValueError(f"an idempotency key of 1 to {MAX_KEY_LENGTH} characters is needed")
        instrument = self.kit.instrument(instrument_id)
        answers = _json_safe(answers)
        attributes = _json_safe(attributes or {})
        errors, total = schema_problems(instrument, answers)
        if errors:
            raise InvalidResponses(errors, total)
        # Scored before the transaction: the engine's own checks (skip rules, attribute
        # values) raise InvalidResponses here, before anything is written.
        result = score(instrument, answers_frame({**answers, **attributes}))
        digest = payload_hash(client_id=client_id, instrument_id=instrument.id,
                              version=instrument.version, answers=answers,
                              attributes=attributes, session_id=session_id,
                              replaces_id=replaces_id)

        def work(session: Session) -> Submitted:
            require_client(session, actor, client_id)
            existing = self._by_key(session, idempotency_key)
            if existing is not None:
                return self._repeat(session, actor, existing, digest)
            if actor.role not in ("system", "kiosk"):
                require_staff(actor, "therapist", "supervisor", "admin")
            session_number = self._session_number(session, client_id, session_id)
            if replaces_id is not None:
                self._check_replaceable(session, replaces_id, client_id, instrument.id)
            response = Response(
                idempotency_key=idempotency_key, client_id=client_id, session_id=session_id,
                session_number=session_number, instrument_id=instrument.id,
                instrument_version=instrument.version, language=language, answers=answers,
                attributes=attributes, source=source, started_at=started_at,
                entered_by=actor.user_id, replaces_id=replaces_id, payload_hash=digest,
            )
            session.add(response)
            session.flush()
            scores, alerts = self._store_scores_and_alerts(session, instrument, response,
                                                           result)
            audit.append(session, actor=actor.label, action="submit", entity="response",
                         entity_id=response.id, client_id=client_id,
                         details={"instrument": instrument.id, "source": source,
                                  "alerts": [a["rule_id"] for a in alerts]})
            return Submitted(response.id, True, scores, alerts)

        try:
            return self.store.write(work)
        except IntegrityError as collision:
            # Two submissions with one key raced: the other one won. Return what it stored.
            return self.store.write(partial(self._after_collision, actor, idempotency_key,
                                            digest, collision))

    def _after_collision(self, actor: Actor, key: str, digest: str,
                         collision: IntegrityError, session: Session) -> Submitted:
        existing = self._by_key(session, key)
        if existing is None:
            raise collision
        return self._repeat(session, actor, existing, digest)

    def _by_key(self, session: Session, key: str) -> Response | None:
        return session.execute(
            select(Response).where(Response.idempotency_key == key)
        ).scalar_one_or_none()

    def _repeat(self, session: Session, actor: Actor, existing: Response,
                digest: str) -> Submitted:
        require_client(session, actor, existing.client_id)
        if existing.payload_hash != digest:
            raise IdempotencyConflict(
                f"key {existing.idempotency_key!r} was already used for a different "
                "submission: nothing was saved; start a new submission")
        rows = session.execute(
            select(Score.score_id, Score.value)
            .where(Score.response_id == existing.id, Score.current)
        ).all()
        alerts = session.execute(
            select(Alert.rule_id, Alert.severity, Alert.value, Alert.message)
            .where(Alert.response_id == existing.id)
        ).mappings().all()
        return Submitted(existing.id, False, {r.score_id: r.value for r in rows},
                         [dict(a) for a in alerts])

    def _session_number(self, session: Session, client_id: int,
                        session_id: int | None) -> int | None:
        if session_id is None:
            return None
        row = session.get(SessionRow, session_id)
        if row is None or row.client_id != client_id:
            raise ValueError(f"session {session_id} is not a session of client {client_id}")
        return row.number

    def _check_replaceable(self, session: Session, replaces_id: int, client_id: int,
                           instrument_id: str) -> None:
        old = session.get(Response, replaces_id)
        if old is None or old.client_id != client_id or old.instrument_id != instrument_id:
            raise ValueError(f"response {replaces_id} is not a {instrument_id} response of "
                             f"client {client_id}: nothing to correct")
        newer = session.execute(
            select(Response.id).where(Response.replaces_id == replaces_id)).scalar()
        if newer is not None:
            raise ValueError(f"response {replaces_id} was already corrected by response "
                             f"{newer}: correct that one instead")

    def _store_scores_and_alerts(
        self, session: Session, instrument: Instrument, response: Response, result: ScoreResult
    ) -> tuple[dict[str, float | None], list[dict]]:
        """Store the new response's scores, and the alerts its answers and the client's
        stored history of scores raise (series rules compare with the stored scores)."""
        scores = self._store_scores(session, instrument, response.id, result, 0)
        history = self._history(session, response, instrument)
        series = result.after(history.drop(columns=list(_ORDER)))
        keys = pd.concat([history[list(_ORDER)], pd.DataFrame([{
            "session_number": response.session_number, "submitted_at": response.submitted_at,
            "response_id": response.id}])], ignore_index=True)
        # SQLite returns naive UTC times, PostgreSQL aware ones: compare them as UTC.
        keys["submitted_at"] = pd.to_datetime(keys["submitted_at"], utc=True)
        order = keys.sort_values(list(_ORDER), na_position="last", kind="stable").index
        rank = np.empty(len(keys), dtype=int)
        rank[order.to_numpy()] = np.arange(len(keys))
        raised = evaluate_alerts(instrument, series, client=np.zeros(len(keys)), order=rank)
        alerts = []
        switched = settings.alert_settings_in(session)
        for row in raised[raised["row"] == len(history)].itertuples():
            if not switched.enabled(instrument.id, row.alert):
                continue  # an admin switched this rule off (safety rules cannot be)
            value = None if np.isnan(row.value) else float(row.value)
            session.add(Alert(response_id=response.id, client_id=response.client_id,
                              instrument_id=instrument.id, rule_id=row.alert,
                              rule_type=row.type, severity=row.severity, value=value,
                              message=row.message))
            alerts.append({"rule_id": row.alert, "severity": row.severity, "value": value,
                           "message": row.message})
        return scores, alerts

    def _history(self, session: Session, response: Response,
                 instrument: Instrument) -> pd.DataFrame:
        """The client's other current responses to the instrument: order keys and the
        current value of each score, one row per response."""
        replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
        rows = session.execute(
            select(Response.id, Response.session_number, Response.submitted_at,
                   Score.score_id, Score.value)
            .join(Score, Score.response_id == Response.id)
            .where(Response.client_id == response.client_id,
                   Response.instrument_id == instrument.id, Response.id != response.id,
                   Response.id.not_in(replaced), Score.current)
        ).all()
        columns = [s.id for s in instrument.scores]
        keys: dict[int, tuple] = {}
        values: dict[int, dict[str, float | None]] = {}
        for response_id, number, submitted_at, score_id, value in rows:
            keys[response_id] = (number, submitted_at)
            values.setdefault(response_id, {})[score_id] = value
        ids = list(keys)
        return pd.DataFrame({
            "session_number": [keys[i][0] for i in ids],
            "submitted_at": [keys[i][1] for i in ids],
            "response_id": ids,
            **{c: np.array([values[i].get(c) for i in ids], dtype=float) for c in columns},
        }, columns=[*_ORDER, *columns])

    def _store_scores(self, session: Session, instrument: Instrument, response_id: int,
                      result, position: int) -> dict[str, float | None]:
        reasons = result.reasons()
        values = {}
        for spec in instrument.scores:
            value = float(result.scores[spec.id].iloc[position])
            value = None if np.isnan(value) else float(value)
            band = result.bands[spec.id].iloc[position] if spec.id in result.bands else None
            session.add(Score(
                response_id=response_id, score_id=spec.id, value=value,
                band=None if pd.isna(band) else str(band),
                reason=reasons[spec.id].iloc[position],
                instrument_version=result.instrument_version,
                engine_version=result.engine_version,
            ))
            values[spec.id] = value
        return values

    # ---- reading ----------------------------------------------------------------------

    def caseload(self, actor: Actor) -> pd.DataFrame:
        """The actor's clients, most urgent first: open alerts, last session, latest scores.

        Columns: client_id, code, last_session, alliance_instrument, alliance, alliance_trend,
        outcome_instrument, outcome, open_alerts, top_severity, alert_rules.
        """
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            visible = visible_client_ids(actor)
            clients = session.execute(
                select(Client.id, Client.code).where(Client.id.in_(visible), Client.active)
            ).all()
            last = dict(session.execute(
                select(SessionRow.client_id, func.max(SessionRow.date))
                .where(SessionRow.client_id.in_(visible)).group_by(SessionRow.client_id)
            ).all())
            latest = self._latest_scores(session, visible)
            alerts = session.execute(
                select(Alert.client_id, Alert.severity, Alert.rule_id, Alert.instrument_id)
                .where(Alert.client_id.in_(visible), Alert.acknowledged_at.is_(None))
            ).all()
        self._audit(actor, "view", "caseload", details={"clients": len(clients)})
        # A few hundred rows at most: plain Python, then one table.
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        open_alerts: dict[int, list] = {}
        for client_id, severity, rule_id, instrument_id in alerts:
            open_alerts.setdefault(client_id, []).append((rank[severity],
                                                          f"{instrument_id}: {rule_id}"))
        rows = []
        for client_id, code in clients:
            mine = open_alerts.get(client_id, [])
            alliance = latest.get((client_id, "alliance"), (None, None, None))
            outcome = latest.get((client_id, "outcome"), (None, None, None))
            top = min((r for r, _ in mine), default=None)
            rows.append({
                "client_id": client_id, "code": code, "last_session": last.get(client_id),
                "alliance_instrument": alliance[0], "alliance": alliance[1],
                "alliance_trend": alliance[2], "outcome_instrument": outcome[0],
                "outcome": outcome[1], "open_alerts": len(mine),
                "top_severity": None if top is None else SEVERITIES[top],
                "alert_rules": ", ".join(sorted({label for _, label in mine})),
                "_rank": len(SEVERITIES) if top is None else top,
            })
        columns = ["client_id", "code", "last_session", "alliance_instrument", "alliance",
                   "alliance_trend", "outcome_instrument", "outcome", "open_alerts",
                   "top_severity", "alert_rules", "_rank"]
        table = pd.DataFrame(rows, columns=columns).astype(
            {"alliance": float, "alliance_trend": float, "outcome": float})
        table = table.sort_values(["_rank", "open_alerts", "last_session"],
                                  ascending=[True, False, False], na_position="last")
        return table.drop(columns="_rank").reset_index(drop=True)

    def _latest_scores(self, session: Session,
                       visible) -> dict[tuple[int, str], tuple[str, float | None, float | None]]:
        """(client, kind) -> (instrument, latest primary score, change since the one before).

        The database ranks each client's responses per instrument and returns only the
        latest two, so the work stays proportional to the number of clients. With several
        instruments of one kind (SRS and the check-in), the most recent one is shown.
        """
        primary = {i.id: (_kind(i), _primary_score(i)) for i in self.kit.instruments.values()}
        wanted = [(iid, sid) for iid, (kind, sid) in primary.items() if kind and sid]
        if not wanted:
            return {}
        replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
        recency = (Response.session_number.desc().nulls_last(), Response.submitted_at.desc(),
                   Response.id.desc())
        ranked = (
            select(Response.client_id, Response.instrument_id, Score.value,
                   func.row_number().over(
                       partition_by=(Response.client_id, Response.instrument_id),
                       order_by=recency).label("rank"),
                   Response.session_number, Response.submitted_at, Response.id.label("rid"))
            .join(Score, Score.response_id == Response.id)
            .where(Response.client_id.in_(visible), Score.current,
                   or_(*[and_(Response.instrument_id == i, Score.score_id == s)
                         for i, s in wanted]),
                   Response.id.not_in(replaced))
        ).subquery()
        pairs: dict[tuple[int, str], dict[int, tuple]] = {}
        for client_id, instrument_id, value, position, number, at, rid in session.execute(
                select(ranked).where(ranked.c.rank <= 2)):
            pairs.setdefault((client_id, instrument_id), {})[position] = (value, number,
                                                                          _utc(at), rid)
        chosen: dict[tuple[int, str], tuple] = {}
        for (client_id, instrument_id), ranks in pairs.items():
            value, number, at, rid = ranks[1]
            before = ranks.get(2, (None,))[0]
            trend = None if value is None or before is None else value - before
            recency_key = (number if number is not None else -1, at, rid)
            key = (client_id, primary[instrument_id][0])
            if key not in chosen or recency_key > chosen[key][0]:
                chosen[key] = (recency_key, (instrument_id, value, trend))
        return {key: entry for key, (_, entry) in chosen.items()}

    def client_history(self, actor: Actor, client_id: int,
                       instrument_id: str | None = None) -> pd.DataFrame:
        """Every current response of one client with its current scores, oldest first."""
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            require_client(session, actor, client_id)
            replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
            query = (
                select(Response.id.label("response_id"), Response.instrument_id,
                       Response.instrument_version, Response.session_number,
                       Response.submitted_at, Response.source, Score.score_id, Score.value,
                       Score.band, Score.engine_version)
                .join(Score, Score.response_id == Response.id)
                .where(Response.client_id == client_id, Score.current,
                       Response.id.not_in(replaced))
                .order_by(Response.submitted_at, Response.id)
            )
            if instrument_id:
                query = query.where(Response.instrument_id == instrument_id)
            rows = pd.DataFrame(session.execute(query).mappings().all())
        self._audit(actor, "view", "client", client_id, client_id,
                    {"instrument": instrument_id, "rows": len(rows)})
        return rows

    def answers(self, actor: Actor, response_id: int) -> dict[str, Any]:
        """One response's answers, item by item (audited)."""
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            response = session.get(Response, response_id)
            _require_visible(session, actor, "response", response_id,
                             response.client_id if response else None)
            answers = dict(response.answers)
            client_id = response.client_id
        self._audit(actor, "view", "response", response_id, client_id)
        return answers

    def open_alerts(self, actor: Actor, client_id: int | None = None) -> pd.DataFrame:
        """Unacknowledged alerts of the actor's clients, most urgent first."""
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            query = (select(Alert.id, Alert.client_id, Client.code, Alert.instrument_id,
                            Alert.rule_id, Alert.severity, Alert.value, Alert.message,
                            Alert.raised_at)
                     .join(Client, Client.id == Alert.client_id)
                     .where(Alert.client_id.in_(visible_client_ids(actor)),
                            Alert.acknowledged_at.is_(None)))
            if client_id is not None:
                require_client(session, actor, client_id)
                query = query.where(Alert.client_id == client_id)
            rows = pd.DataFrame(session.execute(query).mappings().all())
        self._audit(actor, "view", "alerts", None, client_id, {"rows": len(rows)})
        if rows.empty:
            return rows
        rows["rank"] = rows["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
        return rows.sort_values(["rank", "raised_at"], ascending=[True, False]).drop(
            columns="rank").reset_index(drop=True)

    def acknowledge_alert(self, actor: Actor, alert_id: int, note: str) -> None:
        """Mark an alert seen, with a note saying what was done (audited)."""
        require_staff(actor, "therapist", "supervisor", "admin")
        note = (note or "").strip()
        if not note:
            raise ValueError("say what was done about the alert: a note is required")

        def work(session: Session) -> None:
            alert = session.get(Alert, alert_id)
            _require_visible(session, actor, "alert", alert_id,
                             alert.client_id if alert else None)
            if alert.acknowledged_at is not None:
                raise ValueError(f"alert {alert_id} was already acknowledged")
            alert.acknowledged_at = dt.datetime.now(dt.UTC)
            alert.acknowledged_by = actor.user_id
            alert.note = note[:2000]
            audit.append(session, actor=actor.label, action="acknowledge", entity="alert",
                         entity_id=alert_id, client_id=alert.client_id,
                         details={"rule": alert.rule_id})

        self.store.write(work)

    def export_responses(self, actor: Actor, instrument_id: str) -> pd.DataFrame:
        """Wide table of the actor's clients' current responses to one instrument (audited):
        client code, session, submitted time, one column per item, then the scores."""
        require_staff(actor, "therapist", "supervisor", "admin")
        instrument = self.kit.instrument(instrument_id)
        with self.store.read() as session:
            replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
            responses = session.execute(
                select(Response, Client.code)
                .join(Client, Client.id == Response.client_id)
                .where(Response.instrument_id == instrument.id,
                       Response.client_id.in_(visible_client_ids(actor)),
                       Response.id.not_in(replaced))
                .order_by(Client.code, Response.submitted_at)
            ).all()
            clients = sorted({r.Response.client_id for r in responses})
            items = [item.id for item in instrument.items]
            frame = pd.DataFrame([
                {"client": code, "session": r.session_number, "submitted_at": r.submitted_at,
                 **{item: r.answers.get(item) for item in items}, **(r.attributes or {})}
                for r, code in responses
            ], columns=["client", "session", "submitted_at", *items])
        self._audit(actor, "export", "responses", instrument.id, None,
                    {"responses": len(responses), "clients": clients})
        if frame.empty:
            return frame
        return pd.concat([frame, score(instrument, frame).to_frame()], axis=1)

    # ---- administration ---------------------------------------------------------------

    def add_team(self, actor: Actor, name: str) -> int:
        """A new team; returns its id."""
        require_staff(actor, "admin")

        def work(session: Session) -> int:
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
        code = code.strip()
        if not code or len(code) > 32:
            raise ValueError("a client code of 1 to 32 characters is needed")

        def work(session: Session) -> int:
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

    def add_session(self, actor: Actor, client_id: int, date: dt.date,
                    therapist_id: int | None = None) -> int:
        """The client's next session in their current episode; returns the session id."""

        require_staff(actor, "therapist", "supervisor", "admin")

        def work(session: Session) -> int:
            require_client(session, actor, client_id)
            episode = session.execute(
                select(Episode).where(Episode.client_id == client_id)
                .order_by(Episode.started_on.desc(), Episode.id.desc()).limit(1)
            ).scalar_one()
            number = (session.execute(
                select(func.max(SessionRow.number)).where(SessionRow.episode_id == episode.id)
            ).scalar_one() or 0) + 1
            row = SessionRow(episode_id=episode.id, client_id=client_id, number=number,
                             date=date, therapist_id=therapist_id or actor.user_id)
            session.add(row)
            session.flush()
            audit.append(session, actor=actor.label, action="create", entity="session",
                         entity_id=row.id, client_id=client_id, details={"number": number})
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

    def _audit(self, actor: Actor, action: str, entity: str, entity_id: Any = None,
               client_id: int | None = None, details: Mapping[str, Any] | None = None) -> None:
        self.store.write(lambda session: audit.append(
            session, actor=actor.label, action=action, entity=entity, entity_id=entity_id,
            client_id=client_id, details=details))


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive UTC times, PostgreSQL aware ones: make them comparable."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _same_value(old: float | None, new: float | None) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return abs(old - new) < 1e-9


def _require_visible(session: Session, actor: Actor, what: str, ident: int,
                     client_id: int | None) -> None:
    """A response or alert the actor may see; one message whether missing or forbidden."""
    try:
        if client_id is None:
            raise AccessDenied
        require_client(session, actor, client_id)
    except AccessDenied:
        raise AccessDenied(f"{actor.label} may not see {what} {ident}, or there is no such "
                           f"{what}") from None


def _kind(instrument: Instrument) -> str | None:
    tags = set(instrument.raw.get("tags", []))
    if "alliance" in tags:
        return "alliance"
    if "outcome" in tags:
        return "outcome"
    return None


def _primary_score(instrument: Instrument) -> str | None:
    """The score the caseload shows: the first total, else the first score."""
    for spec in instrument.scores:
        if spec.spec.get("kind") == "total":
            return spec.id
    return instrument.scores[0].id if instrument.scores else None


__all__ = ["AccessDenied", "Actor", "IdempotencyConflict", "Services", "Submitted"]
