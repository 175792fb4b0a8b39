"""Registers the app's built-in pages, and the kiosk's widgets: the therapist dashboard, log-in
and the instrument browser, the kiosk flow, the admin pages and exports.

Each page says which roles may see it; the app builds every session's navigation from the
pages its role may see, so a page not listed for a role cannot be reached by it at all.
"""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import ANONYMOUS, KIOSK, STAFF, Page, Widget

ADMIN = frozenset({"admin"})
CLINICIANS = frozenset({"therapist", "supervisor"})
#: The built-in kiosk widgets: scale type -> the function of
#: :mod:`alliance_kit.ui.kiosk.widgets` that draws it (its ``BUILTIN``; a test keeps them
#: equal). That module is imported when a kiosk first draws a question, so building the kit
#: (the command line does) does not load Streamlit.
BUILTIN_WIDGETS = {"visual-analogue": "visual_analogue", "options": "options",
                   "yes-no": "yes_no", "text": "text", "numeric": "numeric"}


@hookimpl
def register_pages(kit):
    return [*dashboard_pages(), *account_pages(), *kiosk_pages(), *admin_pages()]


@hookimpl
def register_widgets():
    return [Widget(scale_type, _drawn_by(name)) for scale_type, name in BUILTIN_WIDGETS.items()]


def _drawn_by(name: str):
    def render(*args, **kwargs):
        from alliance_kit.ui.kiosk import widgets

        return getattr(widgets, name)(*args, **kwargs)

    render.__name__ = render.__qualname__ = name
    return render


def dashboard_pages() -> list[Page]:
    """The caseload (staff's first page) and the client page."""
    from alliance_kit.ui.dashboard import caseload, client

    return [
        Page("Caseload", caseload.render, "caseload", ":material/groups:", "Dashboard",
             roles=STAFF, default=True),
        Page("Client", client.render, "client", ":material/person:", "Dashboard",
             roles=STAFF),
    ]


def account_pages() -> list[Page]:
    """Log-in and the instrument browser."""
    from alliance_kit.ui import browser, login

    return [
        Page("Log in", login.render, "login", ":material/login:", "Account",
             roles=frozenset({ANONYMOUS}), default=True),
        Page("Instruments", browser.render, "instruments", ":material/checklist:",
             "Instruments", roles=STAFF),
    ]


def kiosk_pages() -> list[Page]:
    """The questionnaire flow, the locked screen, code entry, and starting a hand-over."""
    from alliance_kit.ui.kiosk import code, handover, locked, questionnaire

    kiosk_only = frozenset({KIOSK})
    return [
        Page("Questions", questionnaire.render, "kiosk", ":material/edit_note:", "Kiosk",
             roles=kiosk_only, default=True),
        Page("Locked", locked.render, "kiosk-locked", ":material/lock:", "Kiosk",
             roles=kiosk_only),
        Page("Enter a code", code.render, "code", ":material/pin:", "Account",
             roles=frozenset({ANONYMOUS})),
        Page("Start hand-over", handover.render, "handover", ":material/tablet:", "Kiosk",
             roles=STAFF),
    ]


def admin_pages() -> list[Page]:
    """Exports (therapists, supervisors) and the admin pages (admins only)."""
    from alliance_kit.ui import exports_page
    from alliance_kit.ui.admin import alerts, audit_log, instruments, notifications, users
    from alliance_kit.ui.admin import kiosk as kiosk_settings

    return [
        Page("Exports and reports", exports_page.render, "exports", ":material/download:",
             "Dashboard", roles=CLINICIANS),
        Page("Users and roles", users.render, "admin-users", ":material/group:", "Admin",
             roles=ADMIN),
        Page("Instruments per clinic", instruments.render, "admin-instruments",
             ":material/toggle_on:", "Admin", roles=ADMIN),
        Page("Alert settings", alerts.render, "admin-alerts", ":material/notifications:",
             "Admin", roles=ADMIN),
        Page("Notifications", notifications.render, "admin-notifications",
             ":material/campaign:", "Admin", roles=ADMIN),
        Page("Kiosk settings", kiosk_settings.render, "admin-kiosk", ":material/tablet:",
             "Admin", roles=ADMIN),
        Page("Audit log", audit_log.render, "admin-audit", ":material/history:", "Admin",
             roles=ADMIN),
    ]
