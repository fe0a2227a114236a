"""The office's own words: the policy's Chinese labels, read and written the same way.

The people who keep the ledgers write `类别: 事假`, `机构: 办公厅`, `督促解决: 是` and
`2024/3/4`. One `Vocabulary`, built from a policy's `labels` and the fact models, maps
every such word to the code the fact vocabulary uses (spec/facts.md, "The office's own
words") and back again. Readers (YAML, JSON, ledger workbooks) and writers (the ledger
template, the converter) use this one mapping, so a label renamed in the policy changes
what is accepted and what is written alike.

Words are compared after Unicode NFKC normalisation with white space removed, so full-width
letters, a stray space or a non-breaking space do not make a word unknown.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping

from evaluator.domain.facts import FACT_TYPES, FieldSpec, fields_of

_SPACE = re.compile(r"\s+")
LIST_SEPARATORS = re.compile(r"[、,,;;\s]+")
DATE_FORMS = ("2024-03-04", "2024-3-4", "2024/3/4", "2024.3.4", "2024年3月4日")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
COMMON_FIELDS = ("id", "type", "unit", "date", "note")  # every fact has them (facts.md)
DOCUMENT_KEYS = ("year", "policy", "units", "facts")     # a fact set's top-level keys a person writes (the merge adds sources)


def normal(word: str) -> str:
    """A word as it is compared: NFKC, no white space (R19: `张 三` = `张三` = `张三`)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", word))


def parse_date(value: Any) -> Any:
    """A date in any of the office's forms, or the value unchanged (the field check reports it)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date) or not isinstance(value, str):
        return value
    match = _DATE.match(normal(value))
    if not match:
        return value
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return value  # 2024/2/30: not a day; reported by the field check with the text as written


@dataclass(frozen=True)
class FieldWords:
    """One field of one fact type: its name, its label, and the labels of its values."""
    name: str
    label: str
    spec: FieldSpec
    value_labels: Mapping[str, str] = field(default_factory=dict)   # code -> label
    codes: Mapping[str, str] = field(default_factory=dict)          # normal(label or code) -> code

    def code_of(self, word: Any) -> Any:
        if isinstance(word, str):
            return self.codes.get(normal(word), word)
        return word

    def label_of(self, code: Any) -> Any:
        return self.value_labels.get(code, code) if isinstance(code, str) else code

    @property
    def choices(self) -> tuple[str, ...]:
        """The values as the office writes them, in the model's order."""
        return tuple(self.value_labels.get(v, v) for v in self.spec.values)


@dataclass(frozen=True)
class TypeWords:
    code: str
    label: str
    fields: Mapping[str, FieldWords]          # in the model's order
    names: Mapping[str, str]                  # normal(label or name) -> field name


@dataclass(frozen=True)
class UnitNames:
    """The year's units, so a fact may name its unit by name (`办公厅`) as well as by id."""
    ids: frozenset[str]
    by_name: Mapping[str, str]                # normal(name or id) -> id

    @classmethod
    def of(cls, units: Iterable[Mapping[str, Any]]) -> "UnitNames":
        ids, by_name = set(), {}
        for unit in units:
            uid, name = unit.get("id"), unit.get("name")
            if isinstance(uid, str):
                ids.add(uid)
                by_name.setdefault(normal(uid), uid)
                if isinstance(name, str):
                    by_name.setdefault(normal(name), uid)
        return cls(frozenset(ids), by_name)

    def id_of(self, word: Any) -> Any:
        if isinstance(word, str) and word not in self.ids:
            return self.by_name.get(normal(word), word)
        return word


class Vocabulary:
    """Every word of the fact vocabulary in the policy's Chinese, both ways."""

    def __init__(self, labels):
        self.labels = labels
        self.problems: list[tuple[tuple, str]] = []   # (path in the policy's labels, message): ambiguous labels
        self.yes = tuple(labels.booleans.get("true", ())) or ("是",)
        self.no = tuple(labels.booleans.get("false", ())) or ("否",)
        self._bools = {normal(w): True for w in self.yes} | {normal(w): False for w in self.no}
        for word in set(map(normal, self.yes)) & set(map(normal, self.no)):
            self.problems.append((("labels", "booleans"), f"'{word}' is a label of both true and false"))
        self._bools |= {"true": True, "false": False}
        self.types: dict[str, TypeWords] = {t: self._type_words(t) for t in FACT_TYPES}
        self.type_codes: dict[str, str] = {}
        for code, words in self.types.items():
            for word in {normal(code), normal(words.label)}:
                other = self.type_codes.setdefault(word, code)
                if other != code:
                    self.problems.append((("labels", "types", code),
                                          f"the label '{words.label}' names both fact types {other} and {code}"))
        self.unit_fields = {name: labels.units.get(name, name) for name in ("id", "name", "staff")}
        self._unit_names = {normal(w): name for name, label in self.unit_fields.items() for w in (name, label)}
        self.document_keys = {name: labels.document.get(name, name) for name in DOCUMENT_KEYS}
        self._document_names = {normal(w): name for name, label in self.document_keys.items() for w in (name, label)}

    # --- building -------------------------------------------------------------------------
    def _type_words(self, fact_type: str) -> TypeWords:
        labels = self.labels
        fields: dict[str, FieldWords] = {}
        names: dict[str, str] = {}
        specs = {"type": FieldSpec("enum", (fact_type,)), **fields_of(fact_type)}
        for name, spec in specs.items():
            value_labels = dict(labels.values.get(f"{fact_type}.{name}", {}))
            codes: dict[str, str] = {}
            for code in spec.values:
                for word in {normal(code), normal(value_labels.get(code, code))}:
                    other = codes.setdefault(word, code)
                    if other != code:
                        self.problems.append((("labels", "values", f"{fact_type}.{name}", code),
                                              f"the label '{value_labels[code]}' of {fact_type}.{name} names both "
                                              f"{other} and {code}"))
            # The label another type gives the same value of a field of the same name is understood
            # too (因私请假 and 因私 are both personal_leave), where it names no other value here.
            for word, code in self._sibling_labels(fact_type, name, spec.values):
                codes.setdefault(word, code)
            label = labels.fields.get(name, name)
            fields[name] = FieldWords(name, label, spec, value_labels, codes)
            for word in {normal(name), normal(label)}:
                other = names.setdefault(word, name)
                if other != name:
                    self.problems.append((("labels", "fields", name),
                                          f"the label '{label}' names both fields {other} and {name} of {fact_type}"))
        return TypeWords(fact_type, labels.types.get(fact_type, fact_type), fields, names)

    def _sibling_labels(self, fact_type: str, name: str, values: tuple[str, ...]) -> list[tuple[str, str]]:
        words = []
        for key, labelled in self.labels.values.items():
            other_type, _, other_field = key.partition(".")
            if other_field == name and other_type != fact_type:
                words += [(normal(label), code) for code, label in labelled.items() if code in values]
        return words

    # --- reading --------------------------------------------------------------------------
    def type_code(self, word: Any) -> Any:
        return self.type_codes.get(normal(word), word) if isinstance(word, str) else word

    def boolean(self, word: Any) -> Any:
        if isinstance(word, str):
            return self._bools.get(normal(word).lower(), word)
        return word

    def document_key(self, word: Any) -> Any:
        return self._document_names.get(normal(word), word) if isinstance(word, str) else word

    def unit_key(self, word: Any) -> Any:
        return self._unit_names.get(normal(word), word) if isinstance(word, str) else word

    def field_name(self, fact_type: str | None, word: Any) -> Any:
        """The field a header or key names, for a fact of `fact_type` (None: the common fields)."""
        if not isinstance(word, str):
            return word
        words = self.types.get(fact_type) if fact_type else None
        if words is None:
            words = self.types["lecture"]  # any type: the common fields have the same labels everywhere
            found = words.names.get(normal(word))
            return found if found in COMMON_FIELDS else word
        return words.names.get(normal(word), word)

    def value(self, fact_type: str, name: str, value: Any, units: UnitNames) -> Any:
        """A value as the office wrote it, as the fact vocabulary has it (unknown words unchanged)."""
        words = self.types[fact_type].fields.get(name)
        if words is None or value is None:
            return value
        kind = words.spec.kind
        if kind == "enum":
            return words.code_of(value)
        if kind == "bool":
            return self.boolean(value)
        if kind == "unit":
            return units.id_of(value)
        if kind == "date":
            return parse_date(value)
        if kind == "list":
            items = [w for w in LIST_SEPARATORS.split(value) if w] if isinstance(value, str) else value
            if not isinstance(items, list):
                return value
            if words.spec.item == "unit":
                return [units.id_of(w) for w in items]
            return [words.code_of(w) for w in items]
        return value

    def translate_fact(self, raw: Mapping[str, Any], units: UnitNames) -> dict[str, Any]:
        """A raw fact with its type, keys and values in the fact vocabulary's codes.

        The result keeps the raw mapping's class and lines (a YAML `LineDict` stays one),
        so a problem found later is still reported on the line the user wrote."""
        fact_type = self.type_code(next((v for k, v in raw.items() if self.field_name(None, k) == "type"), None))
        known = fact_type if isinstance(fact_type, str) and fact_type in self.types else None
        out = _like(raw)
        for key, value in raw.items():
            name = self.field_name(known, key)
            if name in out:   # two spellings of one field (类别 and kind): keep both, so it is reported
                name = key
            if name == "type":
                value = fact_type
            elif known and isinstance(name, str):
                value = self.value(known, name, value, units)
            elif name == "unit":
                value = units.id_of(value)
            elif name == "date":
                value = parse_date(value)
            out[name] = value
            _copy_line(raw, out, key, name)
        return out

    def translate_unit(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        out = _like(raw)
        for key, value in raw.items():
            name = self.unit_key(key)
            name = key if name in out else name
            out[name] = value
            _copy_line(raw, out, key, name)
        return out

    # --- writing --------------------------------------------------------------------------
    def type_label(self, fact_type: str) -> str:
        return self.types[fact_type].label

    def field_label(self, fact_type: str, name: str) -> str:
        words = self.types[fact_type].fields.get(name)
        return words.label if words else self.labels.fields.get(name, name)

    def written(self, fact_type: str, name: str, value: Any, unit_names: Mapping[str, str]) -> Any:
        """A value as the office writes it: labels, 是/否, unit names, lists joined with 、."""
        words = self.types[fact_type].fields.get(name)
        if words is None or value is None:
            return value
        kind = words.spec.kind
        if kind == "enum":
            return words.label_of(value)
        if kind == "bool":
            return self.yes[0] if value else self.no[0]
        if kind == "unit":
            return unit_names.get(value, value)
        if kind == "list":
            if words.spec.item == "unit":
                return "、".join(unit_names.get(v, v) for v in value)
            return "、".join(words.label_of(v) for v in value)
        return value


# A review file's keys in the office's words: the ledger's 审查调整 sheet heads its columns so, a
# review file may write either (原因 or reason), and a message names a key by its word.
REVIEW_KEYS = {"adjustments": "审查调整", "appeals": "申诉", "id": "编号", "fact": "事实编号", "set": "修改",
               "strike": "删除", "add": "新增", "reason": "原因", "decision": "决定文号", "date": "日期", "note": "备注",
               "unit": "机构", "clause": "条款", "text": "申诉内容", "answer": "答复", "adjustment": "调整编号"}
_REVIEW_KEY_OF = {normal(word): key for key, word in REVIEW_KEYS.items()}


def in_review_keys(raw: Any, keys: Iterable[str]) -> Any:
    """A review file's mapping with the office's words for `keys` (原因, 决定文号…, those this level of
    the file may have) read as the file's own (reason, decision…), lines kept; any other key as it
    is written, so that a message names it as the writer wrote it."""
    if not isinstance(raw, Mapping):
        return raw
    allowed = set(keys)
    out = _like(raw)
    for key, value in raw.items():
        name = _REVIEW_KEY_OF.get(normal(key), key) if isinstance(key, str) and key not in allowed else key
        name = name if name in allowed else key
        out[name] = value
        _copy_line(raw, out, key, name)
    return out


def _like(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An empty mapping of the raw one's kind: a YAML `LineDict` keeps its line."""
    make = getattr(raw, "empty_like", None)
    return make() if make else {}


def _copy_line(raw: Mapping[str, Any], out: dict[str, Any], key: Any, name: Any) -> None:
    lines = getattr(raw, "key_lines", None)
    if lines is not None and key in lines:
        out.key_lines[name] = lines[key]


def number(value: Any) -> Any:
    """A spreadsheet number as an exact Decimal (0.1, not 0.1000000000000000055), whole numbers as int."""
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    exact = Decimal(repr(value))
    return int(exact) if exact == exact.to_integral_value() else exact
