"""The personal feedback sheet: a one-page PDF, in the client's language, of their own
AUDIT-C and readiness answers next to low-risk drinking limits, for the therapist to go
through with them. And the clinic's feedback settings: which limits, and whether the kiosk
shows the client anything (off unless an admin turns it on).

Every piece of text is drawn as characters (``reports.Text``), never as markup.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepInFrame, SimpleDocTemplate

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor, require_client, require_staff
from alliance_kit.clinic.reports import Text
from alliance_kit.clinic.services import Services
from alliance_kit.clinic.services.recovery import client_records
from alliance_kit.engine.feedback import (
    CLOSING,
    DEFAULT_LIMITS,
    DrinkingLimits,
    Section,
    collect_limits,
    drinking_sections,
    limits_folders,
    readiness_section,
)
from alliance_kit.engine.motivation import AUDIT_C, READINESS_RULER
from alliance_kit.engine.records import Record
from alliance_kit.i18n import N_, t
from alliance_kit.problems import Problem
from alliance_kit.store import audit
from alliance_kit.store.engine import Store

FEEDBACK_KEY = "feedback"
LANGUAGES = ("en", "es")


class NoFeedback(ValueError):
    """There is nothing to give feedback on yet (no AUDIT-C or readiness answers)."""


@dataclass(frozen=True)
class FeedbackSettings:
    """Which drinking limits the sheet uses, and whether the kiosk shows feedback."""

    limits: str = DEFAULT_LIMITS
    kiosk: bool = False


@functools.cache
def available_limits() -> tuple[dict[str, DrinkingLimits], tuple[Problem, ...]]:
    """The limits files there are, by id (read once per process: they are not per user)."""
    from alliance_kit.default_instruments import bundled_folder

    found, problems = collect_limits(limits_folders(bundled_folder() / "drinking-limits"))
    return found, tuple(problems)


def feedback_settings(store: Store) -> FeedbackSettings:
    stored = settings.get(store, FEEDBACK_KEY) or {}
    return FeedbackSettings(str(stored.get("limits", DEFAULT_LIMITS)),
                            bool(stored.get("kiosk", False)))


def set_feedback_settings(store: Store, actor: Actor, chosen: FeedbackSettings) -> None:
    """Admins only, audited; limits must be one of the installed files."""
    known = available_limits()[0]
    if chosen.limits not in known:
        raise ValueError(f"no drinking limits {chosen.limits!r} (installed: "
                         f"{', '.join(sorted(known)) or 'none'})")
    settings.put(store, actor, FEEDBACK_KEY, {"limits": chosen.limits,
                                              "kiosk": bool(chosen.kiosk)})


def limits_for(store: Store) -> DrinkingLimits:
    chosen = feedback_settings(store).limits
    known = available_limits()[0]
    if chosen not in known:
        raise ValueError(f"the drinking limits {chosen!r} chosen in the settings are not "
                         f"installed (installed: {', '.join(sorted(known)) or 'none'}): ask "
                         "an admin to pick others")
    return known[chosen]


# ---- content -------------------------------------------------------------------------------


def sections(records: list[Record], limits: DrinkingLimits, language: str) -> list[Section]:
    """The sheet's sections from a client's records (latest AUDIT-C and ruler)."""
    audit_c = next((r for r in reversed(records) if r.instrument_id == AUDIT_C), None)
    ruler = next((r for r in reversed(records) if r.instrument_id == READINESS_RULER), None)
    if audit_c is None and ruler is None:
        raise NoFeedback("no AUDIT-C or readiness-ruler answers yet: give one of them first")
    found: list[Section] = []
    if audit_c is not None:
        found += drinking_sections(audit_c.answers, audit_c.attributes.get("sex"), limits,
                                   language)
    if ruler is not None:
        found += [s for s in [readiness_section(_value(ruler, "importance"),
                                                _value(ruler, "confidence"), language)] if s]
    return found


def _value(record: Record, item: str) -> float | None:
    value = record.answers.get(item)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def kiosk_sections(instrument_id: str, answers: Mapping[str, Any],
                   attributes: Mapping[str, Any], limits: DrinkingLimits,
                   language: str) -> list[Section]:
    """What the kiosk may show right after one questionnaire (when the clinic allows it)."""
    if instrument_id == AUDIT_C:
        return drinking_sections(answers, attributes.get("sex"), limits, language)
    if instrument_id == READINESS_RULER:
        found = readiness_section(_number(answers.get("importance")),
                                  _number(answers.get("confidence")), language)
        return [found] if found else []
    return []


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


# ---- the PDF -------------------------------------------------------------------------------

TITLE = N_("Your answers and what they mean")
MADE = N_("Client {code} · {date}")
FOR_TALKING = N_("To go through together with your counsellor.")
SOURCE = N_("Limits from: {source}")


def feedback_sheet(services: Services, actor: Actor, client_id: int,
                   language: str | None = None) -> tuple[bytes, str]:
    """The one-page PDF for a client the actor may see, and the language used (audited as
    an export). ``language`` defaults to the one the client last answered in."""
    require_staff(actor, "therapist", "supervisor", "admin")
    with services.store.read() as session:
        code = require_client(session, actor, client_id).code
        records = client_records(session, client_id, [AUDIT_C, READINESS_RULER])
    if language is None:
        language = records[-1].language if records else "en"
    language = language if language in LANGUAGES else language.split("-")[0]
    language = language if language in LANGUAGES else "en"
    limits = limits_for(services.store)
    content = sections(records, limits, language)
    services.store.write(lambda session: audit.append(
        session, actor=actor.label, action="export", entity="feedback-sheet",
        entity_id=client_id, client_id=client_id,
        details={"language": language, "limits": limits.id, "responses": len(records)}))
    return render_sheet(code, content, limits, language), language


def render_sheet(code: str, content: list[Section], limits: DrinkingLimits,
                 language: str, today: dt.date | None = None) -> bytes:
    """Lay out one A4 page (content that would not fit is shrunk to fit, never cut)."""
    _ = t(language)
    today = today or dt.date.today()
    story: list[Flowable] = [
        Text(_(TITLE), 17, 3),
        Text(_(MADE).format(code=code, date=today.isoformat()), 10, 2, colors.grey),
        Text(_(FOR_TALKING), 10, 10),
    ]
    for section in content:
        story.append(Text(section.heading, 12.5, 3, colors.HexColor("#1f4e79")))
        story += [Text(f"• {line}", 10.5, 2) for line in section.lines]
        story.append(Text("", 4, 4))
    story += [Text(_(line), 10.5, 2) for line in CLOSING]
    story.append(Text(_(SOURCE).format(source=limits.source), 8, 0, colors.grey))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                 topMargin=16 * mm, bottomMargin=14 * mm,
                                 title=_(TITLE), author="alliance_kit")
    frame_width = A4[0] - 36 * mm
    frame_height = A4[1] - 30 * mm - 12  # the frame's own padding
    document.build([KeepInFrame(frame_width, frame_height, story, mode="shrink")])
    return buffer.getvalue()


__all__ = ["FEEDBACK_KEY", "FeedbackSettings", "NoFeedback", "available_limits",
           "feedback_settings", "feedback_sheet", "kiosk_sections", "limits_for",
           "render_sheet", "sections", "set_feedback_settings"]
