"""The app's own strings in the respondent's language: gettext catalogues made with Babel.

Instrument wording is not here: it comes from definitions and wording packs
(:meth:`alliance_kit.Kit.wording`). This module translates the app around it: buttons,
progress, thank-you and error lines, dashboard headings.

Using it in a page (one translate function per run, every shown string wrapped)::

    from alliance_kit.i18n import t

    _ = t(language)
    st.button(_("Next"))
    st.caption(_("Question {n} of {total}").format(n=3, total=12))

Format after translating, with named fields, so a translation may reorder them. An unknown
language, or a string with no translation yet, shows the English text.

Adding or changing strings (from the repository root, with Babel installed; ``babel.cfg``
says which files are read)::

    # 1. wrap new strings in _() in a page, or list them in MESSAGES below with N_()
    # 2. extract them into the template
    pybabel extract -F babel.cfg -k N_ -k translate --add-comments=TRANSLATORS: --no-location \\
        --sort-output --project=alliance_kit -o src/alliance_kit/locale/alliance_kit.pot .
    # 3. merge the template into every catalogue, write each new msgstr, then compile
    pybabel update -i src/alliance_kit/locale/alliance_kit.pot -d src/alliance_kit/locale \\
        -D alliance_kit --no-fuzzy-matching
    pybabel compile -d src/alliance_kit/locale -D alliance_kit

Commit the .pot, .po and .mo files: the app reads the compiled .mo, so installing needs no
build step (``tests/test_i18n.py`` fails when a .mo is out of date with its .po, or a
msgstr is empty).

A new language is a catalogue, not code::

    pybabel init -i src/alliance_kit/locale/alliance_kit.pot -d src/alliance_kit/locale \\
        -D alliance_kit -l pt_BR

then translate, compile, and :func:`languages` offers it.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable
from pathlib import Path

from babel import Locale, UnknownLocaleError

DOMAIN = "alliance_kit"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The language of the msgids, and the one every lookup falls back to.
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (it is translated where shown)."""
    return message


#: Strings the kiosk and dashboard need, listed so extraction finds them before pages use them.
MESSAGES = (
    N_("Next"),
    N_("Back"),
    N_("Submit"),
    N_("Thank you"),
    N_("Your answers have been saved."),
    N_("Please answer this question."),
    N_("Not answered yet"),
    N_("Not saved — please tell staff"),
    # TRANSLATORS: progress through a questionnaire; keep {n} and {total}.
    N_("Question {n} of {total}"),
    # TRANSLATORS: a language picker label: always the language's own name, untranslated.
    N_("English"),
    # TRANSLATORS: a language picker label: always the language's own name, untranslated.
    N_("Español"),
    N_("Instruments"),
    N_("Definition problems"),
    N_("All definitions are valid."),
    # TRANSLATORS: a licensed questionnaire whose text the clinic has not installed yet.
    N_("Wording pack needed"),
    # TRANSLATORS: shown beside questionnaires written by this project, not research-tested.
    N_("not a validated instrument"),
)


def _gettext_code(language: str) -> str:
    """'pt-BR' (as definitions write it) -> 'pt_BR' (as gettext and Babel name catalogues)."""
    return language.replace("-", "_")


@functools.cache
def translator(language: str) -> gettext.NullTranslations:
    """The catalogue for ``language`` ('es', 'es-MX' uses 'es'); English text when there is none.

    Cached: catalogues are read once per process and never changed, so sharing is safe.
    """
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[_gettext_code(language)],
                               fallback=True)


def t(language: str) -> Callable[[str], str]:
    """The translate function for ``language``, to bind as ``_`` at the top of a page run."""
    return translator(language).gettext


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages the app speaks: English, then every compiled catalogue, by code."""
    found = sorted(
        folder.name.replace("_", "-")
        for folder in LOCALE_DIR.iterdir()
        if (folder / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()
    ) if LOCALE_DIR.is_dir() else []
    return (SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE))


@functools.cache
def language_name(language: str, in_language: str | None = None) -> str:
    """A language's name: in its own words ('Español') or in ``in_language`` ('Spanish').

    Unknown codes come back unchanged, so a name is always printable.
    """
    try:
        locale = Locale.parse(_gettext_code(language))
        name = locale.get_display_name(_gettext_code(in_language or language))
    except (UnknownLocaleError, ValueError, TypeError):
        return language
    return name[:1].upper() + name[1:] if name else language
