"""Telling a person that alerts need attention: per-clinic channels, the outbox, the sender.

When a response raises an alert of a severity a clinic asked for (by default: safety),
a notice is queued for each of the clinic's channels in the same transaction
(:func:`queue`), then delivered through the ``notify`` hook (built-in: e-mail over SMTP
and a webhook) by the app's background sender (:class:`Dispatcher`) or by
``alliance-kit notify run``. A notice says only that an alert needs attention, with a link
to the app: never a client code, a score or an answer. Every delivery and failure is
audited; failures are retried with growing waits (:data:`RETRY_AFTER`).
"""

from __future__ import annotations

from alliance_kit.clinic.notify.dispatcher import Dispatcher, wake
from alliance_kit.clinic.notify.outbox import (
    MAX_ATTEMPTS,
    RETRY_AFTER,
    Attempt,
    OutboxRow,
    deliver_due,
    deliver_one,
    notice_for,
    queue,
    recent,
    send_test,
)
from alliance_kit.clinic.notify.settings import (
    SEVERITIES,
    NotifySettings,
    get,
    problems,
    put,
)

__all__ = ["MAX_ATTEMPTS", "RETRY_AFTER", "SEVERITIES", "Attempt", "Dispatcher",
           "NotifySettings", "OutboxRow", "deliver_due", "deliver_one", "get", "notice_for",
           "problems", "put", "queue", "recent", "send_test", "wake"]
