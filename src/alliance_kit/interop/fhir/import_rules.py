"""Reading a Questionnaire's logic: ``enableWhen`` and FHIRPath conditions into skip rules,
calculated expressions into scores, for :mod:`.questionnaire_import`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alliance_kit.interop.fhir.common import (
    CALCULATED,
    ENABLE_WHEN_EXPRESSION,
    FLIP,
    OUR_OPS,
    WHEN_NOT_ASKED,
    num,
)
from alliance_kit.interop.fhir.fhirpath import Parser, Unreadable, answer_ref
from alliance_kit.interop.fhir.import_items import Question, ext_value, is_number


class RuleReader:
    """The part of the importer that turns conditions and calculations into rules and scores."""

    def numeric(self, link: str) -> Question | None:
        question = self.questions.get(link)
        if question is None or question.item is None:
            return None
        scale = self.scales[question.item["scale"]]
        return question if scale["type"] != "text" else None

    def comparison(self, link: str, op: str, value: float) -> dict[str, Any] | None:
        if link in self.score_ids:
            return {"score": self.score_ids[link], "op": op, "value": num(value)}
        question = self.numeric(link)
        if question is None:
            return None
        return {"item": question.id, "op": op, "value": num(value)}

    def enable_when(self, question: Question) -> tuple[dict[str, Any] | None, str]:
        raw = question.raw
        whens = raw.get("enableWhen") or []
        if not whens:
            expression = ext_value(raw, ENABLE_WHEN_EXPRESSION) or {}
            text = expression.get("expression", "") if isinstance(expression, Mapping) else ""
            return self.condition_from_path(text), f"`{text}`"
        parts = []
        said = []
        for when in whens:
            if not isinstance(when, Mapping):
                return None, "an unreadable enableWhen"
            link, operator = when.get("question"), when.get("operator")
            if not isinstance(link, str):
                return None, "an enableWhen without a question"
            answers = {k: v for k, v in when.items() if k.startswith("answer")}
            said.append(f"{link} {operator} {next(iter(answers.values()), '?')}")
            if operator not in OUR_OPS or len(answers) != 1:
                return None, " and ".join(said)
            (key, answer), = answers.items()
            value = None
            target = self.questions.get(link)
            if key == "answerCoding" and isinstance(answer, Mapping) and target is not None:
                code = str(answer.get("code"))
                value = target.codes.get((answer.get("system"), code),
                                         target.codes.get((None, code)))
            elif key == "answerBoolean" and isinstance(answer, bool):
                value = 1 if answer else 0
            elif key in ("answerDecimal", "answerInteger") and is_number(answer):
                value = answer
            elif key == "answerString" and target is not None:
                value = target.codes.get((None, str(answer)))
            part = self.comparison(link, OUR_OPS[operator], value) if value is not None \
                else None
            if part is None:
                return None, "; ".join(said)
            parts.append(part)
        said_text = (" " + (raw.get("enableBehavior") or "all") + " ").join(said)
        if len(parts) == 1:
            return parts[0], said_text
        behavior = raw.get("enableBehavior")
        if behavior not in ("all", "any"):
            self.notes.append(f"Item '{question.id}' has several enableWhen without "
                              "enableBehavior: read as 'all'; check it.")
            behavior = "all"
        return {behavior: parts}, said_text

    def condition_from_path(self, text: str) -> dict[str, Any] | None:
        try:
            return self.condition(Parser(text).parse())
        except (Unreadable, RecursionError, TypeError, IndexError):
            return None

    def condition(self, node: tuple) -> dict[str, Any] | None:
        if node[0] == "bin" and node[1] in ("and", "or"):
            key = "all" if node[1] == "and" else "any"
            parts = []
            for side in node[2:]:
                part = self.condition(side)
                if part is None:
                    return None
                parts += part.get(key, [part])
            return {key: parts}
        if node[0] == "bin" and node[1] in OUR_OPS:
            op, left, right = OUR_OPS[node[1]], node[2], node[3]
            if left[0] == "num":
                op, left, right = FLIP[op], right, left
            reference = answer_ref(left)
            if reference is None or right[0] != "num":
                return None
            return self.comparison(reference[0], op, right[1])
        return None

    def resolve_conditions(self) -> None:
        for question, _ in self.conditions:
            condition, said = self.enable_when(question)
            if condition is None:
                self.notes.append(f"Item '{question.id}' is enabled only when {said}: not "
                                  "translated; write its ask_if by hand.")
                continue
            question.item["ask_if"] = condition
            when_not_asked = ext_value(question.raw, WHEN_NOT_ASKED)
            if is_number(when_not_asked):
                question.item["when_not_asked"] = num(when_not_asked)
        for question in self.questions.values():
            item = question.item
            if "when_not_asked" in item and "ask_if" not in item:
                self.notes.append(f"Item '{item['id']}' scores {item.pop('when_not_asked'):g} "
                                  "when it is not asked, but its condition was not translated: "
                                  "add its ask_if and when_not_asked by hand.")

    def score_terms(self, node: tuple) -> list[tuple[str, float | None, float | None]]:
        """(linkId, reverse constant, value when not asked) per term of a plain sum."""
        if node[0] == "bin" and node[1] == "+":
            return self.score_terms(node[2]) + self.score_terms(node[3])
        reference = answer_ref(node)
        if reference is not None:
            return [(reference[0], None, None)]
        if node[0] == "bin" and node[1] == "-" and node[2][0] == "num":
            (link, reverse, skipped), = self.score_terms(node[3])
            if reverse is None and skipped is None:
                return [(link, node[2][1], None)]
        if node[0] == "call" and node[1] is None and node[2] == "iif" and len(node[3]) == 3:
            test, otherwise, term = node[3]
            if test[0] == "call" and test[2] == "not" and otherwise[0] == "num":
                (link, reverse, skipped), = self.score_terms(term)
                if skipped is None:
                    return [(link, reverse, otherwise[1])]
        raise Unreadable("not a plain sum of item values")

    def scores(self) -> list[dict[str, Any]]:
        found = []
        self.score_ids = {}
        for question in self.calculated:
            question.id = self.new_id(question.link, question.path)
            self.score_ids[question.link] = question.id
        for question in self.calculated:
            expression = ext_value(question.raw, CALCULATED) or {}
            text = expression.get("expression", "") if isinstance(expression, Mapping) else ""
            score = self.score(question, text)
            if score is None:
                self.notes.append(f"Calculated item '{question.link}' (`{text}`) was not "
                                  "translated: only a plain sum of item values is; write the "
                                  "score by hand.")
                del self.score_ids[question.link]
                continue
            found.append(score)
        return found

    def score(self, question: Question, text: str) -> dict[str, Any] | None:
        try:
            node = Parser(text).parse()
            rounding = None
            if node[0] == "call" and node[2] == "round" and node[1] is not None and (
                    len(node[3]) == 1 and node[3][0][0] == "num"):
                rounding, node = int(node[3][0][1]), node[1]
            terms = self.score_terms(node)
        except (Unreadable, RecursionError, TypeError, IndexError, ValueError):
            return None
        items: list[str] = []
        changes: list[tuple[dict[str, Any], str, Any]] = []
        for link, reverse, skipped in terms:
            target = self.numeric(link)
            if target is None or target.id in items or target.item.get("scored") is False:
                return None
            if reverse is not None:
                body = self.scales[target.item["scale"]]
                low, high = (min(o["value"] for o in body["options"]),
                             max(o["value"] for o in body["options"])) \
                    if body["type"] == "options" else (body.get("min", 0), body.get("max", 1))
                if abs(low + high - reverse) > 1e-9:
                    return None
                changes.append((target.item, "reverse", True))
            if skipped is not None:
                if target.item.get("when_not_asked", skipped) != skipped:
                    return None
                changes.append((target.item, "when_not_asked", num(skipped)))
            items.append(target.id)
        for item, key, value in changes:
            item[key] = value
        score: dict[str, Any] = {"id": question.id}
        title = self.text(question.raw.get("text"))
        if title:
            score["title"] = title
        score.update(method="sum", items=items, max_missing=0)
        if rounding is not None and 0 <= rounding <= 6:
            score["round"] = rounding
        score["note"] = (f"REVIEW: imported from the calculated item '{question.link}' "
                         f"(`{text}`). Like FHIRPath's '+', it is missing when any item is "
                         "(max_missing 0). Check it, then add bands and cut-offs.")
        self.notes.append(f"Score '{question.id}' was translated from the calculatedExpression "
                          f"of '{question.link}': review it.")
        return score
