"""What the number checks share: finding the numbers of a sentence, and where a problem is.

A number is written in digits (60, 0.5, 1000-2500), possibly full-width; what follows it is
its unit (60 人, 0.5 分, 1000-2500 字: both ends 字). Not numbers: a clause id (4.3.1.3,
4.2), a ruling id (R8), anything inside a `{placeholder}`, and the phrases a clause or ruling
lists in its `literal_numbers`. Numbers written in characters (一天, 一个工作日, 每缺一项) are
words, except inside a parameter's own sentence, where `一天以上的会议` states 1 天.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable

from evaluator.domain.numbers import plain
from evaluator.domain.policy.model import Clause, Parameter, Policy, Rule
from evaluator.domain.policy.wording import PLACEHOLDER, clause_names, render
from evaluator.errors import Problem

_DIGITS = re.compile(r"(?<![A-Za-z0-9.])\d+(?:\.\d+)*(?![0-9])")
_RANGE = "-–—~～至到"
_WIDE = str.maketrans("０１２３４５６７８９．", "0123456789.")
_CHINESE = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHINESE_TENS = {"十": 10, "百": 100}
UNITS = "分天人字次项件篇期周个日年月起名倍元条"   # what can follow a number as its unit (60 人, 0.5 分)
_CHINESE_NUMBER = re.compile(rf"[一二两三四五六七八九十百零]+(?=[{UNITS}])")   # 两人, 十五天, 一百二十字


def _chinese_value(written: str) -> int:
    """十五 → 15, 二十 → 20, 一百零五 → 105: a number written in characters, as the method writes small ones."""
    total = digit = 0
    for character in written:
        if character in _CHINESE:
            digit = _CHINESE[character]
        elif character in _CHINESE_TENS:
            total += (digit or 1) * _CHINESE_TENS[character]
            digit = 0
    return total + digit


@dataclass(frozen=True)
class Number:
    value: Decimal
    unit: str          # the character after it (人, 天, 分, 字 …), or "" when none
    start: int
    end: int
    written: str       # as the text writes it

    def shown(self) -> str:
        return f"{self.written} {self.unit}" if self.unit else self.written


def _unit_after(text: str, end: int) -> str:
    i = _skip_spaces(text, end)
    if i < len(text) and text[i] in _RANGE:            # 1000-2500 字: the range's unit
        m = _DIGITS.match(text, _skip_spaces(text, i + 1))
        return _unit_after(text, m.end()) if m else ""
    return text[i] if i < len(text) and text[i] in UNITS else ""


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \u3000":
        i += 1
    return i


def numbers(text: str, ids: Iterable[str] = (), allowed: Iterable[str] = (), characters: bool = False) -> list[Number]:
    """The numbers `text` states, in order. `ids` are clause ids (not numbers); a number inside
    one of the `allowed` phrases is no parameter; `characters`: also 一天, 两人 …"""
    ids = set(ids)
    plainer = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text.translate(_WIDE))  # same offsets
    spans = [(m.start(), m.end()) for phrase in allowed if phrase for m in re.finditer(re.escape(phrase), text)]
    found = []
    for m in _DIGITS.finditer(plainer):
        written = m.group(0)
        if written.count(".") > 1 or written in ids:
            continue  # a clause id: 4.3.1.3, 4.2
        found.append(Number(Decimal(written), _unit_after(plainer, m.end()), m.start(), m.end(), written))
    if characters:
        for m in _CHINESE_NUMBER.finditer(plainer):
            found.append(Number(Decimal(_chinese_value(m.group(0))), plainer[m.end()], m.start(), m.end(), m.group(0)))
    return sorted((n for n in found if not any(a <= n.start and n.end <= b for a, b in spans)), key=lambda n: n.start)


def compatible(number: Number, unit: str) -> bool:
    """60 人 can be a value in 人; a number with no unit can be anything."""
    return not number.unit or not unit or unit[0] == number.unit


def states(number: Number, parameter: Parameter) -> bool:
    return number.value == abs(parameter.value) and compatible(number, parameter.unit)


def shown_value(parameter: Parameter) -> str:
    return plain(abs(parameter.value)) + (f" {parameter.unit}" if parameter.unit else "")


def context(text: str, number: Number, width: int = 12) -> str:
    """A few characters either side of the number, as it stands in the text."""
    a, b = max(0, number.start - width), min(len(text), number.end + width)
    return ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")


def rule_title(clause: Clause, rule: Rule) -> str:
    """A rule's title as staff read it, its placeholders filled in: a message names the rule by it."""
    return render(rule.title, clause_names(clause))


def clause_ids(policy: Policy) -> set[str]:
    return {c.id for c in policy.clauses} | {s.clause for s in policy.sections.values()}


WORDING = (("text", "办法原文", "wording"), ("requirements", "考核要求", "requirements"))


def wording(clause: Clause) -> list[tuple[str, str, str, str]]:
    """(key, Chinese name, English name, text) of the method's words a clause holds."""
    return [(key, zh, en, getattr(clause, key)) for key, zh, en in WORDING if getattr(clause, key)]


def own_value_stated(clause: Clause, name: str, ids: Iterable[str] = ()) -> bool:
    parameter = clause.parameters[name]
    return any(states(n, parameter) for n in numbers(parameter.text, ids, clause.literal_numbers, characters=True))


def sentence_pattern(sentence: str) -> re.Pattern:
    """The sentence with any numbers in its number places: how the wording says it with other numbers."""
    parts, last = [], 0
    for m in _DIGITS.finditer(sentence.translate(_WIDE)):
        parts += [re.escape(sentence[last:m.start()]), r"[0-9０-９]+(?:[.．][0-9０-９]+)?"]
        last = m.end()
    parts.append(re.escape(sentence[last:]))
    return re.compile("".join(parts))


def occurrences(text: str, sentence: str, others: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Where the wording holds a parameter's sentence, as written or with other numbers; not
    where it holds, word for word, the sentence of another parameter (协助工作机构加 2 分 / 1 分)."""
    if not sentence:
        return []
    others = set(others) - {sentence}
    return [(m.start(), m.end()) for m in sentence_pattern(sentence).finditer(text) if m.group(0) not in others]


def sentences(clause: Clause) -> list[str]:
    return [p.text for p in clause.parameters.values()]


def stale_spans(clause: Clause, text: str, ids: Iterable[str] = ()) -> list[tuple[str, int, int]]:
    """(parameter, start, end): where `text` holds the sentence of a parameter whose value the
    sentence does not state (the parameter was changed, the words were not): number_disagrees.py."""
    found = []
    for name, parameter in clause.parameters.items():
        for a, b in occurrences(text, parameter.text, sentences(clause)):
            stated = any(states(n, parameter) for n in numbers(text[a:b], ids, clause.literal_numbers, characters=True))
            if not stated:
                found.append((name, a, b))
    return found


class Source:
    """The policy as written, its raw document (for lines) and its file name: problems with their line."""

    def __init__(self, policy: Policy, raw: Any, file: str, line_at: Callable[[Any, tuple], int | None]):
        self.policy, self.raw, self.file, self._line_at = policy, raw, file, line_at
        self.ids = clause_ids(policy)

    def problem(self, code: str, message: str, *path: Any) -> Problem:
        return Problem(self.file, self._line_at(self.raw, path) if self.raw is not None else None, message, code)
