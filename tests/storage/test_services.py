"""The service layer on both engines: submitting, idempotency, corrections, reading,
alerts, export and rescoring. Every test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import func, select

import alliance_kit
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import IdempotencyConflict, Services
from alliance_kit.engine import scoring
from alliance_kit.engine.responses import InvalidResponses
from alliance_kit.kit import load_definition
from alliance_kit.store.models import Alert, AuditEntry, Response, Score

SYSTEM = Actor.system()
TABLES = {"responses": Response, "scores": Score, "alerts": Alert, "audit_log": AuditEntry}


def phq(*values, item9: int = 0) -> dict:
    """PHQ-9 answers: items 1-8 from ``values`` (default all 1), item 9 separately."""
    first = list(values) if values else [1] * 8
    answers = {str(i + 1): v for i, v in enumerate(first)}
    answers["9"] = item9
    return answers


def srs(*values) -> dict:
    return {str(i + 1): v for i, v in enumerate(values)}


def counts(store) -> dict[str, int]:
    with store.read() as session:
        return {name: session.execute(select(func.count()).select_from(model)).scalar_one()
                for name, model in TABLES.items()}


def plain(row) -> SimpleNamespace:
    """A detached copy of an ORM row (read sessions roll back and expire their rows)."""
    return SimpleNamespace(**{c.key: getattr(row, c.key)
                              for c in type(row).__mapper__.column_attrs})


def last_audit(store) -> SimpleNamespace:
    with store.read() as session:
        return plain(session.execute(
            select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one())


@pytest.fixture
def world(services):
    """One therapist with three clients."""
    ana_id = services.add_user(SYSTEM, "ana", "therapist")
    ana = Actor("ana", "therapist", ana_id)
    clients = [services.add_client(SYSTEM, f"C{i}", therapist_ids=[ana_id]) for i in range(3)]
    return ana, clients


def submit(services, actor, client, instrument, answers, key, **kw):
    return services.submit_response(actor, client_id=client, instrument_id=instrument,
                                    answers=answers, idempotency_key=key, **kw)


# ---- submitting ----------------------------------------------------------------------


def test_submit_stores_answers_once_with_versioned_scores(services, store, world):
    ana, (client, *_) = world
    before = counts(store)
    saved = submit(services, ana, client, "phq-9", phq(2, 1, 1, 1, 1, 1, 1, 1), "k-1",
                   source="staff")
    assert saved.created is True
    assert saved.scores == {"total": 9.0}
    assert saved.alerts == []
    after = counts(store)
    assert after["responses"] == before["responses"] + 1
    assert after["scores"] == before["scores"] + 1
    assert after["audit_log"] == before["audit_log"] + 1
    assert after["alerts"] == before["alerts"]
    with store.read() as session:
        response = session.get(Response, saved.response_id)
        assert response.answers == phq(2, 1, 1, 1, 1, 1, 1, 1)
        assert response.client_id == client and response.entered_by == ana.user_id
        assert response.instrument_version == "1.1.0" and response.source == "staff"
        rows = [plain(r) for r in session.execute(select(Score).where(
            Score.response_id == saved.response_id)).scalars()]
    assert len(rows) == 1
    (row,) = rows
    assert (row.score_id, row.value, row.band, row.current) == ("total", 9.0, "mild", True)
    assert row.instrument_version == "1.1.0"
    assert row.engine_version == alliance_kit.__version__


def test_phq9_item9_raises_the_safety_alert(services, store, world):
    ana, (client, *_) = world
    saved = submit(services, ana, client, "phq-9", phq(item9=1), "k-1")
    assert [(a["rule_id"], a["severity"]) for a in saved.alerts] == [("self-harm", "safety")]
    with store.read() as session:
        alerts = [plain(a) for a in session.execute(select(Alert)).scalars()]
    assert [(a.rule_id, a.severity, a.client_id, a.response_id) for a in alerts] == [
        ("self-harm", "safety", client, saved.response_id)]
    assert alerts[0].acknowledged_at is None
    # item 9 = 0 raises nothing
    quiet = submit(services, ana, client, "phq-9", phq(item9=0), "k-2")
    assert quiet.alerts == []


@pytest.mark.parametrize(("second", "rupture"), [
    ((9.5, 9.0, 9.0, 9.0), True),    # 38 -> 36.5: a drop of 1.5
    ((9.5, 9.5, 9.0, 9.0), True),    # 38 -> 37.0: a drop of exactly 1
    ((9.3, 9.3, 9.0, 9.5), False),   # 38 -> 37.1: a drop of 0.9
])
def test_srs_drop_across_two_sessions_raises_rupture(services, world, second, rupture):
    ana, (client, *_) = world
    first = submit(services, ana, client, "srs", srs(9.5, 9.5, 9.5, 9.5), "s-1")
    assert first.scores == {"total": 38.0} and first.alerts == []
    later = submit(services, ana, client, "srs", srs(*second), "s-2")
    rules = {a["rule_id"] for a in later.alerts}
    assert ("rupture" in rules) is rupture
    assert "concern" not in rules and "item-low" not in rules


def test_srs_accepts_every_answer_on_its_0_1_grid(services, store, world):
    """SRS items are 0-10 in steps of 0.1: 9.1, 9.2, 8.7 and 0.3 are on that grid."""
    ana, (client, *_) = world
    saved = submit(services, ana, client, "srs", srs(9.1, 9.2, 8.7, 0.3), "s-1")
    assert saved.created and saved.scores == {"total": 27.3}
    grid = [round(k * 0.1, 1) for k in range(101)]
    refused = []
    for value in grid:
        try:
            submit(services, ana, client, "srs", srs(value, 10, 10, 10), f"g-{value}")
        except InvalidResponses:
            refused.append(value)
    assert refused == []


def test_rupture_compares_with_the_same_clients_previous_session_only(services, world):
    ana, (c0, c1, _) = world
    submit(services, ana, c0, "srs", srs(9.9, 9.9, 9.9, 9.9), "s-1")
    later = submit(services, ana, c1, "srs", srs(9.5, 9.0, 9.0, 9.0), "s-2")
    assert later.alerts == []


def test_same_key_same_answers_returns_the_stored_response_and_writes_nothing(
        services, store, world):
    ana, (client, *_) = world
    first = submit(services, ana, client, "phq-9", phq(item9=1), "k-1")
    before = counts(store)
    again = submit(services, ana, client, "phq-9", phq(item9=1), "k-1")
    assert again.created is False
    assert again.response_id == first.response_id
    assert again.scores == first.scores
    assert [a["rule_id"] for a in again.alerts] == ["self-harm"]
    assert counts(store) == before


def test_same_key_other_answers_is_a_conflict_and_writes_nothing(services, store, world):
    ana, (client, other, _) = world
    submit(services, ana, client, "phq-9", phq(), "k-1")
    before = counts(store)
    with pytest.raises(IdempotencyConflict, match="nothing was saved"):
        submit(services, ana, client, "phq-9", phq(item9=2), "k-1")
    with pytest.raises(IdempotencyConflict):
        submit(services, ana, other, "phq-9", phq(), "k-1")
    with pytest.raises(IdempotencyConflict):
        submit(services, ana, client, "gad-7", {str(i): 1 for i in range(1, 8)}, "k-1")
    assert counts(store) == before


@pytest.mark.parametrize("answers", [
    {**phq(), "1": 4},             # out of the scale
    {**phq(), "1": "often"},       # not a number
    {**phq(), "11": 1},            # no such item
    {**phq(0, 0, 0, 0, 0, 0, 0, 0), "10": 2},  # item 10 is only asked when total > 0
])
def test_invalid_answers_write_nothing(services, store, world, answers):
    ana, (client, *_) = world
    before = counts(store)
    with pytest.raises(InvalidResponses):
        submit(services, ana, client, "phq-9", answers, "k-bad")
    assert counts(store) == before
    # the key was not used up: a valid submission with it goes through
    assert submit(services, ana, client, "phq-9", phq(), "k-bad").created


def test_unknown_instrument_writes_nothing(services, store, world):
    ana, (client, *_) = world
    before = counts(store)
    with pytest.raises(KeyError, match="unknown instrument 'nope'"):
        submit(services, ana, client, "nope", {"1": 1}, "k-1")
    assert counts(store) == before


@pytest.mark.parametrize("key", ["", "x" * 65])
def test_bad_idempotency_key_is_refused(services, store, world, key):
    ana, (client, *_) = world
    before = counts(store)
    with pytest.raises(ValueError, match="idempotency key"):
        submit(services, ana, client, "phq-9", phq(), key)
    assert counts(store) == before


def test_session_of_another_client_is_refused_and_nothing_written(services, store, world):
    ana, (c0, c1, _) = world
    other_session = services.add_session(ana, c1, dt.date(2024, 1, 2))
    before = counts(store)
    with pytest.raises(ValueError, match="not a session of client"):
        submit(services, ana, c0, "phq-9", phq(), "k-1", session_id=other_session)
    assert counts(store) == before


def test_failure_after_the_response_insert_rolls_everything_back(
        services, store, world, monkeypatch):
    """A failure late in the transaction (here: the audit write) leaves nothing behind."""
    ana, (client, *_) = world
    before = counts(store)

    def broken(*args, **kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr("alliance_kit.store.audit.append", broken)
    with pytest.raises(RuntimeError):
        submit(services, ana, client, "phq-9", phq(item9=1), "k-1")
    monkeypatch.undo()
    assert counts(store) == before


# ---- corrections ---------------------------------------------------------------------


def test_correction_adds_a_response_keeps_the_original_and_history_shows_current(
        services, store, world):
    ana, (client, *_) = world
    original = submit(services, ana, client, "phq-9", phq(item9=0), "k-1")
    fixed = submit(services, ana, client, "phq-9", phq(2, 2, 2, 2, 2, 2, 2, 2), "k-2",
                   replaces_id=original.response_id)
    assert fixed.created and fixed.response_id != original.response_id
    assert fixed.scores == {"total": 16.0}
    with store.read() as session:
        kept = session.get(Response, original.response_id)
        assert kept is not None and kept.answers == phq(item9=0)
        assert session.get(Response, fixed.response_id).replaces_id == original.response_id
    history = services.client_history(ana, client)
    assert history["response_id"].tolist() == [fixed.response_id]
    assert history["value"].tolist() == [16.0]


def test_correction_must_name_a_response_of_the_same_client_and_instrument(
        services, store, world):
    ana, (c0, c1, _) = world
    original = submit(services, ana, c0, "phq-9", phq(), "k-1")
    before = counts(store)
    with pytest.raises(ValueError, match="nothing to correct"):
        submit(services, ana, c1, "phq-9", phq(), "k-2", replaces_id=original.response_id)
    with pytest.raises(ValueError, match="nothing to correct"):
        submit(services, ana, c0, "gad-7", {str(i): 1 for i in range(1, 8)}, "k-3",
               replaces_id=original.response_id)
    with pytest.raises(ValueError, match="nothing to correct"):
        submit(services, ana, c0, "phq-9", phq(), "k-4", replaces_id=999_999)
    assert counts(store) == before


def test_correcting_an_already_corrected_response_is_refused_clearly(services, store, world):
    """A second correction of the same original: a clear ValueError, nothing written
    (not a raw database IntegrityError from the unique replaces_id)."""
    ana, (client, *_) = world
    original = submit(services, ana, client, "phq-9", phq(), "k-1")
    submit(services, ana, client, "phq-9", phq(2, 1, 1, 1, 1, 1, 1, 1), "k-2",
           replaces_id=original.response_id)
    before = counts(store)
    with pytest.raises(ValueError):
        submit(services, ana, client, "phq-9", phq(3, 1, 1, 1, 1, 1, 1, 1), "k-3",
               replaces_id=original.response_id)
    assert counts(store) == before


# ---- reading -------------------------------------------------------------------------


def test_caseload_puts_safety_first_then_warnings_with_scores_and_trends(services, world):
    ana, (quiet, rupture, safety) = world
    services.add_session(ana, quiet, dt.date.today())       # most recent session, no alerts
    services.add_session(ana, rupture, dt.date(2024, 1, 1))
    services.add_session(ana, safety, dt.date(2023, 1, 1))
    submit(services, ana, rupture, "srs", srs(9.5, 9.5, 9.5, 9.5), "s-1")
    submit(services, ana, rupture, "srs", srs(9.5, 9.0, 9.0, 9.0), "s-2")
    submit(services, ana, safety, "phq-9", phq(item9=1), "p-1")
    submit(services, ana, quiet, "srs", srs(9.5, 9.5, 9.5, 9.5), "s-3")
    table = services.caseload(ana)
    assert table["client_id"].tolist() == [safety, rupture, quiet]
    assert table["top_severity"].tolist()[:2] == ["safety", "warning"]
    assert pd.isna(table["top_severity"].iloc[2])
    assert table["open_alerts"].tolist() == [1, 1, 0]
    assert table.loc[0, "alert_rules"] == "phq-9: self-harm"
    assert table.loc[1, "alert_rules"] == "srs: rupture"
    assert table.loc[0, "outcome_instrument"] == "phq-9" and table.loc[0, "outcome"] == 9.0
    assert table.loc[1, "alliance_instrument"] == "srs" and table.loc[1, "alliance"] == 36.5
    assert table.loc[1, "alliance_trend"] == pytest.approx(-1.5)
    assert pd.isna(table.loc[2, "alliance_trend"])    # only one SRS so far
    assert table.loc[2, "last_session"] == dt.date.today()
    assert {"client_id", "code", "last_session", "alliance_instrument", "alliance",
            "alliance_trend", "outcome_instrument", "outcome", "open_alerts", "top_severity",
            "alert_rules"} <= set(table.columns)


def test_caseload_of_a_therapist_without_data_is_empty_not_an_error(services):
    uid = services.add_user(SYSTEM, "new", "therapist")
    table = services.caseload(Actor("new", "therapist", uid))
    assert len(table) == 0


def test_caseload_with_clients_but_no_responses(services, world):
    ana, clients = world
    table = services.caseload(ana)
    assert sorted(table["client_id"]) == sorted(clients)
    assert table["open_alerts"].tolist() == [0, 0, 0]


def test_open_alerts_and_acknowledge(services, store, world):
    ana, (c0, c1, _) = world
    submit(services, ana, c0, "srs", srs(9.5, 9.5, 9.5, 9.5), "s-1")
    submit(services, ana, c0, "srs", srs(8.0, 9.5, 9.5, 9.5), "s-2")   # rupture + item-low
    submit(services, ana, c1, "phq-9", phq(item9=3), "p-1")
    alerts = services.open_alerts(ana)
    assert alerts["severity"].tolist() == ["safety", "warning", "info"]
    assert alerts["rule_id"].tolist() == ["self-harm", "rupture", "item-low"]
    only = services.open_alerts(ana, client_id=c0)
    assert set(only["client_id"]) == {c0} and len(only) == 2
    safety_id = int(alerts.loc[0, "id"])

    with pytest.raises(ValueError, match="note is required"):
        services.acknowledge_alert(ana, safety_id, "   ")
    with pytest.raises(ValueError, match="note is required"):
        services.acknowledge_alert(ana, safety_id, "")
    entries = counts(store)["audit_log"]
    services.acknowledge_alert(ana, safety_id, "  called the client; safety plan updated ")
    entry = last_audit(store)
    assert counts(store)["audit_log"] == entries + 1
    assert (entry.actor, entry.action, entry.entity, entry.entity_id, entry.client_id) == (
        "ana", "acknowledge", "alert", str(safety_id), c1)
    with store.read() as session:
        row = session.get(Alert, safety_id)
        assert row.acknowledged_at is not None and row.acknowledged_by == ana.user_id
        assert row.note == "called the client; safety plan updated"
    assert safety_id not in services.open_alerts(ana)["id"].tolist()
    caseload = services.caseload(ana).set_index("client_id")
    assert caseload.loc[c1, "open_alerts"] == 0
    with pytest.raises(ValueError, match="already acknowledged"):
        services.acknowledge_alert(ana, safety_id, "again")
    with store.read() as session:
        assert session.get(Alert, safety_id).note == "called the client; safety plan updated"


def test_client_history_lists_current_responses_oldest_first(services, world):
    ana, (client, *_) = world
    a = submit(services, ana, client, "phq-9", phq(), "p-1")
    b = submit(services, ana, client, "srs", srs(9.5, 9.5, 9.5, 9.5), "s-1")
    c = submit(services, ana, client, "phq-9", phq(2, 2, 2, 2, 2, 2, 2, 2), "p-2")
    history = services.client_history(ana, client)
    assert history["response_id"].tolist() == [a.response_id, b.response_id, c.response_id]
    assert history["engine_version"].unique().tolist() == [alliance_kit.__version__]
    phq_only = services.client_history(ana, client, "phq-9")
    assert phq_only["value"].tolist() == [8.0, 16.0]
    assert phq_only["band"].tolist() == ["mild", "moderately-severe"]


def test_answers_returns_the_stored_answers(services, world):
    ana, (client, *_) = world
    saved = submit(services, ana, client, "srs", srs(9.5, 9.3, 9.0, 7.7), "s-1")
    assert services.answers(ana, saved.response_id) == srs(9.5, 9.3, 9.0, 7.7)


def test_export_is_wide_audited_and_leaves_out_replaced_responses(services, store, world):
    ana, (c0, c1, _) = world
    old = submit(services, ana, c0, "phq-9", phq(), "p-1")
    submit(services, ana, c0, "phq-9", phq(0, 0, 0, 0, 0, 0, 0, 0), "p-2",
           replaces_id=old.response_id)
    submit(services, ana, c1, "phq-9", phq(3, 3, 3, 3, 3, 3, 3, 3, item9=1), "p-3")
    submit(services, ana, c1, "srs", srs(9.5, 9.5, 9.5, 9.5), "s-1")
    frame = services.export_responses(ana, "phq-9")
    assert list(frame.columns[:3]) == ["client", "session", "submitted_at"]
    assert [str(i) for i in range(1, 11)] == list(frame.columns[3:13])
    assert "total" in frame.columns and "total_band" in frame.columns
    assert frame["client"].tolist() == ["C0", "C1"]
    assert frame["total"].tolist() == [0.0, 25.0]
    assert frame["9"].tolist() == [0, 1]
    entry = last_audit(store)
    assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
        "ana", "export", "responses", "phq-9")
    assert entry.details["responses"] == 2 and entry.details["clients"] == [c0, c1]


def test_export_of_no_responses_is_an_empty_table(services, world):
    ana, _ = world
    frame = services.export_responses(ana, "gad-7")
    assert len(frame) == 0
    assert list(frame.columns[:3]) == ["client", "session", "submitted_at"]


# ---- rescoring -----------------------------------------------------------------------


def _score_rows(store):
    with store.read() as session:
        return [plain(s) for s in session.execute(select(Score).order_by(Score.id)).scalars()]


#: Total 10, of which 1 from item 9.
WITH_ITEM9 = phq(2, 1, 1, 1, 1, 1, 1, 1, item9=1)


def _fill_for_rescore(services, world):
    ana, (c0, c1, _) = world
    submit(services, ana, c0, "phq-9", phq(), "p-1")
    submit(services, ana, c1, "phq-9", WITH_ITEM9, "p-2")
    submit(services, ana, c1, "srs", srs(9.5, 9.5, 9.5, 9.5), "s-1")
    return ana


def test_rescore_without_changes_reports_nothing_and_adds_no_rows(services, store, world):
    _fill_for_rescore(services, world)
    before = _score_rows(store)
    changes = services.rescore(SYSTEM)
    assert changes.empty
    assert list(changes.columns) == ["response_id", "instrument_id", "score_id", "old_value",
                                     "new_value", "old_engine", "new_engine"]
    after = _score_rows(store)
    assert [(s.id, s.current) for s in after] == [(s.id, s.current) for s in before]
    assert last_audit(store).action == "rescore"


def test_rescore_after_an_engine_change_keeps_old_rows_and_adds_current_ones(
        services, store, world, monkeypatch):
    _fill_for_rescore(services, world)
    before = _score_rows(store)
    monkeypatch.setattr(scoring, "ENGINE_VERSION", "99.0.0")
    changes = services.rescore(SYSTEM, "phq-9")
    assert len(changes) == 2
    assert set(changes["instrument_id"]) == {"phq-9"}
    assert set(changes["old_engine"]) == {alliance_kit.__version__}
    assert set(changes["new_engine"]) == {"99.0.0"}
    assert changes["old_value"].tolist() == changes["new_value"].tolist() == [8.0, 10.0]
    after = _score_rows(store)
    assert len(after) == len(before) + 2
    old_ids = {s.id for s in before}
    kept = [s for s in after if s.id in old_ids]
    assert [(s.value, s.engine_version) for s in kept] == [
        (s.value, s.engine_version) for s in before]
    phq_ids = {int(r) for r in changes["response_id"]}
    for s in kept:
        assert s.current is (s.response_id not in phq_ids)
    new = [s for s in after if s.id not in old_ids]
    assert all(s.current and s.engine_version == "99.0.0" for s in new)
    # exactly one current score per (response, score)
    current = [(s.response_id, s.score_id) for s in after if s.current]
    assert len(current) == len(set(current)) == 3
    # a second rescore with the same engine changes nothing
    assert services.rescore(SYSTEM).shape[0] == 1          # only srs is still on the old one
    assert services.rescore(SYSTEM).empty


def _modified_kit(kit, change, version="2.0.0"):
    raw = copy.deepcopy(dict(kit.instrument("phq-9").raw))
    raw["version"] = version
    change(raw)
    modified = load_definition(raw, kit.types)
    return dataclasses.replace(kit, instruments={**kit.instruments, "phq-9": modified})


def test_rescore_with_a_modified_definition_reports_changed_values(services, store, world, kit):
    _fill_for_rescore(services, world)
    before = _score_rows(store)

    def without_item9(raw):
        raw["scores"][0]["items"] = [str(i) for i in range(1, 9)]

    new_kit = _modified_kit(kit, without_item9)
    changes = Services(store, new_kit).rescore(SYSTEM)
    by_value = dict(zip(changes["old_value"], changes["new_value"], strict=True))
    assert by_value == {8.0: 8.0, 10.0: 9.0}     # both: new version; one: new value
    after = _score_rows(store)
    assert len(after) == len(before) + 2
    current = {(s.response_id, s.score_id): s for s in after if s.current}
    values = sorted(s.value for s in current.values() if s.instrument_version == "2.0.0")
    assert values == [8.0, 9.0]
    assert sum(not s.current for s in after) == 2
    history = services.client_history(world[0], world[1][1], "phq-9")
    assert history["value"].tolist() == [9.0]
    assert history["instrument_version"].tolist() == ["1.1.0"]   # the response's version


def test_rescore_updates_bands_when_a_definition_changes_them(services, store, world, kit):
    """A band moved (same value, same version string): the stored band must follow."""
    _fill_for_rescore(services, world)

    def wider_minimal(raw):
        bands = raw["scores"][0]["bands"]
        bands[0]["max"], bands[1]["min"] = 9, 10
        bands[1]["max"], bands[2]["min"] = 10, 11
        raw["scores"][0]["norms"]["clinical_cutoff"] = 10

    new_kit = _modified_kit(kit, wider_minimal, version="1.1.0")
    Services(store, new_kit).rescore(SYSTEM, "phq-9")
    current = {s.value: s.band for s in _score_rows(store)
               if s.current and s.score_id == "total" and s.value in (8.0, 10.0)}
    assert current == {8.0: "minimal", 10.0: "mild"}


def test_rescore_needs_an_admin_or_the_system(services, world):
    ana, _ = world
    from alliance_kit.clinic.access import AccessDenied

    with pytest.raises(AccessDenied):
        services.rescore(ana)
