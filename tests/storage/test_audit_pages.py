"""The audit log a page at a time, on the server: every entry once, filters kept, pages that
do not shift while the log grows (each look at it is logged)."""

from __future__ import annotations

import pytest

from alliance_kit.clinic import admin
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.store import audit

ADMIN = Actor("adam", "admin", 1)


@pytest.fixture
def logged(store):
    store.write(lambda session: [
        audit.append(session, actor="ana" if n % 3 else "bo", action="view",
                     entity="caseload", details={"n": n}) for n in range(523)])
    return store


def test_every_entry_once_newest_first(logged):
    first = admin.audit_page(logged, ADMIN, per_page=100)
    assert (first.page, first.pages, first.total) == (1, 6, 523)
    seen = list(first.entries["seq"])
    for number in range(2, 7):
        page = admin.audit_page(logged, ADMIN, page=number, per_page=100, upto=first.upto)
        assert page.total == 523 and page.page == number
        seen += list(page.entries["seq"])
    assert len(seen) == 523 == len(set(seen)) and seen == sorted(seen, reverse=True)
    assert (page.first, page.last) == (501, 523)


def test_filters_are_applied_on_the_server_and_kept_across_pages(logged):
    only_bo = admin.AuditFilter(actor="bo")
    first = admin.audit_page(logged, ADMIN, only_bo, per_page=50)
    assert first.total == 175 and first.pages == 4
    last = admin.audit_page(logged, ADMIN, only_bo, page=4, per_page=50, upto=first.upto)
    assert set(last.entries["actor"]) == {"bo"} and len(last.entries) == 25


def test_pages_do_not_shift_while_the_log_grows(logged):
    first = admin.audit_page(logged, ADMIN, per_page=100)  # this look is logged too
    second = admin.audit_page(logged, ADMIN, page=2, per_page=100, upto=first.upto)
    assert second.entries["seq"].max() < first.entries["seq"].min()
    assert first.entries["seq"].min() - second.entries["seq"].max() == 1
    fresh = admin.audit_page(logged, ADMIN, per_page=100)
    assert fresh.total == 525  # two looks later, the newest page shows them


def test_a_page_past_the_end_is_the_last_and_only_admins_may_look(logged):
    assert admin.audit_page(logged, ADMIN, page=99, per_page=200).page == 3
    with pytest.raises(ValueError):
        admin.audit_page(logged, ADMIN, per_page=0)
    with pytest.raises(AccessDenied):
        admin.audit_page(logged, Actor("ana", "therapist", 2))
