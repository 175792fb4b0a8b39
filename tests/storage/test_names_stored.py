"""Codes and names are checked where they are stored; `db check` finds old ones; recode fixes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from alliance_kit.cli import cli
from alliance_kit.clinic import accounts
from alliance_kit.clinic.access import Actor
from alliance_kit.store import maintenance
from alliance_kit.store.models import AuditEntry, Client, User
from alliance_kit.store.names import visible

SYSTEM = Actor.system("test")


def test_add_client_refuses_an_impersonating_code_and_stores_nothing(services):
    therapist = services.add_user(SYSTEM, "ana", "therapist")
    services.add_client(SYSTEM, "AK-1002", therapist_ids=[therapist])
    with pytest.raises(ValueError, match="U\\+202E"):
        services.add_client(SYSTEM, "\u202e2001-KA", therapist_ids=[therapist])
    with pytest.raises(ValueError, match="letters A-Z"):
        services.add_client(SYSTEM, "https://evil.invalid", therapist_ids=[therapist])
    with services.store.read() as session:
        assert [c.code for c in session.query(Client)] == ["AK-1002"]


def test_staff_and_team_names_with_hidden_characters_are_refused(services, store):
    with pytest.raises(ValueError, match="U\\+202E"):
        accounts.create_user(store, SYSTEM, "ana", "therapist", password_hash=None,
                             display_name="\u202eanA")
    with pytest.raises(ValueError, match="U\\+200B"):
        accounts.create_user(store, SYSTEM, "ana\u200b", "therapist", password_hash=None)
    with pytest.raises(ValueError, match="team name"):
        services.add_team(SYSTEM, "North\u2066")


def test_db_check_reports_old_codes_and_names_and_recode_fixes_them(services, store,
                                                                   database_url, kit):
    therapist = services.add_user(SYSTEM, "ana", "therapist", display_name="Ana")
    good = services.add_client(SYSTEM, "AK-1002", therapist_ids=[therapist])
    bad = services.add_client(SYSTEM, "AK-2001", therapist_ids=[therapist])
    # Rows stored before the rules existed (written straight to the table).
    store.write(lambda s: s.execute(update(Client).where(Client.id == bad)
                                    .values(code="\u202e2001-KA")))
    store.write(lambda s: s.execute(update(User).where(User.id == therapist)
                                    .values(display_name="Ana\u200d")))
    report = maintenance.check(store)
    assert not report.ok
    assert any(p.startswith(f"client {bad}: ") and "U+202E" in p
               and f"alliance-kit clients recode {bad}" in p for p in report.problems)
    assert any(p.startswith(f"user {therapist}: ") and "U+200D" in p for p in report.problems)
    assert not any(p.startswith(f"client {good}:") for p in report.problems)

    # What a page shows of the old code cannot pass for the real one.
    caseload = services.caseload(SYSTEM)
    shown = dict(zip(caseload["client_id"], caseload["code"], strict=True))
    assert shown[bad] == "⟨U+202E⟩2001-KA" == visible("\u202e2001-KA")

    runner = CliRunner()
    taken = runner.invoke(cli, ["clients", "recode", str(bad), "AK-1002", "--database",
                                 database_url], obj=kit)
    assert taken.exit_code == 1 and "already another client's" in taken.output
    unsafe = runner.invoke(cli, ["clients", "recode", str(bad), "AK 1002", "--database",
                                  database_url], obj=kit)
    assert unsafe.exit_code == 1 and "letters A-Z" in unsafe.output
    fixed = runner.invoke(cli, ["clients", "recode", str(bad), "AK-2001", "--database",
                                 database_url], obj=kit)
    assert fixed.exit_code == 0, fixed.output
    assert fixed.output.strip() == f"client {bad} is now AK-2001"
    problems = maintenance.check(store).problems
    assert not any(p.startswith(f"client {bad}:") for p in problems)
    with store.read() as session:
        entry = session.query(AuditEntry).filter_by(action="recode").one()
        assert entry.details == {"old": "⟨U+202E⟩2001-KA", "new": "AK-2001"}
        assert entry.client_id == bad
