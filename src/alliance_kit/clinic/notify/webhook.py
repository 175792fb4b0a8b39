"""The built-in ``webhook`` channel: the notice as JSON, posted to one https:// address.

The body is ``{"text": ..., "subject": ..., "link": ..., "id": ..., "severity": ...,
"sent_at": ...}`` (chat systems' incoming webhooks show ``text``). With a secret in the
environment variable ``secret_env`` names (default ``ALLIANCE_KIT_WEBHOOK_SECRET``), the
header ``X-Alliance-Kit-Signature: sha256=<hex>`` is the HMAC-SHA256 of the body, so the
receiver can tell the message is ours. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from alliance_kit.clinic.notify.settings import DEFAULT_SECRET_ENV, webhook_problems
from alliance_kit.types import Notice
from alliance_kit.version import __version__

TIMEOUT = 15


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def body(notice: Notice) -> bytes:
    return json.dumps({"text": f"{notice.text} {notice.link}", "subject": notice.subject,
                       "link": notice.link, "id": notice.id, "severity": notice.severity,
                       "sent_at": notice.created_at.isoformat()},
                      ensure_ascii=False, sort_keys=True).encode("utf-8")


def signature(secret: str, payload: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def send(notice: Notice, options: Mapping[str, Any]) -> str:
    """Post the notice; raise unless the receiver answers 2xx."""
    problems = webhook_problems(options)
    if problems:
        raise ValueError("the webhook settings are incomplete: " + "; ".join(problems))
    url = str(options["url"])
    payload = body(notice)
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": f"alliance_kit/{__version__}",
               "X-Alliance-Kit-Notice": notice.id}
    secret = os.environ.get(options.get("secret_env") or DEFAULT_SECRET_ENV)
    if secret:
        headers["X-Alliance-Kit-Signature"] = signature(secret, payload)
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    host = urllib.parse.urlsplit(url).hostname
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{host} answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise RuntimeError(f"{host} cannot be reached: {exc.reason}") from None
    if not 200 <= status < 300:
        raise RuntimeError(f"{host} answered {status}")
    return f"posted to {host} ({status})"
