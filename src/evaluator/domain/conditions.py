"""Conditions of a rule on one fact, as written in the policy, and what they compile to.

In the policy a condition is a mapping of field -> test:

    when:
      stage: second_reading                 # equals
      matter: {one_of: [general]}
      participants: {at_least: $large_participants}   # 以上: includes the number (R1)
      characters: {more_than: $short_limit, less_than: $long_from}
      any:                                  # at least one of these holds
        - participants: {less_than: $large_participants}
        - days: {less_than: $large_days}

The operator names follow the method's words under R1: 以上 = at_least (>=),
以内/以下 = at_most (<=), 超过 = more_than (>), 不足/不满 = less_than (<).
One parsed `Condition` compiles to durable-rules JSON for the engine, can also be
evaluated in Python to say which test failed and by how much (why-not), and is put into
words by policy/render.py (the one Chinese rendering of a condition).
"""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from decimal import Decimal
from typing import Any, Callable, Mapping

from evaluator.domain.facts import FieldSpec
from evaluator.i18n import say

# op -> (durable-rules operator, Python test); how each reads is policy/render.py's
OPERATORS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "equals": ("", lambda a, b: a == b),
    "not": ("$neq", lambda a, b: a != b),
    "at_least": ("$gte", lambda a, b: a >= b),
    "at_most": ("$lte", lambda a, b: a <= b),
    "more_than": ("$gt", lambda a, b: a > b),
    "less_than": ("$lt", lambda a, b: a < b),
    "one_of": ("", lambda a, b: a in b),
    "not_one_of": ("", lambda a, b: a not in b),
    "present": ("", lambda a, b: (a is not None) == b),
}
NUMERIC_OPS = {"at_least", "at_most", "more_than", "less_than"}


@dataclass(frozen=True)
class Test:
    field: str
    op: str
    value: Any            # Decimal, bool, str, or a tuple of them for one_of
    # the unit of the parameter the value came from (人, 天, 字), for the words; not part of the test
    unit: str = dataclass_field(default="", compare=False)

    def holds(self, actual: Any) -> bool:
        if self.op != "present" and actual is None:
            return False  # as in the engine: a missing field fails every comparison
        try:
            return OPERATORS[self.op][1](actual, self.value)
        except TypeError:
            return False


@dataclass(frozen=True)
class Condition:
    tests: tuple[Test, ...] = ()
    any_of: tuple["Condition", ...] = ()

    @property
    def fields(self) -> set[str]:
        found = {t.field for t in self.tests}
        for alt in self.any_of:
            found |= alt.fields
        return found

    def failures(self, values: Mapping[str, Any]) -> list[Test]:
        """The tests that fail for these field values; empty when the condition holds."""
        failed = [t for t in self.tests if not t.holds(values.get(t.field))]
        if self.any_of:
            per_alternative = [alt.failures(values) for alt in self.any_of]
            if all(per_alternative):
                failed += [t for alt in per_alternative for t in alt]
        return failed

    def holds(self, values: Mapping[str, Any]) -> bool:
        return not self.failures(values)

    def to_engine(self) -> list[dict]:
        """The durable-rules terms whose conjunction is this condition."""
        terms = [_engine_test(t) for t in self.tests]
        if self.any_of:
            terms.append({"$or": [_and(alt.to_engine()) for alt in self.any_of]})
        return terms


def _and(terms: list[dict]) -> dict:
    return terms[0] if len(terms) == 1 else {"$and": terms}


def engine_value(value: Any) -> Any:
    """A value as the engine must see it: numbers as int or plain float, never Decimal."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        number = float(value)
        if "e" in repr(number):  # durable-rules cannot read exponent notation (1e+17, 1e-07)
            raise ValueError(f"{value} cannot be given to the rules engine exactly")
        return number
    return value


def _engine_test(t: Test) -> dict:
    if t.op == "equals":
        return {t.field: engine_value(t.value)}
    if t.op == "one_of":
        return _or([{t.field: engine_value(v)} for v in t.value])
    if t.op == "not_one_of":
        return _and([{"$neq": {t.field: engine_value(v)}} for v in t.value])
    if t.op == "present":
        return {"$ex" if t.value else "$nex": {t.field: 1}}
    return {OPERATORS[t.op][0]: {t.field: engine_value(t.value)}}


def _or(terms: list[dict]) -> dict:
    return terms[0] if len(terms) == 1 else {"$or": terms}


class ConditionParser:
    """Parses `when:` mappings for one fact type, reporting problems through `report`.

    `params` are the clause's parameter values (`$name` in a test), `units` their units of
    measure, kept on the test so that its words say 60 人 and not 60."""

    def __init__(self, fields: Mapping[str, FieldSpec], params: Mapping[str, Decimal],
                 report: Callable[[str], None], units: Mapping[str, str] | None = None):
        self.fields, self.params, self.report = fields, params, report
        self.units = units or {}

    def parse(self, raw: Any) -> Condition:
        if not isinstance(raw, dict):
            self.report(say("条件应是“字段: 检验”的映射,而不是 {r}", "a condition is a mapping of field: test, got {r}", r=repr(raw)))
            return Condition()
        tests: list[Test] = []
        any_of: tuple[Condition, ...] = ()
        for name, spec in raw.items():
            if name == "any":
                if not isinstance(spec, list) or len(spec) < 2:
                    self.report(say("any 后面应是至少两个条件的列表", "'any' takes a list of at least two conditions"))
                    continue
                any_of = tuple(self.parse(alt) for alt in spec)
                continue
            tests += self._tests(str(name), spec)
        return Condition(tuple(tests), any_of)

    def _tests(self, name: str, spec: Any) -> list[Test]:
        from evaluator.errors import allowed, did_you_mean
        field = self.fields.get(name)
        if field is None:
            self.report(say("没有字段“{n}”{d}(这类事实的字段:{a})", "unknown field '{n}'{d} (fields of this fact: {a})",
                            n=name, d=did_you_mean(name, self.fields), a=allowed(self.fields)))
            return []
        if field.kind == "list":
            self.report(say("“{n}”是列表;要数它的项数,请写 per: {{size_of: {n}}}",
                            "'{n}' is a list; count its items with per: {{size_of: {n}}} instead", n=name))
            return []
        pairs = spec.items() if isinstance(spec, dict) else [("equals", spec)]
        tests = []
        for op, value in pairs:
            if op not in OPERATORS:
                self.report(say("“{n}”上没有检验“{o}”{d}(可写:{a})", "unknown test '{o}' on '{n}'{d} (allowed: {a})",
                                o=op, n=name, d=did_you_mean(op, OPERATORS), a=allowed(OPERATORS)))
                continue
            unit = self.units.get(value[1:], "") if isinstance(value, str) and value.startswith("$") else ""
            value = self._value(name, field, op, value)
            if value is not None:
                tests.append(Test(name, op, value, unit))
        return tests

    def _value(self, name: str, field: FieldSpec, op: str, value: Any) -> Any:
        from evaluator.errors import allowed, did_you_mean
        if op == "present":
            if not isinstance(value, bool):
                self.report(say("“{n}”的 present 应写 true 或 false", "present on '{n}' takes true or false", n=name))
                return None
            return value
        if op in ("one_of", "not_one_of"):
            if not isinstance(value, list) or not value:
                self.report(say("“{n}”的 {o} 应是非空列表", "{o} on '{n}' takes a non-empty list", o=op, n=name))
                return None
            values = [self._value(name, field, "equals", v) for v in value]
            return None if None in values else tuple(values)
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] not in self.params:
                self.report(say("没有参数“{v}”{d}", "unknown parameter '{v}'{d}", v=value, d=did_you_mean(value[1:], self.params)))
                return None
            value = self.params[value[1:]]
        if field.kind == "number" or op in NUMERIC_OPS:
            if field.kind != "number":
                self.report(say("“{n}”不是数字,不能用 {o} 比较", "'{n}' is not a number, so it cannot be compared with {o}", n=name, o=op))
                return None
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
                self.report(say("“{n}”是数字,{v} 不是", "'{n}' is a number; {v} is not", n=name, v=repr(value)))
                return None
            return Decimal(value)
        if field.kind == "bool":
            if not isinstance(value, bool):
                self.report(say("“{n}”只能是 true 或 false,{v} 不是", "'{n}' is true or false; {v} is not", n=name, v=repr(value)))
                return None
            return value
        if field.kind == "enum" and value not in field.values:
            self.report(say("“{v}”不是“{n}”的取值{d}(可写:{a})", "'{v}' is not a value of '{n}'{d} (allowed: {a})",
                            v=value, n=name, d=did_you_mean(value, field.values), a=allowed(field.values)))
            return None
        return value
