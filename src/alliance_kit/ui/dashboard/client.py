"""One client: open alerts to acknowledge, trends with the expected trajectory, the latest
answers item by item, and which instruments are due when."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance_kit.clinic import charts
from alliance_kit.clinic import dashboard as data
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.engine.definitions import Instrument
from alliance_kit.ui.context import App
from alliance_kit.ui.dashboard import attendance_client, live, recovery
from alliance_kit.ui.dashboard.alerts import alert_panel
from alliance_kit.ui.dashboard.comments import comments_list
from alliance_kit.ui.dashboard.common import CURRENT, KEY, open_caseload, ready, show_flash
from alliance_kit.ui.text import DASH, plain


def render(app: App) -> None:
    if not ready(app):
        st.title("Client", anchor=False)
        return
    client_id = _choose(app)
    if client_id is None:
        return
    try:
        live.opened(app, client_id)
        live.banner(app)
        _client(app, client_id)
    except AccessDenied as exc:
        st.error(plain(str(exc)), icon=":material/block:")


def _choose(app: App) -> int | None:
    """The client to show: the one opened from the caseload, or chosen here."""
    clients = data.visible_clients(app.services, app.actor)
    if clients.empty:
        st.title("Client", anchor=False)
        st.info("No clients on your caseload.", icon=":material/group_off:")
        return None
    codes = dict(zip(clients["client_id"].astype(int), clients["code"], strict=True))
    current = st.session_state.get(CURRENT)
    top = st.columns([3, 1], vertical_alignment="bottom")
    chosen = top[0].selectbox(
        "Client", list(codes), format_func=lambda cid: codes[cid],
        index=list(codes).index(current) if current in codes else None,
        placeholder="Choose a client", key=f"{KEY}:client-select")
    if top[1].button("Caseload", icon=":material/arrow_back:", key=f"{KEY}:back",
                     width="stretch"):
        open_caseload()
    if chosen is None:
        st.info("Choose a client, or open one from the caseload.", icon=":material/person:")
        return None
    st.session_state[CURRENT] = chosen
    return int(chosen)


def _client(app: App, client_id: int) -> None:
    services, actor = app.services, app.actor
    summary = data.client_summary(services, actor, client_id)
    st.title(plain(summary.code), anchor=False)
    facts = [f"therapist: {', '.join(summary.therapists) or '—'}",
             f"{summary.sessions} session{'s' if summary.sessions != 1 else ''}"]
    if summary.last_session:
        facts.append(f"last {summary.last_session:%d %b %Y}")
    if summary.episode_started:
        facts.append(f"in care since {summary.episode_started:%d %b %Y}")
    st.caption(plain(" · ".join(facts)))
    show_flash()
    st.subheader("Open alerts", anchor=False)
    alert_panel(app, services.open_alerts(actor, client_id))
    attendance_client.render(app, client_id)
    profile, prompts = recovery.summary(app, client_id)
    history = services.client_history(actor, client_id)
    responses = data.client_responses(services, actor, client_id)
    trends, answers, due, focus = st.tabs(["Trends", "Latest answers", "Assignments",
                                           "Recovery focus"])
    with trends:
        _trends(app, client_id, history, responses)
    with answers:
        _answers(app, responses)
    with due:
        _assignments(app, client_id)
    with focus:
        recovery.tab(app, client_id, profile, prompts)


def _trends(app: App, client_id: int, history: pd.DataFrame, responses: pd.DataFrame) -> None:
    if history.empty:
        st.info("No answers yet.", icon=":material/hourglass_empty:")
        return
    kit = app.kit
    for instrument_id in data.instrument_order(kit, list(history["instrument_id"].unique())):
        instrument = kit.instruments.get(instrument_id)
        score_id = instrument.primary_score_id if instrument else None
        if score_id is None:
            continue
        series = data.score_series(history, instrument, score_id)
        if series["value"].notna().sum() == 0:
            continue
        _trend(app, client_id, instrument, score_id, series, history, responses)


def _trend(app: App, client_id: int, instrument: Instrument, score_id: str,
           series: pd.DataFrame, history: pd.DataFrame, responses: pd.DataFrame) -> None:
    spec = instrument.score(score_id)
    score_title = instrument.text(spec.spec.get("title")) or score_id
    with st.container(border=True, key=f"{KEY}:trend:{instrument.id}"):
        st.subheader(plain(f"{instrument.label()} · {score_title}"), anchor=False)
        first = float(series["value"].dropna().iloc[0])
        low, high = spec.range
        expected = data.expected(app.services, app.actor, instrument.id, score_id, first,
                                 exclude_client=client_id, tolerance=(high - low) * 0.1)
        chart = charts.trend_chart(series, title=score_title, score_range=spec.range,
                                   cutoff=data.chart_cutoff(instrument, score_id),
                                   expected=expected)
        st.altair_chart(chart, width="stretch", key=f"{KEY}:chart:{instrument.id}")
        st.caption(plain(_change_words(series, spec.norms)) + "  \n" + plain(expected.describe()))
        parts = data.breakdown(history, instrument)
        what = "subscale"
        if parts.empty:
            parts = data.item_breakdown(responses, app.kit, instrument)
            what = "item"
        if not parts.empty:
            with st.expander(f"Breakdown by {what}", icon=":material/stacked_line_chart:"):
                st.altair_chart(charts.breakdown_chart(parts, title=f"{what.title()} score"),
                                width="stretch", key=f"{KEY}:parts:{instrument.id}")


def _change_words(series: pd.DataFrame, norms) -> str:
    values = series["value"].dropna()
    latest = series.dropna(subset=["value"]).iloc[-1]
    words = f"Latest {latest['value']:g} at session {int(latest['session'])}"
    if len(values) >= 2:
        words += f"; first {values.iloc[0]:g}, change {latest['change']:+.1f}"
    direction = (norms or {}).get("improvement")
    if direction:
        words += "; higher is better" if direction == "increase" else "; lower is better"
    marker = latest["marker"]
    if isinstance(marker, str):
        words += f"; latest: {charts.MARKER_WORDS[marker].lower()}"
    return words + "."


def _answers(app: App, responses: pd.DataFrame) -> None:
    if responses.empty:
        st.info("No answers yet.", icon=":material/hourglass_empty:")
        return
    kit = app.kit
    latest = responses.groupby("instrument_id", sort=False).tail(1)
    order = data.instrument_order(kit, list(latest["instrument_id"]))
    notes = data.comments(responses, kit)
    if not notes.empty:
        comments_list(notes)
    for instrument_id in order:
        instrument = kit.instruments.get(instrument_id)
        if instrument is None:
            continue
        row = latest[latest["instrument_id"] == instrument_id].iloc[-1]
        when = pd.Timestamp(row["submitted_at"]).strftime("%d %b %Y")
        session = row["session_number"]
        where = f"session {int(session)}, " if pd.notna(session) else ""
        st.markdown(f"**{plain(instrument.label())}** · {plain(where + when)}")
        st.dataframe(data.answers_table(kit, instrument, row["answers"]), hide_index=True,
                     width="stretch", key=f"{KEY}:answers:{instrument_id}", placeholder=DASH,
                     column_config={"Item": st.column_config.TextColumn(width="small"),
                                    "Question": st.column_config.TextColumn(width="large"),
                                    "Answer": st.column_config.TextColumn(width="small")})


def _assignments(app: App, client_id: int) -> None:
    services, actor, kit = app.services, app.actor, app.kit
    rows = data.assignments(services, actor, client_id)
    if rows.empty:
        st.info("No instruments assigned.", icon=":material/assignment:")
    else:
        shown = rows.assign(
            Instrument=[kit.instruments[i].label() + f" ({i})" if i in kit.instruments else i
                        for i in rows["instrument_id"]],
            When=rows["timing"].str.replace("session-", "session ", regex=False),
            Every=["every session" if e == 1 else f"every {e} sessions" for e in rows["every"]],
            From=rows["first_session"].map(lambda n: f"session {n}"),
            Status=rows["active"].map({True: "active", False: "stopped"}),
        )[["Instrument", "When", "Every", "From", "Status"]]
        st.dataframe(shown, hide_index=True, width="stretch", key=f"{KEY}:assignments",
                     placeholder=DASH)
        labels = {int(r.assignment_id): f"{r.instrument_id} · {r.timing} · "
                  f"{'active' if r.active else 'stopped'}" for r in rows.itertuples()}
        pick, act = st.columns([3, 1], vertical_alignment="bottom")
        chosen = pick.selectbox("Change an assignment", list(labels),
                                format_func=labels.get, key=f"{KEY}:assignment")
        active = bool(rows.set_index("assignment_id").loc[chosen, "active"])
        if act.button("Stop" if active else "Resume", key=f"{KEY}:toggle", width="stretch",
                      icon=":material/pause:" if active else ":material/play_arrow:"):
            data.set_assignment_active(services, actor, chosen, not active)
            st.session_state["dashboard:flash"] = "Assignment updated."
            st.rerun()
    with st.form(f"{KEY}:assign", border=True):
        st.markdown("**Assign an instrument**")
        ids = sorted(kit.instruments)
        one, two = st.columns(2)
        instrument_id = one.selectbox("Instrument", ids, key=f"{KEY}:assign:instrument",
                                      format_func=lambda i: f"{kit.instruments[i].label()} ({i})")
        timing = two.selectbox("When", data.TIMINGS, index=1, key=f"{KEY}:assign:timing",
                               format_func=lambda t: t.replace("session-", "session "))
        three, four = st.columns(2)
        every = three.number_input("Every how many sessions", 1, 52, 1, key=f"{KEY}:assign:every")
        first = four.number_input("From session", 1, 500, 1, key=f"{KEY}:assign:first")
        if st.form_submit_button("Assign", icon=":material/add:", key=f"{KEY}:assign:submit"):
            services.assign(actor, client_id, instrument_id, timing=timing, every=int(every),
                            first_session=int(first))
            st.session_state["dashboard:flash"] = "Instrument assigned."
            st.rerun()
