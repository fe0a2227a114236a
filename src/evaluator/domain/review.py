"""The assessment working group's review (考核工作组审查): adjustments and appeals as a layer.

The method's result is reviewed before it is approved. A correction is never an edit of the
units' submitted facts: it is an adjustment in a review file (or the ledger's 审查调整 sheet),
with its reason and the decision that made it, applied on top of the facts:

```yaml
adjustments:
  - {id: A-1, fact: LV-12, set: {kind: special}, reason: 经考核工作组认定属特殊情况, decision: 考核工作组会议纪要〔2024〕3号}
  - {id: A-2, fact: PB-3, strike: true, reason: 与 PB-2 重复, decision: …}
  - {id: A-3, add: {type: innovation_award, unit: legal, title: …, points: 2, decision: …}, reason: …, decision: …}
appeals:
  - {id: S-1, unit: legal, fact: TP-3, text: 申诉内容, answer: upheld, reason: …, decision: …, adjustment: A-4}
```

Every adjustment is checked as facts are (an unknown fact, field or value is an error with its
line); the year is then scored twice, as submitted and as reviewed, and each changed finding
carries its before and after and the adjustments that changed it. Words may be the office's,
keys and values alike (`{编号: A-1, 事实编号: LV-12, 修改: {类别: 特殊情况}, 原因: …, 决定文号: …}`): the keys
are the 审查调整 sheet's headers (`vocabulary.REVIEW_KEYS`), the fields and values the year's vocabulary.
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from evaluator.domain.facts import AnyFact, as_records, fields_of
from evaluator.domain.factset import FactSet, error_message
from evaluator.domain.vocabulary import REVIEW_KEYS, UnitNames, Vocabulary, in_review_keys
from evaluator.errors import InputError, Problem, did_you_mean
from evaluator.i18n import current, say
from evaluator.inputs.yamlio import load_document

_FACT = TypeAdapter(AnyFact)
ACTIONS = ("set", "strike", "add")
ANSWERS = ("upheld", "rejected", "pending")
ANSWER_WORDS = {"upheld": "支持", "rejected": "驳回", "pending": "待定"}
_ANSWER_OF = {word: answer for answer, word in ANSWER_WORDS.items()} | {"维持": "rejected", "不予支持": "rejected"}   # and two ways to say no
_ADJUSTMENT_KEYS = ("id", "fact", *ACTIONS, "reason", "decision", "date", "note")
_APPEAL_KEYS = ("id", "unit", "fact", "clause", "text", "answer", "reason", "decision", "adjustment", "date")
_ITEMS = {"adjustment": "adjustments", "appeal": "appeals"}   # what a problem is about -> its list's key


class ReviewError(InputError):
    def __init__(self, problems):
        super().__init__(problems, "the review")


@dataclass(frozen=True)
class Adjustment:
    id: str
    action: str                     # set | strike | add
    fact: str                       # the fact it changes, strikes or adds
    changes: dict[str, Any]         # set: field -> new value; add: the new fact's fields
    reason: str
    decision: str
    line: int | None = None


@dataclass(frozen=True)
class Appeal:
    id: str
    unit: str
    fact: str | None
    clause: str | None
    text: str
    answer: str                     # upheld | rejected | pending
    reason: str
    decision: str
    adjustment: str | None
    line: int | None = None


@dataclass
class Review:
    path: str
    sha256: str
    adjustments: list[Adjustment]
    appeals: list[Appeal] = field(default_factory=list)

    def apply(self, factset: FactSet) -> FactSet:
        """The year as reviewed: the submitted facts with every adjustment applied (a new FactSet)."""
        records = {r.id: r for r in factset.facts}
        order = [r.id for r in factset.facts]
        for a in self.adjustments:
            if a.action == "strike":
                records.pop(a.fact)
                order.remove(a.fact)
            elif a.action == "set":
                fields = {**records[a.fact].__dict__, **a.changes}
                records[a.fact] = as_records([_FACT.validate_python(fields)])[0]
            else:
                records[a.fact] = as_records([_FACT.validate_python(a.changes)])[0]
                order.append(a.fact)
        return dataclasses.replace(factset, facts=[records[i] for i in order])


@dataclass(frozen=True)
class Change:
    """One finding that the review changed: its points before and after, and why."""
    unit: str
    clause: str
    rule: str
    evidence: tuple[str, ...]
    before: Decimal
    after: Decimal
    adjustments: tuple[str, ...]


@dataclass
class ReviewEffect:
    review: Review
    before: Any                      # the Evaluation of the facts as submitted
    changes: list[Change]
    unit_effect: dict[str, dict[str, Decimal]]   # adjustment id -> unit -> change of its total

    def as_json(self) -> list[dict[str, Any]]:
        return [{"id": a.id, "action": a.action, "fact": a.fact, "changes": a.changes if a.action != "strike" else {},
                 "reason": a.reason, "decision": a.decision,
                 "effect": {unit: delta for unit, delta in self.unit_effect.get(a.id, {}).items()}}
                for a in self.review.adjustments]

    def appeals_json(self) -> list[dict[str, Any]]:
        return [{"id": p.id, "unit": p.unit, "fact": p.fact, "clause": p.clause, "text": p.text, "answer": p.answer,
                 "reason": p.reason, "decision": p.decision, "adjustment": p.adjustment} for p in self.review.appeals]


def load_review(path: Path, factset: FactSet, vocabulary: Vocabulary) -> Review:
    """The review file, checked against the year's facts: every problem at once, with its line."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from evaluator.inputs.ledger.read import read_review_sheet
        data, problems = read_review_sheet(path)
    else:
        data, problems = load_document(path)
    name = str(path)
    if data is None:
        raise ReviewError(problems or [Problem(name, None, say("审查调整文件是空的", "the review file is empty"), "empty")])
    checker = _Checker(name, factset, vocabulary, problems)
    review = checker.review(data, hashlib.sha256(Path(path).read_bytes()).hexdigest())
    if checker.problems:
        raise ReviewError(checker.problems)
    return review


class _Checker:
    def __init__(self, name: str, factset: FactSet, vocabulary: Vocabulary, problems: list[Problem]):
        self.name, self.factset, self.vocabulary = name, factset, vocabulary
        self.problems = list(problems)
        self.records = {r.id: r for r in factset.facts}
        self.struck: set[str] = set()
        self.units = UnitNames.of({"id": u.id, "name": u.name} for u in factset.units.values())

    def report(self, line, message: str, code: str, item: str | None = None, fld: str | None = None,
               label: str | None = None, subject: str = "adjustment") -> None:
        label = label or REVIEW_KEYS.get(fld or "")
        self.problems.append(Problem(self.name, line, message, code, item, fld, subject=subject, field_label=label))

    def review(self, data: Any, sha256: str) -> Review:
        if not isinstance(data, dict):
            self.report(1, say("审查调整文件应含“审查调整”(adjustments)一项,可另有“申诉”(appeals)",
                               "a review file has adjustments (and appeals)"), "structure")
            return Review(self.name, sha256, [])
        data = in_review_keys(data, _ITEMS.values())
        for key in data:
            if key not in ("adjustments", "appeals"):
                self.report(_line(data, key), say("未知的键“{k}”(可用:{words})", "unknown key '{k}' (allowed: adjustments, appeals)",
                                                  k=key, words="、".join(REVIEW_KEYS[k] for k in _ITEMS.values())), "unknown-key")
        seen: set[str] = set()
        adjustments = [a for a in (self.adjustment(raw, seen) for raw in _items(data.get("adjustments"))) if a]
        appeals = [p for p in (self.appeal(raw, seen, {a.id for a in adjustments}) for raw in _items(data.get("appeals"))) if p]
        return Review(self.name, sha256, adjustments, appeals)

    def _common(self, raw: Any, seen: set[str], keys: tuple[str, ...], subject: str) -> str | None:
        if not isinstance(raw, dict):
            self.report(getattr(raw, "line", None), say("每一项应是一组字段", "each item must be a mapping of fields"), "structure",
                        subject=subject)
            return None
        item = str(raw.get("id", "")) or None
        words = [REVIEW_KEYS[k] for k in keys]
        for key in raw:
            if key not in keys:
                self.report(_line(raw, key), say("未知的字段“{k}”{hint}(可用:{allowed})", "unknown field '{k}'{hint} (allowed: {allowed})",
                                                 k=key, hint=did_you_mean(str(key), words) or did_you_mean(str(key), keys),
                                                 allowed="、".join(words if current() == "zh" else keys)),
                            "unknown-field", item, str(key), label=str(key), subject=subject)
        if item is None:
            self.report(raw.line, say("缺少“编号”", "missing 'id'"), "missing-field", None, "id", subject=subject)
        elif item in seen:
            self.report(_line(raw, "id"), say("编号“{i}”用了两次", "id '{i}' is used twice", i=item), "duplicate-id", item, "id",
                        subject=subject)
        else:
            seen.add(item)
        for key in ("reason", "decision"):
            if not str(raw.get(key) or "").strip():
                self.report(_line(raw, key), say("缺少“{w}”:每项{what}都须写明原因和作出决定的文件(决定文号)",
                                                 "missing '{k}': every {what_en} states its reason and the decision that made it",
                                                 w=REVIEW_KEYS[key], k=key, what=REVIEW_KEYS[_ITEMS[subject]].removeprefix("审查"),
                                                 what_en=subject), "missing-field", item, key, subject=subject)
        return item

    def adjustment(self, raw: Any, seen: set[str]) -> Adjustment | None:
        raw = in_review_keys(raw, _ADJUSTMENT_KEYS)
        item = self._common(raw, seen, _ADJUSTMENT_KEYS, "adjustment")
        if item is None and not isinstance(raw, dict):
            return None
        actions = [a for a in ACTIONS if a in raw and raw.get(a) not in (None, False)]
        if len(actions) != 1:
            self.report(raw.line, say("每项调整只能是{one}中的一种", "an adjustment is exactly one of set, strike, add",
                                      one="、".join(REVIEW_KEYS[a] for a in ACTIONS)), "action", item)
            return None
        action = actions[0]
        if action == "add":
            return self._add(raw, item)
        fact_id = str(raw.get("fact", ""))
        record = self.records.get(fact_id)
        if fact_id in self.struck:
            self.report(_line(raw, "fact"), say("事实“{f}”已被前面的调整删除", "fact '{f}' was struck by an earlier adjustment", f=fact_id),
                        "struck-fact", item, "fact")
            return None
        if record is None:
            self.report(_line(raw, "fact"), say("事实“{f}”不在事实集中{hint}", "fact '{f}' is not in the fact set{hint}",
                                                f=fact_id, hint=did_you_mean(fact_id, list(self.records))), "unknown-fact", item, "fact")
            return None
        if action == "strike":
            self.struck.add(fact_id)
            return Adjustment(item or "", "strike", fact_id, {}, str(raw.get("reason", "")), str(raw.get("decision", "")), raw.line)
        changes = raw.get("set")
        if not isinstance(changes, dict) or not changes:
            self.report(_line(raw, "set"), say("“修改”应写成 {字段: 新值},如 {类别: 特殊情况}", "set must be {field: new value}"), "structure", item, "set")
            return None
        translated = self._in_codes(record.type, changes, raw, item)
        if translated is None:
            return None
        if not self._validate({**record.__dict__, **translated}, raw, "set", item, say("修改后的记录不成立", "the adjusted fact is not valid")):
            return None
        return Adjustment(item or "", "set", fact_id, translated, str(raw.get("reason", "")), str(raw.get("decision", "")), raw.line)

    def _add(self, raw: Any, item: str | None) -> Adjustment | None:
        new = raw.get("add")
        if not isinstance(new, dict):
            self.report(_line(raw, "add"), say("“新增”应写成一条完整的记录:类型、机构和它的各字段", "add must be a whole fact"), "structure", item, "add")
            return None
        fields = self.vocabulary.translate_fact(new, self.units)
        fields.setdefault("id", item)
        fact_id = str(fields["id"])
        if fact_id in self.records:
            self.report(_line(raw, "add"), say("新增事实的编号“{f}”已在事实集中", "the added fact's id '{f}' is already in the fact set", f=fact_id),
                        "duplicate-id", item, "add")
            return None
        if fields.get("unit") not in self.factset.units:
            self.report(_line(raw, "add"), say("机构“{u}”不在机构名册中", "unit '{u}' is not in units", u=fields.get("unit")),
                        "unknown-unit", item, "add")
            return None
        if self._validate(fields, raw, "add", item, say("新增的记录不成立", "the added fact is not valid")):
            return Adjustment(item or "", "add", fact_id, dict(fields), str(raw.get("reason", "")), str(raw.get("decision", "")), raw.line)
        return None

    def _in_codes(self, fact_type: str, changes: dict, raw: Any, item: str | None) -> dict | None:
        known = fields_of(fact_type)
        out = {}
        for key, value in changes.items():
            name = self.vocabulary.field_name(fact_type, key)
            if name not in known or name in ("id", "type"):
                self.report(_line(raw, "set"), say("“{t}”记录没有可修改的字段“{k}”{hint}", "a {t} fact has no field '{k}' to set{hint}",
                                                   t=self.vocabulary.type_label(fact_type), k=key,
                                                   hint=did_you_mean(str(key), [self.vocabulary.field_label(fact_type, n) for n in known])),
                            "unknown-field", item, str(key))
                return None
            out[name] = self.vocabulary.value(fact_type, name, value, self.units)
        return out

    def _validate(self, fields: dict, raw: Any, where: str, item: str | None, not_valid: str) -> bool:
        """The record as adjusted checked as the facts are; its errors in the facts' own words (error_message)."""
        try:
            _FACT.validate_python(fields)
            return True
        except ValidationError as exc:
            fact_type = fields.get("type") if fields.get("type") in self.vocabulary.types else None
            known = fields_of(fact_type) if fact_type else ()
            for err in exc.errors():
                names = [p for p in err["loc"][1:] if isinstance(p, str)]
                name = names[0] if names else ""
                words = self.vocabulary.types[fact_type].fields.get(name) if fact_type and name else None
                label = self.vocabulary.field_label(fact_type, name) if fact_type and name else None
                message = error_message(err, known, fact_type, words, self.vocabulary)
                self.report(_line(raw, where), f"{not_valid}{say(':', ': ')}{message}", "invalid-value", item, name or where, label=label)
            return False

    def appeal(self, raw: Any, seen: set[str], adjustments: set[str]) -> Appeal | None:
        raw = in_review_keys(raw, _APPEAL_KEYS)
        item = self._common(raw, seen, _APPEAL_KEYS, "appeal")
        if not isinstance(raw, dict):
            return None
        unit = self.units.id_of(raw.get("unit"))
        if unit not in self.factset.units:
            self.report(_line(raw, "unit"), say("申诉机构“{u}”不在机构名册中", "the appealing unit '{u}' is not in units", u=raw.get("unit")),
                        "unknown-unit", item, "unit", subject="appeal")
        fact = raw.get("fact")
        if fact is not None and str(fact) not in self.records:
            self.report(_line(raw, "fact"), say("事实“{f}”不在事实集中", "fact '{f}' is not in the fact set", f=fact), "unknown-fact", item, "fact",
                        subject="appeal")
        answer = str(raw.get("answer", "pending"))
        answer = _ANSWER_OF.get(answer, answer)
        if answer not in ANSWERS:
            self.report(_line(raw, "answer"), say("答复“{a}”不是可选值(可选:{words})", "answer '{a}' is not one of upheld, rejected, pending",
                                                  a=answer, words="、".join(ANSWER_WORDS.values())), "unknown-value", item, "answer",
                        subject="appeal")
        linked = raw.get("adjustment")
        if linked is not None and str(linked) not in adjustments:
            self.report(_line(raw, "adjustment"), say("调整“{a}”不在本文件中", "adjustment '{a}' is not in this file", a=linked),
                        "unknown-adjustment", item, "adjustment", subject="appeal")
        if answer == "upheld" and linked is None:
            self.report(_line(raw, "answer"), say("支持的申诉须写明据以作出的调整(调整编号)", "an upheld appeal names the adjustment it led to"),
                        "missing-field", item, "adjustment", subject="appeal")
        return Appeal(item or "", str(unit), str(fact) if fact is not None else None, raw.get("clause"), str(raw.get("text", "")),
                      answer, str(raw.get("reason", "")), str(raw.get("decision", "")), str(linked) if linked else None, raw.line)


def evaluate_reviewed(factset: FactSet, policy, review: Review, **options):
    """The year scored as reviewed, carrying what the review changed (`ev.review`).

    The adjustments are applied one after another, and the year scored after each, so each
    adjustment's effect on the units' totals is its own, even where two touch one unit."""
    from evaluator.domain.evaluate import evaluate
    before = evaluate(factset, policy, **options)
    previous, unit_effect = before, {}
    for count, adjustment in enumerate(review.adjustments, start=1):
        step = evaluate(Review(review.path, review.sha256, review.adjustments[:count]).apply(factset), policy, **options)
        moved = _totals_moved(previous, step)
        if moved:
            unit_effect[adjustment.id] = moved
        previous = step
    after = previous  # the last step: the year with every adjustment (the year as submitted when there is none)
    after.review = ReviewEffect(review, before, _changes(review, before, after), unit_effect)
    return after


def adjustment_lines(ev) -> list[str]:
    """Each adjustment in a sentence for people: what it changed, why, on whose decision, its effect."""
    if ev.review is None:
        return []
    names = {u.id: u.name for u in ev.factset.units.values()}
    vocabulary = ev.policy.vocabulary
    lines = []
    for a in ev.review.review.adjustments:
        if a.action == "set":
            record_type = next(r.type for r in ev.review.before.factset.facts if r.id == a.fact)
            what = say("修改 {f}:{c}", "set {f}: {c}", f=a.fact, c=",".join(
                f"{vocabulary.field_label(record_type, k)} → {vocabulary.written(record_type, k, v, names)}" for k, v in a.changes.items()))
        elif a.action == "strike":
            what = say("删除 {f}", "strike {f}", f=a.fact)
        else:
            what = say("新增 {f}({t})", "add {f} ({t})", f=a.fact, t=vocabulary.type_label(a.changes["type"]))
        moved = ev.review.unit_effect.get(a.id, {})
        effect_text = ",".join(f"{names.get(u, u)} 总分 {'+' if d > 0 else ''}{d:.2f}" for u, d in moved.items()) \
            or say("总分不变", "no total changed")
        lines.append(say("{id} {what};原因:{r};依据:{d};{e}", "{id} {what}; reason: {r}; decision: {d}; {e}",
                         id=a.id, what=what, r=a.reason, d=a.decision, e=effect_text))
    for p in ev.review.review.appeals:
        answer = say(ANSWER_WORDS[p.answer], p.answer)
        lines.append(say("申诉 {id}({u}):{t} —— {a}{adj};{r}", "appeal {id} ({u}): {t} — {a}{adj}; {r}", id=p.id,
                         u=names.get(p.unit, p.unit), t=p.text, a=answer, r=p.reason,
                         adj=say(",见 {x}", ", see {x}", x=p.adjustment) if p.adjustment else ""))
    return lines


def _totals_moved(before, after) -> dict[str, Decimal]:
    old = {s.unit: s.total for s in before.scorecard.units}
    return {s.unit: s.total - old[s.unit] for s in after.scorecard.units if s.total != old.get(s.unit)}


def _changes(review: Review, before, after) -> list[Change]:
    """Each finding the review changed, before → after, with the adjustments whose facts it rests on."""
    def keyed(ev):
        return {(f.unit, f.clause, f.rule, f.evidence): f.points for f in ev.findings}
    old, new = keyed(before), keyed(after)
    touched: dict[str, list[str]] = {}
    for a in review.adjustments:
        touched.setdefault(a.fact, []).append(a.id)
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            ids = tuple(sorted({i for e in key[3] for i in touched.get(e, ())}))
            changes.append(Change(*key, old.get(key, Decimal(0)), new.get(key, Decimal(0)), ids))
    return changes


def _items(value: Any) -> list:
    return value if isinstance(value, list) else []


def _line(raw: Any, key: str):
    return raw.line_of(key) if hasattr(raw, "line_of") else None
