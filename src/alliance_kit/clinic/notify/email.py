"""The built-in ``email`` channel: the notice as a plain-text e-mail over SMTP.

Options (set per clinic on the admin page): ``host``, ``port`` (587), ``security``
(``starttls``, ``ssl`` or ``none`` for a relay on this machine), ``username``,
``password_env`` (the environment variable holding the password; default
``ALLIANCE_KIT_SMTP_PASSWORD``), ``sender`` and ``recipients``.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from alliance_kit.clinic.notify.settings import DEFAULT_PASSWORD_ENV, email_problems
from alliance_kit.types import Notice

TIMEOUT = 15


def message(notice: Notice, options: Mapping[str, Any]) -> EmailMessage:
    """The e-mail: the notice's subject and text, and the link on a line of its own."""
    mail = EmailMessage()
    mail["Subject"] = notice.subject
    mail["From"] = options["sender"]
    mail["To"] = ", ".join(options["recipients"])
    mail["Date"] = format_datetime(notice.created_at)
    mail["Message-ID"] = make_msgid("alliance-kit")
    # Mail servers and out-of-office replies must not answer an automatic message.
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Alliance-Kit-Notice"] = notice.id
    mail.set_content(f"{notice.text}\n\n{notice.link}\n")
    return mail


def send(notice: Notice, options: Mapping[str, Any]) -> str:
    """Send the notice; raise on any failure (refused login, unreachable server, ...)."""
    problems = email_problems(options)
    if problems:
        raise ValueError("the e-mail settings are incomplete: " + "; ".join(problems))
    host, port = options["host"], int(options.get("port", 587))
    security = options.get("security", "starttls")
    context = ssl.create_default_context()
    if security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=TIMEOUT)
    with server:
        server.ehlo()
        if security == "starttls":
            server.starttls(context=context)
            server.ehlo()
        username = options.get("username")
        if username:
            variable = options.get("password_env") or DEFAULT_PASSWORD_ENV
            password = os.environ.get(variable)
            if password is None:
                raise ValueError(f"the SMTP password is not set: put it in the environment "
                                 f"variable {variable} of the app and of `alliance-kit notify "
                                 "run`")
            server.login(username, password)
        refused = server.send_message(message(notice, options))
    delivered = len(options["recipients"]) - len(refused)
    if not delivered:
        raise RuntimeError(f"the server refused every recipient: {', '.join(refused)}")
    note = f" ({len(refused)} refused: {', '.join(refused)})" if refused else ""
    return f"e-mailed {delivered} recipient{'s' if delivered != 1 else ''} via {host}{note}"
