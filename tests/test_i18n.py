"""App strings: the Spanish catalogue, the English fallback, catalogues complete and compiled."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from alliance_kit import i18n

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(i18n.LOCALE_DIR.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"))
UPDATE = ("run the commands in the docstring of src/alliance_kit/i18n.py (extract, update, "
          "translate, compile)")


def read_catalogue(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def test_there_is_a_spanish_catalogue():
    assert [p.parts[-3] for p in CATALOGUES] == ["es"]
    assert i18n.languages() == ("en", "es")


@pytest.mark.parametrize(("english", "spanish"), [
    ("Next", "Siguiente"),
    ("Back", "Atrás"),
    ("Submit", "Enviar"),
    ("Thank you", "Gracias"),
    ("Your answers have been saved.", "Sus respuestas quedaron guardadas."),
    ("Please answer this question.", "Por favor, responda esta pregunta."),
    ("Wording pack needed", "Falta el paquete de textos"),
    ("not a validated instrument", "no es un instrumento validado"),
])
def test_spanish_returns_the_spanish_string(english, spanish):
    assert i18n.t("es")(english) == spanish


def test_placeholders_survive_translation():
    _ = i18n.t("es")
    assert _("Question {n} of {total}").format(n=3, total=12) == "Pregunta 3 de 12"


def test_language_picker_labels_are_each_languages_own_name():
    for language in ("en", "es"):
        _ = i18n.t(language)
        assert (_("English"), _("Español")) == ("English", "Español")


@pytest.mark.parametrize("language", ["en", "fr", "xx", ""])
def test_other_languages_fall_back_to_english(language):
    assert i18n.t(language)("Next") == "Next"
    assert i18n.t(language)("a string nobody translated") == "a string nobody translated"


def test_a_regional_variant_uses_its_base_language():
    assert i18n.t("es-MX")("Submit") == "Enviar"


def test_translators_are_cached():
    assert i18n.translator("es") is i18n.translator("es")


def test_language_names():
    assert i18n.language_name("es") == "Español"
    assert i18n.language_name("en") == "English"
    assert i18n.language_name("es", "en") == "Spanish"
    assert i18n.language_name("zz-ZZ") == "zz-ZZ"


@pytest.mark.parametrize("path", CATALOGUES, ids=[p.parts[-3] for p in CATALOGUES])
def test_every_msgid_has_a_msgstr(path):
    catalogue = read_catalogue(path)
    empty = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert empty == [] and fuzzy == [], f"{path}: translate these, then {UPDATE}"


@pytest.mark.parametrize("path", CATALOGUES, ids=[p.parts[-3] for p in CATALOGUES])
def test_compiled_catalogue_is_up_to_date(path):
    """The committed .mo holds exactly what compiling the .po gives."""
    compiled = io.BytesIO()
    write_mo(compiled, read_catalogue(path))
    compiled.seek(0)
    with path.with_suffix(".mo").open("rb") as f:
        committed = read_mo(f)
    expected = read_mo(compiled)

    def messages(catalogue):
        return {m.id if isinstance(m.id, str) else tuple(m.id): m.string
                for m in catalogue if m.id}

    stale = f"{path.with_suffix('.mo')} is stale: {UPDATE}"
    assert messages(committed) == messages(expected), stale


def test_every_marked_string_is_in_every_catalogue():
    """Strings wrapped in _() or N_() anywhere in the app have an entry (so a translation)."""
    keywords = {"_": None, "gettext": None, "N_": None}
    found = [message for _, _, message, *_ in extract_from_dir(ROOT / "src", keywords=keywords)]
    if (ROOT / "app.py").is_file():
        found += [message for _, message, *_ in
                  extract_from_file("python", ROOT / "app.py", keywords=keywords)]
    marked = {message for message in found if isinstance(message, str)}
    assert set(i18n.MESSAGES) <= marked
    for path in CATALOGUES:
        ids = {m.id for m in read_catalogue(path) if m.id}
        assert sorted(marked - ids) == [], f"{path} lacks these strings: {UPDATE}"
