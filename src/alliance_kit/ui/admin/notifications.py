"""Notifications: where each clinic's alert notices go (e-mail, a webhook), a test message,
and how the latest notices went. The messages never hold client data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance_kit.clinic import admin, notify
from alliance_kit.clinic.notify.settings import DEFAULT_PASSWORD_ENV, DEFAULT_SECRET_ENV, SECURITY
from alliance_kit.i18n import N_, language_name, languages
from alliance_kit.ui.admin import services_or_stop
from alliance_kit.ui.context import App
from alliance_kit.ui.text import DASH, plain

KEY = "admin:notify"
SEVERITY_WORDS = {"safety": N_("Safety alerts"), "warning": N_("Warnings")}
STATE_WORDS = {"delivered": N_("delivered"), "waiting": N_("waiting to retry"),
               "gave up": N_("gave up")}


def render(app: App) -> None:
    services = services_or_stop(app)
    _ = app.translate
    store = services.store
    st.title(_("Notifications"), anchor=False)
    st.caption(_("When answers raise an alert, a message goes to the clinic's channels at "
                 "once, and is retried if it does not get through. It says only that an "
                 "alert needs attention, with a link to this app: never a client, a score "
                 "or an answer."))
    teams = admin.teams(store)
    team = st.selectbox(_("Clinic (team)"), [*teams, None], key=f"{KEY}:team",
                        format_func=lambda t: _("staff without a team") if t is None
                        else teams[t])
    current = notify.get(store, team)
    notice = st.session_state.pop(f"{KEY}:notice", None)
    if notice:
        st.success(plain(notice), icon=":material/check_circle:")
    _settings_form(app, team, current)
    _others(app, current)
    _test(app, team, current)
    _recent(app, team)


def _settings_form(app: App, team: int | None, current: notify.NotifySettings) -> None:
    _ = app.translate
    email = current.channels.get("email", {})
    hook = current.channels.get("webhook", {})
    with st.form(f"{KEY}:form:{team}"):
        severities = st.multiselect(
            _("Send a message for"), list(SEVERITY_WORDS), default=list(current.severities),
            format_func=lambda s: _(SEVERITY_WORDS[s]), key=f"{KEY}:{team}:severities",
            placeholder=_("Nothing: no message is sent"))
        app_url = st.text_input(_("The app's address, as staff open it"),
                                value=current.app_url, key=f"{KEY}:{team}:url",
                                placeholder="https://alliance.example.org")
        language = st.selectbox(_("Language of the messages"), languages(),
                                   index=list(languages()).index(current.language)
                                   if current.language in languages() else 0,
                                   format_func=language_name, key=f"{KEY}:{team}:language")
        st.header(_("E-mail"), anchor=False)
        use_email = st.toggle(_("Send e-mails"), value=bool(email), key=f"{KEY}:{team}:email")
        host = st.text_input(_("SMTP server"), value=email.get("host", ""),
                             key=f"{KEY}:{team}:host", placeholder="smtp.example.org")
        one, two = st.columns(2)
        port = one.number_input(_("Port"), 1, 65535, int(email.get("port", 587)),
                                key=f"{KEY}:{team}:port")
        security = two.selectbox(_("Security"), SECURITY, key=f"{KEY}:{team}:security",
                                 index=SECURITY.index(email.get("security", "starttls")))
        one, two = st.columns(2)
        username = one.text_input(_("SMTP user name (if the server asks for one)"),
                                  value=email.get("username", ""), key=f"{KEY}:{team}:user")
        password_env = two.text_input(
            _("Environment variable holding its password"),
            value=email.get("password_env", ""), placeholder=DEFAULT_PASSWORD_ENV,
            key=f"{KEY}:{team}:password-env",
            help=_("The password is never stored here: set it on the server, in this "
                   "environment variable of the app (and of `alliance-kit notify run`)."))
        sender = st.text_input(_("From (sender address)"), value=email.get("sender", ""),
                               key=f"{KEY}:{team}:sender", placeholder="alerts@example.org")
        recipients = st.text_area(_("To (one address a line)"),
                                  value="\n".join(email.get("recipients", [])),
                                  key=f"{KEY}:{team}:recipients", height=100)
        st.header(_("Webhook"), anchor=False)
        use_hook = st.toggle(_("Post to a webhook (a chat system or pager)"),
                             value=bool(hook), key=f"{KEY}:{team}:hook")
        url = st.text_input(_("Webhook address"), value=hook.get("url", ""),
                            key=f"{KEY}:{team}:hook-url",
                            placeholder="https://chat.example.org/hooks/…")
        secret_env = st.text_input(
            _("Environment variable holding the signing secret"),
            value=hook.get("secret_env", ""), placeholder=DEFAULT_SECRET_ENV,
            key=f"{KEY}:{team}:secret-env")
        saved = st.form_submit_button(_("Save"), type="primary")
    if not saved:
        return
    channels = {name: options for name, options in current.channels.items()
                if name not in ("email", "webhook")}
    if use_email:
        channels["email"] = {"host": host.strip(), "port": int(port), "security": security,
                             "username": username.strip(),
                             "password_env": password_env.strip(), "sender": sender.strip(),
                             "recipients": [r.strip() for r in recipients.splitlines()
                                            if r.strip()]}
    if use_hook:
        channels["webhook"] = {"url": url.strip(), "secret_env": secret_env.strip()}
    wanted = notify.NotifySettings(channels, tuple(severities), app_url.strip(), language)
    try:
        notify.put(app.services.store, app.actor, team, wanted, app.kit.plugins.channels())
    except (ValueError, PermissionError) as exc:
        st.error(_("Not saved:") + "\n\n" + "\n".join(
            f"- {plain(problem)}" for problem in str(exc).split("; ")),
            icon=":material/error:")
        return
    st.session_state[f"{KEY}:notice"] = _("Saved: {count} channel(s).").format(
        count=len(channels))
    st.rerun()


def _others(app: App, current: notify.NotifySettings) -> None:
    _ = app.translate
    others = [name for name in current.channels if name not in ("email", "webhook")]
    if others:
        st.markdown(_("Channels of plugins (set with `alliance-kit notify set`): {names}")
                    .format(names=plain(", ".join(others))))


def _test(app: App, team: int | None, current: notify.NotifySettings) -> None:
    _ = app.translate
    if not current.channels:
        st.info(_("No channel is set up: nobody is told when an alert is raised."),
                icon=":material/notifications_off:")
        return
    if st.button(_("Send a test message now"), key=f"{KEY}:test:{team}",
                 icon=":material/send:"):
        try:
            attempts = notify.send_test(app.services.store, app.kit.plugins, app.actor, team)
        except (ValueError, PermissionError) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        for attempt in attempts:
            words = plain(f"{attempt.channel}: {attempt.detail}")
            if attempt.ok:
                st.success(words, icon=":material/check_circle:")
            else:
                st.error(words, icon=":material/error:")


def _recent(app: App, team: int | None) -> None:
    _ = app.translate
    rows = notify.recent(app.services.store, app.actor, team)
    st.header(_("Latest messages"), anchor=False)
    if not rows:
        st.caption(_("None yet."))
        return
    table = pd.DataFrame([{
        "id": r.id, "created_at": r.created_at, "channel": r.channel,
        "state": _(STATE_WORDS.get(r.state, r.state)), "attempts": r.attempts,
        "next_attempt_at": r.next_attempt_at, "last_error": r.last_error} for r in rows])
    st.dataframe(table, hide_index=True, width="stretch", key=f"{KEY}:recent",
                 placeholder=DASH, column_config={
                     "id": st.column_config.NumberColumn("#", width="small"),
                     "created_at": st.column_config.DatetimeColumn(
                         _("Raised"), format="YYYY-MM-DD HH:mm"),
                     "channel": _("Channel"), "state": _("State"),
                     "attempts": st.column_config.NumberColumn(_("Attempts"), width="small"),
                     "next_attempt_at": st.column_config.DatetimeColumn(
                         _("Next try"), format="YYYY-MM-DD HH:mm"),
                     "last_error": st.column_config.TextColumn(_("Last error"),
                                                               width="large")})
