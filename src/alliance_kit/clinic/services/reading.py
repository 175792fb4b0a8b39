"""Reading client data for staff: the caseload, a client's history and answers, open alerts
(and acknowledging them), a table export. Every read is access-checked and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import (
    AccessDenied,
    Actor,
    require_active,
    require_client,
    require_staff,
    visible_client_ids,
)
from alliance_kit.clinic.services.base import ServiceBase, write_audit
from alliance_kit.engine.alerts import SEVERITIES
from alliance_kit.engine.scoring import score
from alliance_kit.store import audit
from alliance_kit.store.models import (
    Alert,
    Client,
    Response,
    Score,
)
from alliance_kit.store.models import Session as SessionRow
from alliance_kit.store.names import visible as shown_name


class Reading(ServiceBase):
    """What staff read about their clients."""

    def caseload(self, actor: Actor) -> pd.DataFrame:
        """The actor's clients, most urgent first: open alerts, last session, latest scores.

        Columns: client_id, code, last_session, alliance_instrument, alliance, alliance_trend,
        outcome_instrument, outcome, open_alerts, top_severity, alert_rules.
        """
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            require_active(session, actor)
            visible = visible_client_ids(actor)
            clients = session.execute(
                select(Client.id, Client.code).where(Client.id.in_(visible), Client.active)
            ).all()
            last = dict(session.execute(
                select(SessionRow.client_id, func.max(SessionRow.date))
                .where(SessionRow.client_id.in_(visible), SessionRow.status == "attended")
                .group_by(SessionRow.client_id)
            ).all())
            latest = self._latest_scores(session, visible)
            alerts = session.execute(
                select(Alert.client_id, Alert.severity, Alert.rule_id, Alert.instrument_id)
                .where(Alert.client_id.in_(visible), Alert.acknowledged_at.is_(None))
            ).all()
        write_audit(self.store, actor, "view", "caseload", details={"clients": len(clients)})
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
                "client_id": client_id, "code": shown_name(code),
                "last_session": last.get(client_id),
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
        primary = {i.id: (i.kind, i.primary_score_id) for i in self.kit.instruments.values()}
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
        write_audit(self.store, actor, "view", "client", client_id, client_id,
                    {"instrument": instrument_id, "rows": len(rows)})
        return rows

    def answers(self, actor: Actor, response_id: int) -> dict[str, Any]:
        """One response's answers, item by item (audited)."""
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            response = session.get(Response, response_id)
            require_visible(session, actor, "response", response_id,
                             response.client_id if response else None)
            answers = dict(response.answers)
            client_id = response.client_id
        write_audit(self.store, actor, "view", "response", response_id, client_id)
        return answers

    def open_alerts(self, actor: Actor, client_id: int | None = None) -> pd.DataFrame:
        """Unacknowledged alerts of the actor's clients, most urgent first."""
        require_staff(actor, "therapist", "supervisor", "admin")
        with self.store.read() as session:
            require_active(session, actor)
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
        write_audit(self.store, actor, "view", "alerts", None, client_id, {"rows": len(rows)})
        if rows.empty:
            return rows
        rows["code"] = rows["code"].map(shown_name)  # shown: hidden characters made visible
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
            require_visible(session, actor, "alert", alert_id,
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
            require_active(session, actor)
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
        write_audit(self.store, actor, "export", "responses", instrument.id, None,
                    {"responses": len(responses), "clients": clients})
        if frame.empty:
            return frame
        return pd.concat([frame, score(instrument, frame).to_frame()], axis=1)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive UTC times, PostgreSQL aware ones: make them comparable."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def require_visible(session: Session, actor: Actor, what: str, ident: int,
                     client_id: int | None) -> None:
    """A response or alert the actor may see; one message whether missing or forbidden."""
    try:
        if client_id is None:
            raise AccessDenied
        require_client(session, actor, client_id)
    except AccessDenied:
        raise AccessDenied(f"{actor.label} may not see {what} {ident}, or there is no such "
                           f"{what}") from None
