"""Admin pages: users and roles, instruments per clinic, alert settings, the audit log.

Listed for the ``admin`` role only (``default_pages.py``), so no other role can reach them.
Layout only: every decision and every write is made by the library, which checks the
role again. Text from users and definitions reaches Markdown only through ``plain``.
"""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic.services import Services
from alliance_kit.ui.context import App


def services_or_stop(app: App) -> Services:
    """The services, or an error on the page and a stop when the database is unusable."""
    if app.services is None:
        _ = app.translate
        st.error(_("The database cannot be opened."), icon=":material/error:")
        st.text(app.store_error or "")
        st.stop()
    return app.services
