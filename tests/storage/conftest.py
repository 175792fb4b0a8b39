"""Storage fixtures: every storage test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``ALLIANCE_KIT_TEST_DATABASE_URL`` (an admin URL such as
``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``; ``.ci/run`` starts a server
and sets it). Each test gets a fresh database cloned from a migrated template, so tests
never see each other's rows. Without the variable the PostgreSQL cases are skipped
locally; under CI (``CI`` set) they fail instead, so CI can never skip them silently.
"""

from __future__ import annotations

import itertools
import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import alliance_kit
from alliance_kit.clinic.services import Services
from alliance_kit.store import migrate, open_store

PG_ENV = "ALLIANCE_KIT_TEST_DATABASE_URL"
ENGINES = ["sqlite", "postgresql"]
_TEMPLATE = f"ak_template_{uuid.uuid4().hex[:8]}"
_counter = itertools.count()


def _admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set under CI: the PostgreSQL tests must run")
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (see .ci/run); SQLite cases still run")
    return url


def _database_url(admin: str, name: str) -> str:
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template():
    """A migrated template database, created once per test run and dropped after."""
    admin = _admin_url()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{_TEMPLATE}"'))
    store = open_store(_database_url(admin, _TEMPLATE))
    migrate.upgrade(store)
    store.close()
    yield admin, engine
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))
    engine.dispose()


def make_store_url(request, tmp_path, engine_name: str) -> str:
    """A fresh, migrated, empty database URL on the given engine."""
    if engine_name == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        store = open_store(url, create=True)
        migrate.upgrade(store)
        store.close()
        return url
    admin, engine = request.getfixturevalue("pg_template")
    name = f"ak_test_{os.getpid()}_{next(_counter)}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"'))

    def drop() -> None:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    request.addfinalizer(drop)
    return _database_url(admin, name)


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    """The URL of a fresh migrated database, once on SQLite and once on PostgreSQL."""
    return make_store_url(request, tmp_path, request.param)


@pytest.fixture
def store(database_url):
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def kit():
    return alliance_kit.build_kit(entry_points=False, local=False)


@pytest.fixture
def services(store, kit) -> Services:
    return Services(store, kit)
