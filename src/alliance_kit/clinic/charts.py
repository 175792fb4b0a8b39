"""Altair charts for the dashboard: a score's trend, and a breakdown by subscale or item.

Builders only (no Streamlit, no database): they take the tables
:mod:`alliance_kit.clinic.dashboard` makes and return Altair charts. Every meaning is carried
by shape or line style and by a legend in words as well as by colour, and the colours are
the Okabe-Ito palette, which colour-blind readers can tell apart. Text from definitions
(titles, labels) is drawn by Vega as text, never as HTML.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from alliance_kit.clinic.dashboard import Cutoff
from alliance_kit.engine.change import RECOVERED, RELIABLE_DETERIORATION, RELIABLE_IMPROVEMENT
from alliance_kit.engine.trajectory import RUPTURE, Expected

__all__ = ["trend_chart", "breakdown_chart", "MARKER_WORDS"]

#: Okabe-Ito colours.
BLUE, ORANGE, SKY, GREEN, VERMILLION, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#8C8C8C")

#: What each marker says in the legend and tooltips, its shape and colour.
MARKER_WORDS = {
    RUPTURE: "Rupture (drop since last session)",
    RELIABLE_DETERIORATION: "Reliably worse than first session",
    RELIABLE_IMPROVEMENT: "Reliably better than first session",
    RECOVERED: "Recovered (reliably better, past cut-off)",
}
_SHAPES = {RUPTURE: "cross", RELIABLE_DETERIORATION: "triangle-down",
           RELIABLE_IMPROVEMENT: "triangle-up", RECOVERED: "diamond"}
_COLOURS = {RUPTURE: VERMILLION, RELIABLE_DETERIORATION: ORANGE,
            RELIABLE_IMPROVEMENT: GREEN, RECOVERED: PURPLE}

CLIENT = "This client"
EXPECTED_BAND = "Clinic 25–75% (similar start)"
EXPECTED_MEDIAN = "Clinic median (similar start)"
#: How many sessions past the client's latest the expected trajectory is drawn.
LOOK_AHEAD = 4


def trend_chart(
    series: pd.DataFrame,
    *,
    title: str,
    score_range: tuple[float, float],
    cutoff: Cutoff | None = None,
    expected: Expected | None = None,
    height: int = 240,
) -> alt.LayerChart:
    """A client's score by session with the cut-off band, markers and expected trajectory.

    ``series`` comes from :func:`alliance_kit.clinic.dashboard.score_series` (session, value,
    marker, change). The y axis zooms to the data, the cut-off and the expected band,
    within the score's range.
    """
    series = series.dropna(subset=["value"]).copy()
    last = int(series["session"].max()) if len(series) else 1
    first = int(series["session"].min()) if len(series) else 1
    band = _expected_rows(expected, first, last)
    marked = series[series["marker"].notna()]
    present = [m for m in MARKER_WORDS if m in set(marked["marker"])]
    # One legend for everything: colour and shape share the field "legend", so Vega-Lite
    # merges them, and each marker shows its own shape and colour next to its words.
    entries: dict[str, tuple[str, str]] = {CLIENT: (BLUE, "circle")}
    if len(band):
        entries |= {EXPECTED_MEDIAN: (GREY, "stroke"), EXPECTED_BAND: ("#BDBDBD", "square")}
    cutoff_name = f"Flagged: {cutoff.words}" if cutoff else None
    if cutoff_name:
        entries[cutoff_name] = ("#F4A582", "square")
    entries |= {MARKER_WORDS[m]: (_COLOURS[m], _SHAPES[m]) for m in present}
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=600, title=None)
    colour = alt.Color("legend:N", title=None, legend=legend, scale=alt.Scale(
        domain=list(entries), range=[c for c, _ in entries.values()]))
    shape = alt.Shape("legend:N", title=None, legend=legend, scale=alt.Scale(
        domain=list(entries), range=[s for _, s in entries.values()]))
    x_max = max(last, int(band["session"].max()) if len(band) else last)
    x = alt.X("session:Q", title="Session", scale=alt.Scale(domain=[first, max(x_max, first + 1)]),
              axis=alt.Axis(tickMinStep=1, format="d"))
    y_domain = _y_domain(series, band, cutoff, score_range)
    y = alt.Y("value:Q", title=title, scale=alt.Scale(domain=y_domain, zero=False))
    layers: list[alt.Chart] = []
    if cutoff is not None:
        rect = pd.DataFrame({"low": [max(cutoff.low, y_domain[0])],
                             "high": [min(cutoff.high, y_domain[1])], "legend": [cutoff_name]})
        layers.append(alt.Chart(rect).mark_rect(opacity=0.25).encode(
            y=alt.Y("low:Q", scale=alt.Scale(domain=y_domain, zero=False), title=title),
            y2="high:Q", color=colour))
    if len(band):
        band = band.assign(legend=EXPECTED_BAND)
        layers.append(alt.Chart(band).mark_area(opacity=0.45).encode(
            x=x, y=alt.Y("q25:Q", scale=alt.Scale(domain=y_domain, zero=False), title=title),
            y2="q75:Q", color=colour,
            tooltip=[alt.Tooltip("session:Q", title="Session"),
                     alt.Tooltip("q25:Q", title="Clinic 25%", format=".1f"),
                     alt.Tooltip("median:Q", title="Clinic median", format=".1f"),
                     alt.Tooltip("q75:Q", title="Clinic 75%", format=".1f"),
                     alt.Tooltip("n:Q", title="Clients")]))
        layers.append(alt.Chart(band.assign(legend=EXPECTED_MEDIAN)).mark_line(
            strokeDash=[6, 4], strokeWidth=2).encode(
            x=x, y=alt.Y("median:Q", scale=alt.Scale(domain=y_domain, zero=False), title=title),
            color=colour))
    points = series.assign(
        legend=CLIENT,
        flag=series["marker"].map(MARKER_WORDS).fillna(""),
    )
    tooltip = [alt.Tooltip("session:Q", title="Session"),
               alt.Tooltip("value:Q", title="Score", format=".1f"),
               alt.Tooltip("change:Q", title="Change since first", format="+.1f"),
               alt.Tooltip("flag:N", title="Marker")]
    layers.append(alt.Chart(points).mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(
        size=40, filled=True)).encode(x=x, y=y, color=colour, tooltip=tooltip))
    if len(marked):
        flagged = points[points["marker"].notna()].assign(
            legend=lambda f: f["marker"].map(MARKER_WORDS))
        layers.append(alt.Chart(flagged).mark_point(size=220, filled=True, opacity=1).encode(
            x=x, y=y, tooltip=tooltip, color=colour, shape=shape))
    # The height is the plot's; the legend below adds a line per entry.
    return alt.layer(*layers).properties(
        height=height, width="container",
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding")).configure_view(
        strokeWidth=0).configure_legend(labelFontSize=12)


def _expected_rows(expected: Expected | None, first: int, last: int) -> pd.DataFrame:
    if expected is None or expected.empty:
        return pd.DataFrame(columns=["session", "median", "q25", "q75", "n"])
    table = expected.table
    return table[(table["session"] >= first)
                 & (table["session"] <= last + LOOK_AHEAD)].reset_index(drop=True)


def _y_domain(series: pd.DataFrame, band: pd.DataFrame, cutoff: Cutoff | None,
              score_range: tuple[float, float]) -> list[float]:
    """Zoom to what is drawn (so small changes show), padded, within the score's range."""
    low, high = float(score_range[0]), float(score_range[1])
    values = list(series["value"].astype(float))
    if len(band):
        values += list(band["q25"].astype(float)) + list(band["q75"].astype(float))
    if cutoff is not None:
        values.append(cutoff.value)
    values = [v for v in values if np.isfinite(v)]
    if not values:
        return [low, high]
    pad = max((high - low) * 0.05, 0.5)
    top = min(high, max(values) + pad)
    bottom = max(low, min(values) - pad)
    if top - bottom < (high - low) * 0.2:  # never zoom so far that noise looks like change
        middle = (top + bottom) / 2
        half = (high - low) * 0.1
        middle = min(max(middle, low + half), high - half)  # keep the window in range
        bottom, top = middle - half, middle + half
    return [round(bottom, 2), round(top, 2)]


def breakdown_chart(long: pd.DataFrame, *, title: str,
                    score_range: tuple[float, float] | None = None,
                    height: int = 220) -> alt.Chart:
    """Subscales or items by session: one line per part, told apart by colour, line style
    and point shape (and named in the legend)."""
    parts = list(dict.fromkeys(long["part"]))
    palette = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, "#F0E442", GREY]
    dashes = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]]
    shapes = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
    domain = parts
    y_scale = alt.Scale(zero=False, domain=list(score_range)) if score_range else alt.Scale(
        zero=False)
    legend = alt.Legend(orient="bottom", columns=2, labelLimit=360, title=None)
    return alt.Chart(long.dropna(subset=["value"])).mark_line(
        point=alt.OverlayMarkDef(size=50, filled=True)).encode(
        x=alt.X("session:Q", title="Session", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("value:Q", title=title, scale=y_scale),
        color=alt.Color("part:N", scale=alt.Scale(
            domain=domain, range=[palette[i % len(palette)] for i in range(len(parts))]),
            legend=legend),
        strokeDash=alt.StrokeDash("part:N", scale=alt.Scale(
            domain=domain, range=[dashes[i % len(dashes)] for i in range(len(parts))]),
            legend=legend),
        shape=alt.Shape("part:N", scale=alt.Scale(
            domain=domain, range=[shapes[i % len(shapes)] for i in range(len(parts))]),
            legend=legend),
        tooltip=[alt.Tooltip("session:Q", title="Session"), alt.Tooltip("part:N", title="Part"),
                 alt.Tooltip("value:Q", title="Value", format=".1f")],
    ).properties(height=height, width="container")
