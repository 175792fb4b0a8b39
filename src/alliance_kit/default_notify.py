"""Registers the built-in notification channels, ``email`` (SMTP) and ``webhook`` (an HTTPS
POST), through the ``notify`` hook as any plugin would."""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl

#: The channels this plugin delivers (read by the admin page and the settings checks).
CHANNELS = ("email", "webhook")


@hookimpl
def notify(notice, channel, config):
    if channel == "email":
        from alliance_kit.clinic.notify import email

        return email.send(notice, config)
    if channel == "webhook":
        from alliance_kit.clinic.notify import webhook

        return webhook.send(notice, config)
    return None
