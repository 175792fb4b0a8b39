"""The app's own navigation: page links in the sidebar for staff, none on a kiosk tablet.

Streamlit's built-in sidebar navigation is a list whose section headings sit inside it
(axe-core: ``list``/``listitem``, serious), and each page's Material icon becomes the
browser tab's icon, fetched from a third-party font host. So the app passes
``position="hidden"`` to ``st.navigation`` and draws plain links here with
``st.page_link``; pages carry no icon of their own, and the tab shows :func:`page_icon`,
served by the app itself.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence

import streamlit as st

from alliance_kit.store.names import visible
from alliance_kit.types import Page
from alliance_kit.ui.text import plain

#: Roles whose sessions get the staff sidebar.
STAFF_ROLES = frozenset({"therapist", "supervisor", "admin"})


@functools.cache
def page_icon() -> bytes:
    """The browser tab's icon: a small PNG drawn here (no file, no request elsewhere)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((2, 2, 62, 62), radius=14, fill=(31, 95, 139, 255))
    # Two linked rings: the alliance between client and therapist.
    draw.ellipse((10, 18, 38, 46), outline=(255, 255, 255, 255), width=5)
    draw.ellipse((26, 18, 54, 46), outline=(255, 255, 255, 255), width=5)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sidebar(pages: Sequence[tuple[Page, st.Page]], role: str, who: str | None) -> None:
    """Draw the staff sidebar: who is logged in, then each section's page links.

    ``pages`` pairs each registered page this role may see with the ``st.Page`` built for
    it; the links are plain anchors, one after the other, under a small heading per section.
    """
    if role not in STAFF_ROLES:
        return
    with st.sidebar:
        if who:
            st.markdown(f"Logged in as **{plain(visible(who))}** ({plain(role)})")
        sections: dict[str, list[tuple[Page, st.Page]]] = {}
        for page, built in pages:
            sections.setdefault(page.section, []).append((page, built))
        for section, entries in sections.items():
            st.markdown(f"**{plain(section)}**")
            for page, built in entries:
                st.page_link(built, label=page.title, icon=page.icon, width="stretch")
