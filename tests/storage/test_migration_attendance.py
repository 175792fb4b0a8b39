"""Migration 0003 (attendance), on both engines: a database with sessions and alerts comes
through with everything attended and nothing lost, the schema then matches the models, and
it goes back down."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text

from alliance_kit.store import migrate, open_store
from alliance_kit.store.models import Base


def _at_0002(database_url: str):
    store = open_store(database_url)
    everything = MetaData()
    everything.reflect(store.engine)  # whatever later migrations added too
    everything.drop_all(store.engine)
    migrate.upgrade(store, "0002")
    return store


def test_an_existing_clinic_comes_through_attended(database_url):
    store = _at_0002(database_url)
    try:
        with store.engine.begin() as c:
            c.execute(text("INSERT INTO clients (id, code, active, created_at) "
                           "VALUES (1, 'C1', true, '2024-01-01')"))
            c.execute(text("INSERT INTO episodes (id, client_id, started_on) "
                           "VALUES (1, 1, '2024-01-01')"))
            c.execute(text("INSERT INTO sessions (id, episode_id, client_id, number, date) "
                           "VALUES (1, 1, 1, 1, '2024-01-02'), (2, 1, 1, 2, '2024-01-09')"))
            c.execute(text(
                "INSERT INTO responses (id, idempotency_key, client_id, session_id, "
                "session_number, instrument_id, instrument_version, language, answers, "
                "attributes, source, submitted_at, payload_hash) VALUES (1, 'k', 1, 1, 1, "
                "'srs', '1.0.0', 'en', '{}', '{}', 'kiosk', '2024-01-02', 'h')"))
            c.execute(text(
                "INSERT INTO alerts (id, response_id, client_id, instrument_id, rule_id, "
                "rule_type, severity, message, raised_at) VALUES (1, 1, 1, 'srs', 'rupture', "
                "'drop', 'warning', 'm', '2024-01-02')"))
        assert migrate.upgrade(store)[0] == "0002"
        with store.engine.connect() as c:
            rows = c.execute(text("SELECT id, number, status, status_reason, time FROM sessions "
                                  "ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, 1, "attended", None, None),
                                                (2, 2, "attended", None, None)]
            assert c.execute(text("SELECT end_reason FROM episodes")).scalar() is None
            assert c.execute(text("SELECT response_id, trigger_key FROM alerts")).one() == \
                (1, None)
            diffs = compare_metadata(MigrationContext.configure(c), Base.metadata)
        assert diffs == []  # the migrated schema is the models' schema
        with store.engine.begin() as c:
            c.execute(text("INSERT INTO sessions (id, episode_id, client_id, date, status) "
                           "VALUES (3, 1, 1, :d, 'scheduled')"), {"d": dt.date(2030, 1, 1)})
            c.execute(text("INSERT INTO alerts (id, client_id, instrument_id, rule_id, "
                           "rule_type, severity, message, raised_at, trigger_key) VALUES "
                           "(2, 1, 'attendance', 'not-seen', 'attendance', 'urgent', 'm', "
                           "'2024-03-01', 'x')"))
        with migrate.foreign_keys_off(store) as connection, connection.begin():
            config = Config()
            config.set_main_option("script_location", "alliance_kit.store:migrations")
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        with store.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM sessions")).scalar() == 2
            assert c.execute(text("SELECT id FROM alerts")).scalars().all() == [1]
        assert migrate.upgrade(store) == ("0002", migrate.head())
    finally:
        store.close()
