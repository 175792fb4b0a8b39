"""The instrument catalogue (docs/instruments.md), generated from the loaded definitions.

Regenerate it with ``python -m alliance_kit.authoring.catalog > docs/instruments.md``; a test fails
when the file and the bundled definitions disagree. Only the bundled instruments are listed
(no entry points, no plugins folder), so the output does not depend on the machine.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from alliance_kit.engine import change
from alliance_kit.engine.definitions import Alert, Instrument, Item, Score
from alliance_kit.engine.explain import rounding_words
from alliance_kit.engine.rules import WORDS, describe
from alliance_kit.kit import Kit, build_kit

COMMAND = "python -m alliance_kit.authoring.catalog > docs/instruments.md"

WORDING = {
    "open": "open: the wording is public and shipped",
    "project": "project: wording written by alliance_kit, not a validated instrument",
    "structure-only": "structure-only: no item wording is shipped; a clinic holding a licence "
                      "installs a wording pack",
}

_SPECIAL = re.compile(r"([\\`*_\[\]<>|&#~])")
#: What would start a list or heading underline at the start of a line: '- x', '1. x'.
_BULLET = re.compile(r"^([-+=])")
_ORDERED = re.compile(r"^(\d+)([.)])")


def escape(text: Any, *, line_start: bool = False) -> str:
    """Definition text made safe for a Markdown table cell or paragraph (one line, no markup).

    ``line_start``: the text begins a line (a paragraph or a list item's text), where a
    leading ``-``, ``+`` or ``1.`` would start a list.
    """
    flat = _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    if line_start:
        flat = _ORDERED.sub(r"\1\\\2", _BULLET.sub(r"\\\1", flat))
    return flat


def code(ident: str) -> str:
    """An id as inline code (ids are [a-z0-9_.-], so they need no escaping)."""
    return f"`{ident}`"


def _num(value: float) -> str:
    return f"{value:g}"


def _text(instrument: Instrument, texts: Mapping[str, str] | None) -> str:
    return escape(instrument.text(texts))


def _range(score: Score) -> str:
    return f"{_num(score.range[0])} to {_num(score.range[1])}"


def _threshold(value: Any) -> str:
    if not isinstance(value, Mapping):
        return _num(value)
    parts = [f"{_num(v)} if {code(value['attribute'])} is {escape(k)}"
             for k, v in value["values"].items()]
    if "otherwise" in value:
        parts.append(f"{_num(value['otherwise'])} otherwise")
    else:
        parts.append("none (no flag) otherwise")
    return ", ".join(parts)


def _cutoff(score: Score, cutoff: Mapping[str, Any]) -> str:
    rule = f"{WORDS[cutoff['op']]} {_threshold(cutoff['value'])}"
    return f"{code(cutoff['id'])}: {code(score.id)} {rule}"


def _band(instrument: Instrument, band: Mapping[str, Any]) -> str:
    return f"{_text(instrument, band.get('label')) or code(band['id'])} {_num(band['min'])}–" \
           f"{_num(band['max'])}"


def _reliable_change(score: Score) -> str | None:
    norms = score.norms
    try:
        points = change.reliable_change_threshold(norms)
    except ValueError:
        return None
    if points is None:
        return None
    how = "fixed" if "reliable_change" in norms else "from SD and reliability"
    better = norms.get("improvement")
    direction = f", {better} is better" if better else ""
    return f"{code(score.id)} {points:.3g} points ({how}{direction})"


def _alert(instrument: Instrument, alert: Alert) -> str:
    spec = alert.spec
    if alert.type == "item":
        what = (f"item {escape(spec['item'])}" if "item" in spec
                else f"any of items {', '.join(escape(i) for i in spec['items'])}")
        rule = f"{what} {WORDS[spec['op']]} {_num(spec['value'])}"
    elif alert.type == "score":
        rule = f"{code(spec['score'])} {WORDS[spec['op']]} {_num(spec['value'])}"
    elif alert.type == "cutoff":
        rule = f"cut-off {code(spec['cutoff'])} of {code(spec['score'])}"
    elif alert.type == "drop":
        since = ("the previous session" if spec.get("compare_to") == "previous"
                 else "the last earlier session with a score")
        rule = f"{code(spec['score'])} {_num(spec['at_least'])} or more below {since}"
    elif alert.type == "reliable-change":
        outcome = spec.get("outcome", "deterioration")
        rule = f"reliable {outcome} of {code(spec['score'])} since the first session"
    elif alert.missing_of is not None:
        rule = escape(alert.alert_type.describe(spec, instrument.raw).removeprefix("when "))
    else:
        rule = f"{escape(alert.type)} rule"
    return rule


def _score_inputs(score: Score) -> str:
    if score.method == "composite":
        text = ""
        for term in score.spec["terms"]:
            weight = term.get("weight", 1)
            sign = "−" if weight < 0 else "+"
            size = "" if abs(weight) == 1 else f"{abs(weight):.4g} × "
            text += f" {sign} {size}{code(term['score'])}" if text or weight < 0 else \
                f"{size}{code(term['score'])}"
        constant = score.spec.get("constant", 0)
        return f"{_num(constant)}{text}" if constant else text.removeprefix(" + ")
    items = ", ".join(escape(i) for i in score.items)
    extra = ", ".join(f"{code(s)}" for s in score.scores)
    return f"items {items}" + (f"; scores {extra}" if extra else "")


def _table_row(instrument: Instrument) -> str:
    scores = "; ".join(f"{code(s.id)} {escape(s.method)} {_range(s)}" for s in instrument.scores)
    bands = "; ".join(f"{code(s.id)}: " + ", ".join(_band(instrument, b) for b in s.bands)
                      for s in instrument.scores if s.bands)
    cutoffs = "; ".join(_cutoff(s, c) for s in instrument.scores for c in s.cutoffs)
    changes = "; ".join(filter(None, (_reliable_change(s) for s in instrument.scores)))
    alerts = "; ".join(f"{code(a.id)} ({escape(a.severity)})" for a in instrument.alerts)
    wording = instrument.wording + ("" if instrument.validated else ", not validated")
    cells = [
        f"[{code(instrument.id)}](#{instrument.id})",
        escape(instrument.version),
        _text(instrument, instrument.title),
        str(len(instrument.items)),
        scores or "—",
        bands or "—",
        cutoffs or "—",
        changes or "—",
        alerts or "—",
        escape(instrument.raw["license"]["name"]),
        escape(wording),
    ]
    return "| " + " | ".join(cells) + " |"


def _item_groups(items: Iterable[Item]) -> list[tuple[list[str], Item]]:
    """Items that read the same (scale and flags) grouped, in first-appearance order."""
    groups: dict[tuple, tuple[list[str], Item]] = {}
    for item in items:
        key = (item.scale_id, item.reverse, item.required, item.scored, repr(item.ask_if),
               item.when_not_asked)
        groups.setdefault(key, ([], item))[0].append(item.id)
    return list(groups.values())


def _item_line(ids: list[str], item: Item) -> str:
    label = "Item" if len(ids) == 1 else "Items"
    flags = []
    if item.reverse:
        flags.append("reverse-keyed")
    if not item.scored:
        flags.append("not scored")
    if not item.required:
        flags.append("optional")
    if item.ask_if:
        flags.append(f"asked only when {escape(describe(item.ask_if))}")
        if item.when_not_asked is not None:
            flags.append(f"scores {_num(item.when_not_asked)} when not asked")
    scale = f"{escape(item.scale['type'])} scale {code(item.scale_id)}, " \
            f"{escape(item.scale_type.describe(item.scale))}"
    extra = f"; {'; '.join(flags)}" if flags else ""
    return f"- {label} {', '.join(escape(i) for i in ids)}: {scale}{extra}."


def _score_line(instrument: Instrument, score: Score) -> list[str]:
    title = _text(instrument, score.spec.get("title"))
    head = f"- {code(score.id)}" + (f" ({title})" if title else "")
    parts = [f"{escape(score.method)} of {_score_inputs(score)}", f"range {_range(score)}"]
    if score.method in ("sum", "mean"):
        missing = score.spec.get("max_missing", 0)
        how = " (each takes the mean of the answered items)" if score.method == "sum" else ""
        parts.append(f"at most {missing} missing item{'s' if missing != 1 else ''}"
                     + (how if missing else ""))
    if score.spec.get("weights"):
        parts.append("weights " + ", ".join(f"{escape(k)} × {_num(v)}"
                                            for k, v in score.spec["weights"].items()))
    if (rounding := rounding_words(score)) is not None:
        parts.append(rounding)
    lines = [f"{head}: {'; '.join(parts)}."]
    if score.bands:
        lines.append("  Bands: " + ", ".join(_band(instrument, b) for b in score.bands) + ".")
    for cutoff in score.cutoffs:
        label = _text(instrument, cutoff.get("label"))
        lines.append(f"  Cut-off {_cutoff(score, cutoff)}" + (f" ({label})" if label else "") + ".")
    norms = {k: v for k, v in score.norms.items() if k not in ("source", "note")}
    if norms:
        shown = []
        for key, value in norms.items():
            if isinstance(value, Mapping):
                inner = ", ".join(f"{code(k)} {escape(v)}" for k, v in value.items())
                shown.append(f"{code(key)} ({inner})")
            else:
                shown.append(f"{code(key)} {escape(value)}")
        lines.append("  Norms: " + "; ".join(shown) + ".")
    for key in ("source", "note"):
        if key in score.norms:
            lines.append(f"  Norms {key}: {escape(score.norms[key])}")
    try:
        basis = change.clinical_cutoff_basis(score.norms)[1]
    except ValueError:
        basis = None
    if basis not in (None, change.PUBLISHED):
        words = escape(change.cutoff_words(score.norms))
        lines.append(f"  Recovery is judged against the {words}.")
    if score.spec.get("note"):
        lines.append(f"  Note: {escape(score.spec['note'])}")
    return lines


def _section(instrument: Instrument) -> list[str]:
    title = _text(instrument, instrument.title)
    lines = [f"## {title}", "", f'<a id="{instrument.id}"></a>', ""]
    description = _text(instrument, instrument.raw.get("description"))
    if description:
        lines += [escape(instrument.text(instrument.raw.get("description")), line_start=True), ""]
    licence = instrument.raw["license"]
    lines += [
        f"- Id and version: {code(instrument.id)} {escape(instrument.version)}",
        f"- Wording: {escape(WORDING[instrument.wording])}",
        f"- Licence: {escape(licence['name'])}"
        + (f". {escape(licence['note'])}" if licence.get("note") else ""),
        f"- Citation: {escape(instrument.raw['citation'])}",
        "- Languages shipped: "
        + (", ".join(escape(x) for x in instrument.languages) or "none (wording pack needed)"),
    ]
    if "timing" in instrument.raw:
        lines.append(f"- Given: {escape(instrument.raw['timing'])}")
    if instrument.attributes:
        attributes = "; ".join(f"{code(name)} ({', '.join(escape(v) for v in spec['values'])})"
                               for name, spec in instrument.attributes.items())
        lines.append(f"- Respondent attributes: {attributes}")
    lines += ["", f"### Items ({len(instrument.items)})", ""]
    lines += [_item_line(ids, item) for ids, item in _item_groups(instrument.items)]
    if instrument.scores:
        lines += ["", "### Scores", ""]
        for score in instrument.scores:
            lines += _score_line(instrument, score)
    if instrument.alerts:
        lines += ["", "### Alerts", ""]
        for alert in instrument.alerts:
            message = _text(instrument, alert.spec.get("message"))
            lines.append(f"- {code(alert.id)} ({escape(alert.severity)}, {escape(alert.type)}): "
                         f"{_alert(instrument, alert)}." + (f" {message}" if message else ""))
    notes = instrument.raw.get("notes", [])
    if notes:
        lines += ["", "### Notes", ""]
        lines += [f"- {escape(note, line_start=True)}" for note in notes]
    return lines + [""]


def instruments_markdown(kit: Kit) -> str:
    """docs/instruments.md: one table row per instrument, then a section for each."""
    instruments = sorted(kit.instruments.values(), key=lambda i: i.id)
    lines = [
        "# Instruments",
        "",
        f"Generated from the bundled definitions by `{COMMAND}`; do not edit by hand (a test",
        "fails when this file and the definitions disagree). How to write a definition:",
        "[writing-instruments.md](writing-instruments.md).",
        "",
        "| id | version | title | items | scores (method, range) | bands | cut-offs "
        "| reliable change | alerts | licence | wording |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_table_row(instrument) for instrument in instruments]
    lines.append("")
    for instrument in instruments:
        lines += _section(instrument)
    return "\n".join(lines)


def bundled_kit() -> Kit:
    """A kit with the built-in plugins only: what ships, whatever is installed locally."""
    with tempfile.TemporaryDirectory() as empty:
        return build_kit(plugins_dir=Path(empty), disabled=(), entry_points=False)


def main() -> None:
    """Print the catalogue as UTF-8, whatever the terminal's encoding."""
    sys.stdout.buffer.write(instruments_markdown(bundled_kit()).encode("utf-8"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
