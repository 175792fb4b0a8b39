"""The app's own navigation: page links in the sidebar for staff, none on a kiosk tablet.

Streamlit's built-in sidebar navigation is a list whose section headings sit inside it
(axe-core: ``list``/``listitem``, serious), and each page's Material icon becomes the
browser tab's icon, fetched from a third-party font host. So the app passes
``position="hidden"`` to ``st.navigation`` and draws plain links here with
``st.page_link``; pages carry no icon of their own, and the tab shows :func:`page_icon`,
served by the app itself.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import streamlit as st

from alliance_kit.i18n import N_, SOURCE_LANGUAGE, language_name, languages, t
from alliance_kit.store.names import visible
from alliance_kit.types import Page
from alliance_kit.ui.text import plain

#: Roles whose sessions get the staff sidebar (their names are translated where shown).
STAFF_ROLES = frozenset({"therapist", "supervisor", "admin"})
ROLE_NAMES = (N_("therapist"), N_("supervisor"), N_("admin"))


def page_icon() -> bytes:
    """The browser tab's icon: a small PNG drawn here (no file, no request elsewhere)."""
    return _ICON


def _draw_icon() -> bytes:
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


_ICON = _draw_icon()
#: Where a staff session keeps the language it chose for the app's words.
LANGUAGE_KEY = "alliance_kit:staff-language"
#: The built-in pages' titles and sections, marked so the catalogues translate them (a
#: plugin's titles show as written unless its own catalogue has them).
TITLES = (N_("Dashboard"), N_("Caseload"), N_("Client"), N_("Exports and reports"),
          N_("Instruments"), N_("Kiosk"), N_("Start hand-over"), N_("Admin"),
          N_("Users and roles"), N_("Instruments per clinic"), N_("Alert settings"),
          N_("Notifications"), N_("Kiosk settings"), N_("Audit log"), N_("Account"),
          N_("Log in"), N_("Enter a code"))


def staff_language(state) -> str:
    """The language a staff session chose (English until they choose)."""
    language = state.get(LANGUAGE_KEY)
    return language if language in languages() else SOURCE_LANGUAGE


def sidebar(pages: Sequence[tuple[Page, st.Page]], role: str, who: str | None,
            language: str = SOURCE_LANGUAGE) -> None:
    """Draw the staff sidebar: who is logged in, each section's page links, and the choice
    of language for the app's own words.

    ``pages`` pairs each registered page this role may see with the ``st.Page`` built for
    it; the links are plain anchors, one after the other, under a small heading per section.
    """
    if role not in STAFF_ROLES:
        return
    _ = t(language)
    with st.sidebar:
        if who:
            st.markdown(_("Logged in as **{name}** ({role})").format(
                name=plain(visible(who)), role=plain(_(role))))
        sections: dict[str, list[tuple[Page, st.Page]]] = {}
        for page, built in pages:
            sections.setdefault(page.section, []).append((page, built))
        for section, entries in sections.items():
            st.markdown(f"**{plain(_(section))}**")
            for page, built in entries:
                st.page_link(built, label=_(page.title), icon=page.icon, width="stretch")
        st.selectbox("Language / Idioma", languages(), key=LANGUAGE_KEY,
                     format_func=language_name)
