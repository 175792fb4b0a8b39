"""Registers the admin pages (admins only) and the Exports page (therapists, supervisors)."""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import Page

ADMIN = frozenset({"admin"})
CLINICIANS = frozenset({"therapist", "supervisor"})


@hookimpl
def register_pages(kit):
    from alliance_kit.ui import exports_page
    from alliance_kit.ui.admin import alerts, audit_log, instruments, users

    return [
        Page("Exports and reports", exports_page.render, "exports", ":material/download:",
             "Dashboard", roles=CLINICIANS),
        Page("Users and roles", users.render, "admin-users", ":material/group:", "Admin",
             roles=ADMIN),
        Page("Instruments per clinic", instruments.render, "admin-instruments",
             ":material/toggle_on:", "Admin", roles=ADMIN),
        Page("Alert settings", alerts.render, "admin-alerts", ":material/notifications:",
             "Admin", roles=ADMIN),
        Page("Audit log", audit_log.render, "admin-audit", ":material/history:", "Admin",
             roles=ADMIN),
    ]
