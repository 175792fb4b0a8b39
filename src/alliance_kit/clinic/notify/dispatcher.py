"""The app's background sender: delivers due notices every half minute, and at once when a
submission has just queued one.

One per server process (the app keeps it in ``st.cache_resource``: it holds the database
engine and the plugins, never client rows). Without the app running, schedule
``alliance-kit notify run`` instead (e.g. every minute from cron or a systemd timer); both
may run at once, since each notice is claimed before it is sent.
"""

from __future__ import annotations

import logging
import threading
import weakref

from alliance_kit.clinic.notify.outbox import deliver_due
from alliance_kit.plugins import Plugins
from alliance_kit.store.engine import Store

log = logging.getLogger(__name__)
INTERVAL = 30.0
_running: weakref.WeakSet[Dispatcher] = weakref.WeakSet()


class Dispatcher:
    """A daemon thread running :func:`deliver_due` every ``interval`` seconds or when woken."""

    def __init__(self, store: Store, plugins: Plugins, interval: float = INTERVAL):
        self.store, self.plugins, self.interval = store, plugins, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="alliance-kit-notify",
                                        daemon=True)
        self.rounds = 0

    def start(self) -> Dispatcher:
        self._thread.start()
        _running.add(self)
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        _running.discard(self)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self.store, self.plugins)
            except Exception:  # the database may be away for a moment: try again later
                log.exception("delivering notifications failed; trying again later")
            self.rounds += 1
            self._wake.wait(self.interval)
            self._wake.clear()


def wake() -> None:
    """Tell every sender running in this process that a notice was just queued."""
    for dispatcher in list(_running):
        dispatcher.wake()
