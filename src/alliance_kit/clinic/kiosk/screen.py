"""What the kiosk says that a clinic sets: the words after answers that raised a safety
alert (and a crisis line), and the language the tablet starts in for each new person.

Settings rows (see :mod:`alliance_kit.clinic.settings`), written by admins only, audited:
``kiosk:safety`` = {"message": {lang: text}, "crisis": {lang: text}} and
``kiosk:language`` = {"language": "es"}. The kiosk shows these texts as plain text.
"""

from __future__ import annotations

from collections.abc import Mapping

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor
from alliance_kit.i18n import N_, SOURCE_LANGUAGE, languages, t
from alliance_kit.store.engine import Store
from alliance_kit.store.names import name_problem

SAFETY_SETTING = "kiosk:safety"
LANGUAGE_SETTING = "kiosk:language"
#: What the client reads after answers that raised a safety alert, unless the clinic says
#: otherwise. Never a score, never which answer.
DEFAULT_SAFETY_MESSAGE = N_("Please tell a member of staff now.")
MAX_TEXT = 300


def safety_lines(store: Store | None, language: str) -> list[str]:
    """The safety message and the crisis line (if the clinic set one) in ``language``:
    the clinic's text in that language, else the built-in message translated, and the
    crisis line in that language, else in English."""
    stored = (settings.get(store, SAFETY_SETTING) if store is not None else None) or {}
    messages, crisis = stored.get("message") or {}, stored.get("crisis") or {}
    base = language.split("-")[0]
    message = messages.get(language) or messages.get(base) or t(language)(
        DEFAULT_SAFETY_MESSAGE)
    line = crisis.get(language) or crisis.get(base) or crisis.get(SOURCE_LANGUAGE)
    return [message, line] if line else [message]


def safety_texts(store: Store) -> tuple[dict[str, str], dict[str, str]]:
    """(messages, crisis lines) by language as the clinic set them ({} when not)."""
    stored = settings.get(store, SAFETY_SETTING) or {}
    return dict(stored.get("message") or {}), dict(stored.get("crisis") or {})


def set_safety_texts(store: Store, actor: Actor, messages: Mapping[str, str],
                     crisis: Mapping[str, str]) -> None:
    """Set the clinic's safety message and crisis line by language (admins only); a blank
    text means the built-in message (or no crisis line) for that language."""
    known = languages()
    cleaned: dict[str, dict[str, str]] = {}
    for what, texts in (("message", messages), ("crisis", crisis)):
        cleaned[what] = {}
        for language, text in texts.items():
            if language not in known:
                raise ValueError(f"{language!r} is not one of the app's languages "
                                 f"({', '.join(known)})")
            text = " ".join(str(text).split())
            if not text:
                continue
            if len(text) > MAX_TEXT:
                raise ValueError(f"the {what} in {language} is {len(text)} characters long: "
                                 f"keep it to {MAX_TEXT}")
            if problem := name_problem(text, f"the {what} in {language}"):
                raise ValueError(problem)
            cleaned[what][language] = text
    settings.put(store, actor, SAFETY_SETTING, cleaned)


def default_language(store: Store | None) -> str:
    """The language a kiosk screen starts in for each new person (the clinic's choice)."""
    stored = (settings.get(store, LANGUAGE_SETTING) if store is not None else None) or {}
    language = stored.get("language")
    return language if language in languages() else SOURCE_LANGUAGE


def set_default_language(store: Store, actor: Actor, language: str) -> None:
    if language not in languages():
        raise ValueError(f"{language!r} is not one of the app's languages "
                         f"({', '.join(languages())})")
    settings.put(store, actor, LANGUAGE_SETTING, {"language": language})
