"""``alliance-kit attendance sweep`` and ``attendance policy``, on both engines."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import func, select

from alliance_kit.cli import cli
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.attendance_data import policy
from alliance_kit.store.models import Alert, AuditEntry

SYSTEM = Actor.system("test")


def test_sweep_raises_not_seen_once(kit, database_url, store, services):
    therapist = services.add_user(SYSTEM, "ana", "therapist")
    client = services.add_client(SYSTEM, "C-7", therapist_ids=[therapist],
                                 started_on=dt.date.today() - dt.timedelta(days=60))
    services.add_session(SYSTEM, client, dt.date.today() - dt.timedelta(days=45))
    first = CliRunner().invoke(cli, ["attendance", "sweep", "--database", database_url],
                               obj=kit)
    assert first.exit_code == 0, first.output
    assert "alert: C-7: not-seen (warning): Not seen for 45 days" in first.stdout
    assert first.stdout.strip().endswith("1 alert(s) raised, 0 closed")
    with store.read() as session:
        entries = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    again = CliRunner().invoke(cli, ["attendance", "sweep", "--database", database_url],
                               obj=kit)
    assert again.stdout.strip() == "0 alert(s) raised, 0 closed"
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() \
            == entries
        assert session.execute(select(func.count()).select_from(Alert)).scalar_one() == 1


def test_policy_shows_and_changes_the_definitions(kit, database_url, store):
    shown = CliRunner().invoke(cli, ["attendance", "policy", "--database", database_url],
                               obj=kit)
    assert shown.exit_code == 0
    assert "return_days = 30" in shown.stdout
    assert "Dropout: the episode ended as dropped out" in shown.stdout
    changed = CliRunner().invoke(cli, ["attendance", "policy", "--not-seen-days", "21",
                                       "--streak", "3", "--database", database_url], obj=kit)
    assert changed.exit_code == 0 and "not_seen_days = 21" in changed.stdout
    assert (policy(store).not_seen_days, policy(store).streak) == (21, 3)
    bad = CliRunner().invoke(cli, ["attendance", "policy", "--return-days", "0",
                                   "--database", database_url], obj=kit)
    assert bad.exit_code == 2 and "return_days must be a whole number from 1 to 365" in \
        bad.stderr
    assert policy(store).return_days == 30
