"""A demo clinic: a seeded simulation of 40 clients' sessions, stored through the services.

Everything goes through :class:`~alliance_kit.clinic.services.Services` (responses through
``submit_response``, so the real engine computes scores and raises alerts). The same seed
gives the same clinic: same staff, clients, sessions and answers; only timestamps and the
session dates (the last sessions fall in last week) follow the day it is built.

Storylines the summary names by client code: an SRS rupture at the latest session, a
reliable ORS improvement, a reliable ORS deterioration, and a PHQ-9 item-9 safety alert;
and for attendance (:mod:`alliance_kit.clinic.demo_attendance`) a no-show after a rupture,
a no-show streak, a client not seen for weeks, one who dropped out and one who completed.
Alerts from before each client's latest session are acknowledged, as a clinic would have;
every answer and alert is dated at its session.

The kiosk gives the PHQ-9 and the session check-in (wording ships with alliance_kit), so a
hand-over works out of the box; the ORS and SRS, whose wording is licensed, come from the
clinic's paper forms and are entered by staff.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, inspect, select

from alliance_kit.clinic import accounts, attendance_alerts, demo_attendance
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.importer import in_one_transaction
from alliance_kit.clinic.services import Services, Submitted
from alliance_kit.kit import Kit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import Client, Response, User

CLIENTS = 40
#: Every demo account's password; the demo says so, and it is never for real use.
DEMO_PASSWORD = "alliance-demo"
FIRST_CODE = 1001
THERAPISTS = 3
#: Namespace of the demo's idempotency keys (a fixed, random UUID): keys follow the seed.
DEMO_NAMESPACE = uuid.UUID("0b9e3f4c-2f61-4c43-9f0e-3c5a7d1e8b22")
STORYLINES = {
    "srs-rupture": "SRS drops at the latest session (rupture alert)",
    "ors-improvement": "ORS reliably improved (5+ points above the first session)",
    "ors-deterioration": "ORS reliably worse than at the first session (alert)",
    "phq9-safety": "PHQ-9 item 9 answered above 0 at the latest session (safety alert)",
}
#: Licensed instruments whose answers the demo clinic types in from paper forms.
PAPER_FORMS = ("ors", "srs")
COMMENTS = (
    "More time on what happened this week, please.",
    "The breathing exercise helped.",
    "I would like to talk about work next time.",
    "Today felt rushed.",
)


class DemoRefused(RuntimeError):
    """The database already holds data: the demo never mixes with real records."""


@dataclass
class DemoSummary:
    """What :func:`build_demo` stored, and which clients carry the storylines."""

    seed: int
    team_id: int
    users: dict[str, int]
    clients: dict[str, int]
    sessions: int = 0
    responses: int = 0
    alerts_raised: int = 0
    alerts_open: int = 0
    #: Storyline name (see STORYLINES) -> client code.
    storylines: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    #: Recovery-focus storyline (see RECOVERY_STORYLINES) -> client code.
    recovery: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary for people, one line each."""
        lines = [
            f"demo clinic built in {self.seconds:.1f} s (seed {self.seed}): 1 team, "
            f"{len(self.users)} staff ({', '.join(self.users)}), {len(self.clients)} clients, "
            f"{self.sessions} sessions, {self.responses} responses, "
            f"{self.alerts_open} open alert(s)",
        ]
        words = {**STORYLINES, **demo_attendance.ATTENDANCE_STORYLINES}
        lines += [f"  {words[name]}: {code}" for name, code in self.storylines.items()]
        lines += [f"  {RECOVERY_STORYLINES[name]}: {code}"
                  for name, code in self.recovery.items()]
        lines.append(f"  log in as admin, supervisor or therapist1-{THERAPISTS} with the "
                     f"password {DEMO_PASSWORD!r} (demo only: change it for real use)")
        return lines


def has_data(store: Store) -> bool:
    """Whether the database holds any staff, clients or responses (an empty schema does not)."""
    tables = set(inspect(store.engine).get_table_names())
    if not {"users", "clients", "responses"} <= tables:
        return bool(tables - {"alembic_version"})
    with store.read() as session:
        return any(session.execute(select(func.count()).select_from(model)).scalar_one()
                   for model in (User, Client, Response))


def build_demo(store: Store, kit: Kit, seed: int = 2026, *, clients: int | None = None,
               today: dt.date | None = None) -> DemoSummary:
    """Fill an empty, migrated database with the demo clinic; refuse one that has data.

    ``clients`` (default CLIENTS; at least 4, one per storyline) sizes the clinic.
    """
    clients = CLIENTS if clients is None else clients
    if clients < len(STORYLINES):
        raise ValueError(f"the demo needs at least {len(STORYLINES)} clients")
    if has_data(store):
        raise DemoRefused("the database already has data: the demo is only built into an "
                          "empty database (give another --database)")
    started = time.perf_counter()
    services = Services(store, kit)
    system = Actor.system("demo")
    rng = np.random.default_rng(seed)
    today = today or dt.date.today()
    last_week = today - dt.timedelta(days=today.weekday() + 7)

    team_id = services.add_team(system, "Demo clinic")
    users = {"admin": accounts.add_user(store, system, "admin", "admin", DEMO_PASSWORD,
                                        team_id=team_id, display_name="Demo administrator"),
             "supervisor": accounts.add_user(store, system, "supervisor", "supervisor",
                                             DEMO_PASSWORD, team_id=team_id,
                                             display_name="Demo supervisor")}
    for number in range(1, THERAPISTS + 1):
        users[f"therapist{number}"] = accounts.add_user(
            store, system, f"therapist{number}", "therapist", DEMO_PASSWORD, team_id=team_id,
            display_name=f"Demo therapist {number}")
    summary = DemoSummary(seed, team_id, users, {})

    plans = _plan(rng, clients)
    demo_attendance.assign_fates(plans, seed)
    for index, plan in enumerate(plans):
        code = f"AK-{FIRST_CODE + index}"
        therapist = f"therapist{plan['therapist'] + 1}"
        last = last_week + dt.timedelta(days=int(plan["weekday"]))
        stored = in_one_transaction(services, lambda batch, p=plan, c=code, t=therapist, d=last:
                                    _client(batch, kit, system, seed, c, p, users[t], t, d,
                                            today))
        summary.clients[code] = stored["client_id"]
        summary.sessions += stored["sessions"]
        summary.responses += stored["responses"]
        summary.alerts_raised += stored["alerts_raised"]
        summary.alerts_open += stored["alerts_open"]
        if stored.get("recovery"):
            summary.recovery[stored["recovery"]] = code
        if plan["story"]:
            if plan["story"] not in stored["story_alerts"]:
                raise AssertionError(f"demo storyline {plan['story']} did not happen for {code}")
            summary.storylines[plan["story"]] = code
    swept = attendance_alerts.sweep(store, kit, system, today=today)
    summary.alerts_open += len(swept.raised)
    summary.storylines |= demo_attendance.storylines(services, system, plans, summary.clients)
    summary.storylines = {name: summary.storylines[name] for name in
                          [*STORYLINES, *demo_attendance.ATTENDANCE_STORYLINES]
                          if name in summary.storylines}
    summary.seconds = time.perf_counter() - started
    return summary


def _plan(rng: np.random.Generator, clients: int) -> list[dict[str, Any]]:
    """Every client's simulation parameters, drawn in a fixed order from the seed."""
    story_of = dict(zip(rng.choice(clients, size=len(STORYLINES), replace=False).tolist(),
                        STORYLINES, strict=True))
    therapists = rng.permutation(np.arange(clients) % THERAPISTS)
    checkin = set(rng.choice(clients, size=max(1, clients // 7), replace=False).tolist())
    plans = []
    for index in range(clients):
        story = story_of.get(index)
        # 4 to 20 weekly sessions, most clients nearer the lower end (as in practice).
        sessions = 4 + int(rng.binomial(16, 0.3))
        profile = rng.choice(["improve", "slow", "flat"], p=[0.6, 0.25, 0.15])
        gain = {"improve": rng.normal(9, 2), "slow": rng.normal(5, 1.5),
                "flat": rng.normal(0.5, 1.5)}[str(profile)]
        plan = {
            "story": story, "sessions": sessions, "therapist": int(therapists[index]),
            "weekday": int(rng.integers(0, 5)), "checkin": index in checkin,
            "ors_start": float(np.clip(rng.normal(20, 1.5), 17.5, 22.5)),
            "ors_gain": float(gain), "ors_tau": float(rng.uniform(2, 5)),
            "srs_base": float(np.clip(rng.normal(37.0, 1.2), 33, 39)),
            "dip": bool(rng.random() < 0.75), "dip_depth": float(rng.uniform(2.5, 5.5)),
            "dip_at": float(rng.random()), "noise": rng.integers(0, 2**63 - 1),
        }
        if story == "srs-rupture":
            plan.update(sessions=max(sessions, 7), dip=False)
        elif story == "ors-improvement":
            plan.update(sessions=max(sessions, 10), ors_gain=11.0, ors_tau=3.0)
        elif story == "ors-deterioration":
            plan.update(sessions=max(sessions, 8), ors_gain=-8.0, ors_tau=4.0, ors_start=21.5)
        elif story == "phq9-safety":
            plan.update(sessions=13, ors_gain=1.0, ors_start=18.0)
        plans.append(plan)
    return plans


def _client(services: Services, kit: Kit, system: Actor, seed: int, code: str,
            plan: dict[str, Any], therapist_id: int, therapist: str,
            last: dt.date, today: dt.date) -> dict[str, Any]:
    """One client's whole history, submitted session by session (in the caller's transaction)."""
    rng = np.random.default_rng(plan["noise"])
    n = plan["sessions"]
    ors, srs = _trajectories(plan, rng)
    when = demo_attendance.schedule(plan, srs, last, today, seed)
    client_id = services.add_client(system, code, therapist_ids=[therapist_id],
                                    started_on=when.first)
    # What the kiosk gives from now on: instruments whose wording ships with alliance_kit.
    # The ORS and SRS history came from the clinic's licensed paper forms, typed in.
    services.assign(system, client_id, "phq-9", timing="session-start", every=4)
    services.assign(system, client_id, "session-checkin", timing="session-end")
    recovery = recovery_plan(services, system, seed, code, client_id, n)
    kiosk = Actor.kiosk(client_id, therapist)
    raised, story_alerts, responses, first_ors = 0, set(), 0, None
    for number in range(1, n + 1):
        if number == n:
            # The therapist has dealt with everything before the latest session.
            for alert in services.open_alerts(system, client_id).itertuples():
                services.acknowledge_alert(system, int(alert.id),
                                           "Discussed with the client (demo data).")
        date = when.attended[number - 1]
        session_id = services.add_session(system, client_id, date, therapist_id=therapist_id)
        start = dt.datetime.combine(date, dt.time(9 + number % 8), tzinfo=dt.UTC)
        due = [("ors", _split(kit, "ors", ors[number - 1], rng))]
        if number % 4 == 1:
            safety = plan["story"] == "phq9-safety" and number == n
            due.append(("phq-9", _phq9(ors[number - 1], rng, safety)))
        due.append(("srs", _split(kit, "srs", srs[number - 1], rng)))
        if plan["checkin"]:
            due.append(("session-checkin", _checkin(srs[number - 1], rng)))
        for minutes, (instrument_id, answers) in enumerate(due, start=5):
            paper = instrument_id in PAPER_FORMS
            saved = services.submit_response(
                system if paper else kiosk, client_id=client_id, instrument_id=instrument_id,
                answers=answers, session_id=session_id, source="staff" if paper else "kiosk",
                started_at=start, submitted_at=start + dt.timedelta(minutes=minutes),
                idempotency_key=str(uuid.uuid5(
                    DEMO_NAMESPACE, f"{seed}:{code}:{number}:{instrument_id}")))
            responses += 1
            raised += len(saved.alerts)
            if instrument_id == "ors" and first_ors is None:
                first_ors = saved.scores["total"]
            if number == n:
                story_alerts |= _story_alerts(instrument_id, saved, first_ors)
        if recovery:
            count, alerts = recovery_session(services, kiosk, seed, code, recovery, number,
                                             client_id, session_id, start)
            responses, raised = responses + count, raised + alerts
    if recovery:
        recovery_note(services, recovery, client_id, therapist_id, therapist)
    demo_attendance.record(services, system, client_id, when, today)
    open_now = len(services.open_alerts(system, client_id))
    return {"client_id": client_id, "sessions": n, "responses": responses,
            "alerts_raised": raised, "alerts_open": open_now, "story_alerts": story_alerts,
            "recovery": recovery.get("story") if recovery else None}


def _story_alerts(instrument_id: str, saved: Submitted, first_ors: float) -> set[str]:
    """Which storylines a response of the latest session shows."""
    rules = {alert["rule_id"] for alert in saved.alerts}
    found = set()
    if instrument_id == "srs" and "rupture" in rules:
        found.add("srs-rupture")
    if instrument_id == "ors" and "reliable-deterioration" in rules:
        found.add("ors-deterioration")
    if instrument_id == "ors" and saved.scores["total"] - first_ors >= 5:
        found.add("ors-improvement")
    if instrument_id == "phq-9" and "self-harm" in rules:
        found.add("phq9-safety")
    return found


def _trajectories(plan: dict[str, Any], rng: np.random.Generator) -> tuple[list, list]:
    """ORS and SRS totals per session: ORS improving with noise; SRS high, one dip mostly."""
    n = plan["sessions"]
    t = np.arange(n)
    ors = plan["ors_start"] + plan["ors_gain"] * (1 - np.exp(-t / plan["ors_tau"]))
    ors = ors + rng.normal(0, 1.2, n) * (t > 0)
    srs = plan["srs_base"] + np.minimum(0.1 * t, 1.0) + rng.normal(0, 0.6, n)
    if plan["dip"] and n >= 4:
        at = 1 + int(plan["dip_at"] * (n - 2))
        srs[at] -= plan["dip_depth"]
        if at + 1 < n:
            srs[at + 1] -= plan["dip_depth"] * 0.4
    if plan["story"] == "srs-rupture":
        srs[-1] = srs[-2] - 4.5
    if plan["story"] == "ors-improvement":
        ors[-1] = max(ors[-1], ors[0] + 9)
    if plan["story"] == "ors-deterioration":
        ors[-1] = min(ors[-1], ors[0] - 7.5)
    return list(np.clip(ors, 2, 38)), list(np.clip(srs, 8, 40))


def _split(kit: Kit, instrument_id: str, total: float, rng: np.random.Generator) -> dict:
    """Four 0-10 visual-analogue items (one decimal) adding up to about ``total``."""
    noise = rng.normal(0, 0.35, 4)
    values = np.clip(total / 4 + noise - noise.mean(), 0, 10)
    return {str(i + 1): float(np.round(v, 1)) for i, v in enumerate(values)}


def _phq9(ors_total: float, rng: np.random.Generator, safety: bool) -> dict[str, int]:
    """PHQ-9 answers that follow the ORS (a low ORS, a high PHQ-9); item 9 only if ``safety``."""
    total = int(np.clip(round(0.9 * (33 - ors_total) + rng.normal(0, 1.5)), 0, 24))
    if safety:
        total = max(total, 15)
    items = np.zeros(8, dtype=int)
    for _ in range(total):
        open_items = np.flatnonzero(items < 3)
        items[rng.choice(open_items)] += 1
    answers = {str(i + 1): int(v) for i, v in enumerate(items)}
    answers["9"] = 1 if safety else 0
    if total + answers["9"] > 0:
        answers["10"] = int(min(3, (total + answers["9"]) // 7))
    return answers


def _checkin(srs_total: float, rng: np.random.Generator) -> dict[str, Any]:
    """The project's check-in, close to the SRS; now and then a comment."""
    values = np.clip(np.round(srs_total / 4 + rng.normal(0, 0.5, 4)), 0, 10).astype(int)
    answers: dict[str, Any] = dict(zip(("bond", "goals", "approach", "overall"),
                                       map(int, values), strict=True))
    if rng.random() < 0.2:
        answers["comment"] = str(rng.choice(COMMENTS))
    return answers


# ---- the recovery focus (issue 14): recovery check-in, motivation, what works ------------

RECOVERY_STORYLINES = {
    "readiness-rising": "Readiness ruler: importance rising from 2 to 9 (the prompts change)",
    "confidence-low": "Wants to change but confidence stays low; AUDIT-C positive",
    "unsure-return": "Recovery check-in: unsure about coming back at the latest session",
    "spanish": "Answers the recovery check-in in Spanish",
}
RECOVERY_ITEMS = ("welfare", "listened", "understood", "recovery", "safe", "relief", "return")


def recovery_plan(services: Services, system: Actor, seed: int, code: str, client_id: int,
                  sessions: int) -> dict[str, Any]:
    """Whether this client is in the recovery-focus group (every third client, by code),
    which storyline they carry, and their assignments. A stream of its own, so the other
    storylines draw the same numbers as before."""
    number = int(code.rsplit("-", 1)[1]) - FIRST_CODE
    if number % 3:
        return {}
    story = list(RECOVERY_STORYLINES)[number // 3] if number // 3 < len(
        RECOVERY_STORYLINES) else None
    rng = np.random.default_rng([seed, 14, number])
    services.assign(system, client_id, "recovery-checkin", timing="session-end")
    services.assign(system, client_id, "readiness-ruler", timing="session-start", every=4)
    return {"story": story, "sessions": sessions,
            "language": "es" if story == "spanish" or rng.random() < 0.2 else "en",
            "importance": float(rng.uniform(3, 9)), "confidence": float(rng.uniform(2, 9)),
            "alliance": float(rng.uniform(6.5, 9.2)), "sex": str(rng.choice(["female", "male"])),
            "urica": {s.id: s.items for s in services.kit.instrument("urica").scores
                      if s.id in ("pc", "c", "a")}}


def _recovery_answers(plan: dict[str, Any], number: int, rng: np.random.Generator
                      ) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(instrument, answers, attributes) due at this session for a recovery-focus client."""
    n, story, due = plan["sessions"], plan["story"], []
    progress = (number - 1) / max(1, n - 1)
    if number % 4 == 1 or number == n:
        importance, confidence = plan["importance"], plan["confidence"]
        if story == "readiness-rising":
            importance, confidence = 2 + 7 * progress, 7.0
        elif story == "confidence-low":
            importance, confidence = 9.0, 2 + rng.integers(0, 2)
        due.append(("readiness-ruler", {"importance": int(round(importance)),
                                        "confidence": int(round(confidence))}, {}))
    if number == 1:
        drinks = (3, 2, 2) if story == "confidence-low" else tuple(
            int(v) for v in rng.integers(1, 4, 3))
        due.append(("audit-c", dict(zip(("1", "2", "3"), drinks, strict=True)),
                    {"sex": plan["sex"]}))
    if number in (1, n) and n >= 2:
        leading = ("c" if story == "readiness-rising" and number == 1 else
                   "a" if story == "readiness-rising" else str(rng.choice(["pc", "c", "a"])))
        answers = {str(i): 2 for i in range(1, 33)}
        answers.update({item: 5 for item in plan["urica"][leading]})
        due.append(("urica", answers, {}))
    values = np.clip(np.round(plan["alliance"] + rng.normal(0, 0.7, len(RECOVERY_ITEMS))), 0,
                     10).astype(int)
    checkin: dict[str, Any] = dict(zip(RECOVERY_ITEMS, map(int, values), strict=True))
    if story == "unsure-return" and number == n:
        checkin["return"] = 3
    elif number < n or story != "unsure-return":
        checkin["return"] = max(checkin["return"], 5)
    checkin["safe"] = max(checkin["safe"], 5)
    due.append(("recovery-checkin", checkin, {}))
    return due


def recovery_session(services: Services, kiosk: Actor, seed: int, code: str,
                     plan: dict[str, Any], number: int, client_id: int, session_id: int,
                     start: dt.datetime) -> tuple[int, int]:
    """Submit what is due at one session through the kiosk; (responses, alerts raised)."""
    rng = np.random.default_rng([seed, 14, number, int(code.rsplit("-", 1)[1])])
    count = alerts = 0
    answered = _recovery_answers(plan, number, rng)
    for minutes, (instrument_id, answers, attributes) in enumerate(answered, start=30):
        saved = services.submit_response(
            kiosk, client_id=client_id, instrument_id=instrument_id, answers=answers,
            session_id=session_id, source="kiosk", started_at=start, attributes=attributes,
            submitted_at=start + dt.timedelta(minutes=minutes),
            language=plan["language"], idempotency_key=str(uuid.uuid5(
                DEMO_NAMESPACE, f"{seed}:{code}:{number}:{instrument_id}")))
        count, alerts = count + 1, alerts + len(saved.alerts)
    return count, alerts


def recovery_note(services: Services, plan: dict[str, Any], client_id: int,
                  therapist_id: int, therapist: str) -> None:
    """A what-works note by the therapist for the storyline clients (demo wording)."""
    notes = {
        "readiness-rising": ("Wants to be there for their daughter's graduation.",
                             "Explored values first; now planning small steps together.",
                             [("alliance-kit-motivation", "reasons-high")]),
        "confidence-low": ("Worried about their health and their job.",
                           "Recalled stopping smoking in 2019; one step at a time.",
                           [("alliance-kit-motivation", "confidence-low")]),
    }
    if plan.get("story") in notes:
        reasons, approach, guidance = notes[plan["story"]]
        with services.store.read() as session:  # the therapist as they are (team included)
            author = Actor.of(session.get(User, therapist_id))
        services.record_what_works(author, client_id,
                                   reasons=reasons, approach=approach, guidance=guidance)


__all__ = ["RECOVERY_STORYLINES", "STORYLINES", "DemoRefused", "DemoSummary", "build_demo",
           "has_data", "recovery_plan"]
