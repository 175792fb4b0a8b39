"""No unmarked words on translated pages: every text the admin pages, the exports page, the
navigation and the client's kiosk screens hand to Streamlit goes through ``_()`` (or is
marked with ``N_()`` where it is defined), so the catalogues can translate it.

A static check of the source: any string literal with words in it, passed to a Streamlit
element that shows text (a title, a label, a button, a message, a column heading, ...),
that is not inside ``_()`` / ``N_()`` fails, naming the file and line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "alliance_kit"
UI = SRC / "ui"
CHECKED = sorted([
    *(UI / "admin").glob("*.py"),
    UI / "exports_page.py",
    UI / "navigation.py",
    *(UI / "kiosk" / name for name in ("code.py", "common.py", "locked.py",
                                       "questionnaire.py", "widgets.py", "choice.py",
                                       "secret.py", "vas.py")),
])
#: Streamlit calls (and our own kiosk widgets) whose string arguments people read.
SHOWS_TEXT = {
    "title", "header", "subheader", "caption", "markdown", "write", "text", "button",
    "form_submit_button", "download_button", "link_button", "page_link", "text_input",
    "text_area", "number_input", "date_input", "time_input", "selectbox", "multiselect",
    "radio", "checkbox", "toggle", "slider", "select_slider", "segmented_control", "pills",
    "error", "warning", "info", "success", "toast", "tabs", "expander", "popover", "metric",
    "spinner", "status", "dialog", "choice", "secret_form", "Field", "progress",
    "dataframe", "vas",
}
#: Calls whose first argument is a key or a name, never shown.
KEY_FIRST = {"choice", "secret_form", "Field", "dataframe", "vas"}
#: Method calls whose string arguments are keys or patterns, never shown.
LOOKUPS = {"get", "pop", "setdefault", "startswith", "endswith", "split", "strip", "index",
           "count", "replace", "rsplit", "removeprefix", "removesuffix"}
#: Keyword arguments that never reach a reader as words.
NOT_SHOWN = {"key", "icon", "type", "width", "height", "mime", "file_name", "format",
             "on_click", "on_change", "args", "kwargs", "vertical_alignment",
             "label_visibility", "selection_mode", "on_select", "autocomplete", "name",
             "data", "default"}
#: Written the same in every language on purpose.
SAME_IN_EVERY_LANGUAGE = {
    "Language / Idioma",  # the language choice itself, read before a language is chosen
}
#: What `pybabel extract` reads as marked (see babel.cfg and the docstring of i18n.py).
_MARKERS = {"_", "N_"}


def prose(text: str) -> bool:
    """Whether a literal holds words (not only format fields, icons, addresses, markup)."""
    if text in SAME_IN_EVERY_LANGUAGE:
        return False
    text = re.sub(r"\{[^{}]*\}", " ", text)
    text = re.sub(r":material/[a-z_]+:", " ", text)
    text = re.sub(r"\S+://\S+|\S+@\S+\.\S+|\b[\w-]+(\.[\w-]+){2,}\b", " ", text)
    return re.search(r"[A-Za-z]{2,}", text) is not None


def shown_literals(node: ast.AST):
    """String parts inside ``node`` that would be shown unmarked."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in _MARKERS:
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Call) \
            and isinstance(node.func.func, ast.Name) and node.func.func.id == "t":
        return  # t(language)("...")
    if isinstance(node, ast.Compare | ast.Subscript):
        return  # comparisons and look-ups use keys, not words
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in LOOKUPS:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if prose(node.value):
            yield node
        return
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant) and prose(str(part.value)):
                yield part
            elif isinstance(part, ast.FormattedValue):
                yield from shown_literals(part.value)
        return
    if isinstance(node, ast.Dict):  # keys name columns; values are what is shown
        for value in node.values:
            yield from shown_literals(value)
        return
    if isinstance(node, ast.keyword) and node.arg in NOT_SHOWN:
        return
    children = list(ast.iter_child_nodes(node))
    if isinstance(node, ast.Call) and _name(node) in KEY_FIRST and node.args:
        children = [child for child in children if child is not node.args[0]]
    for child in children:
        yield from shown_literals(child)


def _name(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else \
        call.func.id if isinstance(call.func, ast.Name) else None


def unmarked(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        name = _name(call)
        if name not in SHOWS_TEXT and not (name or "").endswith("Column"):
            continue
        args = call.args[1:] if name in KEY_FIRST else call.args
        parts = [*args, *(k.value for k in call.keywords if k.arg not in NOT_SHOWN)]
        for part in parts:
            for literal in shown_literals(part):
                found.append(f"{path.relative_to(SRC)}:{literal.lineno}: "
                             f"{str(literal.value)[:60]!r} in {name}()")
    return found


def test_the_check_sees_the_pages():
    assert len(CHECKED) >= 14 and all(p.is_file() for p in CHECKED)


@pytest.mark.parametrize("path", CHECKED, ids=[p.name for p in CHECKED])
def test_no_unmarked_string_reaches_a_page(path):
    assert unmarked(path) == [], "wrap these in _() (see the docstring of i18n.py)"


def test_the_check_would_fail_on_an_unmarked_string(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('import streamlit as st\n'
                    'def render(app):\n'
                    '    _ = app.translate\n'
                    '    st.title(_("Marked"))\n'
                    '    st.button("Not marked", key="k", icon=":material/send:")\n'
                    '    st.caption(f"{count} rows left")\n'
                    '    st.selectbox(_("Team"), [1], format_func=lambda t: "no team")\n'
                    '    st.dataframe(x, column_config={"seq": "#", "actor": "Actor"})\n'
                    '    st.text_input(_("Host"), placeholder="smtp.example.org")\n',
                    "utf-8")
    found = [line.split(": ", 1)[1] for line in unmarked_at(page)]
    assert found == ["'Not marked' in button()", "' rows left' in caption()",
                     "'no team' in selectbox()", "'Actor' in dataframe()"]


def unmarked_at(path: Path) -> list[str]:
    global SRC
    saved, SRC = SRC, path.parent
    try:
        return unmarked(path)
    finally:
        SRC = saved
