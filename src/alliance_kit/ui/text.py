"""Text helpers for pages: show definition text inert, and put definition parts into words.

Definitions come from plugins and files a clinic installs, so their text is untrusted:
anything passed to a Markdown-rendering element (st.markdown, st.title, st.caption, labels)
goes through :func:`plain` first. Tables go to st.dataframe, which never renders Markdown.
(st.table does render Markdown in its cells, so it is not used for definition text.)
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from alliance_kit.engine import rules
from alliance_kit.engine.definitions import text_in

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Alert, Instrument

#: Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all
#: of them (not only * _ [ ] ...) also neutralises Streamlit's directives (:red[..], $..$).
_ESCAPES = str.maketrans({char: "\\" + char for char in string.punctuation})

#: What a table shows where a value is missing (``st.dataframe(..., placeholder=DASH)``).
DASH = "—"

OP_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}


#: Streamlit's Markdown turns web and e-mail addresses into links after parsing, escapes or
#: not (GFM "autolink literals"). A word joiner (U+2060: no width, no break) where the
#: patterns need ``://``, ``www.`` or ``@`` keeps the text looking as written but inert.
_JOINER = "\u2060"
_AUTOLINKS = re.compile(r"(?<=:)(?=//)|(?i:\bwww)(?=\.)|@")


def plain(text: object) -> str:
    """Text as Markdown that renders exactly as written: every punctuation mark escaped, and
    no address turned into a link."""
    text = _AUTOLINKS.sub(lambda m: m.group(0) + _JOINER, str(text))
    return text.translate(_ESCAPES)


def number(value: Any) -> str:
    """A number without a needless '.0'; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:g}"


def joined(values: Iterable[Any], sep: str = ", ") -> str:
    return sep.join(number(v) for v in values)


def scale_words(scale_type: Any, scale: Mapping[str, Any], language: str = "en") -> str:
    """A scale's type and allowed answers: 'options: 0 Not at all · 1 Several days · ...'."""
    kind = scale.get("type", "?")
    options = scale.get("options")
    if kind == "options" and options and any(o.get("label") for o in options):
        parts = [f"{number(o['value'])} {text_in(o.get('label'), language)}".strip()
                 for o in options]
        return "options: " + " · ".join(parts)
    try:
        allowed = scale_type.describe(scale)
    except Exception:  # a plugin's describe() must not break the page
        allowed = "see the definition"
    words = f"{kind}: {allowed}"
    anchors = scale.get("anchors")
    if isinstance(anchors, Mapping) and anchors:
        ends = [text_in(anchors.get(end), language) for end in ("min", "max")]
        words += f" ({ends[0]} … {ends[1]})"
    return words


def asked_when(ask_if: Mapping[str, Any] | None, when_not_asked: float | None) -> str:
    if not ask_if:
        return "always"
    words = "when " + rules.describe(ask_if)
    if when_not_asked is not None:
        words += f"; scored {number(when_not_asked)} when not asked"
    return words


def threshold(op: str, value: Any) -> str:
    """'≥ 10'; for a cut-off that depends on an attribute '≥ 4 if sex is male, ≥ 3 if female'."""
    symbol = OP_SYMBOLS.get(op, op)
    if isinstance(value, Mapping):
        parts = [f"{symbol} {number(v)} if {name}" for name, v in value.get("values", {}).items()]
        if parts:
            parts[0] = parts[0].replace(" if ", f" if {value.get('attribute', '?')} is ", 1)
        if "otherwise" in value:
            parts.append(f"{symbol} {number(value['otherwise'])} otherwise")
        return ", ".join(parts)
    return f"{symbol} {number(value)}"


def bands_words(bands: Iterable[Mapping[str, Any]], language: str = "en") -> str:
    """'0–4 Minimal, 5–9 Mild, ...'."""
    return ", ".join(f"{number(b['min'])}–{number(b['max'])} "
                     f"{text_in(b.get('label'), language) or b['id']}" for b in bands)


def cutoff_words(cutoff: Mapping[str, Any], language: str = "en") -> str:
    """'≥ 10 Probable depression (caseness)', with the cut-off's note when it has one."""
    label = text_in(cutoff.get("label"), language) or cutoff["id"]
    words = f"{threshold(cutoff['op'], cutoff['value'])}: {label}"
    if cutoff.get("note"):
        words += f" (note: {cutoff['note']})"
    return words


_NORM_WORDS = {
    "reliable_change": "reliable change",
    "clinical_cutoff": "clinical cut-off",
    "reliability": "reliability",
}


def norms_words(norms: Mapping[str, Any]) -> str:
    """Norms in one line: 'reliable change 6; clinical cut-off 10; lower is better; source: ...'."""
    parts = []
    for key, value in norms.items():
        if key == "improvement":
            parts.append("higher is better" if value == "increase" else "lower is better"
                         if value == "decrease" else f"improvement: {value}")
        elif isinstance(value, Mapping):
            inner = ", ".join(f"{k} {number(v)}" for k, v in value.items())
            parts.append(f"{key.replace('_', ' ')}: {inner}")
        else:
            parts.append(f"{_NORM_WORDS.get(key, key.replace('_', ' '))}: {number(value)}")
    return "; ".join(parts)


def built_from(items: Iterable[str], scores: Iterable[str]) -> str:
    parts = []
    if items := list(items):
        parts.append(("item " if len(items) == 1 else "items ") + ", ".join(items))
    if scores := list(scores):
        parts.append(("score " if len(scores) == 1 else "scores ") + ", ".join(scores))
    return "; ".join(parts)


def alert_rule_words(alert: Alert, instrument: Instrument) -> str:
    """An alert rule in words, as its alert type describes it."""
    try:
        return alert.alert_type.describe(alert.spec, instrument.raw)
    except (KeyError, TypeError, ValueError, StopIteration):
        return f"{alert.type}: {alert.id}"
