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

from ..conditions import Condition, ConditionParser
from ..errors import PolicyError, Problem, allowed, did_you_mean
from ..i18n import say
from ..facts import FACT_TYPES, FieldSpec, fields_of
from ..yamlio import load_document
from .model import Clause, Derivation, Policy, Rule
from .wording import clause_names, placeholders, policy_names, render_policy

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


@dataclass
class CompiledPolicy:
    policy: Policy
    path: str
    sha256: str
    rules: list[CompiledRule]
    derivations: list[CompiledDerivation]
    type_fields: dict[str, dict[str, FieldSpec]]
    lines: dict[str, int] = field(default_factory=dict)   # clause id -> line in the policy file
    written: Policy | None = None   # `policy` as written: titles, explanations, rulings with their {placeholders}

    @property
    def id(self) -> str:
        return self.policy.id

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
        from ..vocabulary import Vocabulary
        return Vocabulary(self.policy.labels)

    def label(self, fact_type: str, name: str, value: Any) -> str:
        labels = self.policy.labels.values.get(f"{fact_type}.{name}", {})
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
            from .amend import resolve
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
    """The line of the deepest node along `path` (keys and list indexes) that has one."""
    node, line = raw, None
    for part in path:
        if hasattr(node, "line_of") and isinstance(part, str):
            line = node.line_of(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if hasattr(node, "line"):
            line = node.line
    return line


def _schema_problem(err: dict, data: Any, name: str) -> Problem:
    loc = err["loc"]
    where = ".".join(map(str, loc))
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = f"unknown key '{loc[-1]}'"
    elif err["type"] == "missing":
        message = f"missing key '{loc[-1]}'"
    return Problem(name, _line_at(data, tuple(loc)), f"{where}: {message}", "policy-schema")


class _Checker:
    def __init__(self, policy: Policy, raw: Any, name: str):
        self.policy, self.raw, self.name = policy, raw, name
        self.problems: list[Problem] = []
        self.type_fields: dict[str, dict[str, FieldSpec]] = {t: fields_of(t) for t in FACT_TYPES}

    def line(self, *path: Any) -> int | None:
        return _line_at(self.raw, path)

    def report(self, message: str, *path: Any) -> None:
        self.problems.append(Problem(self.name, self.line(*path), message, "policy"))

    def rulings(self, ids: list[str], *path: Any) -> None:
        for rid in ids:
            if rid not in self.policy.rulings:
                self.report(f"unknown ruling '{rid}'{did_you_mean(rid, self.policy.rulings)}", *path)

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
        for ci, clause in enumerate(self.policy.clauses):
            at = ("clauses", ci)
            if clause.id in seen_clauses:
                self.report(f"clause id '{clause.id}' is used twice", *at, "id")
            seen_clauses[clause.id] = ci
            if clause.section not in self.policy.sections:
                self.report(f"unknown section '{clause.section}' (sections: {allowed(self.policy.sections)})", *at, "section")
            self.rulings(clause.rulings, *at, "rulings")
            if not clause.rules:
                self.report(f"clause {clause.id} has no rules", *at)
            params = {k: p.value for k, p in clause.parameters.items()}
            for ri, rule in enumerate(clause.rules):
                rat = (*at, "rules", ri)
                if rule.id in seen_rules:
                    self.report(f"rule id '{rule.id}' is used twice (also in clause {seen_rules[rule.id]})", *rat, "id")
                seen_rules[rule.id] = clause.id
                compiled = self.rule(clause, rule, params, len(rules), rat)
                if compiled:
                    rules.append(compiled)
            ids = {r.id for r in clause.rules}
            for ri, rule in enumerate(clause.rules):
                if rule.replaces and rule.replaces not in ids:
                    self.report(f"replaces '{rule.replaces}', which is not a rule of clause {clause.id}"
                                f"{did_you_mean(rule.replaces, ids)}", *at, "rules", ri, "replaces")
        lines = {c.id: self.line("clauses", i) for i, c in enumerate(self.policy.clauses)}
        return CompiledPolicy(self.policy, self.name, "", rules, [d for d in derivations if d],
                              self.type_fields, {k: v for k, v in lines.items() if v}, written)

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
            self.report(f"unknown fact type '{d.source}'{did_you_mean(d.source, FACT_TYPES)}", *at, "from")
            return None
        if d.type in self.type_fields:
            self.report(f"derived type '{d.type}' is already a fact type", *at, "type")
            return None
        for name in [*d.group_by, d.sum] + ([d.breakdown_by] if d.breakdown_by else []):
            if name not in source:
                self.report(f"'{name}' is not a field of {d.source}{did_you_mean(name, source)}", *at)
        if d.sum in source and source[d.sum].kind != "number":
            self.report(f"'{d.sum}' is not a number field of {d.source}", *at, "sum")
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
                self.report(f"labels for unknown fact type '{t}'{did_you_mean(t, FACT_TYPES)}", "labels", "types", t)
        for key, values in labels.values.items():
            fact_type, _, name = key.partition(".")
            spec = self.type_fields.get(fact_type, {}).get(name)
            if spec is None or not spec.values:
                self.report(f"labels.values key '{key}' is not an enum field as type.field", "labels", "values", key)
                continue
            for v in values:
                if v not in spec.values:
                    self.report(f"'{v}' is not a value of {key}{did_you_mean(v, spec.values)}", "labels", "values", key, v)
        from ..vocabulary import Vocabulary  # an ambiguous label would make a reader guess
        for path, message in Vocabulary(labels).problems:
            self.report(f"ambiguous label: {message}", *path)

    def rule(self, clause: Clause, rule: Rule, params: Mapping[str, Decimal], order: int, at: tuple) -> CompiledRule | None:
        fields = self.type_fields.get(rule.fact)
        if fields is None:
            self.report(f"unknown fact type '{rule.fact}'{did_you_mean(rule.fact, self.type_fields)}", *at, "fact")
            return None
        self.rulings(rule.rulings, *at, "rulings")
        condition = ConditionParser(fields, params, lambda m: self.report(m, *at, "when")).parse(rule.when)
        joins = []
        for jname, join in rule.joins.items():
            jfields = self.type_fields.get(join.fact)
            if jfields is None:
                self.report(f"unknown fact type '{join.fact}'", *at, "joins", jname)
                continue
            jcond = ConditionParser(jfields, params, lambda m: self.report(m, *at, "joins", jname)).parse(join.when)
            for s in join.same:
                if s not in fields or s not in jfields:
                    self.report(f"'{s}' is not a field of both {rule.fact} and {join.fact}", *at, "joins", jname, "same")
            joins.append(JoinSpec(jname, join.fact, jcond, tuple(join.same)))
        rate = self.number(rule.points, params, at, "points")
        quantity = self.quantity(rule.per, fields, params, at)
        if rule.credit not in ("unit", "coordinators"):
            spec = fields.get(rule.credit)
            if spec is None or spec.kind != "unit":
                unit_fields = [n for n, s in fields.items() if s.kind == "unit" or s.item == "unit"]
                self.report(f"credit '{rule.credit}' is not unit, coordinators or a unit field of {rule.fact}"
                            f" ({allowed(unit_fields)})", *at, "credit")
        elif rule.credit == "coordinators" and "coordinators" not in fields:
            self.report(f"{rule.fact} has no coordinators to credit", *at, "credit")
        self.placeholders(rule, fields, [j.name for j in joins], at, params)
        if rate is None or quantity is None:
            return None
        return CompiledRule(f"{clause.id}/{rule.id}", order, clause, rule, condition, tuple(joins), rate, quantity)

    def number(self, value: Any, params: Mapping[str, Decimal], at: tuple, key: str) -> Decimal | None:
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] in params:
                return params[value[1:]]
            self.report(f"unknown parameter '{value}'{did_you_mean(value[1:], params)}", *at, key)
            return None
        try:
            return Decimal(value)
        except Exception:
            self.report(f"'{value}' is not a number or $parameter", *at, key)
            return None

    def quantity(self, per: Any, fields: Mapping[str, FieldSpec], params: Mapping[str, Decimal], at: tuple) -> Quantity | None:
        def numeric(name: Any, kinds=("number",)) -> bool:
            spec = fields.get(name)
            ok = spec is not None and spec.kind in kinds
            if not ok:
                self.report(f"per: '{name}' is not a {' or '.join(kinds)} field{did_you_mean(name, fields)}", *at, "per")
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
        self.report("per is count, a number field, {size_of: list}, or {excess: field, over: n}", *at, "per")
        return None

    def placeholders(self, rule: Rule, fields: Mapping[str, FieldSpec], joins: list[str], at: tuple,
                     clause_params: Mapping[str, Decimal]) -> None:
        try:
            names = template_names(rule.explain)
        except ValueError as exc:
            self.report(f"explain: {exc}", *at, "explain")
            return
        known = set(fields) | EXPLAIN_NAMES | set(joins) | {"type"} | set(clause_params)
        for n in sorted(names - known):
            self.report(f"explain uses '{{{n}}}', which is not a field or value{did_you_mean(n, known)}", *at, "explain")
