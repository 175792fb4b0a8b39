"""A malformed database URL is a clear error everywhere, never a traceback, never the password
(issue 15, item 6): "cannot open the database: <URL without password>: why"."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from alliance_kit.cli import cli
from alliance_kit.store import StoreError, open_store

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cret-pw"
URLS = {
    "postgres:// (Heroku style)": (f"postgres://ana:{SECRET}@db.clinic/mbc",
                                   "postgresql+psycopg://"),
    "a driver that is not installed": (f"postgresql+asyncpg://ana:{SECRET}@db.clinic/mbc",
                                       "driver (asyncpg) is not installed"),
    "another database": (f"mysql://ana:{SECRET}@db.clinic/mbc", "not supported"),
    "not a URL": (f"db.clinic:{SECRET}", "not a database URL"),
    "a port that is not a number": (f"postgresql+psycopg://ana:{SECRET}@db.clinic:five/mbc",
                                    "not a database URL"),
}


@pytest.mark.parametrize("case", sorted(URLS))
def test_open_store_says_what_is_wrong(case):
    url, why = URLS[case]
    with pytest.raises(StoreError) as error:
        open_store(url)
    message = str(error.value)
    assert message.startswith("cannot open the database: ")
    assert why in message
    assert SECRET not in message


@pytest.mark.parametrize("case", sorted(URLS))
@pytest.mark.parametrize("command", [["db", "check"], ["audit", "verify"], ["rescore"]])
def test_commands_report_it_without_a_traceback(case, command, kit):
    url, why = URLS[case]
    result = CliRunner().invoke(cli, [*command, "--database", url], obj=kit)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "cannot open the database" in result.output and why in result.output
    assert SECRET not in result.output


@pytest.mark.parametrize("case", sorted(URLS))
def test_the_app_shows_it_on_the_login_page(case, monkeypatch, tmp_path):
    url, why = URLS[case]
    monkeypatch.setenv("ALLIANCE_KIT_DATABASE_URL", url)
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(tmp_path))
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    finally:
        st.cache_resource.clear()
    assert not at.exception, at.exception
    assert any("cannot be opened" in e.value for e in at.error)
    shown = " ".join(t.value for t in at.text)
    assert "cannot open the database" in shown and why in shown
    assert SECRET not in shown
