"""The notify hook: newest plugin first, the first result wins, failures name the plugin."""

from __future__ import annotations

import datetime as dt
import types

import pytest
from notify_receivers import http_receiver

from alliance_kit import build_kit, hookimpl
from alliance_kit.plugins import DeliveryFailed
from alliance_kit.types import Notice

NOTICE = Notice("alliance-kit-7", "alliance_kit: an alert needs attention",
                "An alert needs attention.", "https://app.example/caseload", "safety",
                "North", dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC))


def plugin(name: str, channels: tuple[str, ...], result=None, error: Exception | None = None):
    module = types.ModuleType(name)
    module.CHANNELS = channels
    module.calls = []

    @hookimpl
    def notify(notice, channel, config):
        module.calls.append((notice.id, channel, dict(config)))
        if channel not in channels:
            return None
        if error is not None:
            raise error
        return result

    module.notify = notify
    return module


def kit_with(*plugins):
    return build_kit(extra=plugins, entry_points=False, local=False, disabled=())


def test_hook_notify():
    sms = plugin("sms_plugin", ("sms",), result="texted 1 phone")
    kit = kit_with(sms)
    assert kit.problems == []
    assert kit.plugins.channels() == ("email", "webhook", "sms")
    found, done = kit.plugins.notify(NOTICE, "sms", {"to": "+100"})
    assert (found.name, done) == ("sms_plugin", "texted 1 phone")
    assert sms.calls == [("alliance-kit-7", "sms", {"to": "+100"})]
    # A channel nobody delivers: None, and the plugin was asked.
    assert kit.plugins.notify(NOTICE, "carrier-pigeon", {}) is None


def test_the_newest_plugin_can_replace_a_built_in_channel():
    mine = plugin("own_mail", ("email",), result="handed to the clinic's mail API")
    kit = kit_with(mine)
    found, done = kit.plugins.notify(NOTICE, "email", {})
    assert found.name == "own_mail" and done == "handed to the clinic's mail API"


def test_a_plugin_that_does_not_deliver_a_channel_leaves_it_to_the_built_in_one():
    other = plugin("sms_plugin", ("sms",), result="texted")
    kit = kit_with(other)
    with http_receiver() as hook:
        found, done = kit.plugins.notify(NOTICE, "webhook", {"url": hook.url})
        assert found.name == "default_notify" and done.startswith("posted to 127.0.0.1")
        assert hook.posts[0]["json"]["id"] == "alliance-kit-7"
    assert other.calls and other.calls[0][1] == "webhook"  # asked first (newest first)


def test_a_failing_plugin_is_named_in_the_failure():
    broken = plugin("broken_sms", ("sms",), error=TimeoutError("gateway did not answer"))
    kit = kit_with(broken)
    with pytest.raises(DeliveryFailed, match="plugin broken_sms: TimeoutError: gateway did "
                                             "not answer"):
        kit.plugins.notify(NOTICE, "sms", {})


def test_a_notice_holds_no_field_for_client_data():
    fields = set(Notice.__dataclass_fields__)
    assert fields == {"id", "subject", "text", "link", "severity", "clinic", "created_at"}
