"""Registers the therapist dashboard: the caseload (staff's first page) and the client page."""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import STAFF, Page


@hookimpl
def register_pages(kit):
    from alliance_kit.ui.dashboard import caseload, client

    return [
        Page("Caseload", caseload.render, "caseload", ":material/groups:", "Dashboard",
             roles=STAFF, default=True),
        Page("Client", client.render, "client", ":material/person:", "Dashboard",
             roles=STAFF),
    ]
