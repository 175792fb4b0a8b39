"""The Streamlit entrypoint: who is using this session decides which pages exist at all."""

from functools import partial

import streamlit as st

from alliance_kit import Kit, build_kit
from alliance_kit.clinic.services import Services
from alliance_kit.store import Store, StoreError, open_store
from alliance_kit.ui import session, staff
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


st.set_page_config(page_title="alliance_kit", layout="wide")
kit = shared_kit()
try:
    services, store_error = Services(shared_store(), kit), None
except StoreError as exc:
    services, store_error = None, str(exc)
account = staff.current_account(services)
role = session.current_role(st.session_state, account)
app = App(kit, services, store_error, account, role)

sections: dict[str, list] = {}
for page in kit.pages():
    if role in page.roles:
        sections.setdefault(page.section, []).append(st.Page(
            partial(page.render, app), title=page.title, url_path=page.url_path,
            icon=page.icon, default=page.default))
if account is not None and role != "kiosk":
    staff.sidebar(services, account)  # "Logged in as", Log out, the idle watcher
st.navigation(sections, position="hidden" if role == "kiosk" else "sidebar").run()
