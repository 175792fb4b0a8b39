"""What the dashboard pages share: severity flags, the current client, and page switching."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from alliance_kit.ui.context import App

KEY = "dashboard"
#: The client the client page shows (a client id), set by the caseload before switching.
CURRENT = f"{KEY}:current"
#: A message to show once after a rerun (e.g. "Alert acknowledged").
FLASH = f"{KEY}:flash"
CLIENT_URL = "client"
CASELOAD_URL = "caseload"

#: Severity -> (symbol, word, Streamlit colour, Material icon). Each severity differs in
#: symbol shape and word as well as colour, so no one has to tell red from orange. The
#: symbols are plain text characters (not emoji), which every font in use draws.
SEVERITY: dict[str, tuple[str, str, str, str]] = {
    "safety": ("‼", "SAFETY", "red", ":material/emergency:"),
    "urgent": ("!", "Urgent", "violet", ":material/priority_high:"),
    "warning": ("⚠", "Warning", "orange", ":material/warning:"),
    "info": ("ℹ", "Info", "blue", ":material/info:"),
}


def flag(severity: Any) -> str:
    """Severity as a table cell: symbol and word ('‼ SAFETY'); '' for none."""
    if not isinstance(severity, str) or severity not in SEVERITY:
        return ""
    symbol, word, _, _ = SEVERITY[severity]
    return f"{symbol} {word}"


def badge(severity: str) -> str:
    """Severity as a Markdown badge: colour, icon and word (our own text only)."""
    _, word, colour, icon = SEVERITY.get(severity, ("", severity, "gray", ""))
    return f":{colour}-badge[{icon} {word}]"


def ready(app: App) -> bool:
    """Whether the page can draw: the database opens and someone is logged in."""
    if app.services is None:
        st.error("The database cannot be opened.", icon=":material/error:")
        st.text(app.store_error or "")
        return False
    if app.account is None:
        st.error("Please log in.", icon=":material/login:")
        return False
    return True


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def open_client(client_id: int) -> None:
    """Show this client on the client page."""
    st.session_state[CURRENT] = int(client_id)
    st.switch_page(_page(CLIENT_URL, "Client"))


def open_caseload() -> None:
    st.switch_page(_page(CASELOAD_URL, "Caseload"))


def _page(url_path: str, title: str) -> st.Page:
    # Pages are registered by app.py from the kit; a page is found by its url path, so an
    # equal stand-in switches to the registered one.
    return st.Page(_nothing, title=title, url_path=url_path)


def _nothing() -> None:  # pragma: no cover - never run: the registered page runs instead
    pass


def empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or len(frame) == 0
