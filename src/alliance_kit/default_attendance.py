"""Registers attendance and return, through the same hooks as any plugin: the three built-in
attendance alert rules, the supervisors' "Return and retention" page and the admins' "Return
and dropout settings" page, and the ``attendance`` and ``retention`` commands.
"""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import Page

EVIDENCE = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})


@hookimpl
def register_attendance_rules():
    from alliance_kit.engine.attendance_rules import BUILTIN

    return list(BUILTIN)


@hookimpl
def register_pages(kit):
    from alliance_kit.ui import attendance_settings, retention_page

    return [
        Page("Return and retention", retention_page.render, "retention", ":material/insights:",
             "Dashboard", roles=EVIDENCE),
        Page("Return and dropout settings", attendance_settings.render, "admin-attendance",
             ":material/event_repeat:", "Admin", roles=ADMIN),
    ]


@hookimpl
def register_commands(cli):
    from alliance_kit.cli import attendance

    cli.add_command(attendance.attendance_group)
    cli.add_command(attendance.retention_command)
