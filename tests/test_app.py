"""The Streamlit app, run in-process with AppTest: navigation, the instrument browser, safety."""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.navigation.page import calc_hash
from streamlit.testing.v1 import AppTest

from alliance_kit.clinic.accounts import Account
from alliance_kit.ui import session
from alliance_kit.ui.text import plain

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted(json.loads(path.read_text("utf-8"))["id"]
                 for path in (ROOT / "instruments").glob("*.json"))

HOSTILE = [
    "<script>alert(1)</script>",
    "**bold**",
    "[link](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
]
HOSTILE_TEXT = " ".join(HOSTILE)

PLUGIN = '''
from pathlib import Path

from alliance_kit import hookimpl


@hookimpl
def register_instruments():
    return sorted(Path(__file__).parent.glob("defs/*.json"))
'''


def _minimal(instrument_id: str, text: str = "Feeling fine") -> dict:
    """A valid two-item definition shaped like phq-9.json."""
    phq9 = json.loads((ROOT / "instruments" / "phq-9.json").read_text("utf-8"))
    return {
        "$schema": phq9["$schema"],
        "id": instrument_id,
        "version": "1.0.0",
        "title": {"en": text},
        "description": {"en": text},
        "citation": text,
        "license": {"name": text, "note": text},
        "wording": "open",
        "languages": ["en"],
        "notes": [text],
        "stem": {"en": text},
        "scales": {"frequency": copy.deepcopy(phq9["scales"]["frequency"])},
        "items": [
            {"id": "1", "text": {"en": text}, "scale": "frequency"},
            {"id": "2", "text": {"en": "Sleeping well"}, "scale": "frequency"},
        ],
        "scores": [{"id": "total", "method": "sum", "items": ["1", "2"]}],
    }


@pytest.fixture
def plugins_dir(tmp_path, monkeypatch) -> Path:
    """An empty plugins folder of our own, so only bundled and test plugins load."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(folder))
    monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)
    return folder


@pytest.fixture
def app(plugins_dir, monkeypatch):
    """Make an AppTest of app.py, run from the repo root with a freshly built kit."""
    monkeypatch.chdir(ROOT)

    def make() -> AppTest:
        # The kit is cached per process with st.cache_resource and AppTest runs in-process:
        # clear it so each test builds its own kit from its own plugins folder.
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        # The browser is a staff page: run as a logged-in therapist.
        now = time.time()
        at.session_state[session.ACCOUNT_KEY] = session.LoggedIn(
            Account(1, "ana", "Ana", "therapist", None), now, now)
        at.run()
        # Staff start on the caseload; go to the browser by the hash of its url path
        # (AppTest.switch_page only knows file pages).
        at._page_hash = calc_hash("instruments")
        return at.run()

    yield make
    st.cache_resource.clear()


def add_definitions(plugins_dir: Path, **files: object) -> None:
    """Install a plugin registering the given JSON files (name -> dict or raw text)."""
    (plugins_dir / "broken_defs.py").write_text(PLUGIN, "utf-8")
    defs = plugins_dir / "defs"
    defs.mkdir(exist_ok=True)
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (defs / f"{name}.json").write_text(text, "utf-8")


def choose(at: AppTest, instrument_id: str, language: str | None = None) -> AppTest:
    at.selectbox(key="browser:instrument").set_value(instrument_id)
    if language:
        at.radio(key="browser:language").set_value(language)
    return at.run()


def items_table(at: AppTest):
    return next(df.value for df in at.dataframe if "Asked when" in df.value.columns)


def markdown_bodies(at: AppTest) -> list[str]:
    """The source of every element that renders Markdown."""
    kinds = ("markdown", "title", "header", "subheader", "caption", "error", "warning", "info",
             "success")
    return [element.value for kind in kinds for element in at.get(kind)]


def unescape(body: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body)


def test_app_runs_and_lists_every_bundled_instrument(app):
    at = app()
    assert not at.exception
    options = at.selectbox(key="browser:instrument").options
    for instrument_id in BUNDLED:
        assert any(option.startswith(f"{instrument_id} · ") for option in options), instrument_id


def test_phq9_shows_its_ten_items(app):
    at = choose(app(), "phq-9")
    assert not at.exception
    table = items_table(at)
    assert list(table["Item"]) == [str(n) for n in range(1, 11)]
    item9 = table.set_index("Item").loc["9"]
    assert item9["Text"] == ("Thoughts that you would be better off dead or of hurting "
                             "yourself in some way")
    assert table.set_index("Item").loc["10", "Asked when"] == "when score 'total' is above 0"
    assert any(b.startswith(":green-badge[") and "open wording" in b for b in markdown_bodies(at))


def test_wai_sr_shows_no_wording_and_asks_for_a_pack(app):
    at = choose(app(), "wai-sr")
    assert not at.exception
    table = items_table(at)
    assert len(table) == 12
    assert set(table["Text"]) == {"— (wording pack needed)"}
    assert any("wording pack is needed" in info.value for info in at.info)
    assert any("structure only — needs a wording pack" in b for b in markdown_bodies(at))


def test_language_choice_with_english_fallback(app):
    at = choose(app(), "session-checkin")
    at.radio(key="browser:language").set_value("es").run()
    assert at.selectbox(key="browser:instrument").value == "session-checkin"
    assert at.header[0].value == plain("Revisión breve de la sesión")
    assert any("project wording — not a validated instrument" in b for b in markdown_bodies(at))
    at = choose(at, "phq-9")
    assert not at.exception
    assert items_table(at).set_index("Item").loc["1", "Text"] == (
        "Little interest or pleasure in doing things")
    assert any("showing English" in caption.value for caption in at.caption)


def test_all_definitions_valid_says_so(app):
    at = app()
    assert [e.value for e in at.error] == []
    assert [s.value for s in at.success] == ["All definitions are valid."]


def test_problems_section_reports_a_broken_definition(app, plugins_dir):
    add_definitions(plugins_dir, bad={"id": "Bad Id"})
    at = app()
    assert not at.exception
    errors = [unescape(e.value) for e in at.error]
    bad = next(e for e in errors if e.startswith("**") and "bad.json**" in e)
    assert "- $.id: 'Bad Id' does not match" in bad
    assert "- $: 'version' is a required property" in bad
    assert not at.success
    assert any("could not be loaded" in w.value for w in at.warning)
    # The good definitions still load.
    assert len(at.selectbox(key="browser:instrument").options) >= len(BUNDLED)


def test_hostile_definition_text_is_shown_inert(app, plugins_dir):
    add_definitions(plugins_dir, hostile=_minimal("hostile", HOSTILE_TEXT))
    at = choose(app(), "hostile")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]

    bodies = markdown_bodies(at)
    for hostile in HOSTILE:
        for body in bodies:
            assert hostile not in body
    assert "[link](" not in "".join(bodies)
    # ...but it is all there, escaped, where the page shows it as text.
    assert at.header[0].value == plain(HOSTILE_TEXT)
    assert any(unescape(m.value) == HOSTILE_TEXT for m in at.markdown)  # description
    assert any(unescape(m.value) == f"- {HOSTILE_TEXT}" for m in at.markdown)  # notes

    # Tables carry the text verbatim: st.dataframe renders no Markdown or HTML.
    assert items_table(at).set_index("Item").loc["1", "Text"] == HOSTILE_TEXT
    # Nothing may render raw HTML.
    assert not at.get("html")
    assert all(not m.proto.allow_html for m in at.get("markdown"))


def test_plain_escapes_markdown():
    assert plain("**a** [b](c) <d> $e$ :red[f]") == (
        r"\*\*a\*\* \[b\]\(c\) \<d\> \$e\$ \:red\[f\]")
