"""The storage fixtures themselves: both engines migrate, write and read."""

from alliance_kit.clinic.access import Actor


def test_both_engines_store_and_return_a_response(services, store):
    system = Actor.system()
    therapist = services.add_user(system, "ana", "therapist")
    client = services.add_client(system, "C1", therapist_ids=[therapist])
    saved = services.submit_response(system, client_id=client, instrument_id="phq-9",
                                     answers={str(i): 1 for i in range(1, 10)},
                                     idempotency_key="k1")
    assert saved.created and saved.scores == {"total": 9.0}
    assert store.dialect in ("sqlite", "postgresql")
