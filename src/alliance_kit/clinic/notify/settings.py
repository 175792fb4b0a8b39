"""Where a clinic's alert notifications go: its channels (e-mail, webhook, a plugin's), which
alert severities are sent, and the app address the message links to.

One setting per clinic (team), ``notify:<team id>`` (``notify:default`` for staff without a
team), written by admins only and audited without secrets. Passwords and signing secrets
are never stored: the settings name the environment variable that holds them.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor
from alliance_kit.store.engine import Store

#: Alert severities a clinic may be notified about, and the default.
SEVERITIES = ("safety", "warning")
DEFAULT_SEVERITIES = ("safety",)
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PASSWORD_ENV = "ALLIANCE_KIT_SMTP_PASSWORD"
DEFAULT_SECRET_ENV = "ALLIANCE_KIT_WEBHOOK_SECRET"
#: Hosts a plain-http webhook or an unencrypted SMTP server may be on (this machine).
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
_ADDRESS = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


def key(team_id: int | None) -> str:
    return f"notify:{'default' if team_id is None else team_id}"


@dataclass(frozen=True)
class NotifySettings:
    """One clinic's notification settings. No channels: nobody is notified."""

    #: Channel name -> its options (``email``, ``webhook`` or a plugin's channel).
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    severities: tuple[str, ...] = DEFAULT_SEVERITIES
    #: The app's address as staff open it; the message links there (e.g. /caseload).
    app_url: str = ""
    #: The language of the message (the app's catalogues).
    language: str = "en"

    def as_dict(self) -> dict[str, Any]:
        return {"channels": self.channels, "severities": list(self.severities),
                "app_url": self.app_url, "language": self.language}


def from_dict(value: Mapping[str, Any] | None) -> NotifySettings:
    """Settings as stored (anything missing takes its default)."""
    value = value or {}
    channels = value.get("channels") or {}
    return NotifySettings(
        channels={str(k): dict(v) for k, v in channels.items() if isinstance(v, Mapping)},
        severities=tuple(s for s in value.get("severities", DEFAULT_SEVERITIES)
                         if s in SEVERITIES),
        app_url=str(value.get("app_url") or ""), language=str(value.get("language") or "en"))


def get(store: Store, team_id: int | None) -> NotifySettings:
    return from_dict(settings.get(store, key(team_id)))


def problems(value: NotifySettings, known_channels: tuple[str, ...] = ("email", "webhook"),
             ) -> list[str]:
    """What is wrong with settings, in words an admin can act on ([] when they are fine).

    ``known_channels`` are the channels some plugin delivers; others are refused.
    """
    found = []
    unknown = [s for s in value.severities if s not in SEVERITIES]
    if unknown:
        found.append(f"severities may be {', '.join(SEVERITIES)}, not {', '.join(unknown)}")
    if value.app_url and (problem := _url_problem(value.app_url, "the app address")):
        found.append(problem)
    if value.channels and not value.app_url:
        found.append("the app address is needed: messages link to it (e.g. "
                     "https://alliance.example.org)")
    for name, options in value.channels.items():
        if name not in known_channels:
            found.append(f"no installed plugin delivers the channel {name!r} (there are: "
                         f"{', '.join(known_channels)})")
        elif name == "email":
            found += [f"e-mail: {p}" for p in email_problems(options)]
        elif name == "webhook":
            found += [f"webhook: {p}" for p in webhook_problems(options)]
    return found


def email_problems(options: Mapping[str, Any]) -> list[str]:
    found = []
    host = str(options.get("host") or "").strip()
    if not host or any(ch.isspace() or ch in "/@" for ch in host):
        found.append("the SMTP server's host name is needed (e.g. smtp.example.org)")
    port = options.get("port", 587)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        found.append(f"the port must be a number from 1 to 65535, not {port!r}")
    security = options.get("security", "starttls")
    if security not in SECURITY:
        found.append(f"security must be one of {', '.join(SECURITY)}, not {security!r}")
    elif security == "none" and host not in LOCAL_HOSTS:
        found.append("an SMTP server on another machine must use starttls or ssl "
                     "(security 'none' is only for a relay on this machine)")
    sender = str(options.get("sender") or "")
    if not _ADDRESS.fullmatch(sender):
        found.append(f"the sender must be one e-mail address, not {sender!r}")
    recipients = options.get("recipients") or []
    if not isinstance(recipients, list) or not recipients:
        found.append("at least one recipient address is needed")
    else:
        bad = [r for r in recipients if not isinstance(r, str) or not _ADDRESS.fullmatch(r)]
        if bad:
            found.append(f"not e-mail addresses: {', '.join(map(repr, bad))}")
    found += _env_problems(options, "password_env")
    return found


def webhook_problems(options: Mapping[str, Any]) -> list[str]:
    url = str(options.get("url") or "")
    found = []
    if not url:
        found.append("the address to post to is needed")
    elif problem := _url_problem(url, "the webhook address"):
        found.append(problem)
    return found + _env_problems(options, "secret_env")


def _env_problems(options: Mapping[str, Any], name: str) -> list[str]:
    value = options.get(name)
    if value in (None, "") or (isinstance(value, str) and _ENV_NAME.fullmatch(value)):
        return []
    return [f"{name} names an environment variable (capitals, digits, _), not {value!r}"]


def _url_problem(url: str, what: str) -> str | None:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        return f"{what} must be an https:// address, not {url!r}"
    if parts.username or parts.password:
        return f"{what} must not hold a user name or password"
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        return f"{what} must use https:// (plain http is only for this machine)"
    return None


def logged(value: NotifySettings) -> dict[str, Any]:
    """What the audit log records of a change: no secrets, no webhook path (it often holds a
    token)."""
    channels = {}
    for name, options in value.channels.items():
        shown = {k: v for k, v in options.items() if k not in ("url", "password", "secret")}
        if "url" in options:
            parts = urllib.parse.urlsplit(str(options["url"]))
            shown["url"] = f"{parts.scheme}://{parts.hostname}/…"
        channels[name] = shown
    return {"channels": channels, "severities": list(value.severities),
            "app_url": value.app_url, "language": value.language}


def put(store: Store, actor: Actor, team_id: int | None, value: NotifySettings,
        known_channels: tuple[str, ...] = ("email", "webhook")) -> NotifySettings:
    """Save a clinic's settings (admins only, audited); ValueError lists every problem."""
    found = problems(value, known_channels)
    if found:
        raise ValueError("; ".join(found))
    clean = NotifySettings(
        {name: _clean(name, options) for name, options in value.channels.items()},
        tuple(dict.fromkeys(value.severities)), value.app_url.rstrip("/"), value.language)
    settings.put(store, actor, key(team_id), clean.as_dict(), logged=logged(clean))
    return clean


def _clean(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    options = {k: v for k, v in options.items() if v not in (None, "")}
    if name == "email":
        options["host"] = str(options["host"]).strip()
        options.setdefault("port", 587)
        options.setdefault("security", "starttls")
    return options
