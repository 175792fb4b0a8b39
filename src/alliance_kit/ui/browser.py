"""The instrument browser: every loaded definition, read-only, and every problem found.

Layout only: the kit decides what loaded and what is wrong. Definition text is untrusted,
so it reaches Markdown elements only through :func:`plain` and tables only as dataframes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from alliance_kit.ui.text import (
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
    from alliance_kit.definitions import Instrument
    from alliance_kit.kit import Kit

LANGUAGES = {"en": "English", "es": "Español"}
WORDING = {
    "open": ("open wording", "green", ":material/lock_open:"),
    "project": ("project wording — not a validated instrument", "orange",
                ":material/edit_note:"),
    "structure-only": ("structure only — needs a wording pack", "gray", ":material/lock:"),
}
NO_WORDING = "— (wording pack needed)"
KEY = "browser"


def render(kit: Kit) -> None:
    """Draw the browser page for one session."""
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
    if raw.get("timing"):
        facts.append(f"given {raw['timing'].replace('-', ' ')}")
    st.caption(" · ".join(plain(f) for f in facts))
    if instrument.languages and language not in instrument.languages:
        st.caption(plain(f"No {LANGUAGES[language]} wording in this definition: "
                         "showing English."))
    if raw.get("description"):
        st.markdown(plain(instrument.text(raw["description"], language)))
    if instrument.wording == "structure-only":
        st.info("This definition ships no item wording (the wording is under licence). "
                "A wording pack is needed to show or give it; scoring and alerts work "
                "without one.", icon=":material/info:")

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
    rows = [
        {
            "Item": item.id,
            "Text": instrument.text(item.text, language) or (
                NO_WORDING if instrument.wording == "structure-only" else "—"),
            "Answers": scale_words(item.scale_type, item.scale, language),
            "Reverse": item.reverse,
            "Required": item.required,
            "Scored": item.scored,
            "Asked": asked_when(item.ask_if, item.when_not_asked),
            "Note": item.note or "",
        }
        for item in instrument.items
    ]
    frame = pd.DataFrame(rows)
    if not frame["Note"].astype(bool).any():
        frame = frame.drop(columns="Note")
    st.dataframe(
        frame, hide_index=True, key=f"{KEY}:{instrument.id}:items", width="stretch",
        column_config={
            "Item": st.column_config.TextColumn(width="small", pinned=True),
            "Text": st.column_config.TextColumn(width="large"),
            "Answers": st.column_config.TextColumn(width="medium"),
            "Reverse": st.column_config.CheckboxColumn(width="small"),
            "Required": st.column_config.CheckboxColumn(width="small"),
            "Scored": st.column_config.CheckboxColumn(width="small"),
            "Asked": st.column_config.TextColumn("Asked when", width="medium"),
        },
    )


def _scores(instrument: Instrument, language: str) -> None:
    if not instrument.scores:
        st.caption("This instrument has no scores.")
        return
    rows = [
        {
            "Score": score.id,
            "Name": instrument.text(score.spec.get("title"), language),
            "Method": score.method,
            "Built from": built_from(score.items, score.scores),
            "Range": f"{number(score.range[0])}–{number(score.range[1])}",
            "Bands": bands_words(score.bands, language),
            "Cut-offs": "; ".join(cutoff_words(c, language) for c in score.cutoffs),
            "Norms and reliable change": norms_words(score.norms),
        }
        for score in instrument.scores
    ]
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, key=f"{KEY}:{instrument.id}:scores",
        width="stretch",
        column_config={
            "Score": st.column_config.TextColumn(width="small", pinned=True),
            "Built from": st.column_config.TextColumn(width="medium"),
            "Bands": st.column_config.TextColumn(width="large"),
            "Cut-offs": st.column_config.TextColumn(width="medium"),
            "Norms and reliable change": st.column_config.TextColumn(width="large"),
        },
    )


def _alerts(instrument: Instrument, language: str) -> None:
    if not instrument.alerts:
        st.caption("This instrument has no alert rules.")
        return
    cutoffs = {(score.id, c["id"]): c for score in instrument.scores for c in score.cutoffs}
    rows = [
        {
            "Alert": alert.id,
            "Severity": alert.severity,
            "Type": alert.type,
            "Rule": alert_rule_words(alert.spec, cutoffs, language),
            "Message": instrument.text(alert.spec.get("message"), language),
            "Note": alert.spec.get("note", ""),
        }
        for alert in instrument.alerts
    ]
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, key=f"{KEY}:{instrument.id}:alerts",
        width="stretch",
        column_config={
            "Alert": st.column_config.TextColumn(width="small", pinned=True),
            "Severity": st.column_config.TextColumn(width="small"),
            "Rule": st.column_config.TextColumn(width="medium"),
            "Message": st.column_config.TextColumn(width="large"),
        },
    )


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
    for problem in problems:
        if problem.severity == "error":
            st.error(plain(problem), icon=":material/error:")
        else:
            st.warning(plain(problem), icon=":material/warning:")
