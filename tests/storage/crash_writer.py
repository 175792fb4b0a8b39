"""A writer for the crash tests: submits responses until it is killed.

Usage: ``python tests/storage/crash_writer.py URL START``

It loads the kit, then waits for one line on stdin (or its end) so the test can start it
ahead of time, opens the database at URL, prints ``ready`` and submits responses in a
loop for the clients already in the database. Only after ``submit_response`` RETURNS does
it print the idempotency key and flush: a printed key is an acknowledged write. Now and
then it sends an earlier key again, as a kiosk does when an answer is lost. Keys are
``wSTART-N``, so runs with different STARTs never share a key; what a key submits follows
from the key alone (see :func:`submission`), so the test can check what was stored.
"""

from __future__ import annotations

import random
import sys
from typing import Any

INSTRUMENTS = ("phq-9", "srs")


def submission(key: str, clients: list[int]) -> dict[str, Any]:
    """The submission a key stands for: its client, instrument and answers."""
    rng = random.Random(key)
    client = clients[rng.randrange(len(clients))]
    instrument = rng.choice(INSTRUMENTS)
    if instrument == "phq-9":
        answers: dict[str, Any] = {str(i): rng.randint(0, 3) for i in range(1, 10)}
        answers["9"] = 1 if rng.random() < 0.2 else 0
    else:
        # Halves, not tenths: JSON Schema's float multipleOf refuses e.g. 9.6 (see
        # test_srs_answers_in_tenths_are_accepted in test_crash.py).
        answers = {str(i): rng.randint(12, 20) / 2 for i in range(1, 5)}
    return {"client_id": client, "instrument_id": instrument, "answers": answers,
            "idempotency_key": key}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    url, start = argv[1], int(argv[2])

    from sqlalchemy import select

    import alliance_kit
    from alliance_kit.clinic.access import Actor
    from alliance_kit.clinic.services import Services
    from alliance_kit.store import open_store
    from alliance_kit.store.models import Client

    kit = alliance_kit.build_kit(entry_points=False, local=False)
    sys.stdin.readline()  # the go-ahead (or end of input)
    store = open_store(url)
    services = Services(store, kit)
    with store.read() as session:
        clients = list(session.scalars(select(Client.id).order_by(Client.id)))
    if not clients:
        print("no clients in the database", file=sys.stderr)
        return 2
    system = Actor.system("crash-writer")
    rng = random.Random(start)
    sent: list[str] = []
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    number = 0
    while True:
        if sent and rng.random() < 0.1:
            key = rng.choice(sent)  # a retry: must return the stored response
        else:
            key = f"w{start}-{number}"
            number += 1
            sent.append(key)
        services.submit_response(system, **submission(key, clients))
        sys.stdout.write(key + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
