"""Submitting a response: validate, score, store it with its scores and alerts, audit it.

Answers are validated and scored before the transaction, so a response that is saved is
always complete; a repeated idempotency key returns what was stored and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alliance_kit.clinic import notify, settings
from alliance_kit.clinic.access import (
    Actor,
    require_client,
    require_staff,
)
from alliance_kit.clinic.services.base import ServiceBase
from alliance_kit.engine.alerts import evaluate_alerts
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.responses import InvalidResponses, answers_frame, schema_problems
from alliance_kit.engine.scoring import ScoreResult, refused, score
from alliance_kit.store import audit
from alliance_kit.store.integrity import payload_hash
from alliance_kit.store.models import (
    Alert,
    Response,
    Score,
    utcnow,
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


class Submitting(ServiceBase):
    """The one way a response gets into the database (kiosk, import, demo)."""

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
        complete: bool = True,
        submitted_at: dt.datetime | None = None,
    ) -> Submitted:
        """Validate, score and store one response with its scores, alerts and audit entry.

        Idempotent: the same key with the same answers returns the stored response and
        writes nothing; the same key with other answers raises IdempotencyConflict.
        Raises InvalidResponses (nothing written) when an answer breaks the rules.
        ``complete=False`` lets required items be blank (a paper form entered by staff);
        the scores' missing-data rules and ``when_missing`` alerts then take over.
        ``submitted_at`` is when the answers were given if not now (a paper form typed in
        later, the demo's past sessions); the alerts they raise carry the same time.
        """
        if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
            raise ValueError(f"an idempotency key of 1 to {MAX_KEY_LENGTH} characters is needed")
        if submitted_at is not None and submitted_at.tzinfo is None:
            raise ValueError("submitted_at needs a time zone (e.g. datetime.UTC)")
        if submitted_at is not None and submitted_at > utcnow() + dt.timedelta(minutes=5):
            raise ValueError(f"submitted_at {submitted_at:%Y-%m-%d %H:%M} is in the future")
        instrument = self.kit.instrument(instrument_id)
        answers = _json_safe(answers)
        attributes = _json_safe(attributes or {})
        errors, total = schema_problems(instrument, answers, complete=complete)
        if errors:
            raise InvalidResponses(errors, total)
        # Scored before the transaction: the engine's own checks (skip rules, attribute
        # values) raise InvalidResponses here, before anything is written.
        result = score(instrument, answers_frame({**answers, **attributes}))
        if strict := refused(result):
            raise InvalidResponses(strict)
        payload = dict(client_id=client_id, instrument_id=instrument.id,
                       version=instrument.version, answers=answers, attributes=attributes,
                       session_id=session_id, replaces_id=replaces_id)
        # Keyed with the audit key (kept outside the database); a response stored before
        # the database had a key carries the plain hash, which a retry must still match.
        digest = payload_hash(**payload, key=self.store.secrets.require_key())
        digests = (digest, payload_hash(**payload))

        def work(session: Session) -> Submitted:
            require_client(session, actor, client_id)
            existing = self._by_key(session, idempotency_key)
            if existing is not None:
                return self._repeat(session, actor, existing, digests)
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
                submitted_at=submitted_at or utcnow(),
            )
            session.add(response)
            session.flush()
            scores, alerts = self._store_scores_and_alerts(session, instrument, response,
                                                           result)
            queued.append(notify.queue(session, client_id, response.id, alerts))
            audit.append(session, actor=actor.label, action="submit", entity="response",
                         entity_id=response.id, client_id=client_id,
                         details={"instrument": instrument.id, "source": source,
                                  "alerts": [a["rule_id"] for a in alerts]})
            return Submitted(response.id, True, scores, alerts)

        queued: list[int] = []
        try:
            submitted = self.store.write(work)
        except IntegrityError as collision:
            # Two submissions with one key raced: the other one won. Return what it stored.
            return self.store.write(partial(self._after_collision, actor, idempotency_key,
                                            digests, collision))
        if queued and queued[-1]:
            notify.wake()  # the app's sender delivers it now rather than within 30 s
        return submitted

    def _after_collision(self, actor: Actor, key: str, digests: tuple[str, ...],
                         collision: IntegrityError, session: Session) -> Submitted:
        existing = self._by_key(session, key)
        if existing is None:
            raise collision
        return self._repeat(session, actor, existing, digests)

    def _by_key(self, session: Session, key: str) -> Response | None:
        return session.execute(
            select(Response).where(Response.idempotency_key == key)
        ).scalar_one_or_none()

    def _repeat(self, session: Session, actor: Actor, existing: Response,
                digests: tuple[str, ...]) -> Submitted:
        require_client(session, actor, existing.client_id)
        if existing.payload_hash not in digests:
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
        if row.status != "attended":
            # Answers given at a session show the client came: the session is attended.
            from alliance_kit.clinic.attendance_data import mark_attended

            if row.date > dt.date.today():
                raise ValueError(f"session {session_id} is booked for {row.date:%Y-%m-%d}: "
                                 "answers can be given at it from that day on")
            mark_attended(session, row)
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
        raised = evaluate_alerts(instrument, series, client=np.zeros(len(keys)), order=rank,
                                 labels=_labels(keys))
        alerts = []
        switched = settings.alert_settings_in(session)
        for row in raised[raised["row"] == len(history)].itertuples():
            if not switched.enabled(instrument.id, row.alert):
                continue  # an admin switched this rule off (safety rules cannot be)
            value = None if np.isnan(row.value) else float(row.value)
            message = f"{row.message} ({row.detail})" if row.detail else row.message
            session.add(Alert(response_id=response.id, client_id=response.client_id,
                              instrument_id=instrument.id, rule_id=row.alert,
                              rule_type=row.type, severity=row.severity, value=value,
                              message=message, raised_at=response.submitted_at))
            alerts.append({"rule_id": row.alert, "severity": row.severity, "value": value,
                           "message": message})
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


def _labels(keys: pd.DataFrame) -> np.ndarray:
    """How alert details name each response of a series: its session, else its date."""
    return np.array([f"session {int(number)}" if pd.notna(number)
                     else f"the response of {when:%d %b %Y}"
                     for number, when in zip(keys["session_number"], keys["submitted_at"],
                                             strict=True)], dtype=object)
