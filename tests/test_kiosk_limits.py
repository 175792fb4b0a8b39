"""Brute force on the kiosk: the staff PIN and one-time codes, counted on the server.

Issue 15, items 3 and 9: failures are counted from the audit log per tablet and over all
tablets (a reload or a new browser session forgets nothing), PIN waits grow, a PIN has 6
digits or more, codes 8 digits; one tablet's pause does not stop the others, and a member
of staff logged in on a tablet is not held up by a code pause.
"""

from __future__ import annotations

import datetime as dt
import shutil
from types import SimpleNamespace

import pytest
from e2e.seed import PASSWORD, PIN, seed

from alliance_kit.clinic import accounts, kiosk, settings
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.clinic.accounts import login
from alliance_kit.clinic.kiosk import codes, pin
from alliance_kit.clinic.services import Services
from alliance_kit.store import open_store
from alliance_kit.store.models import utcnow

CHECKIN = "session-checkin"
WRONG = "000000"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kiosk-limits")
    return folder / "t.db", seed(folder / "t.db")


@pytest.fixture
def env(template, tmp_path, kit, monkeypatch):
    path, seeded = template
    shutil.copy(path, tmp_path / "k.db")
    store = open_store(f"sqlite:///{tmp_path / 'k.db'}")
    start = utcnow()
    clock = SimpleNamespace(now=start)
    # Audit entries are stamped by the test's clock, so waits can be stepped through.
    monkeypatch.setattr("alliance_kit.store.audit.utcnow", lambda: clock.now)

    def at(seconds: float) -> dt.datetime:
        clock.now = start + dt.timedelta(seconds=seconds)
        return clock.now

    ana = login(store, "ana", PASSWORD).actor
    yield SimpleNamespace(services=Services(store, kit), store=store, seeded=seeded, at=at,
                          ana=ana)
    store.close()


# ---- the staff PIN (item 3) --------------------------------------------------------------


def test_wrong_pins_are_counted_on_the_server_not_in_the_browser(env):
    """Each try comes from a fresh browser session (a reload): nothing is kept there."""
    for second in range(pin.PIN_FREE_TRIES):
        assert not kiosk.check_pin(env.store, WRONG, where="tablet:a", now=env.at(second)).ok
    refused = kiosk.check_pin(env.store, PIN, where="tablet:a", now=env.at(5))
    assert not refused.ok and refused.wait > 0, "the right PIN went through during the wait"


def test_waits_grow_with_every_wrong_pin_and_a_right_one_starts_again(env):
    for second in range(pin.PIN_FREE_TRIES):
        outcome = kiosk.check_pin(env.store, WRONG, where="tablet:a", now=env.at(second))
    assert outcome.wait == 30
    waits, now = [], 2
    for _ in range(4):
        now += outcome.wait + 1
        outcome = kiosk.check_pin(env.store, WRONG, where="tablet:a", now=env.at(now))
        waits.append(outcome.wait)
    assert waits == [60, 120, 240, 480]
    now += outcome.wait + 1
    assert kiosk.check_pin(env.store, PIN, where="tablet:a", now=env.at(now)).ok
    assert kiosk.check_pin(env.store, WRONG, where="tablet:a", now=env.at(now + 1)).wait == 0


def test_the_longest_wait_is_an_hour(env):
    now = 0
    for _ in range(pin.PIN_FREE_TRIES + 12):
        outcome = kiosk.check_pin(env.store, WRONG, where="tablet:a", now=env.at(now))
        now += outcome.wait + 1
    assert outcome.wait == pin.PIN_MAX_WAIT


def test_one_tablet_waiting_does_not_stop_another(env):
    for second in range(pin.PIN_FREE_TRIES):
        kiosk.check_pin(env.store, WRONG, where="tablet:a", now=env.at(second))
    assert kiosk.check_pin(env.store, PIN, where="tablet:b", now=env.at(5)).ok


def test_wrong_pins_over_all_tablets_pause_pin_unlocking_everywhere(env):
    tablets = [f"tablet:{n}" for n in range(pin.PIN_GLOBAL_MAX // 2)]
    for n, tablet in enumerate(tablets * 2):
        kiosk.check_pin(env.store, WRONG, where=tablet, now=env.at(n))
    fresh = kiosk.check_pin(env.store, PIN, where="tablet:new", now=env.at(60))
    assert not fresh.ok and "paused" in fresh.message
    assert fresh.wait > 0
    # An hour after the first of them, PIN unlocking works again.
    assert kiosk.check_pin(env.store, PIN, where="tablet:new", now=env.at(3601)).ok


def test_a_pin_needs_six_digits_and_an_old_short_one_must_be_reset(env):
    admin = Actor.system("t")
    with pytest.raises(ValueError, match="at least 6 digits"):
        kiosk.set_pin(env.store, admin, "2468")
    # A 4-digit PIN set by an earlier version: it no longer unlocks anything.
    settings.put(env.store, admin, pin.PIN_SETTING, {"hash": accounts.hasher.hash("2468")})
    assert kiosk.pin_needs_reset(env.store) and not kiosk.pin_is_set(env.store)
    outcome = kiosk.check_pin(env.store, "2468", where="tablet:a")
    assert not outcome.ok and "6 or more digits" in outcome.message


# ---- one-time codes (item 9) --------------------------------------------------------------


def new_code(env) -> str:
    return kiosk.create_code(env.services, env.ana, env.seeded.client_id, None, [CHECKIN]).code


def wrong_code(env, tablet: str, second: float) -> str:
    with pytest.raises(kiosk.CodeRefused) as refused:
        kiosk.redeem_code(env.services, "12345678", where=tablet, now=env.at(second))
    return str(refused.value)


def test_codes_have_eight_digits(env):
    code = new_code(env)
    assert len(code) == codes.CODE_DIGITS == 8 and code.isdigit()
    assert kiosk.redeem_code(env.services, f"{code[:4]} {code[4:]}").client_id \
        == env.seeded.client_id


def test_wrong_codes_pause_only_their_own_tablet(env):
    for n in range(codes.TABLET_MAX_FAILURES):
        wrong_code(env, "tablet:a", n)
    assert "on this tablet" in wrong_code(env, "tablet:a", 10)
    code = new_code(env)
    with pytest.raises(kiosk.CodeRefused, match="on this tablet"):
        kiosk.redeem_code(env.services, code, where="tablet:a", now=env.at(11))
    handover = kiosk.redeem_code(env.services, code, where="tablet:b", now=env.at(12))
    assert handover.client_id == env.seeded.client_id


def test_wrong_codes_over_all_tablets_pause_code_entry_but_not_for_staff(env):
    tablets = [f"tablet:{n}" for n in range(codes.CODE_MAX_FAILURES // 3)]
    for n, tablet in enumerate(tablets * 3):
        wrong_code(env, tablet, n)
    code = new_code(env)
    with pytest.raises(kiosk.CodeRefused, match="Too many wrong codes were tried. Please"):
        kiosk.redeem_code(env.services, code, where="tablet:fresh", now=env.at(100))
    # Staff logged in on the tablet vouch for the client: the pause does not apply.
    handover = kiosk.redeem_code(env.services, code, where="tablet:fresh", now=env.at(101),
                                 staff=env.ana)
    assert handover.client_id == env.seeded.client_id
    # Ten minutes after the wrong codes, code entry works again for everyone.
    later = new_code(env)
    assert kiosk.redeem_code(env.services, later, where="tablet:fresh",
                             now=env.at(100 + codes.CODE_WINDOW.total_seconds())).client_id


def test_a_disabled_staff_member_cannot_bypass_the_pause(env):
    for n in range(codes.TABLET_MAX_FAILURES):
        wrong_code(env, "tablet:a", n)
    code = new_code(env)
    accounts.set_active(env.store, Actor.system("t"), "ana", False)
    with pytest.raises(AccessDenied, match="disabled"):
        kiosk.redeem_code(env.services, code, where="tablet:a", staff=env.ana)
