"""The personal feedback sheet: limits as data naming their source, the client's answers in
plain words in their language, comparisons with the limits, and a one-page PDF."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json

import pytest
from conftest import INSTRUMENTS
from pypdf import PdfReader

from alliance_kit.clinic import feedback
from alliance_kit.engine.feedback import (
    check_limits,
    collect_limits,
    drinking_sections,
    load_limits,
    readiness_section,
)
from alliance_kit.engine.records import Record

NIAAA_FILE = INSTRUMENTS / "drinking-limits" / "niaaa-us.json"


@pytest.fixture(scope="module")
def niaaa():
    limits, problems = load_limits(NIAAA_FILE)
    assert problems == []
    return limits


def lines(sections) -> list[str]:
    return [line for section in sections for line in section.lines]


def test_shipped_limits_are_niaaas_with_their_citation(niaaa) -> None:
    assert niaaa.id == "niaaa-us" and niaaa.unit_grams == 14
    assert "Rethinking Drinking" in niaaa.source and "NIAAA" in niaaa.source
    by_group = {limit.applies_to: (limit.per_day, limit.per_week) for limit in niaaa.limits}
    assert by_group == {"male": (4, 14), "female": (3, 7)}
    assert feedback.available_limits()[0]["niaaa-us"].limits == niaaa.limits


def test_limits_file_problems_say_where(tmp_path) -> None:
    data = json.loads(NIAAA_FILE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    broken["limits"][0].pop("per_day")
    broken["limits"][0].pop("per_week")
    broken["limits"][1]["label"].pop("es")
    found = [str(p) for p in check_limits(broken, "mine.json")]
    assert found and all(p.startswith("mine.json: $.limits[0]") for p in found)
    fixed = copy.deepcopy(data)
    fixed["limits"][1]["label"].pop("es")
    assert [str(p) for p in check_limits(fixed, "mine.json")] == [
        "mine.json: $.limits[1].label: no 'es' text: the file's languages are en, es; write it"]
    (tmp_path / "uk.json").write_text(json.dumps({
        **data, "id": "uk-cmo", "title": {"en": "UK", "es": "Reino Unido"},
        "limits": [{"applies_to": "everyone", "label": {"en": "Everyone", "es": "Todos"},
                    "per_week": 14}]}), encoding="utf-8")
    found, problems = collect_limits([NIAAA_FILE.parent, tmp_path])
    assert sorted(found) == ["niaaa-us", "uk-cmo"] and problems == []
    assert found["uk-cmo"].for_respondent("female")[0].per_week == 14


def test_answers_in_plain_words_next_to_the_limits(niaaa) -> None:
    sections = drinking_sections({"1": 3, "2": 2, "3": 2}, "male", niaaa, "en")
    text = lines(sections)
    assert text[:3] == [
        "You said you have a drink containing alcohol 2 to 3 times a week.",
        "On a typical day when you drink, you have 5 or 6 drinks.",
        "You have 6 or more drinks on one occasion about once a month."]
    assert "Men: no more than 4 drinks on any day, no more than 14 drinks a week." in text
    assert not any(line.startswith("Women:") for line in text)  # sex known: men's only
    # 2-3 days a week x 5-6 drinks = 10 to 18 drinks: may be above 14.
    assert "From your answers, a rough estimate: about 10 to 18 drinks a week." in text
    assert "Men: a typical drinking day is above the daily limit of 4." in text
    assert "Men: your week may be above the weekly limit of 14." in text


def test_within_the_limits_and_unknown_sex(niaaa) -> None:
    text = lines(drinking_sections({"1": 1, "2": 0, "3": 0}, None, niaaa, "en"))
    assert "Men: a typical drinking day is within the daily limit of 4." in text
    assert "Women: a typical drinking day is within the daily limit of 3." in text
    assert "Women: your week is likely within the weekly limit of 7." in text
    never = lines(drinking_sections({"1": 0, "2": 0, "3": 0}, "female", niaaa, "en"))
    assert never[0] == "You said you never have a drink containing alcohol."
    assert "You said you do not drink alcohol, so there is nothing to compare." in never
    assert not any("typical day" in line for line in never)


def test_spanish_sheet_words(niaaa) -> None:
    text = lines(drinking_sections({"1": 4, "2": 4, "3": 4}, "female", niaaa, "es"))
    assert text[0] == "Usted dijo que toma una bebida con alcohol 4 veces o más por semana."
    assert "Mujeres: no más de 3 bebidas en un día, no más de 7 bebidas por semana." in text
    assert "Según sus respuestas, un cálculo aproximado: unas 40 bebidas o más por semana." \
        in text
    ruler = readiness_section(7, 3, "es")
    assert ruler.lines[0] == "Qué tan importante es para usted cambiar: 7 de 10."
    assert ruler.lines[-1] == "Una pregunta para pensar: ¿qué le ayudaría a pasar de 3 a 4?"


def record(instrument: str, answers: dict, language: str = "en", sex=None) -> Record:
    return Record(1, "1", 1, "C", instrument, "1.0.0", 1, dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                  language, answers, {"sex": sex} if sex else {})


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_sheet_is_one_page_in_the_clients_language(niaaa, language) -> None:
    records = [record("audit-c", {"1": 4, "2": 4, "3": 4}),
               record("readiness-ruler", {"importance": 7, "confidence": 3})]
    pdf = feedback.render_sheet("AK-1001 <b>x</b>", feedback.sections(records, niaaa, language),
                                niaaa, language, dt.date(2026, 3, 2))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    title = {"en": "Your answers and what they mean", "es": "Sus respuestas y lo que significan"}
    assert title[language] in text
    assert "AK-1001 <b>x</b>" in text  # drawn as characters, never as markup
    assert "Rethinking Drinking" in text
    assert ("not a diagnosis" if language == "en" else "No es un diagnóstico") in text


def test_nothing_to_give_feedback_on(niaaa) -> None:
    with pytest.raises(feedback.NoFeedback, match="no AUDIT-C or readiness-ruler answers"):
        feedback.sections([record("srs", {"1": 9})], niaaa, "en")


def test_kiosk_sections_only_for_the_two_instruments(niaaa) -> None:
    assert feedback.kiosk_sections("srs", {"1": 1}, {}, niaaa, "en") == []
    found = feedback.kiosk_sections("readiness-ruler", {"importance": 4, "confidence": 10}, {},
                                    niaaa, "es")
    assert found[0].heading == "Cómo ve usted el cambio"
    assert len(found[0].lines) == 3  # no "from 10 to 11" question
