"""Single sign-on: mapping an OIDC user to one active local account, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
from export_clinic import empty_store
from sqlalchemy import select

from alliance_kit.clinic import sso
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import LoginFailed
from alliance_kit.clinic.services import Services
from alliance_kit.store.models import AuditEntry

ANA = sso.LocalUser(1, "ana@clinic.example", "Ana", "therapist", 7)
BEN = sso.LocalUser(2, "ben", "Ben", "admin", None)
OFF = sso.LocalUser(3, "off@clinic.example", "Off", "therapist", None, active=False)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LOCKED = sso.LocalUser(4, "locked@clinic.example", "L", "therapist", None,
                       locked_until=NOW + dt.timedelta(minutes=5))
USERS = [ANA, BEN, OFF, LOCKED]


def info(**claims) -> dict:
    return {"is_logged_in": True, **claims}


def test_a_verified_email_maps_to_the_user_of_that_name():
    account = sso.match_account(info(email="Ana@Clinic.example", email_verified=True), USERS)
    assert account is not None
    assert (account.user_id, account.username, account.role, account.team_id) == (
        1, "ana@clinic.example", "therapist", 7)


@pytest.mark.parametrize("claims", [
    {"email": "ana@clinic.example"},                           # not marked verified
    {"email": "ana@clinic.example", "email_verified": False},
    {"email": "ana@clinic.example", "email_verified": "true"},  # only a real True counts
    {"email": "nobody@clinic.example", "email_verified": True},
    {"email": "", "email_verified": True},
    {"email_verified": True},
    {"email": "off@clinic.example", "email_verified": True},    # disabled account
    {"email": "locked@clinic.example", "email_verified": True},  # locked account
])
def test_no_account_without_a_trusted_unique_match(claims):
    assert sso.match_account(info(**claims), USERS, now=NOW) is None


def test_not_logged_in_is_no_one():
    claims = {"is_logged_in": False, "email": "ana@clinic.example", "email_verified": True}
    assert sso.match_account(claims, USERS) is None


def test_other_claims_and_unverified_mode():
    by_name = sso.SsoSettings(claim="preferred_username")
    assert sso.match_account(info(preferred_username="BEN"), USERS, by_name).user_id == 2
    trusting = sso.SsoSettings(require_verified=False)
    assert sso.match_account(info(email="ana@clinic.example"), USERS, trusting) is not None


def test_two_local_users_that_differ_only_in_case_match_no_one():
    twins = [ANA, sso.LocalUser(9, "ANA@clinic.example", "Twin", "admin", None)]
    assert sso.match_account(info(email="ana@clinic.example", email_verified=True),
                             twins) is None


class NoSecretsFile(dict):
    def get(self, key, default=None):
        raise FileNotFoundError("No secrets found")


def test_settings_come_from_secrets_only_when_auth_is_configured():
    assert sso.settings_from({}) is None
    assert sso.settings_from(NoSecretsFile()) is None
    assert sso.settings_from({"auth": {"redirect_uri": "x"}}) is None
    auth = {"redirect_uri": "https://app/oauth2callback", "cookie_secret": "s",
            "microsoft": {"client_id": "id"}}
    found = sso.settings_from({"auth": auth})
    assert found == sso.SsoSettings(provider="microsoft")
    found = sso.settings_from({"auth": auth, sso.SECTION: {
        "claim": "preferred_username", "require_verified": False, "label": "Log in"}})
    assert (found.claim, found.require_verified, found.label) == (
        "preferred_username", False, "Log in")
    with pytest.raises(ValueError, match="claim"):
        sso.settings_from({"auth": auth, sso.SECTION: {"claim": "name"}})


def test_sso_login_against_the_store_is_audited(tmp_path):
    import alliance_kit

    _, store = empty_store(tmp_path)
    services = Services(store, alliance_kit.build_kit(entry_points=False, local=False))
    services.add_user(Actor.system(), "ana@clinic.example", "therapist")
    account = sso.sso_login(store, info(email="ana@clinic.example", email_verified=True),
                            sso.SsoSettings())
    assert account.username == "ana@clinic.example"
    with pytest.raises(LoginFailed, match="no active local account"):
        sso.sso_login(store, info(email="eve@clinic.example", email_verified=True),
                      sso.SsoSettings())
    with store.read() as session:
        log = [(e.actor, e.action, e.details) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("login%")).order_by(
                AuditEntry.seq))]
    assert log == [("ana@clinic.example", "login", {"via": "sso"}),
                   ("eve@clinic.example", "login-failed", {"via": "sso", "claim": "email"})]
    store.close()
