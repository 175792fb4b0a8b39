"""Personal feedback, brief-intervention style: a client's own AUDIT-C and readiness answers in
plain words, next to low-risk drinking limits from a named guideline.

The limits are data (``drinking-limits.schema.json``): a file names its guideline, its
source, what one drink means, and the limits per group (by the AUDIT-C respondent
attribute ``sex``, or ``everyone``). The project ships NIAAA's (``niaaa-us``); a clinic
adds its country's in the folder ``ALLIANCE_KIT_LIMITS_DIR`` names and picks it in the
admin settings. The words are the app's (gettext), in the client's language; the content
repeats answers and compares them with the limits, and never diagnoses.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alliance_kit.engine import checks, jsonschemas
from alliance_kit.engine.definitions import read_json, text_in
from alliance_kit.i18n import N_, t
from alliance_kit.problems import Problem

LIMITS_DIR_ENV = "ALLIANCE_KIT_LIMITS_DIR"
DEFAULT_LIMITS = "niaaa-us"
EVERYONE = "everyone"

#: AUDIT-C answers in plain words, by item and coded value.
HOW_OFTEN = (N_("You said you never have a drink containing alcohol."),
             N_("You said you have a drink containing alcohol monthly or less."),
             N_("You said you have a drink containing alcohol 2 to 4 times a month."),
             N_("You said you have a drink containing alcohol 2 to 3 times a week."),
             N_("You said you have a drink containing alcohol 4 or more times a week."))
HOW_MANY = (N_("On a typical day when you drink, you have 1 or 2 drinks."),
            N_("On a typical day when you drink, you have 3 or 4 drinks."),
            N_("On a typical day when you drink, you have 5 or 6 drinks."),
            N_("On a typical day when you drink, you have 7 to 9 drinks."),
            N_("On a typical day when you drink, you have 10 or more drinks."))
SIX_OR_MORE = (N_("You said you never have 6 or more drinks on one occasion."),
               N_("You have 6 or more drinks on one occasion less than once a month."),
               N_("You have 6 or more drinks on one occasion about once a month."),
               N_("You have 6 or more drinks on one occasion about once a week."),
               N_("You have 6 or more drinks on one occasion daily or almost daily."))
#: Drinking days per week (low, high) and drinks per drinking day (low, high; None: no top).
DAYS_PER_WEEK = ((0, 0), (0, 0.25), (0.5, 1), (2, 3), (4, 7))
DRINKS_PER_DAY = ((1, 2), (3, 4), (5, 6), (7, 9), (10, None))


@dataclass(frozen=True)
class Limit:
    applies_to: str
    label: Mapping[str, str]
    per_day: float | None
    per_week: float | None


@dataclass(frozen=True)
class DrinkingLimits:
    """One guideline's low-risk limits, as a checked file."""

    id: str
    version: str
    title: Mapping[str, str]
    source: str
    languages: tuple[str, ...]
    unit_grams: float
    unit_text: Mapping[str, str]
    limits: tuple[Limit, ...]
    notes: tuple[Mapping[str, str], ...] = ()
    origin: str = ""

    def for_respondent(self, sex: str | None) -> tuple[Limit, ...]:
        """The limits that apply: the respondent's group and 'everyone'; all when unknown."""
        mine = tuple(limit for limit in self.limits if limit.applies_to in (sex, EVERYONE))
        return mine or self.limits


def check_limits(data: Any, source: str) -> list[Problem]:
    found = [Problem(source, p, m) for p, m in checks.unsafe_strings(data, "$")]
    found += [Problem(source, p, m) for p, m in checks.schema_problems(
        data, jsonschemas.bundled_validator(jsonschemas.DRINKING_LIMITS))]
    if found:
        return found
    texts = [("$.title", data["title"]), ("$.unit.text", data["unit"]["text"])]
    texts += [(f"$.limits[{i}].label", limit["label"]) for i, limit in enumerate(data["limits"])]
    texts += [(f"$.notes[{i}]", note) for i, note in enumerate(data.get("notes", []))]
    for path, text in texts:
        for language in data["languages"]:
            if language not in text:
                found.append(Problem(source, path, f"no {language!r} text: the file's languages "
                                     f"are {', '.join(data['languages'])}; write it"))
    groups = [limit["applies_to"] for limit in data["limits"]]
    for index, group in enumerate(groups):
        if groups.index(group) != index:
            found.append(Problem(source, f"$.limits[{index}].applies_to", f"{group!r} has limits "
                                 "twice: keep one"))
    return found


def load_limits(entry: Path | Mapping[str, Any], source: str | None = None
                ) -> tuple[DrinkingLimits | None, list[Problem]]:
    """Load and check one limits file (or parsed dict): the limits or None, and problems."""
    if isinstance(entry, Mapping):
        data, problems, source = entry, [], source or f"<limits {entry.get('id', '?')}>"
    else:
        source = source or str(entry)
        data, problems = read_json(Path(entry), source)
        if data is None:
            return None, problems
    problems = problems + check_limits(data, source)
    if problems:
        return None, problems
    limits = tuple(Limit(item["applies_to"], dict(item["label"]), item.get("per_day"),
                         item.get("per_week")) for item in data["limits"])
    return DrinkingLimits(data["id"], data["version"], dict(data["title"]), data["source"],
                          tuple(data["languages"]), float(data["unit"]["grams"]),
                          dict(data["unit"]["text"]), limits,
                          tuple(dict(n) for n in data.get("notes", [])), source), []


def collect_limits(folders: Iterable[Path]) -> tuple[dict[str, DrinkingLimits], list[Problem]]:
    """Every valid limits file in the folders, by id (a later folder's wins), and problems."""
    found: dict[str, DrinkingLimits] = {}
    problems: list[Problem] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(str(folder), "$", f"no such folder: set {LIMITS_DIR_ENV} to "
                                    "a folder of drinking-limits files"))
            continue
        for path in sorted(folder.glob("*.json")):
            limits, found_problems = load_limits(path)
            problems += found_problems
            if limits is not None:
                found[limits.id] = limits
    return found, problems


def limits_folders(bundled: Path) -> list[Path]:
    """The bundled folder, then the clinic's (``ALLIANCE_KIT_LIMITS_DIR``) if set."""
    folders = [bundled] if bundled.is_dir() else []
    local = os.environ.get(LIMITS_DIR_ENV, "").strip()
    return folders + ([Path(local)] if local else [])


# --- the content --------------------------------------------------------------------------


@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)


def _coded(answers: Mapping[str, Any], item: str) -> int | None:
    value = answers.get(item)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    value = int(value)
    return value if 0 <= value <= 4 else None


def _number(value: float) -> str:
    return f"{value:g}"


def drinking_sections(answers: Mapping[str, Any], sex: str | None, limits: DrinkingLimits,
                      language: str) -> list[Section]:
    """The client's AUDIT-C answers in words, the limits, and how they compare."""
    _ = t(language)
    often, many, six = (_coded(answers, item) for item in ("1", "2", "3"))
    told = Section(_("What you told us"))
    if often is not None:
        told.lines.append(_(HOW_OFTEN[often]))
    if often and many is not None:
        told.lines.append(_(HOW_MANY[many]))
    if often and six is not None:
        told.lines.append(_(SIX_OR_MORE[six]))
    shown = Section(text_in(limits.title, language))  # names the guideline itself
    mine = limits.for_respondent(sex)
    for limit in mine:
        parts = []
        if limit.per_day is not None:
            parts.append(_("no more than {n} drinks on any day").format(
                n=_number(limit.per_day)))
        if limit.per_week is not None:
            parts.append(_("no more than {n} drinks a week").format(n=_number(limit.per_week)))
        shown.lines.append(f"{text_in(limit.label, language)}: {', '.join(parts)}.")
    shown.lines.append(text_in(limits.unit_text, language))
    shown.lines += [text_in(note, language) for note in limits.notes]
    compare = Section(_("Your answers next to the limits"))
    if often == 0:
        compare.lines.append(_("You said you do not drink alcohol, so there is nothing to "
                               "compare."))
    elif often is not None and many is not None:
        compare.lines += _comparisons(often, many, six, mine, language)
    return [s for s in (told, shown, compare) if s.lines]


def _comparisons(often: int, many: int, six: int | None, mine: Iterable[Limit],
                 language: str) -> list[str]:
    _ = t(language)
    low_day, high_day = DRINKS_PER_DAY[many]
    low_days, high_days = DAYS_PER_WEEK[often]
    low_week = low_days * low_day
    high_week = None if high_day is None else high_days * high_day
    if high_week is None:
        estimate = _("about {low} or more drinks a week").format(low=_number(round(low_week)))
    else:
        estimate = _("about {low} to {high} drinks a week").format(
            low=_number(round(low_week, 1)), high=_number(round(high_week, 1)))
    lines = [_("From your answers, a rough estimate: {estimate}.").format(estimate=estimate)]
    for limit in mine:
        group = text_in(limit.label, language)
        if limit.per_day is not None:
            daily = limit.per_day
            if low_day > daily:
                lines.append(_("{group}: a typical drinking day is above the daily limit of "
                               "{n}.").format(group=group, n=_number(daily)))
            elif (six or 0) > 0 and daily < 6:
                lines.append(_("{group}: on some days you drink more than the daily limit of "
                               "{n}.").format(group=group, n=_number(daily)))
            elif high_day is not None and high_day <= daily:
                lines.append(_("{group}: a typical drinking day is within the daily limit of "
                               "{n}.").format(group=group, n=_number(daily)))
            else:
                lines.append(_("{group}: a typical drinking day may be above the daily limit "
                               "of {n}.").format(group=group, n=_number(daily)))
        if limit.per_week is not None:
            weekly = limit.per_week
            if low_week > weekly:
                key = N_("{group}: your week is likely above the weekly limit of {n}.")
            elif high_week is not None and high_week <= weekly:
                key = N_("{group}: your week is likely within the weekly limit of {n}.")
            else:
                key = N_("{group}: your week may be above the weekly limit of {n}.")
            lines.append(_(key).format(group=group, n=_number(weekly)))
    return lines


def readiness_section(importance: float | None, confidence: float | None,
                      language: str) -> Section | None:
    """The readiness rulers in words, with two questions to talk about."""
    if importance is None and confidence is None:
        return None
    _ = t(language)
    section = Section(_("How you see change"))
    if importance is not None:
        section.lines.append(_("How important it is to you to change: {n} out of 10.").format(
            n=_number(importance)))
        if importance > 0:
            section.lines.append(_("A question to think about: why {n}, and not a lower "
                                   "number?").format(n=_number(importance)))
    if confidence is not None:
        section.lines.append(_("How sure you are that you could change: {n} out of 10.").format(
            n=_number(confidence)))
        if confidence < 10:
            section.lines.append(_("A question to think about: what would move you from {n} "
                                   "to {m}?").format(n=_number(confidence),
                                                     m=_number(min(10, confidence + 1))))
    return section


#: The lines every sheet ends with.
CLOSING = (N_("These are your own answers. What you do with them is your choice."),
           N_("This sheet is for talking with your counsellor. It is not a diagnosis."))


__all__ = ["CLOSING", "DEFAULT_LIMITS", "EVERYONE", "LIMITS_DIR_ENV", "DrinkingLimits",
           "Limit", "Section", "check_limits", "collect_limits", "drinking_sections",
           "limits_folders", "load_limits", "readiness_section"]
