"""Altair charts for attendance and return (builders only: no Streamlit, no database).

- :func:`timeline_chart`: one client's alliance scores and appointments on one date axis:
  each appointment a mark whose shape and colour say what became of it;
- :func:`rates_chart`: the clinic's return rate per group with its 95% interval;
- :func:`retention_chart`: Kaplan-Meier retention curves with their intervals.

As in :mod:`alliance_kit.clinic.charts`: meaning carried by shape and words as well as
colour (Okabe-Ito), and definition text drawn by Vega as text, never as HTML.
"""

from __future__ import annotations

import datetime as dt
import math

import altair as alt
import pandas as pd

from alliance_kit.clinic.charts import BLUE, GREEN, GREY, ORANGE, PURPLE, SKY, VERMILLION

#: What each status looks like: words, shape, colour, filled.
STATUS_MARKS = {
    "attended": ("Attended", "circle", GREEN, True),
    "no-show": ("No-show", "cross", VERMILLION, True),
    "cancelled-by-client": ("Cancelled by the client", "triangle-down", ORANGE, True),
    "cancelled-by-clinic": ("Cancelled by the clinic", "square", GREY, False),
    "scheduled": ("Booked", "diamond", PURPLE, False),
    "unrecorded": ("Booked, not recorded", "diamond", VERMILLION, False),
}
TODAY = "Today"
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def attendance_marks(sessions: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Appointments as chart rows: date, status key (past bookings are 'unrecorded'), words."""
    if sessions.empty:
        return pd.DataFrame(columns=["date", "key", "what", "time"])
    key = sessions["status"].where(
        ~((sessions["status"] == "scheduled") & (sessions["date"] < today)), "unrecorded")
    return pd.DataFrame({
        "date": pd.to_datetime(sessions["date"]),
        "key": key,
        "what": key.map(lambda k: STATUS_MARKS[k][0]),
        "time": sessions["time"].map(lambda t: t.strftime("%H:%M") if t else ""),
    })


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from ``low`` to ``high`` (so the marks' row below gets none)."""
    span = max(high - low, 1e-9)
    raw = span / count
    step = min((m * 10 ** math.floor(math.log10(raw)) for m in (1, 2, 2.5, 5, 10)
                if m * 10 ** math.floor(math.log10(raw)) >= raw), default=raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 6) for i in range(int((high - first) / step + 1e-9) + 1)]


def timeline_chart(sessions: pd.DataFrame, alliance: pd.DataFrame, today: dt.date, *,
                   score_title: str = "Alliance", score_range: tuple[float, float] = (0, 40),
                   cutoff: float | None = None, cutoff_words: str = "",
                   height: int = 220) -> alt.LayerChart:
    """Alliance scores (``alliance``: date, value) above a row of appointment marks, on one
    date axis, with the cut-off and today marked. ``sessions`` as from the attendance
    services; ``cutoff_words`` labels the cut-off line ('concern ≤ 36')."""
    marks = attendance_marks(sessions, today)
    present = [k for k in STATUS_MARKS if k in set(marks["key"])]
    low, high = float(score_range[0]), float(score_range[1])
    values = pd.to_numeric(alliance["value"], errors="coerce").dropna() if len(alliance) else []
    shown = [*values, *([cutoff] if cutoff is not None else [])]
    if len(shown):
        low = max(low, float(min(shown)) - (high - low) * 0.1)
        high = min(high, float(max(shown)) + (high - low) * 0.05)
    strip = low - (high - low) * 0.12
    legend = alt.Legend(orient="bottom", columns=3, labelLimit=300, title=None)
    domain = [STATUS_MARKS[k][0] for k in present]
    shape = alt.Shape("what:N", legend=legend, scale=alt.Scale(
        domain=domain, range=[STATUS_MARKS[k][1] for k in present]))
    colour = alt.Color("what:N", legend=legend, scale=alt.Scale(
        domain=domain, range=[STATUS_MARKS[k][2] for k in present]))
    dates = list(marks["date"]) + (list(pd.to_datetime(alliance["date"])) if len(alliance)
                                   else [])
    start = min(dates) if dates else pd.Timestamp(today)
    end = max([*dates, pd.Timestamp(today)])
    x = alt.X("date:T", title="Date", scale=alt.Scale(
        domain=[(start - pd.Timedelta(days=3)).isoformat(),
                (end + pd.Timedelta(days=3)).isoformat()]),
        axis=alt.Axis(format="%d %b", labelAngle=0))
    y_scale = alt.Scale(domain=[strip - (high - low) * 0.06, high], zero=False)
    y_axis = alt.Axis(values=ticks(low, high))
    layers = []
    if cutoff is not None and low <= cutoff <= high:
        line = pd.DataFrame({"value": [cutoff], "label": [cutoff_words or f"cut-off {cutoff:g}"],
                             "date": [end + pd.Timedelta(days=3)]})
        layers.append(alt.Chart(line).mark_rule(color=GREY, strokeDash=[6, 4]).encode(
            y=alt.Y("value:Q", scale=y_scale, axis=y_axis, title=score_title),
            tooltip=[alt.Tooltip("label:N", title="Cut-off")]))
        layers.append(alt.Chart(line).mark_text(align="right", baseline="bottom", dy=-3,
                                                color="#555555", fontSize=11).encode(
            x=alt.X("date:T"), y=alt.Y("value:Q", scale=y_scale), text="label:N"))
    if len(alliance):
        line = alliance.assign(date=pd.to_datetime(alliance["date"]))
        layers.append(alt.Chart(line).mark_line(
            color=BLUE, strokeWidth=2.5, point=alt.OverlayMarkDef(color=BLUE, size=45,
                                                                  filled=True)).encode(
            x=x, y=alt.Y("value:Q", title=score_title, scale=y_scale, axis=y_axis),
            tooltip=[alt.Tooltip("date:T", title="Session", format="%d %b %Y"),
                     alt.Tooltip("value:Q", title=score_title, format=".1f")]))
    if len(marks):
        strip_rows = marks.assign(y=strip)
        filled = strip_rows[strip_rows["key"].map(lambda k: STATUS_MARKS[k][3])]
        hollow = strip_rows[~strip_rows["key"].map(lambda k: STATUS_MARKS[k][3])]
        tooltip = [alt.Tooltip("date:T", title="Appointment", format="%a %d %b %Y"),
                   alt.Tooltip("time:N", title="Time"), alt.Tooltip("what:N", title="Status")]
        for rows, fill in ((filled, True), (hollow, False)):
            if len(rows):
                layers.append(alt.Chart(rows).mark_point(
                    size=150, filled=fill, opacity=1, strokeWidth=2).encode(
                    x=x, y=alt.Y("y:Q", scale=y_scale, title=score_title, axis=y_axis),
                    shape=shape, color=colour, tooltip=tooltip))
    layers.append(alt.Chart(pd.DataFrame({"date": [pd.Timestamp(today)], "label": [TODAY]}))
                  .mark_rule(color=SKY, strokeDash=[4, 3], strokeWidth=2)
                  .encode(x=x, tooltip=[alt.Tooltip("label:N", title="")]))
    return alt.layer(*layers).properties(
        height=height, width="container", autosize=FIT_WIDTH).configure_view(
        strokeWidth=0).configure_legend(labelFontSize=12)


def rates_chart(groups: pd.DataFrame, *, height: int = 200) -> alt.LayerChart:
    """Return rate per group (points) with its 95% interval (bars); ``groups`` has
    ``label``, ``rate``, ``ci_low``, ``ci_high`` and ``sessions`` (rows with no rate are
    left out: too few)."""
    shown = groups.dropna(subset=["rate"]).copy()
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=320))
    low = max(0.0, float(shown["ci_low"].min()) - 0.05) if len(shown) else 0.0
    scale = alt.Scale(domain=[low, 1.0])
    axis = alt.Axis(format="%")
    title = "Returned within the window (95% interval)"
    bars = alt.Chart(shown).mark_rule(strokeWidth=3, color=GREY).encode(
        y=y, x=alt.X("ci_low:Q", scale=scale, title=title, axis=axis), x2="ci_high:Q")
    points = alt.Chart(shown).mark_point(filled=True, size=120, color=BLUE).encode(
        y=y, x=alt.X("rate:Q", scale=scale, title=title, axis=axis),
        tooltip=[alt.Tooltip("label:N", title="Group"),
                 alt.Tooltip("sessions:Q", title="Sessions"),
                 alt.Tooltip("rate:Q", title="Returned", format=".0%"),
                 alt.Tooltip("ci_low:Q", title="95% from", format=".0%"),
                 alt.Tooltip("ci_high:Q", title="95% to", format=".0%")])
    return alt.layer(bars, points).properties(
        height=height, width="container", autosize=FIT_WIDTH)


def retention_chart(curves: pd.DataFrame, *, height: int = 260) -> alt.LayerChart:
    """Kaplan-Meier curves (``label``, ``day``, ``retained``, ``ci_low``, ``ci_high``):
    steps told apart by colour and line style, intervals as light bands."""
    labels = list(dict.fromkeys(curves["label"]))
    palette = [VERMILLION, BLUE, GREEN, ORANGE, PURPLE, SKY]
    dashes = [[6, 3], [1, 0], [2, 2], [8, 3, 2, 3]]
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=400, title=None)
    colours = alt.Scale(domain=labels,
                        range=[palette[i % len(palette)] for i in range(len(labels))])
    colour = alt.Color("label:N", legend=legend, scale=colours)
    dash = alt.StrokeDash("label:N", legend=legend, scale=alt.Scale(
        domain=labels, range=[dashes[i % len(dashes)] for i in range(len(labels))]))
    x = alt.X("day:Q", title="Days since the episode began")
    band = alt.Chart(curves).mark_area(interpolate="step-after", opacity=0.15).encode(
        x=x, y=alt.Y("ci_low:Q", scale=alt.Scale(domain=[0, 1])), y2="ci_high:Q",
        color=alt.Color("label:N", legend=None, scale=colours))
    line = alt.Chart(curves).mark_line(interpolate="step-after", strokeWidth=2.5).encode(
        x=x, y=alt.Y("retained:Q", title="Still in treatment (not dropped out)",
                     scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=colour, strokeDash=dash,
        tooltip=[alt.Tooltip("label:N", title="Group"), alt.Tooltip("day:Q", title="Day"),
                 alt.Tooltip("retained:Q", title="Still in treatment", format=".0%"),
                 alt.Tooltip("at_risk:Q", title="Episodes at risk")])
    # The height is the plot's (fit the width only): the legend below adds its own lines.
    # The legend is the lines' (colour and dash together); the bands add none of their own.
    return alt.layer(line, band).resolve_legend(
        color="independent", strokeDash="independent").properties(
        height=height, width="container", autosize=FIT_WIDTH)


__all__ = ["STATUS_MARKS", "attendance_marks", "rates_chart", "retention_chart", "ticks",
           "timeline_chart"]
