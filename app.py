"""The Streamlit entrypoint: builds the navigation from the kit's pages and runs the chosen one."""

from functools import partial

import streamlit as st

from alliance_kit import Kit, build_kit


@st.cache_resource
def shared_kit() -> Kit:
    """The kit, built once per server process and shared, read-only, by every session.

    It holds definitions and plugins only. Never cache client rows (answers, scores, names)
    here or in anything else cache_resource returns: it is shared by ALL users.
    """
    return build_kit()


st.set_page_config(page_title="alliance_kit", layout="wide")
kit = shared_kit()
sections: dict[str, list] = {}
for page in kit.pages():
    sections.setdefault(page.section, []).append(
        st.Page(partial(page.render, kit), title=page.title, url_path=page.url_path,
                icon=page.icon)
    )
st.navigation(sections).run()
