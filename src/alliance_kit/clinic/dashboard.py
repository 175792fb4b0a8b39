"""What the dashboard pages read and change beyond :mod:`alliance_kit.clinic.services`.

The first half follows the services' pattern: each function takes the acting
:class:`~alliance_kit.clinic.access.Actor`, checks access in
:mod:`alliance_kit.clinic.access`, reads or writes through the store, and leaves an audit
entry. :func:`expected` reads every client's scores of one instrument for the
clinic's expected trajectory, but returns only aggregates (median and quartiles of at
least :data:`~alliance_kit.engine.trajectory.MIN_CLIENTS` clients per session), never rows.

The second half is pure: it turns what the services return into the tables and series
the pages show (no database, no Streamlit), so plain pytest covers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import (
    AccessDenied,
    Actor,
    require_active,
    require_client,
    require_staff,
)
from alliance_kit.clinic.services import Services
from alliance_kit.clinic.services.base import write_audit
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.trajectory import (
    MIN_CLIENTS,
    NEAREST,
    Expected,
    expected_trajectory,
    series_markers,
)
from alliance_kit.kit import Kit
from alliance_kit.store import audit
from alliance_kit.store.models import Assignment, CareTeam, Episode, Response, Score, User
from alliance_kit.store.models import Session as SessionRow
from alliance_kit.store.names import visible

CLINICIANS = ("therapist", "supervisor", "admin")
TIMINGS = ("session-start", "session-end")


# ---- reads and writes (access-checked, audited) -----------------------------------------


@dataclass(frozen=True)
class ClientSummary:
    """One client's header: code, care team, episode and sessions."""

    client_id: int
    code: str
    initials: str | None
    active: bool
    therapists: tuple[str, ...]
    episode_started: dt.date | None
    sessions: int
    last_session: dt.date | None


def client_summary(services: Services, actor: Actor, client_id: int) -> ClientSummary:
    """The client's code, care team, current episode and sessions (audited)."""
    require_staff(actor, *CLINICIANS)
    with services.store.read() as session:
        client = require_client(session, actor, client_id)
        therapists = tuple(session.execute(
            select(User.display_name).join(CareTeam, CareTeam.user_id == User.id)
            .where(CareTeam.client_id == client_id).order_by(User.display_name)
        ).scalars())
        started = session.execute(
            select(func.max(Episode.started_on)).where(Episode.client_id == client_id)
        ).scalar_one()
        count, last = session.execute(
            select(func.count(SessionRow.id), func.max(SessionRow.date))
            .where(SessionRow.client_id == client_id, SessionRow.status == "attended")
        ).one()
        summary = ClientSummary(client.id, visible(client.code), client.initials,
                                client.active, tuple(map(visible, therapists)), started,
                                int(count or 0), last)
    write_audit(services.store, actor, "view", "client-summary", client_id, client_id)
    return summary


def client_responses(services: Services, actor: Actor, client_id: int) -> pd.DataFrame:
    """Every current response of one client with its answers, oldest first (audited once).

    Columns: response_id, instrument_id, session_number, submitted_at, answers (a dict).
    """
    require_staff(actor, *CLINICIANS)
    with services.store.read() as session:
        require_client(session, actor, client_id)
        replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
        rows = session.execute(
            select(Response.id.label("response_id"), Response.instrument_id,
                   Response.session_number, Response.submitted_at, Response.answers)
            .where(Response.client_id == client_id, Response.id.not_in(replaced))
            .order_by(Response.submitted_at, Response.id)
        ).mappings().all()
    frame = pd.DataFrame(rows, columns=["response_id", "instrument_id", "session_number",
                                        "submitted_at", "answers"])
    write_audit(services.store, actor, "view", "answers", None, client_id,
                {"responses": len(frame)})
    return frame


def assignments(services: Services, actor: Actor, client_id: int) -> pd.DataFrame:
    """The client's assignments, active first (audited).

    Columns: assignment_id, instrument_id, timing, every, first_session, active.
    """
    require_staff(actor, *CLINICIANS)
    with services.store.read() as session:
        require_client(session, actor, client_id)
        rows = session.execute(
            select(Assignment.id.label("assignment_id"), Assignment.instrument_id,
                   Assignment.timing, Assignment.every, Assignment.first_session,
                   Assignment.active)
            .where(Assignment.client_id == client_id)
            .order_by(Assignment.active.desc(), Assignment.instrument_id, Assignment.id)
        ).mappings().all()
    write_audit(services.store, actor, "view", "assignments", None, client_id, {"rows": len(rows)})
    return pd.DataFrame(rows, columns=["assignment_id", "instrument_id", "timing", "every",
                                       "first_session", "active"])


def set_assignment_active(services: Services, actor: Actor, assignment_id: int,
                          active: bool) -> None:
    """Stop (or resume) an assignment; the row stays, so history still shows it (audited)."""
    require_staff(actor, *CLINICIANS)

    def work(session: Session) -> None:
        row = session.get(Assignment, assignment_id)
        if row is None:
            raise AccessDenied(f"no assignment {assignment_id} that {actor.label} may change")
        require_client(session, actor, row.client_id)
        row.active = active
        audit.append(session, actor=actor.label, action="resume" if active else "stop",
                     entity="assignment", entity_id=assignment_id, client_id=row.client_id,
                     details={"instrument": row.instrument_id})

    services.store.write(work)


def expected(services: Services, actor: Actor, instrument_id: str, score_id: str,
             first_score: float, *, exclude_client: int | None = None,
             tolerance: float | None = None, nearest: int = NEAREST,
             min_clients: int = MIN_CLIENTS) -> Expected:
    """The clinic's expected trajectory for clients starting near ``first_score`` (audited).

    Reads the current ``score_id`` of every client's responses to ``instrument_id`` (the
    client on screen excluded), and returns only the aggregate :class:`Expected`, made of
    at least :data:`~alliance_kit.engine.trajectory.MIN_CLIENTS` clients per session: a
    smaller ``min_clients`` or ``nearest`` would hand out other clients' own series, so it
    is refused (ValueError), whoever asks.
    """
    if min_clients < MIN_CLIENTS or nearest < MIN_CLIENTS:
        raise ValueError(f"an expected trajectory is made of at least {MIN_CLIENTS} clients "
                         f"(nearest={nearest}, min_clients={min_clients} would show single "
                         "clients' scores)")
    require_staff(actor, *CLINICIANS)
    services.kit.instrument(instrument_id)
    with services.store.read() as session:
        require_active(session, actor)
        replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
        query = (
            select(Response.client_id, Response.session_number, Response.submitted_at,
                   Response.id, Score.value)
            .join(Score, Score.response_id == Response.id)
            .where(Response.instrument_id == instrument_id, Score.score_id == score_id,
                   Score.current, Response.id.not_in(replaced))
        )
        if exclude_client is not None:
            query = query.where(Response.client_id != exclude_client)
        rows = pd.DataFrame(session.execute(query).all(),
                            columns=["client", "session", "submitted_at", "id", "score"])
    result = expected_trajectory(session_index(rows), first_score, tolerance=tolerance,
                                 nearest=nearest, min_clients=min_clients)
    write_audit(services.store, actor, "view", "clinic-norm", instrument_id, None,
           {"score": score_id, "clients": result.clients})
    return result


def session_index(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with ``session`` filled: the session number, else the response's place (1, 2,
    ...) in its client's series by time, for responses entered without a session."""
    rows = rows.sort_values(["client", "submitted_at", "id"], kind="mergesort")
    place = rows.groupby("client").cumcount() + 1
    session = pd.to_numeric(rows["session"], errors="coerce")
    return rows.assign(session=session.fillna(place).astype(np.int64))


# ---- pure helpers for the pages -----------------------------------------------------------


def instrument_order(kit: Kit, instrument_ids: list[str]) -> list[str]:
    """Alliance instruments first, then outcome, then the rest; by id within each."""
    rank = {"alliance": 0, "outcome": 1, None: 2}

    def key(iid: str) -> tuple[int, str]:
        instrument = kit.instruments.get(iid)
        return (rank[instrument.kind] if instrument else 3, iid)

    return sorted(set(instrument_ids), key=key)


def rupture_drop(instrument: Instrument, score_id: str) -> float | None:
    """The points of a drop that the instrument's drop rule calls an alert, if it has one."""
    for alert in instrument.alerts:
        if alert.type == "drop" and alert.spec.get("score") == score_id:
            return float(alert.spec["at_least"])
    return None


def rupture_compare_to(instrument: Instrument, score_id: str) -> str:
    """Which earlier session the instrument's drop rule compares with (its ``compare_to``)."""
    for alert in instrument.alerts:
        if alert.type == "drop" and alert.spec.get("score") == score_id:
            return alert.spec.get("compare_to", "last_available")
    return "last_available"


@dataclass(frozen=True)
class Cutoff:
    """A cut-off as a band on a chart: from ``low`` to ``high`` is the flagged side."""

    label: str
    value: float
    low: float
    high: float
    words: str


def chart_cutoff(instrument: Instrument, score_id: str) -> Cutoff | None:
    """The score's first cut-off as a band; attribute-dependent values use 'otherwise'."""
    spec = instrument.score(score_id)
    if not spec.cutoffs:
        return None
    cutoff = spec.cutoffs[0]
    value = cutoff["value"]
    if isinstance(value, Mapping):
        value = value.get("otherwise", next(iter(value.get("values", {}).values()), None))
    if value is None:
        return None
    value = float(value)
    low, high = spec.range
    op = cutoff["op"]
    label = instrument.text(cutoff.get("label")) or cutoff["id"]
    symbol = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}.get(op, op)
    words = f"{label} ({symbol} {value:g})"
    if op in ("<", "<="):
        return Cutoff(label, value, float(low), value, words)
    if op in (">", ">="):
        return Cutoff(label, value, value, float(high), words)
    return None


def score_series(history: pd.DataFrame, instrument: Instrument, score_id: str) -> pd.DataFrame:
    """One score of one client over time, with markers, from ``client_history`` rows.

    Columns: session, submitted_at, value, marker (a MARKERS name or None), change (from
    the first score).
    """
    columns = ["session", "submitted_at", "value", "marker", "change"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    rows = history[(history["instrument_id"] == instrument.id)
                   & (history["score_id"] == score_id)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = session_index(pd.DataFrame({
        "client": 0, "session": rows["session_number"].to_numpy(),
        "submitted_at": rows["submitted_at"].to_numpy(), "id": rows["response_id"].to_numpy(),
        "value": pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float),
    }))
    spec = instrument.score(score_id)
    rows["marker"] = series_markers(rows["value"], spec.norms or None,
                                    rupture_drop=rupture_drop(instrument, score_id),
                                    rupture_compare_to=rupture_compare_to(instrument, score_id))
    first = rows["value"].dropna()
    rows["change"] = rows["value"] - (first.iloc[0] if len(first) else np.nan)
    return rows[columns].reset_index(drop=True)


def breakdown(history: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The instrument's subscales over time (long: session, part, value); empty without any.

    Subscales are scores of kind 'subscale'; an instrument without them but with a few
    separately meaningful items is left to :func:`item_breakdown`.
    """
    parts = {s.id: instrument.text(s.spec.get("title")) or s.id for s in instrument.scores
             if s.spec.get("kind") == "subscale"}
    if not parts or history.empty:
        return pd.DataFrame(columns=["session", "part", "value"])
    rows = history[(history["instrument_id"] == instrument.id)
                   & history["score_id"].isin(list(parts))]
    if rows.empty:
        return pd.DataFrame(columns=["session", "part", "value"])
    indexed = session_index(pd.DataFrame({
        "client": 0, "session": rows["session_number"].to_numpy(),
        "submitted_at": rows["submitted_at"].to_numpy(), "id": rows["response_id"].to_numpy(),
        "part": rows["score_id"].map(parts).to_numpy(),
        "value": pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float),
    }))
    return indexed[["session", "part", "value"]].reset_index(drop=True)


def item_breakdown(responses: pd.DataFrame, kit: Kit, instrument: Instrument,
                   language: str = "en", max_items: int = 6) -> pd.DataFrame:
    """Numeric items over time (long: session, part, value) for short instruments whose
    items each mean something (the SRS's four dimensions); empty for longer ones."""
    numeric = [item for item in instrument.items if item.scale_type.numeric and item.scored]
    rows = responses[responses["instrument_id"] == instrument.id] if len(responses) else None
    if rows is None or rows.empty or not numeric or len(numeric) > max_items:
        return pd.DataFrame(columns=["session", "part", "value"])
    names = item_names(kit, instrument, language)
    indexed = session_index(pd.DataFrame({
        "client": 0, "session": rows["session_number"].to_numpy(),
        "submitted_at": rows["submitted_at"].to_numpy(), "id": rows["response_id"].to_numpy(),
        "answers": rows["answers"].to_numpy(),
    }))
    long = [{"session": s, "part": names[item.id],
             "value": pd.to_numeric(answers.get(item.id), errors="coerce")}
            for s, answers in zip(indexed["session"], indexed["answers"], strict=True)
            for item in numeric]
    return pd.DataFrame(long, columns=["session", "part", "value"])


def item_names(kit: Kit, instrument: Instrument, language: str = "en") -> dict[str, str]:
    """A short name per item: its id with its note's dimension or its text, when known."""
    wording = kit.wording(instrument.id, language)
    names = {}
    for item in instrument.items:
        text = (wording.items.get(item.id) if wording else None) or (item.note or "")
        text = text.removeprefix("Dimension: ").rstrip(".")
        short = text if len(text) <= 40 else text[:39] + "…"
        names[item.id] = f"{item.id} {short}".strip()
    return names


def answers_table(kit: Kit, instrument: Instrument, answers: Mapping[str, Any],
                  language: str = "en") -> pd.DataFrame:
    """One response item by item: Item, Question, Answer, Meaning (option label).

    Free-text answers (comments) appear as they were written; the table goes to
    st.dataframe, which never renders Markdown or HTML.
    """
    wording = kit.wording(instrument.id, language)
    rows = []
    for item in instrument.items:
        value = answers.get(item.id)
        question = (wording.items.get(item.id) if wording else None) or item.note or "—"
        meaning = ""
        if value is not None and wording is not None:
            labels = wording.options.get(item.scale_id, {})
            try:
                meaning = labels.get(float(value), "")
            except (TypeError, ValueError):
                meaning = ""
        rows.append({"Item": item.id, "Question": question,
                     "Answer": "—" if value is None or value == "" else _answer(value),
                     "Meaning": meaning})
    return pd.DataFrame(rows, columns=["Item", "Question", "Answer", "Meaning"])


def comments(responses: pd.DataFrame, kit: Kit) -> pd.DataFrame:
    """Every free-text answer of the client, newest first: Session, Date, Instrument, Comment."""
    out = []
    for row in responses.itertuples():
        instrument = kit.instruments.get(row.instrument_id)
        if instrument is None:
            continue
        for item in instrument.items:
            text = row.answers.get(item.id)
            if not item.scale_type.numeric and isinstance(text, str) and text.strip():
                out.append({"Session": row.session_number, "Date": row.submitted_at,
                            "Instrument": instrument.label(), "Comment": text})
    frame = pd.DataFrame(out, columns=["Session", "Date", "Instrument", "Comment"])
    return frame.iloc[::-1].reset_index(drop=True)


def _answer(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


# ---- the caseload as shown --------------------------------------------------------------

CASELOAD_COLUMNS = ["Flag", "Client", "Open alerts", "Last session", "Alliance", "Alliance trend",
                    "Outcome", "Alerts", "Measures"]


def trend_words(change: Any, digits: int = 1) -> str:
    """A change as an arrow and a number ('▲ 1.5', '▼ 2', '= 0'); '' when unknown."""
    try:
        value = float(change)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(value):
        return ""
    value = round(value, digits)
    if value == 0:
        return "= 0"
    return f"{'▲' if value > 0 else '▼'} {abs(value):g}"


def caseload_table(caseload: pd.DataFrame, flag_words: Mapping[str, str]) -> pd.DataFrame:
    """The services' caseload as the page shows it, in the same (most urgent first) order.

    ``flag_words`` turns a severity into the words and symbol shown (e.g. '⛔ Safety').
    """
    if caseload.empty:
        return pd.DataFrame(columns=CASELOAD_COLUMNS)
    measures = [" / ".join(str(m) for m in pair if isinstance(m, str))
                for pair in zip(caseload["alliance_instrument"], caseload["outcome_instrument"],
                                strict=True)]
    return pd.DataFrame({
        "Flag": caseload["top_severity"].map(lambda s: flag_words.get(s, "") if isinstance(
            s, str) else ""),
        "Client": caseload["code"].astype(str),
        "Open alerts": caseload["open_alerts"].astype(int),
        "Last session": pd.to_datetime(caseload["last_session"]).dt.date,
        "Alliance": pd.to_numeric(caseload["alliance"], errors="coerce"),
        "Alliance trend": caseload["alliance_trend"].map(trend_words),
        "Outcome": pd.to_numeric(caseload["outcome"], errors="coerce"),
        "Alerts": caseload["alert_rules"].fillna("").astype(str),
        "Measures": measures,
    }, columns=CASELOAD_COLUMNS)


def alert_counts(alerts: pd.DataFrame) -> dict[str, int]:
    """Open alerts by severity (every severity present, 0 when none)."""
    counts = {"safety": 0, "urgent": 0, "warning": 0, "info": 0}
    if len(alerts):
        for severity, n in alerts["severity"].value_counts().items():
            counts[str(severity)] = int(n)
    return counts


def visible_clients(services: Services, actor: Actor) -> pd.DataFrame:
    """Ids and codes of the active clients the actor may see, by code (audited)."""
    from alliance_kit.clinic.access import require_active, visible_client_ids
    from alliance_kit.store.models import Client

    require_staff(actor, *CLINICIANS)
    with services.store.read() as session:
        require_active(session, actor)
        rows = session.execute(
            select(Client.id.label("client_id"), Client.code)
            .where(Client.id.in_(visible_client_ids(actor)), Client.active)
            .order_by(Client.code)
        ).all()
    write_audit(services.store, actor, "view", "client-list", None, None, {"clients": len(rows)})
    return pd.DataFrame([(client_id, visible(code)) for client_id, code in rows],
                        columns=["client_id", "code"])


def group_alerts(alerts: pd.DataFrame) -> pd.DataFrame:
    """Open alerts with one row per rule: the same rule raised at several sessions is one
    thing to deal with. Keeps the services' order (most urgent, then newest, first).

    Columns: ids (list, newest first), count, id (the newest), client_id, instrument_id,
    rule_id, severity, message, raised_at (the newest), first_raised_at.
    """
    columns = ["ids", "count", "id", "client_id", "instrument_id", "rule_id", "severity",
               "message", "raised_at", "first_raised_at"]
    if alerts is None or alerts.empty:
        return pd.DataFrame(columns=columns)
    keys = ["client_id", "instrument_id", "rule_id"]
    grouped = alerts.groupby(keys, sort=False)
    out = grouped.first().reset_index()
    out["ids"] = [list(map(int, ids)) for ids in grouped["id"].agg(list)]
    out["count"] = grouped.size().to_numpy()
    out["first_raised_at"] = grouped["raised_at"].min().to_numpy()
    return out[columns]
