"""The client's comments, newest first, each as a card that wraps its whole text (a grid
cut a long comment to one line). The latest few are shown; older ones fold away."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance_kit.ui.dashboard.common import KEY
from alliance_kit.ui.text import plain

#: Comments shown before the rest fold into "Older comments".
SHOWN = 5
#: Longer comments show their start, and the whole text one tap away.
PREVIEW = 300


def comments_list(notes: pd.DataFrame) -> None:
    """Cards for the comments (Session, Date, Instrument, Comment), newest first."""
    st.markdown(f"**Comments** ({len(notes)}), newest first")
    for row in notes.head(SHOWN).itertuples():
        _card(row)
    if len(notes) > SHOWN:
        with st.expander(f"Older comments ({len(notes) - SHOWN})",
                         icon=":material/history:"):
            for row in notes.iloc[SHOWN:].itertuples():
                _card(row)


def _card(row) -> None:
    when = pd.Timestamp(row.Date).strftime("%d %b %Y") if pd.notna(row.Date) else "—"
    session = f"session {int(row.Session)} · " if pd.notna(row.Session) else ""
    with st.container(border=True, key=f"{KEY}:comment:{row.Index}"):
        st.caption(plain(f"{session}{when} · {row.Instrument}"))
        text = str(row.Comment)
        if len(text) <= PREVIEW:
            st.markdown(_lines(text))
            return
        st.markdown(_lines(text[:PREVIEW].rstrip()) + " …")
        with st.expander(f"The whole comment ({len(text)} characters)"):
            st.markdown(_lines(text))


def _lines(text: str) -> str:
    """Plain text as inert Markdown that keeps its line breaks."""
    return "  \n".join(plain(line) for line in text.splitlines()) or "—"
