"""One app process for the race tests: redeems one-time codes, or fails logins, at set times.

Usage: ``python tests/storage/race_worker.py URL redeem CODE...`` or
``python tests/storage/race_worker.py URL login USERNAME PASSWORD COUNT``

It loads the kit and opens the database, prints ``ready``, then reads one line from stdin:
the wall-clock time to start at. Its n-th attempt starts at ``start + n * GAP`` seconds, so
two workers given the same start try the same thing at the same moment. It prints one JSON
line per attempt: ``{"n": n, "ok": true|false, "error": "..."}``.
"""

from __future__ import annotations

import json
import sys
import time

GAP = 0.3


def main(argv: list[str]) -> int:
    url, mode, *args = argv[1:]
    import alliance_kit
    from alliance_kit.clinic import accounts, kiosk
    from alliance_kit.clinic.services import Services
    from alliance_kit.store import open_store

    services = Services(open_store(url), alliance_kit.build_kit(entry_points=False,
                                                                local=False))
    if mode == "redeem":
        attempts = [lambda code=code: kiosk.redeem_code(services, code, where="race")
                    for code in args]
    elif mode == "login":
        username, password, count = args
        attempts = [lambda: accounts.login(services.store, username, password)
                    for _ in range(int(count))]
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    for n, attempt in enumerate(attempts):
        time.sleep(max(0.0, start + n * GAP - time.time()))
        try:
            attempt()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            print(json.dumps({"n": n, "ok": False, "error": f"{type(exc).__name__}: {exc}"}),
                  flush=True)
        else:
            print(json.dumps({"n": n, "ok": True}), flush=True)
    services.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
