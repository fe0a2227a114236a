"""Load a policy file, check it against the fact vocabulary, and compile its rules.

Every problem is reported at once with its line, in the same form as fact-set problems:
unknown keys, duplicate clause or rule ids, a rule that reads a field its fact type
lacks, a value the field never takes, an unknown parameter, ruling or placeholder.
"""
from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from evaluator.domain.conditions import Condition, ConditionParser
from evaluator.domain.facts import FACT_TYPES, FieldSpec, fields_of
from evaluator.domain.policy.model import Clause, Derivation, Policy, Rule
from evaluator.domain.policy.wording import clause_names, placeholders, policy_names, render_policy
from evaluator.errors import PolicyError, Problem, allowed, did_you_mean
from evaluator.i18n import current, say
from evaluator.inputs.yamlio import load_document

# Names an explanation may use beside the fields of its fact.
EXPLAIN_NAMES = {"quantity", "rate", "rate_abs", "points", "over", "unit_name", "clause", "id",
                 "breakdown", "not_counted", "credited", "credited_name"}


@lru_cache(maxsize=None)
def template_names(template: str) -> frozenset[str]:
    """The names an explanation template uses (`{person}`, `{first_reading.id}` → first_reading)."""
    return frozenset(f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(template) if f)


@dataclass(frozen=True)
class Quantity:
    """What a rule's points are multiplied by."""
    kind: str                      # count | field | size_of | excess
    field: str | None = None
    over: Decimal | None = None


@dataclass(frozen=True)
class JoinSpec:
    name: str
    fact: str
    condition: Condition
    same: tuple[str, ...]


@dataclass(frozen=True)
class CompiledRule:
    key: str                       # the engine's action name, unique in the policy
    order: int                     # position in the policy: findings sort by it
    clause: Clause
    rule: Rule
    condition: Condition
    joins: tuple[JoinSpec, ...]
    rate: Decimal
    quantity: Quantity

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class CompiledDerivation:
    spec: Derivation
    counted: Condition


def policy_named(title: str, policy_id: str) -> str:
    """A policy as a sentence names it: 《its title》 in Chinese, its id in English (the titles are Chinese)."""
    return say("《{t}》", "{i}", t=title, i=policy_id)


@dataclass
class CompiledPolicy:
    policy: Policy
    path: str
    sha256: str
    rules: list[CompiledRule]
    derivations: list[CompiledDerivation]
    type_fields: dict[str, dict[str, FieldSpec]]
    lines: dict[str, int] = field(default_factory=dict)   # clause id -> line in the policy file
    rule_lines: dict[str, int] = field(default_factory=dict)   # rule key (clause/rule) -> line, for check-policy
    written: Policy | None = None   # `policy` as written: titles, explanations, rulings with their {placeholders}

    @property
    def id(self) -> str:
        return self.policy.id

    @property
    def named(self) -> str:
        return policy_named(self.policy.title, self.policy.id)

    @cached_property
    def clauses(self) -> dict[str, Clause]:
        return {c.id: c for c in self.policy.clauses}

    @cached_property
    def clause_order(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.policy.clauses)}

    @cached_property
    def rules_by_key(self) -> dict[str, CompiledRule]:
        return {r.key: r for r in self.rules}

    def rules_of(self, clause_id: str) -> list[CompiledRule]:
        return [r for r in self.rules if r.clause.id == clause_id]

    @cached_property
    def engine_fields(self) -> dict[str, tuple[str, ...]]:
        """For each fact type, the fields some rule's condition reads: all the engine needs."""
        found: dict[str, set[str]] = {}
        for r in self.rules:
            found.setdefault(r.rule.fact, set()).update(r.condition.fields)
            for j in r.joins:
                found.setdefault(j.fact, set()).update(j.condition.fields, j.same)
                found.setdefault(r.rule.fact, set()).update(j.same)
        return {t: tuple(sorted(f)) for t, f in found.items()}

    @cached_property
    def vocabulary(self) -> "Vocabulary":
        from evaluator.domain.vocabulary import Vocabulary
        return Vocabulary(self.policy.labels)

    def label(self, fact_type: str, name: str, value: Any) -> str:
        return labelled(self.policy.labels.values.get(f"{fact_type}.{name}", {}), value)


def labelled(labels: Mapping[str, str], value: Any) -> Any:
    """A value in the office's words, given its field's labels: a code's label, a list's labels joined with 、."""
    if isinstance(value, (list, tuple)):
        return "、".join(labels.get(v, str(v)) for v in value)
    return labels.get(value, str(value)) if isinstance(value, str) else value


def load_policy(path: str | Path) -> CompiledPolicy:
    """The compiled policy in `path`; compiled once per content (a command reads its fact
    set with the policy's vocabulary, then scores with the same policy)."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError:
        content = b""
    key = (str(path.resolve()), hashlib.sha256(content).hexdigest())
    if key not in _COMPILED:
        data, problems = load_document(path)
        if data is None or problems:
            raise PolicyError(problems or [Problem(str(path), None, say("考核办法文件是空的", "the policy file is empty"), "structure")])
        if isinstance(data, dict) and "amends" in data:  # a delta: resolved against its base, cached there (amend.py)
            from evaluator.domain.policy.amend import resolve
            return resolve(data, path, key[1])
        _COMPILED[key] = compile_policy(data, str(path), key[1])
    return _COMPILED[key]


_COMPILED: dict[tuple[str, str], CompiledPolicy] = {}


def compile_policy(data: Any, name: str, sha256: str = "") -> CompiledPolicy:
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError([_schema_problem(err, data, name) for err in exc.errors()]) from None
    checker = _Checker(policy, data, name)
    compiled = checker.compile()
    if checker.problems:
        raise PolicyError(checker.problems)
    compiled.sha256 = sha256
    return compiled


def _line_at(raw: Any, path: tuple) -> int | None:
    """The line of the deepest node along `path` (keys and list indexes) that has one. A node
    without a line keeps its parent's: an amendment's clause is at the line of its first
    change, and what the amendment copied from the base unchanged has no line of its own."""
    node, line = raw, None
    for part in path:
        if hasattr(node, "line_of") and isinstance(part, str):
            line = node.line_of(part) or line
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", None) or line
    return line


# pydantic's error types, as a policy editor reads them; any other keeps pydantic's (English) words
_SCHEMA_WORDS = {
    "extra_forbidden": ("不能写键“{k}”", "unknown key '{k}'"),
    "missing": ("缺少键“{k}”", "missing key '{k}'"),
    "string_type": ("应是文字", "Input should be a valid string"),
    "int_type": ("应是整数", "Input should be a valid integer"),
    "int_parsing": ("应是整数", "Input should be a valid integer"),
    "decimal_parsing": ("应是数字", "Input should be a valid decimal"),
    "decimal_type": ("应是数字", "Input should be a valid decimal"),
    "bool_type": ("应是 true 或 false", "Input should be a valid boolean"),
    "bool_parsing": ("应是 true 或 false", "Input should be a valid boolean"),
    "list_type": ("应是列表", "Input should be a valid list"),
    "dict_type": ("应是映射(键: 值)", "Input should be a valid dictionary"),
    "model_type": ("应是映射(键: 值)", "Input should be a valid dictionary or instance"),
    "literal_error": ("应是 {e} 之一", "Input should be {e}"),
    "greater_than_equal": ("太小", "Input is too small"),
}


def _schema_problem(err: dict, data: Any, name: str) -> Problem:
    loc = err["loc"]
    where = ".".join(map(str, loc))
    words = _SCHEMA_WORDS.get(err["type"])
    if words and (current() == "zh" or err["type"] in ("extra_forbidden", "missing")):
        message = say(*words, k=loc[-1] if loc else "", e=(err.get("ctx") or {}).get("expected", ""))
    else:
        message = err["msg"]  # in English pydantic's own words, which may say more (the allowed values)
    return Problem(name, _line_at(data, tuple(loc)), f"{where}: {message}", "policy-schema")


_KIND_WORDS = {"number": "数字", "list": "列表"}


class _Checker:
    def __init__(self, policy: Policy, raw: Any, name: str):
        self.policy, self.raw, self.name = policy, raw, name
        self.units: dict[str, str] = {}   # the units of the clause being checked's parameters
        self.problems: list[Problem] = []
        self.type_fields: dict[str, dict[str, FieldSpec]] = {t: fields_of(t) for t in FACT_TYPES}

    def line(self, *path: Any) -> int | None:
        return _line_at(self.raw, path)

    def report(self, message: str, *path: Any) -> None:
        self.problems.append(Problem(self.name, self.line(*path), message, "policy"))

    def rulings(self, ids: list[str], *path: Any) -> None:
        for rid in ids:
            if rid not in self.policy.rulings:
                self.report(say("没有裁定“{r}”{d}", "unknown ruling '{r}'{d}", r=rid, d=did_you_mean(rid, self.policy.rulings)), *path)

    def compile(self) -> CompiledPolicy:
        written = self.policy
        self.wording_placeholders(written)
        self.policy = render_policy(written)  # what every report shows: the numbers filled in (wording.py)
        for sid, section in self.policy.sections.items():
            self.rulings(section.rulings, "sections", sid)
        self.rulings(self.policy.awards.rulings, "awards")
        derivations = [self.derivation(i, d) for i, d in enumerate(self.policy.derivations)]
        self.labels()
        rules: list[CompiledRule] = []
        seen_clauses: dict[str, int] = {}
        seen_rules: dict[str, str] = {}
        rule_lines: dict[str, int | None] = {}
        for ci, clause in enumerate(self.policy.clauses):
            at = ("clauses", ci)
            if clause.id in seen_clauses:
                self.report(say("条款编号“{c}”用了两次", "clause id '{c}' is used twice", c=clause.id), *at, "id")
            seen_clauses[clause.id] = ci
            if clause.section not in self.policy.sections:
                self.report(say("没有部分“{s}”(可写:{a})", "unknown section '{s}' (sections: {a})",
                                s=clause.section, a=allowed(self.policy.sections)), *at, "section")
            self.rulings(clause.rulings, *at, "rulings")
            if not clause.rules:
                self.report(say("条款 {c} 没有规则", "clause {c} has no rules", c=clause.id), *at)
            params = {k: p.value for k, p in clause.parameters.items()}
            self.units = {k: p.unit for k, p in clause.parameters.items()}
            for ri, rule in enumerate(clause.rules):
                rat = (*at, "rules", ri)
                if rule.id in seen_rules:
                    self.report(say("规则编号“{r}”用了两次(条款 {c} 中也有)", "rule id '{r}' is used twice (also in clause {c})",
                                    r=rule.id, c=seen_rules[rule.id]), *rat, "id")
                seen_rules[rule.id] = clause.id
                compiled = self.rule(clause, rule, params, len(rules), rat)
                if compiled:
                    rules.append(compiled)
                    rule_lines[compiled.key] = self.line(*rat)
            ids = {r.id for r in clause.rules}
            for ri, rule in enumerate(clause.rules):
                if rule.replaces and rule.replaces not in ids:
                    self.report(say("replaces 写的“{r}”不是条款 {c} 的规则{d}", "replaces '{r}', which is not a rule of clause {c}{d}",
                                    r=rule.replaces, c=clause.id, d=did_you_mean(rule.replaces, ids)), *at, "rules", ri, "replaces")
        lines = {c.id: self.line("clauses", i) for i, c in enumerate(self.policy.clauses)}
        return CompiledPolicy(self.policy, self.name, "", rules, [d for d in derivations if d],
                              self.type_fields, {k: v for k, v in lines.items() if v},
                              {k: v for k, v in rule_lines.items() if v}, written)

    def wording_placeholders(self, policy: Policy) -> None:
        """A title may name its clause's parameters; a ruling any clause's, or a section's full marks."""
        for ci, clause in enumerate(policy.clauses):
            own = clause_names(clause)
            for ri, rule in enumerate(clause.rules):
                for n in placeholders(rule.title):
                    if n not in own:
                        self.report(say("规则 {r} 的标题用了“{{{n}}}”,它不是条款 {c} 的参数{d}",
                                        "the title of rule {r} uses '{{{n}}}', which is not a parameter of clause {c}{d}",
                                        r=rule.id, n=n, c=clause.id, d=did_you_mean(n, own)), "clauses", ci, "rules", ri, "title")
        everywhere = policy_names(policy)
        for rid, ruling in policy.rulings.items():
            for key in ("title", "text"):
                for n in placeholders(getattr(ruling, key)):
                    if n not in everywhere:
                        self.report(say("裁定 {r} 用了“{{{n}}}”,它不是某条款的参数(写作 {{条款.参数}},如 {{4.1.2.leave_limit}})"
                                        "或某部分的满分、最低分({{common.full_marks}}){d}",
                                        "ruling {r} uses '{{{n}}}', which is no clause parameter (written {{clause.parameter}}, "
                                        "e.g. {{4.1.2.leave_limit}}) or section value ({{common.full_marks}}){d}",
                                        r=rid, n=n, d=did_you_mean(n, everywhere)), "rulings", rid, key)

    def derivation(self, index: int, d: Derivation) -> CompiledDerivation | None:
        at = ("derivations", index)
        self.rulings(d.rulings, *at, "rulings")
        source = self.type_fields.get(d.source)
        if source is None:
            self.report(say("没有事实类型“{t}”{d}", "unknown fact type '{t}'{d}", t=d.source, d=did_you_mean(d.source, FACT_TYPES)), *at, "from")
            return None
        if d.type in self.type_fields:
            self.report(say("派生类型“{t}”已是一种事实类型", "derived type '{t}' is already a fact type", t=d.type), *at, "type")
            return None
        for name in [*d.group_by, d.sum] + ([d.breakdown_by] if d.breakdown_by else []):
            if name not in source:
                self.report(say("“{n}”不是 {t} 的字段{d}", "'{n}' is not a field of {t}{d}", n=name, t=d.source, d=did_you_mean(name, source)), *at)
        if d.sum in source and source[d.sum].kind != "number":
            self.report(say("“{n}”不是 {t} 的数字字段", "'{n}' is not a number field of {t}", n=d.sum, t=d.source), *at, "sum")
        counted = ConditionParser(source, {}, lambda m: self.report(m, *at, "counted_when")).parse(d.counted_when)
        fields = {"unit": FieldSpec("unit")}
        fields.update({g: source.get(g, FieldSpec("text")) for g in d.group_by})
        fields[d.into] = FieldSpec("number")
        fields["not_counted_" + d.sum] = FieldSpec("number")
        self.type_fields[d.type] = fields
        return CompiledDerivation(d, counted)

    def labels(self) -> None:
        labels = self.policy.labels
        for t in labels.types:
            if t not in FACT_TYPES:
                self.report(say("labels 为不存在的事实类型“{t}”命名{d}", "labels for unknown fact type '{t}'{d}",
                                t=t, d=did_you_mean(t, FACT_TYPES)), "labels", "types", t)
        for key, values in labels.values.items():
            fact_type, _, name = key.partition(".")
            spec = self.type_fields.get(fact_type, {}).get(name)
            if spec is None or not spec.values:
                self.report(say("labels.values 的键“{k}”不是“类型.字段”形式的枚举字段", "labels.values key '{k}' is not an enum field as type.field",
                                k=key), "labels", "values", key)
                continue
            for v in values:
                if v not in spec.values:
                    self.report(say("“{v}”不是 {k} 的取值{d}", "'{v}' is not a value of {k}{d}", v=v, k=key, d=did_you_mean(v, spec.values)),
                                "labels", "values", key, v)
        from evaluator.domain.vocabulary import Vocabulary  # an ambiguous label would make a reader guess
        for path, message in Vocabulary(labels).problems:
            self.report(say("名称有歧义:{m}", "ambiguous label: {m}", m=message), *path)

    def rule(self, clause: Clause, rule: Rule, params: Mapping[str, Decimal], order: int, at: tuple) -> CompiledRule | None:
        fields = self.type_fields.get(rule.fact)
        if fields is None:
            self.report(say("没有事实类型“{t}”{d}", "unknown fact type '{t}'{d}", t=rule.fact, d=did_you_mean(rule.fact, self.type_fields)),
                        *at, "fact")
            return None
        self.rulings(rule.rulings, *at, "rulings")
        condition = ConditionParser(fields, params, lambda m: self.report(m, *at, "when"), self.units).parse(rule.when)
        joins = []
        for jname, join in rule.joins.items():
            jfields = self.type_fields.get(join.fact)
            if jfields is None:
                self.report(say("没有事实类型“{t}”", "unknown fact type '{t}'", t=join.fact), *at, "joins", jname)
                continue
            jcond = ConditionParser(jfields, params, lambda m: self.report(m, *at, "joins", jname), self.units).parse(join.when)
            for s in join.same:
                if s not in fields or s not in jfields:
                    self.report(say("“{s}”不是 {a} 和 {b} 共有的字段", "'{s}' is not a field of both {a} and {b}", s=s, a=rule.fact, b=join.fact),
                                *at, "joins", jname, "same")
            joins.append(JoinSpec(jname, join.fact, jcond, tuple(join.same)))
        rate = self.number(rule.points, params, at, "points")
        quantity = self.quantity(rule.per, fields, params, at)
        if rule.credit not in ("unit", "coordinators"):
            spec = fields.get(rule.credit)
            if spec is None or spec.kind != "unit":
                unit_fields = [n for n, s in fields.items() if s.kind == "unit" or s.item == "unit"]
                self.report(say("credit 写的“{c}”不是 unit、coordinators 或 {t} 的机构字段({a})",
                                "credit '{c}' is not unit, coordinators or a unit field of {t} ({a})",
                                c=rule.credit, t=rule.fact, a=allowed(unit_fields)), *at, "credit")
        elif rule.credit == "coordinators" and "coordinators" not in fields:
            self.report(say("{t} 没有协办机构可记分", "{t} has no coordinators to credit", t=rule.fact), *at, "credit")
        self.placeholders(rule, fields, [j.name for j in joins], at, params)
        if rate is None or quantity is None:
            return None
        return CompiledRule(f"{clause.id}/{rule.id}", order, clause, rule, condition, tuple(joins), rate, quantity)

    def number(self, value: Any, params: Mapping[str, Decimal], at: tuple, key: str) -> Decimal | None:
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] in params:
                return params[value[1:]]
            self.report(say("没有参数“{v}”{d}", "unknown parameter '{v}'{d}", v=value, d=did_you_mean(value[1:], params)), *at, key)
            return None
        try:
            return Decimal(value)
        except Exception:
            self.report(say("“{v}”不是数字,也不是 $参数", "'{v}' is not a number or $parameter", v=value), *at, key)
            return None

    def quantity(self, per: Any, fields: Mapping[str, FieldSpec], params: Mapping[str, Decimal], at: tuple) -> Quantity | None:
        def numeric(name: Any, kinds=("number",)) -> bool:
            spec = fields.get(name)
            ok = spec is not None and spec.kind in kinds
            if not ok:
                self.report(say("per 写的“{n}”不是{k}字段{d}", "per: '{n}' is not a {k_en} field{d}", n=name,
                                k="或".join(_KIND_WORDS.get(k, k) for k in kinds), k_en=" or ".join(kinds),
                                d=did_you_mean(name, fields)), *at, "per")
            return ok
        if per == "count":
            return Quantity("count")
        if isinstance(per, str):
            return Quantity("field", per) if numeric(per) else None
        if isinstance(per, dict) and set(per) == {"size_of"}:
            return Quantity("size_of", per["size_of"]) if numeric(per["size_of"], ("list",)) else None
        if isinstance(per, dict) and set(per) == {"excess", "over"}:
            over = self.number(per["over"], params, at, "per")
            return Quantity("excess", per["excess"], over) if numeric(per["excess"]) and over is not None else None
        self.report(say("per 可写 count、一个数字字段、{size_of: 列表字段} 或 {excess: 字段, over: 数}",
                        "per is count, a number field, {size_of: list}, or {excess: field, over: n}"), *at, "per")
        return None

    def placeholders(self, rule: Rule, fields: Mapping[str, FieldSpec], joins: list[str], at: tuple,
                     clause_params: Mapping[str, Decimal]) -> None:
        try:
            names = template_names(rule.explain)
        except ValueError as exc:
            self.report(say("explain 写法有误:{e}", "explain: {e}", e=exc), *at, "explain")
            return
        known = set(fields) | EXPLAIN_NAMES | set(joins) | {"type"} | set(clause_params)
        for n in sorted(names - known):
            self.report(say("explain 用了“{{{n}}}”,它不是字段或可用的值{d}", "explain uses '{{{n}}}', which is not a field or value{d}",
                            n=n, d=did_you_mean(n, known)), *at, "explain")
