"""The Streamlit entrypoint: who is using this session decides which pages exist at all."""

from functools import partial

import streamlit as st

from alliance_kit import Kit, build_kit
from alliance_kit.clinic.notify import Dispatcher
from alliance_kit.clinic.services import Services
from alliance_kit.store import Store, StoreError, open_store
from alliance_kit.ui import navigation, session, staff
from alliance_kit.ui.context import App


@st.cache_resource
def shared_kit() -> Kit:
    """The kit, built once per server process and shared, read-only, by every session.

    It holds definitions and plugins only. Never cache client rows (answers, scores, codes)
    here or in anything else cache_resource returns: it is shared by ALL users.
    """
    return build_kit()


@st.cache_resource
def shared_store() -> Store:
    """The database engine (a connection pool): global and thread-safe, holds no rows."""
    return open_store()


@st.cache_resource(on_release=Dispatcher.stop)
def shared_sender() -> Dispatcher:
    """The background sender of alert notifications: one per server process, holding the
    database engine and the plugins only (see alliance_kit.clinic.notify)."""
    return Dispatcher(shared_store(), shared_kit().plugins).start()


kit = shared_kit()
try:
    services, store_error = Services(shared_store(), kit), None
    shared_sender()
except StoreError as exc:
    services, store_error = None, str(exc)
account = staff.current_account(services)
role = session.current_role(st.session_state, account)
app = App(kit, services, store_error, account, role, navigation.staff_language(st.session_state))
# A kiosk tablet shows no sidebar at all, from its very first paint. The tab's icon is the
# app's own (no request leaves the clinic's server).
st.set_page_config(page_title="alliance_kit", page_icon=navigation.page_icon(), layout="wide",
                   initial_sidebar_state="collapsed" if role == "kiosk" else "auto")

sections: dict[str, list] = {}
listed = []
for page in kit.pages():
    if role in page.roles:
        built = st.Page(partial(page.render, app), title=page.title, url_path=page.url_path,
                        default=page.default)
        sections.setdefault(page.section, []).append(built)
        listed.append((page, built))
current = st.navigation(sections, position="hidden")
navigation.sidebar(listed, role, account.display_name if account else None, app.language)
if account is not None and role != "kiosk":
    staff.sidebar(services, account, app.language)  # Log out, the idle watcher
current.run()
