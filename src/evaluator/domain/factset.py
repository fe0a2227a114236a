"""Load a yearly fact set, check it completely, and report every problem at once.

Checking happens in three passes, each reporting everything it finds:
1. the document itself (YAML/JSON syntax, duplicate keys, top-level keys);
2. each unit and each fact against its pydantic model, in one validation call;
3. what no single fact can know: unique ids, references to units, dates in the year.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from decimal import Decimal
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from evaluator.collector import paused
from evaluator.domain.facts import FACT_TYPES, AnyFact, Fact, Record, Unit, as_records, fields_of
from evaluator.domain.vocabulary import DOCUMENT_KEYS, UnitNames, Vocabulary
from evaluator.errors import Cell, FactSetError, Notice, Problem, allowed, did_you_mean, notice_titles
from evaluator.i18n import current, quoted, say
from evaluator.inputs.yamlio import json_fact_lines, parse_text, read_text
from evaluator.timing import stage

# The fact set reader's kind of notice by name.
NOTICE_TITLES = notice_titles({
    "encoding": "文件不是 UTF-8 编码",
})


Location = int | Cell | None   # a line of a YAML or JSON file, or a cell of a ledger workbook

TOP_LEVEL_KEYS = ("year", "policy", "units", "facts", "sources")  # sources: a merged year's record -> submission
_FACTS = TypeAdapter(list[AnyFact])
_UNITS = TypeAdapter(list[Unit])


@dataclass
class FactSet:
    path: str
    year: int
    policy: str | None
    units: dict[str, Unit]            # in the order of the file
    facts: list[Record]
    lines: dict[str, Location] = field(default_factory=dict)  # fact id -> line (YAML) or row (workbook)
    sha256: str = ""
    sources: dict[str, str] = field(default_factory=dict)     # fact id -> the submission it came from (merge)
    notices: list[Notice] = field(default_factory=list)       # valid but worth a look (facts.md `warnings`)
    as_of: dt.date | None = None                              # mid-year: only records dated up to this day

    def up_to(self, day: dt.date) -> "FactSet":
        """The fact set as it stood on `day` (半年集中督查): records dated after it are left out;
        undated records are kept (and flagged by the completeness checks)."""
        import dataclasses
        kept = [f for f in self.facts if f.date is None or f.date <= day]
        return dataclasses.replace(self, facts=kept, as_of=day)

    def line_of(self, fact_id: str) -> Location:
        return self.lines.get(fact_id)

    def where(self, fact_id: str) -> str:
        """Where a fact was written, as a person finds it: `第 43 行` or `请假!14`."""
        at = self.lines.get(fact_id)
        if at is None:
            return ""
        return str(at) if isinstance(at, Cell) else say("第 {n} 行", "line {n}", n=at)


@paused()  # nearly every object made here is kept: see collector.py
def load_factset(path: str | Path, vocabulary: Vocabulary | None = None) -> FactSet:
    """The valid fact set at `path` (YAML, JSON or a ledger workbook), or `FactSetError`
    listing every problem in it.

    Words in the office's Chinese are read with `vocabulary`; by default, that of the
    policy the fact set's year (or its `policy`) picks."""
    path = Path(path)
    with stage("parse"):
        data, problems, notices = read_factset_document(path)
    if data is None:
        raise FactSetError(problems or [Problem(str(path), None, say("文件中没有事实集", "the file holds no fact set"), "empty")])
    with stage("parse"):  # reading the file again for its digest is reading, not checking
        sha256 = _digest(path)
    with stage("validate"):
        factset = check_factset(data, str(path), problems, sha256, consume=True, vocabulary=vocabulary)
    factset.notices[:0] = notices
    return factset


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def read_factset_document(path: Path) -> tuple[Any, list[Problem], list[Notice]]:
    """A fact set's raw data as written (located by line or by cell), what is wrong with the
    file, and what is worth saying about how it was read."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from evaluator.inputs.ledger.read import read_ledger
        return read_ledger(path)
    text, problems, encoding = read_text(path)
    if text is None:
        return None, problems, []
    data, problems = parse_text(text, path, TEXT_KEYS)
    notices = [] if encoding == "utf-8" else [Notice("encoding", say(
        "文件不是 UTF-8 编码,已按 {enc} 读取;建议以 UTF-8 另存", "the file is not UTF-8; it was read as {enc} (save it as UTF-8)",
        enc=encoding.upper()), where=str(path))]
    return data, problems, notices


def _text_keys() -> frozenset[str]:
    """Keys whose values are names, never numbers: `id: 002` must be quoted, not read as 2."""
    keys = {"id", "name"}
    for fact_type in FACT_TYPES:
        keys.update(n for n, spec in fields_of(fact_type).items()
                    if spec.kind in ("text", "unit") or (spec.kind == "list" and spec.item == "unit"))
    return frozenset(keys)


TEXT_KEYS = _text_keys()
UNIT_REFERENCES = ("unit", "coordinators", "reviewed_by")


CHUNK = 20_000  # facts validated at a time; with `consume`, their raw data is freed as they pass


def check_factset(data: Any, name: str, problems: list[Problem] | None = None, sha256: str = "",
                  consume: bool = False, vocabulary: Vocabulary | None = None) -> FactSet:
    """The valid fact set in `data`, or `FactSetError` listing every problem.

    Facts written in codes are validated as they are (the fast path); a chunk that does not
    validate is read again through the vocabulary (the office's words) before its problems
    are reported. With `consume`, each chunk of raw facts is dropped from `data` once it is
    checked, so a million raw facts and a million models never stand in memory together."""
    problems = list(problems or [])
    words = _Words(vocabulary)
    if not isinstance(data, dict):
        raise FactSetError([*problems, Problem(name, 1, say("事实集应含{keys}各项", "a fact set is a mapping with keys year, units and facts",
                                                             keys=_keys_named(words, ("year", "units", "facts"))), "structure")])
    if _has_chinese_keys(data):
        data = words.document(data)
    locate = _Locator(data, name)
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2200:
        problems.append(Problem(name, locate.key("year"), say("年度应是像 2024 这样的年份,实际为 {got}",
                                                              "'year' must be a year like 2024, got {got}", got=_shown(year)), "year"))
        year = None
    policy = data.get("policy")
    if policy is not None and not isinstance(policy, str):
        problems.append(Problem(name, locate.key("policy"), say("考核办法应写作像 method-2020 这样的编号,实际为 {got}",
                                                                "'policy' must be a policy id like method-2020, got {got}",
                                                                got=_shown(policy)), "policy"))
    words.year, words.policy_id = year, policy if isinstance(policy, str) else None
    # Unknown keys are named by the policy's labels, so only once the year and policy that pick it are
    # read: asking for the words before would settle on none, and the facts' own words would go unread.
    unknown = [key for key in data if key not in TOP_LEVEL_KEYS]
    if unknown:
        named = _document_words(words)
        written = [named.get(k, k) for k in DOCUMENT_KEYS]
        for key in unknown:
            problems.append(Problem(name, locate.key(key), say("未知的顶层键“{key}”{hint}(可用:{words})",
                                                                   "unknown top-level key '{key}'{hint} (allowed: {allowed})",
                                                                   key=key, hint=did_you_mean(key, written) or did_you_mean(key, TOP_LEVEL_KEYS),
                                                                   words="、".join(written), allowed=allowed(TOP_LEVEL_KEYS)), "unknown-key"))

    units = _check_units(data.get("units"), name, locate, problems, words)
    raw_facts = data.get("facts")
    if not isinstance(raw_facts, list):
        problems.append(Problem(name, locate.key("facts"), say("{k}应是记录的列表", "'facts' must be a list of facts",
                                                               k=_keys_named(words, ("facts",))), "structure"))
        raw_facts = []
    facts: list[Record] = []
    lines: dict[str, Location] = {}
    references = _References(units, year, name, locate, problems)
    unit_names = UnitNames.of({"id": u.id, "name": getattr(u, "name", None)} for u in units)
    for start in range(0, len(raw_facts), CHUNK):
        chunk = raw_facts[start:start + CHUNK]
        models, errors = _validated(chunk)
        if errors and words.vocabulary is not None:
            chunk = [words.vocabulary.translate_fact(item, unit_names) if isinstance(item, dict) else item for item in chunk]
            raw_facts[start:start + len(chunk)] = chunk
            models, errors = _validated(chunk)
        if errors:
            _report_facts(errors, chunk, start, name, locate, problems, words.vocabulary)
        facts += as_records(models)
        references.check(chunk, start)
        if locate.has_lines:
            lines.update((_label(item["id"]), item.line) for item in chunk if isinstance(item, dict) and "id" in item)
        if consume:
            raw_facts[start:start + len(chunk)] = [None] * len(chunk)
    if problems:
        raise FactSetError(_labelled(problems, words.vocabulary))
    sources = data.get("sources") if isinstance(data.get("sources"), dict) else {}
    return FactSet(name, year, policy, {u.id: u for u in units}, facts, lines, sha256,
                   {str(k): str(v) for k, v in sources.items()})


def _labelled(problems: list[Problem], vocabulary: Vocabulary | None) -> list[Problem]:
    """Each problem's field under its Chinese name, as the office reads it (字段“类别”)."""
    if vocabulary is None:
        return problems
    import dataclasses
    labels = vocabulary.labels.fields
    units = vocabulary.unit_fields
    return [p if p.field_label or not p.field else
            dataclasses.replace(p, field_label=(units if p.subject == "unit" else labels).get(p.field)) for p in problems]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Locator:
    """Lines of things in the document; JSON positions are found only when needed."""

    def __init__(self, data: Any, name: str):
        self.data, self.name = data, name
        self.has_lines = hasattr(data, "line")
        self._json_lines: dict[str, int] | None = None

    def key(self, key: str) -> int | None:
        return self.data.line_of(key) if self.has_lines else None

    def item(self, section: str, index: int, key: str | None = None) -> int | None:
        items = self.data.get(section) if isinstance(self.data, dict) else None
        item = items[index] if isinstance(items, list) and index < len(items) else None
        if hasattr(item, "line"):
            return item.line_of(key) if key else item.line
        if isinstance(item, dict) and "id" in item and section == "facts":
            return self._json_line(_label(item["id"]))
        return None

    def fact_line(self, index: int, key: str | None = None) -> int | None:
        return self.item("facts", index, key)

    def id_line(self, fact_id: str) -> int | None:
        """The line of a fact id when its raw data may be gone (JSON: a scan of the file)."""
        return self._json_line(fact_id) if not self.has_lines else None

    def _json_line(self, fact_id: str) -> int | None:
        if self._json_lines is None:
            try:
                self._json_lines = json_fact_lines(Path(self.name).read_text(encoding="utf-8"))
            except OSError:
                self._json_lines = {}
        return self._json_lines.get(fact_id)


class _Words:
    """The vocabulary a fact set is read with, found only when something is not in codes."""

    def __init__(self, vocabulary: Vocabulary | None):
        self._vocabulary, self._resolved = vocabulary, vocabulary is not None
        self.year: int | None = None        # set once the year is checked: it picks the policy
        self.policy_id: str | None = None

    @property
    def vocabulary(self) -> Vocabulary | None:
        if not self._resolved:
            self._resolved = True
            self._vocabulary = _policy_vocabulary(self.year, self.policy_id)
        return self._vocabulary

    def document(self, data: dict) -> dict:
        """The top-level keys in codes (年度 → year), when the fact set is written in Chinese."""
        vocabulary = self._vocabulary or _document_vocabulary(data)
        if vocabulary is None:
            return data
        self._vocabulary, self._resolved = vocabulary, True
        out = data.empty_like() if hasattr(data, "empty_like") else {}
        for key, value in data.items():
            code = vocabulary.document_key(key)
            code = key if code in out else code
            out[code] = value
            if hasattr(data, "key_lines") and key in data.key_lines:
                out.key_lines[code] = data.key_lines[key]
        return out


def _document_words(words: _Words) -> dict[str, str]:
    """The top-level keys as the policy labels them (units → 机构名册): the year's policy, else the one in
    force today, for a file that has no year to pick one by."""
    vocabulary = words.vocabulary or _policy_vocabulary(dt.date.today().year, None)
    return vocabulary.document_keys if vocabulary else {}


def _keys_named(words: _Words, keys: tuple[str, ...]) -> str:
    named = _document_words(words)
    return "".join(f"“{named.get(k, k)}”" for k in keys)


def _has_chinese_keys(mapping: dict) -> bool:
    return any(isinstance(k, str) and not k.isascii() for k in mapping)


def _document_vocabulary(data: dict) -> Vocabulary | None:
    """The words of a fact set whose top-level keys are Chinese: its year and policy keys are read
    as the known policies label them (the labels live in the policies, never in Python), and the
    policy they pick gives the vocabulary."""
    from evaluator.domain.policy.load import load_policy
    from evaluator.domain.policy.registry import versions
    from evaluator.errors import EvaluatorError
    for version in versions():
        try:
            words = load_policy(version.path).vocabulary
        except EvaluatorError:
            continue
        found = {words.document_key(k): v for k, v in data.items() if words.document_key(k) in ("year", "policy")}
        if found:
            policy = found.get("policy")
            return _policy_vocabulary(found.get("year"), policy if isinstance(policy, str) else None)
    return None


def _policy_vocabulary(year: Any, policy_id: str | None) -> Vocabulary | None:
    """The vocabulary of the policy the year is assessed under; None when none can be chosen
    (the year or policy problem is reported on its own)."""
    if not isinstance(year, int) and policy_id is None:
        return None
    from evaluator.domain.policy.registry import choose_policy
    from evaluator.errors import EvaluatorError
    try:
        return choose_policy(year if isinstance(year, int) else 0, policy_id).vocabulary
    except EvaluatorError:
        return None


def _check_units(raw: Any, name: str, locate: _Locator, problems: list[Problem], words: _Words) -> list[Unit]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(name, locate.key("units"), say("{k}应是非空的机构列表(编号、名称、人数)",
                                                               "'units' must be a non-empty list of units (id, name, staff)",
                                                               k=_keys_named(words, ("units",))), "structure"))
        return []
    if any(isinstance(u, dict) and _has_chinese_keys(u) for u in raw) and words.vocabulary is not None:
        raw[:] = [words.vocabulary.translate_unit(u) if isinstance(u, dict) else u for u in raw]
    try:
        units = _UNITS.validate_python(raw)
    except ValidationError as exc:
        for err in exc.errors():
            index = err["loc"][0] if err["loc"] and isinstance(err["loc"][0], int) else None
            fld = next((str(p) for p in err["loc"][1:] if isinstance(p, str)), None)
            item = raw[index] if index is not None else None
            uid = _label(item.get("id")) if isinstance(item, dict) and "id" in item else None
            line = locate.item("units", index, fld) if index is not None else locate.key("units")
            problems.append(Problem(name, line, error_message(err, ("id", "name", "staff"), "unit", vocabulary=words.vocabulary),
                                    _code(err), uid, fld, subject="unit",
                                    field_label=words.vocabulary.unit_fields.get(fld) if words.vocabulary and fld else None))
        units = [Unit.model_construct(**{k: v for k, v in u.items() if isinstance(k, str)})
                 for u in raw if isinstance(u, dict) and isinstance(u.get("id"), str)]
    seen: dict[str, int] = {}
    for index, unit in enumerate(units):
        if unit.id in seen:
            problems.append(Problem(name, locate.item("units", index, "id"),
                                    say("机构编号“{id}”用了两次", "unit id '{id}' is used twice", id=unit.id),
                                    "duplicate-id", unit.id, "id", subject="unit"))
        seen[unit.id] = index
    return units


def _validated(raw: list) -> tuple[list[Fact], list[dict]]:
    """The models of a chunk (one pass over the whole list: the fast path), or its errors."""
    try:
        return _FACTS.validate_python(raw), []
    except ValidationError as exc:
        return [], exc.errors()


def _report_facts(errors: list[dict], raw: list, offset: int, name: str, locate: _Locator, problems: list[Problem],
                  vocabulary: Vocabulary | None) -> None:
    for err in errors:
        loc = err["loc"]
        index = loc[0] if loc and isinstance(loc[0], int) else None
        item = raw[index] if index is not None else None
        fact_id = _label(item["id"]) if isinstance(item, dict) and "id" in item else None
        fact_type = item.get("type") if isinstance(item, dict) else None
        if not isinstance(fact_type, str):
            fact_type = None  # a list or mapping where the type name belongs: reported by the model check
        known = tuple(fields_of(fact_type)) if fact_type in FACT_TYPES else ()
        fld = _field_of(err, known)
        if err["type"] == "string_pattern_mismatch" and fld in UNIT_REFERENCES:
            continue  # not a unit id: _References says so once, with the roster's names to choose from
        line = locate.fact_line(offset + index, fld) if index is not None else locate.key("facts")
        words = vocabulary.types.get(fact_type) if vocabulary and fact_type in FACT_TYPES else None
        label = words.fields[fld].label if words and fld in words.fields else None
        problems.append(Problem(name, line, error_message(err, known, fact_type if fact_type in FACT_TYPES else None,
                                                     words.fields.get(fld) if words and fld else None, vocabulary),
                                _code(err), fact_id, fld, field_label=label))


def _field_of(err: dict, known: Iterable[str]) -> str | None:
    # loc is (index, type-tag, field, list-index...) for a fact; a model-level check names
    # its field first in its message ("corrected: true needs reviewed_by").
    names = [p for p in err["loc"][2:] if isinstance(p, str)]
    if names:
        return names[0]
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return "type"
    words = err["msg"].removeprefix("Value error, ").split()
    first = words[0].rstrip(":") if words else ""
    return first if first in known else None


def _code(err: dict) -> str:
    return {"union_tag_invalid": "unknown-type", "union_tag_not_found": "missing-field",
            "extra_forbidden": "unknown-field", "missing": "missing-field",
            "literal_error": "unknown-value"}.get(err["type"], "invalid-value")


def _field_word(vocabulary: Vocabulary, fact_type: str | None, name: str) -> str:
    """A field as the office's files head it: a fact type's field label, or the roster's column name."""
    if fact_type in FACT_TYPES:
        return vocabulary.field_label(fact_type, name)
    return vocabulary.unit_fields.get(name, name) if fact_type == "unit" else name


def error_message(err: dict, known: Iterable[str], fact_type: str | None, words=None,
             vocabulary: Vocabulary | None = None) -> str:
    """One validation error in words for office staff (no pydantic wording, no Decimal('6.3')): the one
    rendering of pydantic's errors, for the facts, the roster and a review's adjusted records."""
    kind, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
    known = [k for k in known if k != "type"]
    zh = current() == "zh"
    if fact_type is None:
        what_zh, what_en = "事实", "fact"
    elif fact_type == "unit":
        what_zh, what_en = "机构", "unit"
    else:
        what_zh = f"“{vocabulary.type_label(fact_type)}”记录" if vocabulary else f"{fact_type} 记录"
        what_en = f"{fact_type} fact"
    field_names = [_field_word(vocabulary, fact_type, k) for k in known] if zh and vocabulary else known
    if kind == "union_tag_invalid":
        tag = ctx.get("tag")
        if zh and vocabulary:
            labels = [vocabulary.type_label(t) for t in FACT_TYPES]
            close = did_you_mean(tag, labels) or did_you_mean(tag, FACT_TYPES)
            for code in FACT_TYPES:  # a suggested code is shown as the label the office writes
                close = close.replace(f"“{code}”", f"“{vocabulary.type_label(code)}”")
            return say("未知的事实类型“{tag}”{hint}(可用:{allowed})", "", tag=tag, hint=close, allowed=allowed(labels, sort=False))
        return say("未知的事实类型“{tag}”{hint}(可用:{allowed})", "unknown fact type '{tag}'{hint} (allowed: {allowed})",
                   tag=tag, hint=did_you_mean(tag, FACT_TYPES), allowed=allowed(FACT_TYPES))
    if kind == "union_tag_not_found":
        return say("缺少“类型”(事实的类别,如 请假)", "missing field 'type' (the kind of fact, e.g. leave)")
    if kind == "extra_forbidden":
        fld = str(err["loc"][-1])
        return say("{what}没有字段“{fld}”{hint}(可用:{allowed})", "unknown field '{fld}' for a {what_en}{hint} (allowed: {allowed})",
                   what=what_zh, what_en=what_en, fld=fld,
                   hint=did_you_mean(fld, field_names), allowed=allowed(field_names, sort=not zh))
    if kind == "missing":
        fld = err["loc"][-1]
        label = _field_word(vocabulary, fact_type, fld) if vocabulary else fld
        return say("缺少“{label}”({what}必填)", "missing field '{fld}' (required for a {what_en})",
                   label=label, fld=fld, what=what_zh, what_en=what_en)
    if kind == "literal_error":
        options = [o.strip(" '") for o in str(ctx.get("expected", "")).replace(" or ", ",").split(",") if o.strip()]
        if zh and words is not None and words.value_labels:
            choices = [words.label_of(o) for o in options]
            close = did_you_mean(got, choices + options)
            for code in options:  # a suggested code is shown as the label the office writes
                close = close.replace(f"“{code}”", f"“{words.label_of(code)}”")
            return say("“{got}”不是可选值{hint}(可选:{allowed})", "", got=_text(got),
                       hint=close, allowed=allowed(choices, sort=False))
        return say("“{got}”不是可选值{hint}(可选:{allowed})", "'{got}' is not allowed{hint} (allowed: {allowed})",
                   got=_text(got), hint=did_you_mean(got, options), allowed=allowed(options))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return say("应是一组字段(键: 值),实际为 {got}", "must be a mapping of fields, got {got}", got=_shown(got))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        zh_word, en_word, key = {"greater_than_equal": ("不得小于", "at least", "ge"), "greater_than": ("应大于", "greater than", "gt"),
                                 "less_than_equal": ("不得大于", "at most", "le"), "less_than": ("应小于", "less than", "lt")}[kind]
        return say("{w} {limit},实际为 {got}", "must be {w_en} {limit}, got {got}", w=zh_word, w_en=en_word,
                   limit=_number(ctx.get(key)), got=_number(got))
    if kind == "string_pattern_mismatch":
        return say("“{got}”不是有效的机构编号(小写字母、数字、_ 和 -),也不是名册中的机构名称",
                   "'{got}' is not a valid unit id (lower-case letters, digits, _ and -)", got=_text(got))
    if kind in ("bool_type", "bool_parsing"):
        yes, no = (vocabulary.yes[0], vocabulary.no[0]) if vocabulary else ("是", "否")
        return say("应填“{yes}”或“{no}”,实际为 {got}", "must be true or false ({yes}/{no}), got {got}",
                   yes=yes, no=no, got=_shown(got))
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        from evaluator.domain.vocabulary import DATE_FORMS
        return say("“{got}”不是日期(可写作 {forms})", "'{got}' is not a date (write it as {forms})",
                   got=_text(got), forms=allowed(DATE_FORMS, sort=False))
    if kind in ("int_type", "int_parsing", "int_from_float", "decimal_type", "decimal_parsing", "float_parsing",
                "decimal_max_places", "decimal_whole_digits", "decimal_max_digits"):
        whole = kind.startswith("int")
        return say("应是{what},实际为 {got}", "must be a {what_en}, got {got}", what="整数" if whole else "数字",
                   what_en="whole number" if whole else "number", got=_number(got))
    if kind in ("string_type", "string_too_short"):
        return say("应填写文字,实际为 {got}", "must be text, got {got}", got=_shown(got) if got != "" else say("空", "nothing"))
    if kind == "list_type":
        return say("应是一个列表(或用“、”分隔的多项),实际为 {got}", "must be a list, got {got}", got=_shown(got))
    message = err["msg"].removeprefix("Value error, ")
    message = _VALUE_ERRORS.get(message, (message, message))[0 if zh else 1]
    return f"{message}, got {_shown(got)}" if not isinstance(got, dict) and not zh else message if isinstance(got, dict) \
        else say("{m},实际为 {got}", "", m=message, got=_number(got))


# The model checks' own sentences (facts.py), in both languages.
_VALUE_ERRORS = {
    "must be greater than 0": ("应大于 0", "must be greater than 0"),
    "must be at most 366 (the days of a year)": ("不得超过 366(一年的天数)", "must be at most 366 (the days of a year)"),
    "must be a whole or half number (0.5, 1, 1.5, ...)": ("应是整数或半数(0.5、1、1.5……)", "must be a whole or half number (0.5, 1, 1.5, ...)"),
    "major_revision applies to a second_reading only": ("“重大修改”只适用于二审", "major_revision applies to a second_reading only"),
    "corrected: true needs reviewed_by (the unit that reviewed the document)":
        ("“纠正或撤销”为是时须填写“审查机构”", "corrected: true needs reviewed_by (the unit that reviewed the document)"),
}


def _number(value: Any) -> str:
    """A number as a person writes it: 6.3, not Decimal('6.3')."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return quoted(_text(value))   # 实际为“很多天”, not a Python repr
    return _shown(value)


class _References:
    """What no single fact can know: unique ids, references to units that exist, dates in the year."""

    def __init__(self, units: list[Unit], year: int | None, name: str, locate: _Locator, problems: list[Problem]):
        self.unit_ids = {u.id for u in units}
        self.unit_words = [*self.unit_ids, *(n for n in (getattr(u, "name", None) for u in units) if isinstance(n, str))]
        self.year, self.name, self.locate, self.problems = year, name, locate, problems
        self.first_line_of_id: dict[str, Location] = {}  # YAML: the line; JSON: found only for a problem
        self.duties: dict[tuple[str, str], str] = {}       # (unit, duty) -> the record that holds it (R20)

    def check(self, raw: list, offset: int) -> None:
        # Called for every record of a year: what is looked at costs a dict look-up or two, and
        # a problem's line is found only when there is a problem.
        name, locate, problems, unit_ids, year = self.name, self.locate, self.problems, self.unit_ids, self.year
        first_line_of_id = self.first_line_of_id
        for index, item in enumerate(raw, start=offset):
            if not isinstance(item, dict):
                continue
            fact_id = _label(item["id"]) if "id" in item else None
            if fact_id is not None:
                if fact_id in first_line_of_id:
                    first = first_line_of_id[fact_id] or locate.id_line(fact_id)
                    problems.append(Problem(name, locate.fact_line(index, "id"), say(
                        "编号“{id}”用了两次(第一次在{first})", "id '{id}' is used twice (first on line {first})", id=fact_id,
                        first=first if isinstance(first, Cell) or current() == "en" else f"第 {first} 行"),
                        "duplicate-id", fact_id, "id"))
                else:
                    first_line_of_id[fact_id] = item.line_of("id") if locate.has_lines else None
            if not unit_ids:
                continue
            unit = item.get("unit")
            if isinstance(unit, str) and unit not in unit_ids:
                problems.append(Problem(name, locate.fact_line(index, "unit"), _not_a_unit(unit, self.unit_words),
                                        "unknown-unit", fact_id, "unit"))
            if "coordinators" in item or "reviewed_by" in item:
                self._references(item, index, fact_id, unit)
            if "missing_steps" in item or item.get("type") == "annual_duty":
                self._once(item, index, fact_id, unit)
            when = item.get("date")
            if year is not None and isinstance(when, (dt.date, str)) and not _in_year(when, year):
                try:
                    day = when if isinstance(when, dt.date) else dt.date.fromisoformat(when)
                except ValueError:
                    continue  # the model check reports the malformed date
                if day.year == year:
                    continue  # written otherwise (20240630) but in the year
                problems.append(Problem(name, locate.fact_line(index, "date"), say(
                    "日期 {day} 不在 {year} 年度内", "date {day} is outside the year {year}",
                    day=day.isoformat(), year=year), "date-outside-year", fact_id, "date"))

    def _references(self, item: dict, index: int, fact_id: str | None, unit: Any) -> None:
        """The units a record names beside its own: each in the units list, none twice, not itself."""
        name, problems, unit_ids = self.name, self.problems, self.unit_ids
        for key in ("coordinators", "reviewed_by"):
            value = item.get(key)
            refs = value if isinstance(value, list) else [value] if isinstance(value, str) else []
            for ref in refs:
                if isinstance(ref, str) and ref not in unit_ids:
                    problems.append(Problem(name, self.locate.fact_line(index, key), _not_a_unit(ref, self.unit_words),
                                            "unknown-unit", fact_id, key))
            if key == "coordinators" and isinstance(value, list):
                if isinstance(unit, str) and unit in value:
                    problems.append(Problem(name, self.locate.fact_line(index, key), say(
                        "机构“{u}”不能同时是自己的协办机构", "the unit '{u}' cannot also be its own coordinator", u=unit),
                        "self-reference", fact_id, key))
                named = [ref for ref in value if isinstance(ref, str)]
                if len(set(named)) != len(named):
                    problems.append(Problem(name, self.locate.fact_line(index, key), say(
                        "协办机构中有一个机构写了两次", "a unit is listed twice among the coordinators"),
                        "duplicate-reference", fact_id, key))

    def _once(self, item: dict, index: int, fact_id: str | None, unit: Any) -> None:
        """R20: a unit holds each annual duty once a year; a step is named once."""
        steps = item.get("missing_steps")
        if isinstance(steps, list):
            named = [s for s in steps if isinstance(s, str)]
            twice = sorted({s for s in named if named.count(s) > 1})
            if twice:
                self.problems.append(Problem(self.name, self.locate.fact_line(index, "missing_steps"), say(
                    "环节“{steps}”写了两次;每个环节只写一次(R20)", "the step '{steps}' is named twice; name each step once (R20)",
                    steps="、".join(twice)), "duplicate-step", fact_id, "missing_steps"))
        if item.get("type") == "annual_duty" and isinstance(unit, str) and isinstance(item.get("duty"), str):
            key = (unit, item["duty"])
            if key in self.duties:
                self.problems.append(Problem(self.name, self.locate.fact_line(index, "duty"), say(
                    "机构“{unit}”的这项全年职责已由记录 {first} 登记;一个机构每项职责一年只登记一条,失误次数合并写在一条上(R20)",
                    "unit '{unit}' already holds this annual duty in record {first}; one record per unit and duty, "
                    "with all its errors (R20)", unit=unit, first=self.duties[key]), "duplicate-duty", fact_id, "duty"))
            else:
                self.duties[key] = fact_id or "?"


def _in_year(when: dt.date | str, year: int) -> bool:
    """Whether a date (or its ISO text, `2024-06-30`) is surely in the year: read from its first
    four digits, so that the year's records are not each parsed here and again by the model;
    any other text is looked at closely by the caller."""
    if isinstance(when, dt.date):
        return when.year == year
    return len(when) == 10 and when[4] == "-" and when[:4] == str(year)


def _not_a_unit(word: str, unit_words: list[str]) -> str:
    return say("机构“{u}”不在机构名册中{hint}", "unit '{u}' is not in units{hint}", u=word, hint=did_you_mean(word, unit_words))


# --- showing input in messages ---------------------------------------------------------------
# A value from the file is shown briefly: a list or mapping where a word belongs may be an
# alias bomb that a full repr would expand to millions of items.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 4, 4, 80, 80
_SHORT.maxtuple, _SHORT.maxset, _SHORT.maxfrozenset, _SHORT.maxlong = 4, 4, 4, 40


def _shown(value: Any) -> str:
    if value is None:   # nothing written there: not Python's None
        return say("空(未填写)", "nothing")
    return _SHORT.repr(value)


def _text(value: Any) -> str:
    """A value as text in quotes: strings as they are (shortened), anything else briefly."""
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "..."
    return _shown(value)


def _label(value: Any) -> str:
    """A fact or unit id as the user wrote it: a scalar as text (in full: ids are compared),
    anything else briefly."""
    if isinstance(value, (str, int, float)) or value is None or hasattr(value, "as_tuple"):
        return str(value)
    return _shown(value)
