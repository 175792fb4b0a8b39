"""Safety alerts reach a person: notices queued with the alert, delivered by e-mail (a local
SMTP server) and webhook (a local HTTP receiver), audited, retried, never carrying client
data. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from notify_receivers import http_receiver, smtp_server
from sqlalchemy import select

from alliance_kit.clinic import notify
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.store.models import AuditEntry, Notification, utcnow

SYSTEM = Actor.system("test")
ADMIN = Actor("adam", "admin", 99)
APP = "http://127.0.0.1:8501"
CODE = "AK-7734"
SAFETY = {**{str(i): 2 for i in range(1, 9)}, "9": 1, "10": 2}
LOW = {**{str(i): 0 for i in range(1, 10)}}
#: Reliably worse than LOW: a warning (reliable deterioration), no safety item.
WARNING_ONLY = {**{str(i): 3 for i in range(1, 9)}, "9": 0, "10": 2}


@pytest.fixture
def clinic(services):
    team = services.add_team(SYSTEM, "North")
    ana = services.add_user(SYSTEM, "ana", "therapist", team_id=team)
    client = services.add_client(SYSTEM, CODE, therapist_ids=[ana])
    return team, client


def email(box, **more):
    return {"host": box.host, "port": box.port, "security": "none",
            "sender": "alerts@clinic.example", "recipients": ["duty@clinic.example"], **more}


def submit(services, client, answers, key):
    return services.submit_response(Actor.kiosk(client, "ana"), client_id=client,
                                    instrument_id="phq-9", answers=answers,
                                    idempotency_key=key)


def audit_actions(store, prefix="notify"):
    with store.read() as session:
        return [(e.action, e.details) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith(prefix))
            .order_by(AuditEntry.seq))]


def test_a_safety_alert_is_mailed_and_posted_without_client_data(services, store, clinic, kit,
                                                                 monkeypatch):
    team, client = clinic
    monkeypatch.setenv("ALLIANCE_KIT_WEBHOOK_SECRET", "s3cret-for-signing")
    with smtp_server() as box, http_receiver() as hook:
        notify.put(store, SYSTEM, team, notify.NotifySettings(
            {"email": email(box), "webhook": {"url": hook.url}}, ("safety",), APP))
        saved = submit(services, client, SAFETY, "k1")
        assert [a["severity"] for a in saved.alerts] == ["safety"]
        with store.read() as session:
            queued = session.scalars(select(Notification)).all()
            assert sorted(n.channel for n in queued) == ["email", "webhook"]
            assert {n.team_id for n in queued} == {team}

        attempts = notify.deliver_due(store, kit.plugins)
        assert sorted((a.channel, a.ok) for a in attempts) == [("email", True), ("webhook", True)]

        [mail] = box.messages
        assert box.envelopes == [("alerts@clinic.example", ["duty@clinic.example"])]
        assert mail["Subject"] == "alliance_kit: an alert needs attention"
        assert mail["Auto-Submitted"] == "auto-generated"
        body = mail.get_content()
        assert f"{APP}/caseload" in body and "An alert needs attention" in body
        [post] = hook.posts
        assert post["json"]["link"] == f"{APP}/caseload"
        assert post["json"]["text"].startswith("An alert needs attention")
        expected = "sha256=" + hmac.new(b"s3cret-for-signing", post["raw"],
                                        hashlib.sha256).hexdigest()
        assert post["headers"]["X-Alliance-Kit-Signature"] == expected
        # Nothing about the client: no code, no id, no score, no answer, no rule.
        for sent in (mail.as_string(), post["raw"].decode()):
            assert CODE not in sent and "phq" not in sent.lower()
            assert "self-harm" not in sent and str(saved.scores["total"]) not in sent
        # Delivered once: nothing is due any more, even much later.
        later = utcnow() + dt.timedelta(days=1)
        assert notify.deliver_due(store, kit.plugins, now=later) == []
    done = audit_actions(store)
    assert [a for a, _ in done] == ["notify", "notify"]
    assert {d["channel"] for _, d in done} == {"email", "webhook"}
    assert all(d["severity"] == "safety" and d["attempt"] == 1 for _, d in done)


def test_a_failed_delivery_is_audited_and_retried_later(services, store, clinic, kit):
    team, client = clinic
    with http_receiver() as hook:
        hook.answers = [503, 500]
        notify.put(store, SYSTEM, team, notify.NotifySettings({"webhook": {"url": hook.url}},
                                                              ("safety",), APP))
        submit(services, client, SAFETY, "k1")
        start = utcnow()
        [first] = notify.deliver_due(store, kit.plugins, now=start)
        assert not first.ok and "503" in first.detail and not first.gave_up
        # Not again at once: it waits (30 s, then 2 min, ...).
        assert notify.deliver_due(store, kit.plugins, now=start + dt.timedelta(seconds=5)) == []
        [second] = notify.deliver_due(store, kit.plugins, now=start + dt.timedelta(seconds=31))
        assert not second.ok and "500" in second.detail
        assert notify.deliver_due(store, kit.plugins, now=start + dt.timedelta(minutes=2)) == []
        [third] = notify.deliver_due(store, kit.plugins, now=start + dt.timedelta(minutes=3))
        assert third.ok
        assert len(hook.posts) == 3
        assert len({p["headers"]["X-Alliance-Kit-Notice"] for p in hook.posts}) == 1
    actions = audit_actions(store)
    assert [a for a, _ in actions] == ["notify-failed", "notify-failed", "notify"]
    assert actions[0][1]["error"].endswith("answered 503 Service Unavailable")
    assert [d["attempt"] for _, d in actions] == [1, 2, 3]


def test_an_unreachable_server_is_given_up_after_the_last_attempt(services, store, clinic, kit):
    team, client = clinic
    with smtp_server() as box:
        settings = email(box)
    notify.put(store, SYSTEM, team, notify.NotifySettings({"email": settings}, ("safety",), APP))
    submit(services, client, SAFETY, "k1")  # the server above has stopped: nobody listens
    now = utcnow()
    outcomes = []
    for _ in range(notify.MAX_ATTEMPTS + 2):
        now += dt.timedelta(hours=5)
        outcomes += notify.deliver_due(store, kit.plugins, now=now)
    assert len(outcomes) == notify.MAX_ATTEMPTS
    assert not any(a.ok for a in outcomes)
    assert [a.gave_up for a in outcomes] == [False] * (notify.MAX_ATTEMPTS - 1) + [True]
    actions = [a for a, _ in audit_actions(store)]
    assert actions == ["notify-failed"] * (notify.MAX_ATTEMPTS - 1) + ["notify-gave-up"]
    [row] = notify.recent(store, ADMIN, team)
    assert row.state == "gave up" and row.attempts == notify.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in row.last_error or "refused" in row.last_error


def test_only_the_severities_a_clinic_asked_for_are_sent(services, store, clinic, kit):
    team, client = clinic
    with http_receiver() as hook:
        notify.put(store, SYSTEM, team, notify.NotifySettings({"webhook": {"url": hook.url}},
                                                              ("safety",), APP))
        submit(services, client, LOW, "k0")
        saved = submit(services, client, WARNING_ONLY, "k1")
        assert saved.alerts and {a["severity"] for a in saved.alerts} == {"warning"}
        assert notify.deliver_due(store, kit.plugins) == []
        notify.put(store, SYSTEM, team, notify.NotifySettings({"webhook": {"url": hook.url}},
                                                              ("safety", "warning"), APP))
        submit(services, client, WARNING_ONLY, "k2")
        assert [a.ok for a in notify.deliver_due(store, kit.plugins)] == [True]
        assert len(hook.posts) == 1


def test_without_settings_nothing_is_queued(services, store, clinic):
    _, client = clinic
    submit(services, client, SAFETY, "k1")
    with store.read() as session:
        assert session.scalars(select(Notification)).all() == []


def test_two_senders_never_send_one_notice_twice(services, store, clinic, kit):
    team, client = clinic
    with http_receiver() as hook:
        notify.put(store, SYSTEM, team, notify.NotifySettings({"webhook": {"url": hook.url}},
                                                              ("safety",), APP))
        submit(services, client, SAFETY, "k1")
        with store.read() as session:
            [row_id] = session.scalars(select(Notification.id)).all()
        now = utcnow()
        first = notify.deliver_one(store, kit.plugins, row_id, now=now)
        second = notify.deliver_one(store, kit.plugins, row_id, now=now)
        assert first is not None and first.ok and second is None
        assert len(hook.posts) == 1


def test_the_settings_refuse_what_would_leak_or_not_work(store):
    bad = notify.NotifySettings(
        {"email": {"host": "smtp.example.org", "security": "none", "sender": "x",
                   "recipients": ["ok@example.org", "not an address"], "port": 70000,
                   "password_env": "lower-case"},
         "webhook": {"url": "http://chat.example.org/hook"}, "sms": {}},
        ("safety",), "")
    problems = notify.problems(bad)
    words = " | ".join(problems)
    assert "security 'none' is only for a relay on this machine" in words
    assert "the sender must be one e-mail address" in words
    assert "'not an address'" in words and "70000" in words
    assert "environment variable" in words
    assert "webhook: the webhook address must use https://" in words
    assert "no installed plugin delivers the channel 'sms'" in words
    assert "the app address is needed" in words
    with pytest.raises(ValueError):
        notify.put(store, SYSTEM, None, bad)
    assert notify.get(store, None) == notify.NotifySettings()


def test_settings_are_for_admins_and_audited_without_secrets(store, services):
    therapist = Actor("ana", "therapist", 1)
    adam = Actor("adam", "admin", services.add_user(SYSTEM, "adam", "admin"))
    secret_url = "https://chat.example.org/hooks/T000/B000/XXXXSECRET"
    good = notify.NotifySettings({"webhook": {"url": secret_url}}, ("safety",), APP)
    with pytest.raises(AccessDenied):
        notify.put(store, therapist, None, good)
    notify.put(store, adam, None, good)
    assert notify.get(store, None).channels["webhook"]["url"] == secret_url
    [(_, details)] = audit_actions(store, "update")
    assert "XXXXSECRET" not in json.dumps(details)
    assert details["channels"]["webhook"]["url"] == "https://chat.example.org/…"


def test_a_test_notice_is_sent_at_once_and_audited(store, clinic, kit):
    team, _ = clinic
    with http_receiver() as hook:
        notify.put(store, SYSTEM, team, notify.NotifySettings({"webhook": {"url": hook.url}},
                                                              ("safety",), APP))
        [attempt] = notify.send_test(store, kit.plugins, ADMIN, team)
        assert attempt.ok and len(hook.posts) == 1
    with pytest.raises(ValueError, match="no email channel"):
        notify.send_test(store, kit.plugins, ADMIN, team, "email")
    assert [a for a, _ in audit_actions(store)] == ["notify-test", "notify"]
