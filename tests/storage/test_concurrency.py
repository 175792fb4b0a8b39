"""Many writers at once: 50 threads submit 10,000 responses through the service layer.

Clients are shared between threads (every other submission goes to a client every thread
writes to), and idempotency keys are retried: every 10th submission is sent twice by its
own thread, one after the other, and at every 10th-plus-5th submission two threads meet at
a barrier and send the same two keys at the same moment. Afterwards each of the 10,000
keys is stored exactly once with its scores, alerts and one audit entry, every call for a
key saw the same response, the audit chain and the database are intact, and no thread
raised anything. Runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services, Submitted
from alliance_kit.store import maintenance, open_store
from alliance_kit.store.models import Alert, AuditEntry, Response, Score

THREADS = 50
PER_THREAD = 200
TOTAL = THREADS * PER_THREAD
#: Clients every thread writes to (even submissions) ...
SHARED_CLIENTS = 100
#: ... and clients of one thread only (odd submissions), per thread.
OWN_CLIENTS = 2
INSTRUMENTS = ("phq-9", "session-checkin")

pytestmark = pytest.mark.slow


def key_of(thread: int, number: int) -> str:
    return f"t{thread:02d}-{number:03d}"


def submission(key: str, thread: int, number: int, shared: list[int],
               own: dict[int, list[int]]) -> dict:
    """The one submission a key stands for (the same whichever thread sends it)."""
    rng = random.Random(key)
    if number % 2 == 0:
        client = shared[(thread * 7 + number) % len(shared)]
    else:
        client = own[thread][number % OWN_CLIENTS]
    instrument = "session-checkin" if number % 3 == 0 else "phq-9"
    if instrument == "phq-9":
        answers = {str(i): rng.randint(0, 3) for i in range(1, 10)}
        answers["9"] = 1 if rng.random() < 0.1 else 0
    else:
        answers = {item: rng.randint(0, 10) for item in ("bond", "goals", "approach", "overall")}
    return {"client_id": client, "instrument_id": instrument, "answers": answers,
            "idempotency_key": key}


def test_fifty_threads_submit_ten_thousand_responses_each_once(database_url, kit):
    store = open_store(database_url)
    services = Services(store, kit)
    system = Actor.system()
    therapist_id = services.add_user(system, "ana", "therapist")
    therapist = Actor("ana", "therapist", user_id=therapist_id)
    shared = [services.add_client(system, f"S{i:03d}", therapist_ids=[therapist_id])
              for i in range(SHARED_CLIENTS)]
    own = {t: [services.add_client(system, f"T{t:02d}-{i}", therapist_ids=[therapist_id])
               for i in range(OWN_CLIENTS)] for t in range(THREADS)}

    barriers = {pair: threading.Barrier(2) for pair in range(THREADS // 2)}
    results: dict[str, list[Submitted]] = defaultdict(list)
    results_lock = threading.Lock()
    errors: list[str] = []
    start = threading.Event()

    def send(owner: int, number: int) -> None:
        key = key_of(owner, number)
        saved = services.submit_response(
            therapist, **submission(key, owner, number, shared, own))
        with results_lock:
            results[key].append(saved)

    def worker(thread: int) -> None:
        try:
            start.wait()
            partner = thread ^ 1
            for number in range(PER_THREAD):
                if number % 10 == 5:
                    # Both threads of the pair send both keys, at the same moment.
                    barriers[thread // 2].wait(timeout=300)
                    for owner in sorted((thread, partner)):
                        send(owner, number)
                else:
                    send(thread, number)
                    if number % 10 == 0:
                        send(thread, number)  # the retry of a lost answer
        except Exception:
            errors.append(f"thread {thread}:\n{traceback.format_exc()}")
            for barrier in barriers.values():
                barrier.abort()

    threads = [threading.Thread(target=worker, args=(t,), name=f"writer-{t}")
               for t in range(THREADS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    print(f"\n{store.dialect}: {TOTAL} responses ({sum(map(len, results.values()))} calls) "
          f"from {THREADS} threads in {elapsed:.1f} s")

    # No exception escaped any thread (a BrokenBarrierError only follows a real one).
    errors.sort(key=lambda text: "BrokenBarrierError" in text)
    assert errors == [], f"{len(errors)} threads failed; the first:\n" + "\n".join(errors[:3])

    # Every call for a key saw the same stored response; exactly one call created it.
    expected_keys = {key_of(t, n) for t in range(THREADS) for n in range(PER_THREAD)}
    assert set(results) == expected_keys
    calls = sum(len(v) for v in results.values())
    assert calls == TOTAL + TOTAL // 10 + TOTAL // 10
    for key, seen in results.items():
        assert sum(s.created for s in seen) == 1, (key, seen)
        assert len({s.response_id for s in seen}) == 1, (key, seen)
        assert all(s.scores == seen[0].scores for s in seen), (key, seen)

    expected_scores = {i: {s.id for s in kit.instrument(i).scores} for i in INSTRUMENTS}
    with store.read() as session:
        # Exactly 10,000 responses, one per key.
        rows = session.execute(
            select(Response.id, Response.idempotency_key, Response.instrument_id,
                   Response.answers)).all()
        per_key = Counter(r.idempotency_key for r in rows)
        assert len(rows) == TOTAL
        assert set(per_key) == expected_keys
        assert max(per_key.values()) == 1
        by_id = {r.id: r for r in rows}
        assert {results[r.idempotency_key][0].response_id for r in rows} == set(by_id)

        # Every response has its full set of current scores, and nothing else has scores.
        scored: dict[int, list[str]] = defaultdict(list)
        for response_id, score_id in session.execute(
                select(Score.response_id, Score.score_id).where(Score.current)):
            scored[response_id].append(score_id)
        assert set(scored) == set(by_id)
        for response_id, row in by_id.items():
            ids = scored[response_id]
            assert sorted(ids) == sorted(expected_scores[row.instrument_id]), (row, ids)
        assert session.scalar(select(func.count()).select_from(Score)) == sum(
            len(expected_scores[r.instrument_id]) for r in rows)

        # The PHQ-9 item-9 safety alert: raised exactly for the answers that call for it.
        self_harm = set(session.scalars(
            select(Alert.response_id).where(Alert.rule_id == "self-harm")))
        wanted = {r.id for r in rows if r.instrument_id == "phq-9" and r.answers["9"] >= 1}
        assert self_harm == wanted
        orphans = session.scalar(select(func.count()).select_from(Alert).where(
            Alert.response_id.not_in(select(Response.id))))
        assert orphans == 0

        # One submit entry in the audit log per response, none twice.
        audited = Counter(session.scalars(
            select(AuditEntry.entity_id).where(AuditEntry.action == "submit",
                                               AuditEntry.entity == "response")))
        assert set(audited) == {str(i) for i in by_id}
        assert max(audited.values()) == 1

    report = maintenance.check(store)
    assert report.ok, report.problems
    store.close()
