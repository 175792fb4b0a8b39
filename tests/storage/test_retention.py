"""The clinic's return evidence, on both engines: the figures for a clinic built to a plan,
who may see them (aggregates only), and ``alliance-kit retention`` in its three formats."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from alliance_kit.cli import cli
from alliance_kit.clinic import attendance, retention
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.engine.retention import GROUP_COLUMNS, MODEL_COLUMNS
from alliance_kit.store.models import AuditEntry

SYSTEM = Actor.system("test")
TODAY = dt.date.today()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def srs(total: float) -> dict:
    return {str(i): round(total / 4, 1) for i in range(1, 5)}


@pytest.fixture
def clinic(services):
    """Team A: 10 clients who completed after four good sessions (one dipped to 35 and came
    back). Team B: 10 who stopped after a fourth session, 9 of them after a low one
    (SRS 33: below the cut-off and a rupture), one after a good one."""
    team_a, team_b = services.add_team(SYSTEM, "A"), services.add_team(SYSTEM, "B")
    ana = services.add_user(SYSTEM, "ana", "therapist", team_id=team_a)
    bob = services.add_user(SYSTEM, "bob", "therapist", team_id=team_b)
    sue = services.add_user(SYSTEM, "sue", "supervisor", team_id=team_a)
    services.add_user(SYSTEM, "adm", "admin")
    for index in range(20):
        stays = index < 10
        therapist = ana if stays else bob
        client = services.add_client(SYSTEM, f"C{index:02d}", therapist_ids=[therapist],
                                     started_on=day(-120))
        totals = [38.5, 39.0, 38.6, 39.2]
        if index == 0:
            totals[1] = 35.0
        if not stays and index != 19:
            totals[3] = 33.0
        for k, total in enumerate(totals):
            session_id = services.add_session(SYSTEM, client, day(-100 + 7 * k))
            services.submit_response(SYSTEM, client_id=client, instrument_id="srs",
                                     answers=srs(total), idempotency_key=f"{index}:{k}",
                                     session_id=session_id)
        if stays:
            attendance.end_episode(services, SYSTEM, client, day(-75), "completed")
    return {"sue": Actor("sue", "supervisor", sue, team_a), "ana": Actor("ana", "therapist", ana,
                                                                          team_a)}


def test_return_by_alliance_result(services, clinic):
    found = retention.evidence(services, SYSTEM)
    groups = found.groups[found.groups["instrument"] == "srs"].set_index("group")
    below = groups.loc["at-or-below-cutoff"]
    assert (below["sessions"], below["returned"], below["rate"]) == (10, 1, 0.1)
    assert (below["ci_low"], below["ci_high"]) == pytest.approx((0.0179, 0.4042), abs=1e-4)
    above = groups.loc["above-cutoff"]
    # 3 returning sessions per client, 20 clients, plus C19's last; the completed clients'
    # last sessions are left out (a planned ending).
    assert (above["sessions"], above["returned"]) == (60, 59)
    rupture = groups.loc["rupture"]
    assert (rupture["sessions"], rupture["returned"]) == (10, 1)
    model = found.models.set_index("instrument").loc["srs"]
    assert model["n"] == 70 and model["odds_ratio"] > 1 and model["ci_low"] > 1
    checkin = found.models.set_index("instrument").loc["session-checkin"]
    assert pd.isna(checkin["odds_ratio"]) and checkin["n"] == 0
    assert found.json()["days"] == 30
    assert any("too few sessions" in note for note in found.notes)


def test_a_longer_window_changes_what_counts_as_a_return(services, clinic):
    found = retention.evidence(services, SYSTEM, days=90)
    assert found.days == 90
    srs = found.groups[found.groups["instrument"] == "srs"].set_index("group")
    # Within 90 days the last sessions of team B's clients are not known yet: left out.
    assert srs.loc["at-or-below-cutoff", "sessions"] == 1


def test_who_may_see_the_evidence(services, store, clinic):
    for actor in (clinic["ana"], Actor.kiosk(1, "ana")):
        with pytest.raises(AccessDenied):
            retention.evidence(services, actor)
    groups = retention.evidence(services, clinic["sue"]).groups
    team = groups[groups["instrument"] == "srs"].set_index("group")
    # Sue's team (A) had no one below the cut-off at a last session: too few to show.
    assert team.loc["at-or-below-cutoff", "sessions"] == 1
    assert pd.isna(team.loc["at-or-below-cutoff", "rate"])
    admin = Actor("adm", "admin", 4)
    assert retention.evidence(services, admin).groups["sessions"].sum() == \
        retention.evidence(services, SYSTEM).groups["sessions"].sum()
    with store.read() as session:
        details = session.execute(select(AuditEntry.details).where(
            AuditEntry.entity == "retention", AuditEntry.actor == "sue")).scalar_one()
    assert details["clients"] == 10 and details["days"] == 30


def test_the_retention_command_in_every_format(kit, database_url, clinic):
    run = CliRunner()
    result = run.invoke(cli, ["retention", "--database", database_url, "--format", "json"],
                        obj=kit)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["days", "groups", "models"]
    assert all(list(row) == GROUP_COLUMNS for row in data["groups"])
    assert all(list(row) == MODEL_COLUMNS for row in data["models"])
    below = next(g for g in data["groups"] if g["group"] == "at-or-below-cutoff")
    assert below["instrument"] == "srs" and below["score"] == "total"
    too_few = next(g for g in data["groups"] if g["instrument"] == "session-checkin")
    assert too_few["rate"] is None and too_few["sessions"] == 0
    table = run.invoke(cli, ["retention", "--database", database_url], obj=kit)
    assert table.exit_code == 0
    assert "at-or-below-cutoff" in table.stdout and "10% (2%–40%)" in table.stdout
    assert "too few" in table.stdout
    assert "associations in this clinic's own records" in table.stdout
    assert "Returned: attended a later session within 30 days" in table.stdout
    csv = run.invoke(cli, ["retention", "--database", database_url, "--format", "csv",
                           "--days", "14"], obj=kit)
    lines = csv.stdout.splitlines()
    assert lines[0] == "kind,instrument,score,group,sessions,returned,rate,ci_low,ci_high," \
                       "odds_ratio,n"
    assert any(line.startswith("model,srs,total,") for line in lines)
    bad = run.invoke(cli, ["retention", "--database", database_url, "--days", "0"], obj=kit)
    assert bad.exit_code == 2 and "--days" in bad.stderr
