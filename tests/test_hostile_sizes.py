"""Hostile sizes and characters in answers: limits hold before anything is written.

The free-text item is ``comment`` of instruments/session-checkin.json (``max_length``
1000); a text scale without ``max_length`` allows 5,000 characters. A 1 MB or 10 MB
comment, 10,000 answers in one submission, a 10 MB item name, a number with 5,000
digits or a list nested 100,000 deep must each be refused by ``validate_response`` and
``Services.submit_response`` with a short message naming the item and the limit, with
nothing written and memory bounded. Emoji and right-to-left text within the limit are
stored and read back byte for byte. NUL is refused: it is never meaningful in an answer
and PostgreSQL cannot store it in text.
"""

from __future__ import annotations

import copy
import time
import tracemalloc
import uuid

import pandas as pd
import pytest
from conftest import ROOT, make_minimal, row_counts

import alliance_kit
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.engine.responses import MAX_REPORTED, InvalidResponses
from alliance_kit.engine.scoring import validate_response
from alliance_kit.kit import build_kit
from alliance_kit.store import migrate, open_store

SYSTEM = Actor.system()
KIT = build_kit(plugins_dir=ROOT / "tests" / "no-such-folder", entry_points=False, disabled=())
CHECKIN = KIT.instrument("session-checkin")
SLIDERS = {"bond": 7, "goals": 8, "approach": 6, "overall": 9}
MB = 1024 * 1024
#: A message a person can read: anything longer is not "clear".
MESSAGE_LIMIT = 500


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A migrated SQLite database with one therapist and one client."""
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"
    store = open_store(url, create=True)
    migrate.upgrade(store)
    services = Services(store, KIT)
    therapist = services.add_user(SYSTEM, "hostile-therapist", "therapist")
    client = services.add_client(SYSTEM, "H-1", therapist_ids=[therapist])
    yield services, client
    store.close()


def submit(services: Services, client: int, answers: dict, instrument_id: str = "session-checkin"):
    return services.submit_response(SYSTEM, client_id=client, instrument_id=instrument_id,
                                    answers=answers, idempotency_key=str(uuid.uuid4()))


def refused(services: Services, client: int, answers: dict,
            instrument_id: str = "session-checkin") -> InvalidResponses:
    """Submit, expect InvalidResponses, and check nothing at all was written."""
    before = row_counts(services.store)
    with pytest.raises(InvalidResponses) as info:
        submit(services, client, answers, instrument_id)
    assert row_counts(services.store) == before, "a refused submission wrote rows"
    return info.value


# ---- long free text -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [MB, 10 * MB], ids=["1MB", "10MB"])
def test_huge_comment_is_refused_by_validate_response_with_a_short_message(size):
    errors = validate_response(CHECKIN, {**SLIDERS, "comment": "x" * size})
    assert [e.column for e in errors] == ["comment"]
    message = str(errors[0])
    assert "1,000 characters" in message
    assert len(message) <= MESSAGE_LIMIT, (
        f"the message for a {size:,}-character comment is {len(message):,} characters long")


@pytest.mark.parametrize("size", [MB, 10 * MB], ids=["1MB", "10MB"])
def test_huge_comment_is_refused_by_submit_before_any_write(world, size):
    services, client = world
    error = refused(services, client, {**SLIDERS, "comment": "y" * size})
    assert [e.column for e in error.errors] == ["comment"]
    assert "comment" in str(error) and "1,000 characters" in str(error)
    assert len(str(error)) <= MESSAGE_LIMIT, f"message of {len(str(error)):,} characters"


def test_ten_megabyte_comment_uses_bounded_memory(world):
    services, client = world
    answers = {**SLIDERS, "comment": "z" * (10 * MB)}
    tracemalloc.start()
    try:
        with pytest.raises(InvalidResponses):
            submit(services, client, answers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200 * MB, f"peak {peak / MB:.0f} MB for a 10 MB comment"


def test_comment_at_the_limit_is_stored_and_one_more_is_refused(world):
    services, client = world
    stored = submit(services, client, {**SLIDERS, "comment": "a" * 1000})
    assert services.answers(SYSTEM, stored.response_id)["comment"] == "a" * 1000
    error = refused(services, client, {**SLIDERS, "comment": "a" * 1001})
    assert [e.column for e in error.errors] == ["comment"]


def test_default_text_limit_is_five_thousand_characters():
    definition = copy.deepcopy(make_minimal())
    definition["scales"]["free"] = {"type": "text"}
    definition["items"].append({"id": "note", "text": {"en": "Anything else?"},
                                "scale": "free", "required": False})
    instrument = alliance_kit.load_definition(definition)
    base = {"a": 1, "b": 2, "c": 3}
    assert validate_response(instrument, {**base, "note": "n" * 5000}) == []
    errors = validate_response(instrument, {**base, "note": "n" * 5001})
    assert [e.column for e in errors] == ["note"] and "5,000 characters" in errors[0].message
    with pytest.raises(InvalidResponses, match="5,000 characters"):
        alliance_kit.score(instrument, pd.DataFrame([{**base, "note": "n" * (10 * MB)}]))


# ---- many answers ---------------------------------------------------------------------------


def test_ten_thousand_answers_are_refused_quickly_with_a_bounded_error_list(world):
    services, client = world
    answers = {**SLIDERS, **{f"extra-{n}": n for n in range(10_000)}}
    started = time.perf_counter()
    errors = validate_response(CHECKIN, answers)
    assert time.perf_counter() - started < 5
    assert 0 < len(errors) <= MAX_REPORTED
    assert all(e.column.startswith("extra-") and "no such item" in e.message for e in errors)
    started = time.perf_counter()
    error = refused(services, client, answers)
    assert time.perf_counter() - started < 10
    assert len(error.errors) <= MAX_REPORTED
    assert len(str(error)) < 20_000, f"message of {len(str(error)):,} characters"
    assert "no such item" in str(error)


def test_ten_thousand_unknown_answers_are_counted_truly(world):
    """The message ends "... and N more": N must not understate the problems (the service
    passes only the capped list to InvalidResponses, so it said "and 980 more")."""
    services, client = world
    answers = {**SLIDERS, **{f"extra-{n}": n for n in range(10_000)}}
    error = refused(services, client, answers)
    assert error.total == 10_000, f"reported {error.total} problems of 10,000"
    assert "9,980 more" in str(error) or "9980 more" in str(error), str(error)[-80:]


# ---- characters -----------------------------------------------------------------------------

TEXTS = {
    "emoji": "Good session 👍🏽🙂 — thanks! 🧑‍🤝‍🧑 🏳️‍🌈 👩🏾‍⚕️",
    "hebrew": "היה מפגש טוב, תודה רבה",
    "arabic": "كانت الجلسة مفيدة جداً، شكراً",
    "mixed-direction": "I said שלום and she said مرحبا (123) ok.",
    "combining": "Cafe\u0301 nai\u0308ve Z\u0335\u0327a\u0336lgo",
    "astral-only": "𝕬𝖑𝖑𝖎𝖆𝖓𝖈𝖊 𓂀 🀄",
    "emoji-at-limit": "👍" * 1000,
}


@pytest.mark.parametrize("comment", list(TEXTS.values()), ids=list(TEXTS))
def test_emoji_and_right_to_left_text_round_trip_byte_identical(world, comment):
    services, client = world
    assert len(comment) <= 1000
    stored = submit(services, client, {**SLIDERS, "comment": comment})
    assert stored.created
    back = services.answers(SYSTEM, stored.response_id)["comment"]
    assert back == comment
    assert back.encode("utf-8") == comment.encode("utf-8")


def test_emoji_one_over_the_limit_is_refused(world):
    """Limits count characters (code points), as JSON Schema's maxLength does."""
    services, client = world
    error = refused(services, client, {**SLIDERS, "comment": "👍" * 1001})
    assert [e.column for e in error.errors] == ["comment"]


@pytest.mark.parametrize("comment", ["before\x00after", "\x00", "x" * 999 + "\x00"],
                         ids=["middle", "only", "at-the-limit"])
def test_nul_in_a_text_answer_is_refused_with_a_clear_message(world, comment):
    services, client = world
    errors = validate_response(CHECKIN, {**SLIDERS, "comment": comment})
    assert [e.column for e in errors] == ["comment"], f"NUL accepted: {errors}"
    assert "NUL" in errors[0].message or "null character" in errors[0].message.lower()
    error = refused(services, client, {**SLIDERS, "comment": comment})
    assert [e.column for e in error.errors] == ["comment"]


# ---- hostile values of other kinds ------------------------------------------------------------


def _nested(depth: int):
    value: object = 0
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = {
    "10MB-string-for-a-slider": {**SLIDERS, "bond": "9" * (10 * MB)},
    "5000-digit-number": {**SLIDERS, "bond": 10**5000},
    "5000-digit-number-as-comment": {**SLIDERS, "comment": 10**5000},
    "list-nested-100000-deep": {**SLIDERS, "bond": _nested(100_000)},
    "10MB-item-name": {**SLIDERS, "q" * (10 * MB): 1},
}


@pytest.mark.parametrize("answers", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_values_give_short_errors_not_exceptions(world, answers):
    errors = validate_response(CHECKIN, answers)
    assert errors
    for error in errors:
        assert len(str(error)) <= MESSAGE_LIMIT, f"message of {len(str(error)):,} characters"
    services, client = world
    refused(services, client, answers)
