"""The demo clinic: its storylines happen, the same seed gives the same answers, and it
never touches a database that holds data."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from alliance_kit.cli import cli
from alliance_kit.clinic import accounts
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.demo import DEMO_PASSWORD, STORYLINES, DemoRefused, build_demo
from alliance_kit.clinic.demo_attendance import ATTENDANCE_STORYLINES
from alliance_kit.store import migrate, open_store
from alliance_kit.store.models import Alert, Assignment, Client, Episode, Response, User
from alliance_kit.store.models import Session as SessionRow

SYSTEM = Actor.system("test:demo")


def _actor(store, username: str) -> Actor:
    with store.read() as session:
        return Actor.of(session.execute(select(User).where(User.username == username))
                        .scalar_one())


def test_demo_command_builds_the_promised_clinic(kit, database_url, store, services):
    result = CliRunner().invoke(cli, ["demo", "--database", database_url], obj=kit)
    assert result.exit_code == 0, result.output
    codes = {name: line.rsplit(": ", 1)[1] for name, text in
             {**STORYLINES, **ATTENDANCE_STORYLINES}.items()
             for line in result.stdout.splitlines() if text in line}
    assert set(codes) == set(STORYLINES) | set(ATTENDANCE_STORYLINES)

    with store.read() as session:
        users = {u.username: u.password_hash for u in session.execute(select(User)).scalars()}
        clients = session.execute(select(Client.code)).scalars().all()
        last = session.execute(select(SessionRow.date).where(SessionRow.status == "attended")
                               .order_by(SessionRow.date.desc()).limit(1)).scalar_one()
    assert sorted(users) == ["admin", "supervisor", "therapist1", "therapist2", "therapist3"]
    # Every demo account can log in with the demo password (argon2id hashes, all different).
    assert all(hashed.startswith("$argon2id$") for hashed in users.values())
    assert len(set(users.values())) == len(users)
    assert accounts.login(store, "therapist1", DEMO_PASSWORD).role == "therapist"
    assert len(clients) == 40 and all(c.startswith("AK-") for c in clients)
    today = dt.date.today()
    monday = today - dt.timedelta(days=today.weekday())
    assert monday - dt.timedelta(days=7) <= last < monday  # the last sessions were last week

    supervisor = _actor(store, "supervisor")
    caseload = services.caseload(supervisor)
    assert len(caseload) == 40
    assert caseload.loc[0, "code"] == codes["phq9-safety"]
    assert caseload.loc[0, "top_severity"] == "safety"
    assert (caseload["top_severity"] == "safety").sum() == 1
    assert sum(len(services.caseload(_actor(store, f"therapist{n}"))) for n in (1, 2, 3)) == 40

    def open_rules(code):
        client_id = int(caseload.loc[caseload["code"] == code, "client_id"].iloc[0])
        alerts = services.open_alerts(supervisor, client_id)
        if alerts.empty:  # no columns either
            return client_id, set()
        return client_id, set(alerts["instrument_id"] + ":" + alerts["rule_id"])

    assert "phq-9:self-harm" in open_rules(codes["phq9-safety"])[1]
    assert "srs:rupture" in open_rules(codes["srs-rupture"])[1]
    assert "ors:reliable-deterioration" in open_rules(codes["ors-deterioration"])[1]
    improved, _ = open_rules(codes["ors-improvement"])
    ors = services.client_history(supervisor, improved, "ors")["value"].tolist()
    assert ors[-1] - ors[0] >= 5

    srs = services.client_history(SYSTEM, improved, "srs")["value"]
    assert srs.between(25, 40).all()

    # Attendance: every client has appointments, and the attendance storylines show.
    assert "attendance:missed-after-low-alliance" in open_rules(codes["missed-after-rupture"])[1]
    assert "attendance:no-show-streak" in open_rules(codes["no-show-streak"])[1]
    assert "attendance:not-seen" in open_rules(codes["not-seen"])[1]
    with store.read() as session:
        statuses = dict(session.execute(select(SessionRow.status, func.count())
                                        .group_by(SessionRow.status)).all())
        ended = dict(session.execute(select(Client.code, Episode.end_reason).join(
            Episode, Episode.client_id == Client.id).where(Episode.end_reason.is_not(None))
        ).all())
        attended_clients = session.execute(select(func.count(func.distinct(
            SessionRow.client_id))).where(SessionRow.status == "attended")).scalar_one()
    assert attended_clients == 40
    assert {"attended", "no-show", "cancelled-by-client", "scheduled"} <= set(statuses)
    assert ended[codes["dropped-out"]] == "dropped-out"
    assert ended[codes["completed"]] == "completed"
    assert list(ended.values()).count("dropped-out") > 1  # not only the storyline
    # The evidence on the demo clinic: the promised JSON, and a real difference.
    shown = CliRunner().invoke(cli, ["retention", "--database", database_url, "--format",
                                     "json"], obj=kit)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert list(data) == ["days", "groups", "models"] and data["days"] == 30
    assert all(set(g) == {"instrument", "score", "group", "sessions", "returned", "rate",
                          "ci_low", "ci_high"} for g in data["groups"])
    assert all(set(m) == {"instrument", "score", "odds_ratio", "ci_low", "ci_high", "n"}
               for m in data["models"])
    srs_groups = {g["group"]: g for g in data["groups"] if g["instrument"] == "srs"}
    below, above = srs_groups["at-or-below-cutoff"], srs_groups["above-cutoff"]
    assert below["sessions"] >= 10 and above["sessions"] >= 10
    assert below["ci_high"] < above["ci_low"]  # the intervals do not overlap
    model = next(m for m in data["models"] if m["instrument"] == "srs")
    assert model["ci_low"] > 1 and model["n"] >= 200
    with store.read() as session:
        sources = dict(session.execute(select(Response.instrument_id, Response.source)
                                       .distinct()).all())
        assigned = set(session.execute(select(Assignment.instrument_id)).scalars())
        dated = session.execute(
            select(Alert.raised_at, Response.submitted_at, SessionRow.date)
            .join(Response, Response.id == Alert.response_id)
            .join(SessionRow, SessionRow.id == Response.session_id)).all()
    # The licensed ORS and SRS came from paper forms; the kiosk gives what we ship wording for.
    # (The recovery-focus clients answer the recovery questionnaires on the kiosk too.)
    assert sources == {"ors": "staff", "srs": "staff", "phq-9": "kiosk",
                       "session-checkin": "kiosk", "recovery-checkin": "kiosk",
                       "readiness-ruler": "kiosk", "urica": "kiosk", "audit-c": "kiosk"}
    assert assigned == {"phq-9", "session-checkin", "recovery-checkin", "readiness-ruler"}
    assert all(kit.can_administer(i, "en") == (True, "") for i in assigned)
    # Alerts carry the day of the session whose answers raised them, not the build day.
    assert dated and all(raised == submitted and raised.date() == day
                         for raised, submitted, day in dated)
    assert len({day for _, _, day in dated}) > 10

    # Run again: refused without --if-missing, a no-op with it.
    again = CliRunner().invoke(cli, ["demo", "--database", database_url], obj=kit)
    assert again.exit_code == 1
    assert "already has data" in again.stderr
    skipped = CliRunner().invoke(cli, ["demo", "--if-missing", "--database", database_url],
                                 obj=kit)
    assert skipped.exit_code == 0
    assert "demo not built, nothing changed" in skipped.stdout
    with store.read() as session:
        assert len(session.execute(select(Client.id)).all()) == 40


def _answers(url: str) -> list[tuple]:
    store = open_store(url)
    try:
        with store.read() as session:
            return [tuple(row) for row in session.execute(
                select(Client.code, Response.session_number, Response.instrument_id,
                       Response.answers, Response.idempotency_key, SessionRow.date)
                .join(Client, Client.id == Response.client_id)
                .join(SessionRow, SessionRow.id == Response.session_id)
                .order_by(Response.id))]
    finally:
        store.close()


def test_same_seed_same_answers(kit, database_url, store, tmp_path):
    today = dt.date(2026, 3, 18)
    first = build_demo(store, kit, seed=7, clients=5, today=today)
    other = f"sqlite:///{tmp_path / 'again.db'}"
    second_store = open_store(other, create=True)
    migrate.upgrade(second_store)
    second = build_demo(second_store, kit, seed=7, clients=5, today=today)
    second_store.close()
    assert first.storylines == second.storylines
    assert (first.sessions, first.responses) == (second.sessions, second.responses)
    assert _answers(database_url) == _answers(other)
    assert len(_answers(database_url)) == first.responses

    third = f"sqlite:///{tmp_path / 'other-seed.db'}"
    third_store = open_store(third, create=True)
    migrate.upgrade(third_store)
    build_demo(third_store, kit, seed=8, clients=5, today=today)
    third_store.close()
    assert [r[3] for r in _answers(third)] != [r[3] for r in _answers(database_url)]


def test_build_demo_refuses_a_database_with_data(kit, store, services):
    services.add_user(SYSTEM, "ana", "therapist")
    with pytest.raises(DemoRefused, match="already has data"):
        build_demo(store, kit, clients=4)


def test_if_missing_creates_a_new_sqlite_file(kit, tmp_path, monkeypatch):
    monkeypatch.setattr("alliance_kit.clinic.demo.CLIENTS", 6)  # the full clinic is tested above
    url = f"sqlite:///{tmp_path / 'fresh' / 'demo.db'}"
    result = CliRunner().invoke(cli, ["demo", "--if-missing", "--seed", "3",
                                      "--database", url], obj=kit)
    assert result.exit_code == 0, result.output
    assert "demo clinic built" in result.stdout
    assert (tmp_path / "fresh" / "demo.db").exists()
