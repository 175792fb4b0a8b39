"""The instrument browser: every loaded definition, read-only, and every problem found.

Layout only: the kit decides what loaded and what is wrong. Definition text is untrusted,
so it reaches Markdown elements only through :func:`plain` and tables only as dataframes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from alliance_kit.ui.text import (
    DASH,
    alert_rule_words,
    asked_when,
    bands_words,
    built_from,
    cutoff_words,
    joined,
    norms_words,
    number,
    plain,
    scale_words,
)

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument
    from alliance_kit.kit import Kit
    from alliance_kit.problems import Problem
    from alliance_kit.ui.context import App

LANGUAGES = {"en": "English", "es": "Español"}
WORDING = {
    "open": ("open wording", "green", ":material/lock_open:"),
    "project": ("project wording — not a validated instrument", "orange",
                ":material/edit_note:"),
    "structure-only": ("structure only — needs a wording pack", "gray", ":material/lock:"),
}
TIMING = {"session-start": "given at the start of a session",
          "session-end": "given at the end of a session", "any": "given at any time"}
NO_WORDING = "— (wording pack needed)"
KEY = "browser"
TABLET_WIDTH = 786


def render(app: App) -> None:
    """Draw the browser page for one session."""
    kit = app.kit
    st.title("Instruments")
    st.caption("Every questionnaire definition this installation loaded, as the kit reads it.")
    errors = kit.errors
    if errors:
        files = len({p.source for p in errors})
        st.warning(f"{files} definition file{'s' if files != 1 else ''} could not be loaded: "
                   "see **Definition problems** at the foot of this page.",
                   icon=":material/error:")

    instruments = kit.instruments
    if instruments:
        picked, language = _pickers(instruments)
        _instrument(instruments[picked], language)
    else:
        st.info("No instruments are loaded.")

    st.divider()
    _problems(kit)


def _pickers(instruments: dict[str, Instrument]) -> tuple[str, str]:
    ids = sorted(instruments)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        # Options are plain text (selectbox options render no Markdown) and stay in English:
        # labels that change under a selected value confuse the widget in the browser.
        picked = st.selectbox(
            "Instrument", ids, key=f"{KEY}:instrument",
            format_func=lambda i: f"{i} · v{instruments[i].version} · "
                                  f"{instruments[i].text(instruments[i].title)}",
        )
    with right:
        language = st.radio("Language", list(LANGUAGES), key=f"{KEY}:language",
                            format_func=LANGUAGES.__getitem__, horizontal=True)
    return picked, language


def _instrument(instrument: Instrument, language: str) -> None:
    raw = instrument.raw
    st.header(plain(instrument.text(instrument.title, language)), anchor=False)
    words, color, icon = WORDING.get(instrument.wording, (instrument.wording, "gray", None))
    st.badge(words, color=color, icon=icon)
    facts = [f"id {instrument.id}", f"version {instrument.version}",
             "languages " + (", ".join(instrument.languages) or "none shipped")]
    if timing := raw.get("timing"):
        facts.append(TIMING.get(timing, f"given: {timing}"))
    st.caption(" · ".join(plain(f) for f in facts))
    if instrument.languages and language not in instrument.languages:
        st.caption(plain(f"No {LANGUAGES[language]} wording in this definition: "
                         "showing English."))
    if raw.get("description"):
        st.markdown(plain(instrument.text(raw["description"], language)))
    if instrument.wording == "structure-only":
        st.info("This definition ships no item wording: a wording pack is needed to show "
                "or give the items. Their structure, scores and alert rules are below.",
                icon=":material/info:")

    items, scores, alerts, about = st.tabs([
        f"Items ({len(instrument.items)})", f"Scores ({len(instrument.scores)})",
        f"Alert rules ({len(instrument.alerts)})", "Citation, licence and notes",
    ])
    with items:
        _items(instrument, language)
    with scores:
        _scores(instrument, language)
    with alerts:
        _alerts(instrument, language)
    with about:
        _about(instrument, language)


def _items(instrument: Instrument, language: str) -> None:
    if stem := instrument.raw.get("stem"):
        st.markdown("**Instructions:** " + plain(instrument.text(stem, language)))
    missing = NO_WORDING if instrument.wording == "structure-only" else "—"
    rows = [
        {
            "Item": item.id,
            "Text": instrument.text(item.text, language) or missing,
            "Reverse": _yes(item.reverse),
            "Required": _yes(item.required),
            "Scored": _yes(item.scored),
            "Asked when": asked_when(item.ask_if, item.when_not_asked),
            "Note": item.note or "",
        }
        for item in instrument.items
    ]
    # Widths that fit a tablet (about 786px) without scrolling sideways.
    widths = {"Item": max(56, 14 + 8 * max(len(item.id) for item in instrument.items)),
              "Text": 0, "Reverse": 70, "Required": 78, "Scored": 66}
    if any(item.note for item in instrument.items):
        widths.update({"Asked when": 130, "Note": 136})
    else:
        widths["Asked when"] = 190
    widths["Text"] = max(200, TABLET_WIDTH - sum(widths.values()))
    _table(rows, f"{instrument.id}:items", widths)
    st.markdown("**Answers**")
    scales: dict[str, list] = {}
    for item in instrument.items:
        scales.setdefault(item.scale_id, []).append(item)
    rows = [
        {
            "Scale": scale_id,
            "Items": ", ".join(item.id for item in items),
            "Allowed answers": scale_words(items[0].scale_type, items[0].scale, language),
        }
        for scale_id, items in scales.items()
    ]
    _table(rows, f"{instrument.id}:scales", {"Scale": 110, "Items": 150,
                                             "Allowed answers": 520})


def _scores(instrument: Instrument, language: str) -> None:
    if not instrument.scores:
        st.caption("This instrument has no scores.")
        return
    # One column per score, one row per property: reads on a narrow screen.
    fields = {
        "Name": lambda s: instrument.text(s.spec.get("title"), language),
        "Method": lambda s: s.method,
        "Built from": lambda s: built_from(s.items, s.scores),
        "Range": lambda s: f"{number(s.range[0])}–{number(s.range[1])}",
        "Bands": lambda s: bands_words(s.bands, language),
        "Cut-offs": lambda s: "; ".join(cutoff_words(c, language) for c in s.cutoffs),
        "Norms and reliable change": lambda s: norms_words(s.norms),
    }
    rows = []
    for name, get in fields.items():
        row = {"Score": name, **{score.id: get(score) for score in instrument.scores}}
        if any(value for key, value in row.items() if key != "Score"):
            rows.append(row)
    each = max(120, (760 - 120) // len(instrument.scores))
    _table(rows, f"{instrument.id}:scores",
           {"Score": 120, **{score.id: each for score in instrument.scores}})


def _alerts(instrument: Instrument, language: str) -> None:
    if not instrument.alerts:
        st.caption("This instrument has no alert rules.")
        return
    rows = []
    for alert in instrument.alerts:
        rule = alert_rule_words(alert, instrument)
        if note := alert.spec.get("note"):
            rule += f". Note: {note}"
        rows.append({
            "Alert": alert.id,
            "Severity": alert.severity,
            "Rule": rule,
            "Message": instrument.text(alert.spec.get("message"), language),
        })
    _table(rows, f"{instrument.id}:alerts",
           {"Alert": 120, "Severity": 80, "Rule": 250, "Message": 330})


def _table(rows: list[dict], key: str, widths: dict[str, int]) -> None:
    """Rows as a read-only dataframe (never Markdown), wrapping long text to 3-4 lines."""
    frame = pd.DataFrame(rows)
    frame = frame.loc[:, [c for c in frame.columns if frame[c].astype(str).str.len().any()]]
    lines = max((len(str(value)) * 6.5 / widths.get(column, 200)
                 for column in frame.columns for value in frame[column]), default=1)
    st.dataframe(
        frame, hide_index=True, key=f"{KEY}:{key}", width="stretch", height="content",
        placeholder=DASH,
        # Streamlit wraps cell text only when rows are taller than 4rem (64px).
        row_height=None if lines <= 1 else 68 if lines <= 3 else 88,
        column_config={
            column: st.column_config.TextColumn(width=width, pinned=index == 0)
            for index, (column, width) in enumerate(widths.items()) if column in frame
        },
    )


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _about(instrument: Instrument, language: str) -> None:
    raw = instrument.raw
    licence = raw.get("license", {})
    left, right = st.columns(2)
    with left:
        st.markdown("**Citation**")
        st.markdown(plain(raw.get("citation", "—")))
    with right:
        st.markdown("**Licence**")
        st.markdown(plain(licence.get("name", "—")))
        if licence.get("note"):
            st.caption(plain(licence["note"]))
        if licence.get("url"):
            # Shown as text, never as a link: a definition's URL is not trusted.
            st.caption(plain(licence["url"]))
    if notes := raw.get("notes"):
        st.markdown("**Notes**")
        st.markdown("\n".join(f"- {plain(note)}" for note in notes))
    extras = []
    if tags := raw.get("tags"):
        extras.append("tags: " + ", ".join(tags))
    for name, attribute in raw.get("attributes", {}).items():
        extras.append(f"respondent attribute {name}: {joined(attribute.get('values', []))}")
    extras.append(f"file: {instrument.source}")
    st.caption(" · ".join(plain(e) for e in extras))


def _problems(kit: Kit) -> None:
    st.subheader("Definition problems", anchor=False)
    problems = kit.problems
    if not problems:
        st.success("All definitions are valid.", icon=":material/check_circle:")
        return
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    st.markdown(plain(f"{errors} error{'s' if errors != 1 else ''} and {warnings} "
                      f"warning{'s' if warnings != 1 else ''}. A definition with an error is "
                      "not loaded; fix the file and restart the app to load it again."))
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.source, []).append(problem)
    for source, found in by_file.items():
        lines = [f"- {plain(p.path)}: " + ("" if p.severity == "error" else "warning: ")
                 + plain(p.message) for p in found]
        body = f"**{plain(source)}**\n\n" + "\n".join(lines)
        if any(p.severity == "error" for p in found):
            st.error(body, icon=":material/error:")
        else:
            st.warning(body, icon=":material/warning:")
