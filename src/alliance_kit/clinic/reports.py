"""A printable per-client PDF: a trend chart per instrument, the scores table, alerts, comments.

Charts are Altair charts rendered to PNG by ``vl-convert-python`` (no browser, no network).
Every piece of text — client code, definition text, comments — is drawn with
``drawString`` as it is: nothing goes through reportlab's Paragraph markup, so a ``<b>``
or ``<font>`` in a comment prints as those characters.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Image, SimpleDocTemplate, Spacer, Table, TableStyle

from alliance_kit.clinic.access import Actor, require_client
from alliance_kit.clinic.exports import fetch
from alliance_kit.clinic.recovery_report import Block, recovery_blocks
from alliance_kit.clinic.services import Services
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.explain import scoring_note
from alliance_kit.engine.records import Record

FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)
#: Longest text in one table cell; longer text is cut with an ellipsis.
MAX_CELL = 400
TABLE_FONT_SIZE = 8
CELL_PADDING = 4
PAGE_WIDTH = A4[0] - 30 * mm


@cache
def font() -> str:
    """A Unicode TrueType font when the system has one, else Helvetica (Latin-1 only)."""
    for path in FONT_FILES:
        if path.is_file():
            pdfmetrics.registerFont(TTFont("ReportSans", str(path)))
            return "ReportSans"
    return "Helvetica"


class Text(Flowable):
    """Plain text wrapped to the frame width and drawn as characters, never as markup."""

    def __init__(self, text: str, size: float = 10, space_after: float = 4,
                 color: colors.Color = colors.black):
        super().__init__()
        self.text, self.size, self.space_after, self.color = text, size, space_after, color
        self.lines: list[str] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.lines = []
        for paragraph in self.text.splitlines() or [""]:
            self.lines += _wrap(paragraph, available_width, self.size)
        self.width = available_width
        return available_width, len(self.lines) * self.size * 1.25 + self.space_after

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """Long text (a 5,000-character comment) continues on the next page."""
        self.wrap(available_width, available_height)
        fits = int((available_height - self.space_after) // (self.size * 1.25))
        if fits < 1 or fits >= len(self.lines):
            return []
        head = Text("\n".join(self.lines[:fits]), self.size, 0, self.color)
        tail = Text("\n".join(self.lines[fits:]), self.size, self.space_after, self.color)
        return [head, tail]

    def draw(self) -> None:
        self.canv.setFont(font(), self.size)
        self.canv.setFillColor(self.color)
        y = len(self.lines) * self.size * 1.25 - self.size
        for line in self.lines:
            self.canv.drawString(0, y + self.space_after, line)
            y -= self.size * 1.25


def _cell(value: object, width: float) -> str:
    """A value as plain text wrapped to a column's width (lines joined by newlines)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.12g}"
    text = " ".join(str(value).split())
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL - 1] + "…"
    return "\n".join(_wrap(text, width - 2 * CELL_PADDING, TABLE_FONT_SIZE))


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Lines that fit ``width``; a word too long for one line is broken anywhere."""
    lines = []
    for line in simpleSplit(text, font(), size, width) or [""]:
        while len(line) > 1 and pdfmetrics.stringWidth(line, font(), size) > width:
            low, high = 1, len(line) - 1  # the longest head that fits: binary search
            while low < high:
                middle = (low + high + 1) // 2
                if pdfmetrics.stringWidth(line[:middle], font(), size) <= width:
                    low = middle
                else:
                    high = middle - 1
            lines.append(line[:low])
            line = line[low:]
        lines.append(line)
    return lines


def _table(header: Sequence[str], rows: list[Sequence[object]],
           widths: Sequence[float]) -> Table:
    """A table of plain strings (reportlab draws str cells with drawString)."""
    data = [list(header)] + [[_cell(v, w) for v, w in zip(row, widths, strict=True)]
                             for row in rows]
    table = Table(data, colWidths=list(widths), repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font(), TABLE_FONT_SIZE),
        ("LEADING", (0, 0), (-1, -1), TABLE_FONT_SIZE * 1.2),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8c0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def score_rows(instrument: Instrument, records: list[Record]) -> pd.DataFrame:
    """One row per stored score: date, session, instrument, score, value, band."""
    rows = [{"date": r.date, "session": r.session, "instrument": instrument.id,
             "score": spec.id, "title": instrument.text(spec.spec.get("title")) or spec.id,
             "value": r.scores[spec.id][0], "band": r.scores[spec.id][1]}
            for r in records for spec in instrument.scores if spec.id in r.scores]
    return pd.DataFrame(rows, columns=["date", "session", "instrument", "score", "title",
                                       "value", "band"])


def trend_png(instrument: Instrument, scores: pd.DataFrame) -> bytes | None:
    """The instrument's scores over time as a PNG line chart (None when nothing to draw)."""
    import altair as alt
    import vl_convert

    data = scores.dropna(subset=["value"])
    if data.empty:
        return None
    data = data.assign(date=pd.to_datetime(data["date"]))
    low = min(s.range[0] for s in instrument.scores)
    high = max(s.range[1] for s in instrument.scores)
    chart = alt.Chart(data[["date", "value", "title"]]).mark_line(point=True).encode(
        x=alt.X("date:T", title="Date"),
        y=alt.Y("value:Q", title="Score", scale=alt.Scale(domain=[low, high])),
        color=alt.Color("title:N", title="Score"),
    ).properties(width=420, height=150, title=instrument.label())
    return vl_convert.vegalite_to_png(chart.to_json(), scale=2)


def client_report(services: Services, actor: Actor, client_id: int) -> bytes:
    """The PDF report of one client the actor may see (audited as an export)."""
    with services.store.read() as session:
        code = require_client(session, actor, client_id).code
    records = fetch(services, actor, client_id=client_id, purpose={"format": "pdf"},
                    entity="report")
    alerts = services.open_alerts(actor, client_id)
    profile, entries = services.tailored_guidance(actor, client_id)
    recovery = recovery_blocks(profile, entries, services.what_works(actor, client_id))
    return render_report(services, code, records, alerts, actor.label, recovery)


def render_report(services: Services, code: str, records: list[Record],
                  alerts: pd.DataFrame, made_by: str,
                  extra: Sequence[Block] = ()) -> bytes:
    """Lay the report out (no database access): title, charts, tables, comments."""
    kit = services.kit
    story: list[Flowable] = [
        Text("Client report", 16, 2),
        Text(f"Client: {code}", 12, 2),
        Text(f"Made {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by {made_by}. "
             "Confidential: keep with the clinical record.", 8, 10, colors.grey),
    ]
    by_instrument: dict[str, list[Record]] = {}
    for record in records:
        by_instrument.setdefault(record.instrument_id, []).append(record)
    if not records:
        story.append(Text("No questionnaires have been answered yet.", 10))
    tables, comments = [], []
    for instrument_id, rows in by_instrument.items():
        instrument = kit.instruments.get(instrument_id)
        if instrument is None:
            continue
        scores = score_rows(instrument, rows)
        tables.append(scores)
        story.append(Text(f"{instrument.label()} ({instrument.id}, version "
                          f"{instrument.version}): {len(rows)} response(s)", 11, 4))
        for spec in instrument.scores:
            note = scoring_note(spec, instrument.text(spec.spec.get("title")) or spec.id)
            if note:
                story.append(Text(f"How scored: {note}", 8, 4, colors.grey))
        try:
            png = trend_png(instrument, scores)
        except Exception as exc:  # a chart must never stop the report
            png = None
            story.append(Text(f"(chart unavailable: {type(exc).__name__})", 8))
        if png:
            story.append(Image(io.BytesIO(png), width=PAGE_WIDTH, height=PAGE_WIDTH * 0.3,
                               kind="proportional"))
        story.append(Spacer(1, 6))
        text_items = [i for i in instrument.items if not i.scale_type.numeric]
        for record in rows:
            for item in text_items:
                value = record.answers.get(item.id)
                if isinstance(value, str) and value.strip():
                    comments.append((record.date, instrument.id, item.id, value))
    if tables:
        table = pd.concat(tables).sort_values(["date", "instrument"])
        story += [Text("Scores", 12, 4), _table(
            ["Date", "Session", "Instrument", "Score", "Value", "Band"],
            [[f"{r.date:%Y-%m-%d}", r.session, r.instrument, r.title, r.value, r.band]
             for r in table.itertuples()],
            [22 * mm, 16 * mm, 30 * mm, 62 * mm, 18 * mm, 27 * mm]), Spacer(1, 10)]
    if len(alerts):
        story += [Text("Open alerts", 12, 4), _table(
            ["Raised", "Instrument", "Rule", "Severity", "Message"],
            [[f"{a.raised_at:%Y-%m-%d}", a.instrument_id, a.rule_id, a.severity, a.message]
             for a in alerts.itertuples()],
            [22 * mm, 26 * mm, 30 * mm, 18 * mm, 79 * mm]), Spacer(1, 10)]
    if comments:
        story.append(Text("Comments", 12, 4))
        for when, instrument_id, item_id, value in sorted(comments, key=lambda c: c[0]):
            story.append(Text(f"{when:%Y-%m-%d} · {instrument_id} · {item_id}", 8, 1,
                              colors.grey))
            story.append(Text(value, 9, 6))
    for block in extra:  # the recovery focus (clinic/recovery_report.py)
        if block.rows:
            story += [_table(block.header, block.rows, [w * mm for w in block.widths_mm]),
                      Spacer(1, block.space_after)]
        else:
            story.append(Text(block.text, block.size, block.space_after,
                              colors.grey if block.grey else colors.black))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm,
                                 rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                                 title="Client report", author="alliance_kit")
    document.build(story)
    return buffer.getvalue()


__all__ = ["client_report", "render_report", "score_rows", "trend_png"]
