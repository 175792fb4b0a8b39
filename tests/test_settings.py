"""Clinic settings: defaults, typed writes for admins only, audited; the export salt."""

from __future__ import annotations

import pytest
from export_clinic import empty_store
from sqlalchemy import select

import alliance_kit
from alliance_kit.clinic import accounts, settings
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.store.models import AuditEntry

ADMIN = Actor("boss", "admin", 1)
THERAPIST = Actor("ana", "therapist", 2, 1)
SUPERVISOR = Actor("sam", "supervisor", 3, 1)


@pytest.fixture(scope="module")
def kit():
    return alliance_kit.build_kit(entry_points=False, local=False)


@pytest.fixture
def store(tmp_path):
    _, opened = empty_store(tmp_path)
    # The admin has an account: settings refuse an actor whose account does not exist.
    assert accounts.create_user(opened, Actor.system(), "boss", "admin",
                                password_hash=None) == ADMIN.user_id
    yield opened
    opened.close()


def _log(store) -> list[AuditEntry]:
    """The audit entries about settings."""
    with store.read() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "setting")
                                       .order_by(AuditEntry.seq)))
        for entry in entries:
            session.expunge(entry)
        return entries


def test_defaults_enable_everything(store, kit):
    assert settings.enabled_instruments(store, kit, 1) == sorted(kit.instruments)
    assert settings.alert_settings(store).enabled("srs", "rupture")


def test_instruments_per_clinic(store, kit):
    settings.set_enabled_instruments(store, ADMIN, kit, 1, ["srs", "ors"])
    assert settings.enabled_instruments(store, kit, 1) == ["ors", "srs"]
    assert settings.enabled_instruments(store, kit, 2) == sorted(kit.instruments)
    assert settings.enabled_instruments(store, kit, None) == sorted(kit.instruments)
    settings.set_enabled_instruments(store, ADMIN, kit, None, [])
    assert settings.enabled_instruments(store, kit, None) == []
    entry = _log(store)[0]
    assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
        "boss", "update", "setting", "instruments:1")
    assert entry.details == {"enabled": ["ors", "srs"]}


@pytest.mark.parametrize("actor", [THERAPIST, SUPERVISOR])
def test_only_admins_change_settings(store, kit, actor):
    with pytest.raises(AccessDenied):
        settings.set_enabled_instruments(store, actor, kit, 1, ["srs"])
    with pytest.raises(AccessDenied):
        settings.set_alert_settings(store, actor, kit, settings.AlertSettings())
    assert _log(store) == []


def test_unknown_instruments_and_rules_are_refused(store, kit):
    with pytest.raises(ValueError, match="unknown instrument.*nope"):
        settings.set_enabled_instruments(store, ADMIN, kit, 1, ["srs", "nope"])
    with pytest.raises(ValueError, match="unknown alert rule.*srs:nope"):
        settings.set_alert_settings(store, ADMIN, kit,
                                    settings.AlertSettings(frozenset({"srs:nope"})))


def test_alert_rules_switch_off_but_safety_rules_stay_on(store, kit):
    settings.set_alert_settings(store, ADMIN, kit,
                                settings.AlertSettings(frozenset({"srs:rupture"})))
    current = settings.alert_settings(store)
    assert not current.enabled("srs", "rupture") and current.enabled("srs", "concern")
    with pytest.raises(ValueError, match="safety alerts cannot be switched off"):
        settings.set_alert_settings(store, ADMIN, kit,
                                    settings.AlertSettings(frozenset({"phq-9:self-harm"})))
    assert _log(store)[-1].details == {"disabled": ["srs:rupture"]}


def test_salt_is_made_once_and_never_logged(store, monkeypatch):
    monkeypatch.delenv(settings.SALT_ENV, raising=False)
    first = settings.deid_salt(store)
    assert len(first) >= 32 and settings.deid_salt(store) == first
    entries = _log(store)
    assert len(entries) == 1 and entries[0].details == {"created": True}
    assert first.decode() not in str(entries[0].details)


def test_salt_from_the_environment_wins(store, monkeypatch):
    monkeypatch.setenv(settings.SALT_ENV, "x" * 40)
    assert settings.deid_salt(store) == b"x" * 40
    assert settings.get(store, settings.SALT_KEY) is None
    monkeypatch.setenv(settings.SALT_ENV, "short")
    with pytest.raises(ValueError, match="too short"):
        settings.deid_salt(store)
