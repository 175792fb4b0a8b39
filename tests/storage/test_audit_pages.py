"""The audit log a page at a time, on the server: every entry once, filters kept, pages that
do not shift while the log grows (each look at it is logged)."""

from __future__ import annotations

import pytest

from alliance_kit.clinic import admin
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.store import audit


@pytest.fixture
def adam(services) -> Actor:
    """An admin with an account (services refuse one that does not exist)."""
    return Actor("adam", "admin", services.add_user(Actor.system(), "adam", "admin"))


@pytest.fixture
def logged(services, adam):
    """523 entries in the audit log (besides adam's creation)."""
    store = services.store
    store.write(lambda session: [
        audit.append(session, actor="ana" if n % 3 else "bo", action="view",
                     entity="caseload", details={"n": n}) for n in range(523)])
    return store


def test_every_entry_once_newest_first(logged, adam):
    first = admin.audit_page(logged, adam, per_page=100)
    assert (first.page, first.pages, first.total) == (1, 6, 524)  # adam's creation too
    seen = list(first.entries["seq"])
    for number in range(2, 7):
        page = admin.audit_page(logged, adam, page=number, per_page=100, upto=first.upto)
        assert page.total == 524 and page.page == number
        seen += list(page.entries["seq"])
    assert len(seen) == 524 == len(set(seen)) and seen == sorted(seen, reverse=True)
    assert (page.first, page.last) == (501, 524)


def test_filters_are_applied_on_the_server_and_kept_across_pages(logged, adam):
    only_bo = admin.AuditFilter(actor="bo")
    first = admin.audit_page(logged, adam, only_bo, per_page=50)
    assert first.total == 175 and first.pages == 4
    last = admin.audit_page(logged, adam, only_bo, page=4, per_page=50, upto=first.upto)
    assert set(last.entries["actor"]) == {"bo"} and len(last.entries) == 25


def test_pages_do_not_shift_while_the_log_grows(logged, adam):
    first = admin.audit_page(logged, adam, per_page=100)  # this look is logged too
    second = admin.audit_page(logged, adam, page=2, per_page=100, upto=first.upto)
    assert second.entries["seq"].max() < first.entries["seq"].min()
    assert first.entries["seq"].min() - second.entries["seq"].max() == 1
    fresh = admin.audit_page(logged, adam, per_page=100)
    assert fresh.total == 526  # two looks later, the newest page shows them


def test_a_page_past_the_end_is_the_last_and_only_admins_may_look(logged, adam):
    assert admin.audit_page(logged, adam, page=99, per_page=200).page == 3
    with pytest.raises(ValueError):
        admin.audit_page(logged, adam, per_page=0)
    with pytest.raises(AccessDenied):
        admin.audit_page(logged, Actor("ana", "therapist", adam.user_id + 1))
