"""Return and retention (supervisors and admins): the clinic's return rate by alliance
result with intervals, the odds of returning per alliance point, retention curves.

Layout only: :mod:`alliance_kit.clinic.retention` computes (aggregates, audited) and
:mod:`alliance_kit.clinic.attendance_charts` draws.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance_kit.clinic import retention
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.clinic.attendance_charts import rates_chart, retention_chart
from alliance_kit.clinic.attendance_data import policy
from alliance_kit.engine.retention import MIN_AT_RISK, MIN_SESSIONS
from alliance_kit.ui.context import App
from alliance_kit.ui.text import DASH, plain

KEY = "retention"


def render(app: App) -> None:
    st.title("Return and retention", anchor=False)
    if app.services is None:
        st.error("The database cannot be opened.", icon=":material/error:")
        st.text(app.store_error or "")
        return
    st.info(plain(retention.ASSOCIATION), icon=":material/info:")
    setting = policy(app.services.store)
    days = st.slider("Returned = attended again within this many days", 7, 90,
                     value=setting.return_days, key=f"{KEY}:days",
                     help="The clinic's setting is the default (an admin changes it under "
                          "Return and dropout settings).")
    try:
        found = retention.evidence(app.services, app.actor, days=int(days))
    except AccessDenied as exc:
        st.error(plain(str(exc)), icon=":material/block:")
        return
    if found.groups.empty:
        st.info("No alliance instrument with a cut-off or a rupture rule has results yet.",
                icon=":material/hourglass_empty:")
        return
    groups = found.groups.assign(label=[
        retention.group_words(app.services, row.instrument, row.group)
        for row in found.groups.itertuples()])
    st.header("Return after a session, by its alliance result", anchor=False)
    st.altair_chart(rates_chart(groups), width="stretch", key=f"{KEY}:rates")
    st.dataframe(_groups_table(groups), hide_index=True, width="stretch",
                 key=f"{KEY}:groups", placeholder=DASH,
                 column_config={"Group": st.column_config.TextColumn(width="medium")})
    st.markdown(plain(f"Rate: share of the sessions followed by an attended session within "
                     f"{found.days} days; 95% Wilson interval. Groups of fewer than "
                     f"{MIN_SESSIONS} sessions show 'too few'. Sessions too recent to know, "
                     "and the last session of an episode that ended as planned, are left out."))
    st.header("Odds of returning per alliance point", anchor=False)
    st.dataframe(_models_table(app, found.models), hide_index=True, width="stretch",
                 key=f"{KEY}:models", placeholder=DASH)
    st.markdown("Logistic regression of return on the session's alliance score; errors are "
               "cluster-robust by client, as each client contributes many sessions. An odds "
               "ratio above 1 means higher scores went with returning more often.")
    st.header("Staying in treatment, by the first alliance result", anchor=False)
    if found.curves.empty:
        st.markdown("Too few episodes in each group to draw retention curves.")
    else:
        st.altair_chart(retention_chart(found.curves), width="stretch", key=f"{KEY}:curves")
        st.markdown("Kaplan–Meier estimate of the share of episodes not yet dropped out, by "
                   "days since the episode began, with 95% intervals; open episodes and "
                   "planned endings count until their last day (censored). A curve stops "
                   f"where fewer than {MIN_AT_RISK} episodes are left.")
    with st.expander("Definitions and notes", icon=":material/menu_book:"):
        for line in [*found.definitions, *found.notes]:
            st.markdown(plain(line))


def _percent(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.0%}"


def _groups_table(groups: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Group": groups["label"],
        "Sessions": groups["sessions"].astype(int),
        "Returned": groups["returned"].astype(int),
        "Rate": [("too few" if pd.isna(r) else _percent(r)) for r in groups["rate"]],
        "95% interval": [("" if pd.isna(lo) else f"{_percent(lo)} – {_percent(hi)}")
                         for lo, hi in zip(groups["ci_low"], groups["ci_high"], strict=True)],
    })


def _models_table(app: App, models: pd.DataFrame) -> pd.DataFrame:
    kit = app.kit
    return pd.DataFrame({
        "Instrument": [kit.instruments[i].label() if i in kit.instruments else i
                       for i in models["instrument"]],
        "Score": models["score"],
        "Sessions": models["n"].astype(int),
        "Odds ratio per point": ["no model" if pd.isna(v) else f"{v:.2f}"
                                 for v in models["odds_ratio"]],
        "95% interval": ["" if pd.isna(lo) else f"{lo:.2f} – {hi:.2f}"
                         for lo, hi in zip(models["ci_low"], models["ci_high"], strict=True)],
    })
