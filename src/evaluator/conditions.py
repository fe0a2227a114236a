"""Conditions of a rule on one fact, as written in the policy, and what they compile to.

In the policy a condition is a mapping of field -> test:

    when:
      stage: second_reading                 # equals
      matter: {one_of: [general]}
      participants: {at_least: 60}          # 以上: includes the number (R1)
      characters: {more_than: 1000, less_than: 2500}
      any:                                  # at least one of these holds
        - participants: {less_than: 60}
        - days: {less_than: 5}

The operator names follow the method's words under R1: 以上 = at_least (>=),
以内/以下 = at_most (<=), 超过 = more_than (>), 不足/不满 = less_than (<).
One parsed `Condition` compiles to durable-rules JSON for the engine, and can also be
evaluated in Python to say which test failed and by how much (why-not).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping

from .facts import FieldSpec

# op -> (durable-rules operator, Python test, Chinese wording under R1)
OPERATORS: dict[str, tuple[str, Callable[[Any, Any], bool], str]] = {
    "equals": ("", lambda a, b: a == b, "为"),
    "not": ("$neq", lambda a, b: a != b, "不为"),
    "at_least": ("$gte", lambda a, b: a >= b, "达到(以上,含本数)"),
    "at_most": ("$lte", lambda a, b: a <= b, "不超过(以内,含本数)"),
    "more_than": ("$gt", lambda a, b: a > b, "超过(不含本数)"),
    "less_than": ("$lt", lambda a, b: a < b, "不足(不含本数)"),
    "one_of": ("", lambda a, b: a in b, "属于"),
    "not_one_of": ("", lambda a, b: a not in b, "不属于"),
    "present": ("", lambda a, b: (a is not None) == b, "已填写"),
}
NUMERIC_OPS = {"at_least", "at_most", "more_than", "less_than"}


@dataclass(frozen=True)
class Test:
    field: str
    op: str
    value: Any            # Decimal, bool, str, or a tuple of them for one_of

    def holds(self, actual: Any) -> bool:
        if self.op != "present" and actual is None:
            return False  # as in the engine: a missing field fails every comparison
        try:
            return OPERATORS[self.op][1](actual, self.value)
        except TypeError:
            return False

    def describe(self) -> str:
        shown = "、".join(map(_show, self.value)) if isinstance(self.value, tuple) else _show(self.value)
        return f"{self.field} {OPERATORS[self.op][2]} {shown}"


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


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


class ConditionParser:
    """Parses `when:` mappings for one fact type, reporting problems through `report`."""

    def __init__(self, fields: Mapping[str, FieldSpec], params: Mapping[str, Decimal],
                 report: Callable[[str], None]):
        self.fields, self.params, self.report = fields, params, report

    def parse(self, raw: Any) -> Condition:
        if not isinstance(raw, dict):
            self.report(f"a condition is a mapping of field: test, got {raw!r}")
            return Condition()
        tests: list[Test] = []
        any_of: tuple[Condition, ...] = ()
        for name, spec in raw.items():
            if name == "any":
                if not isinstance(spec, list) or len(spec) < 2:
                    self.report("'any' takes a list of at least two conditions")
                    continue
                any_of = tuple(self.parse(alt) for alt in spec)
                continue
            tests += self._tests(str(name), spec)
        return Condition(tuple(tests), any_of)

    def _tests(self, name: str, spec: Any) -> list[Test]:
        from .errors import allowed, did_you_mean
        field = self.fields.get(name)
        if field is None:
            self.report(f"unknown field '{name}'{did_you_mean(name, self.fields)} (fields of this fact: "
                        f"{allowed(self.fields)})")
            return []
        if field.kind == "list":
            self.report(f"'{name}' is a list; count its items with per: {{size_of: {name}}} instead")
            return []
        pairs = spec.items() if isinstance(spec, dict) else [("equals", spec)]
        tests = []
        for op, value in pairs:
            if op not in OPERATORS:
                self.report(f"unknown test '{op}' on '{name}'{did_you_mean(op, OPERATORS)} (allowed: {allowed(OPERATORS)})")
                continue
            value = self._value(name, field, op, value)
            if value is not None:
                tests.append(Test(name, op, value))
        return tests

    def _value(self, name: str, field: FieldSpec, op: str, value: Any) -> Any:
        from .errors import allowed, did_you_mean
        if op == "present":
            if not isinstance(value, bool):
                self.report(f"present on '{name}' takes true or false")
                return None
            return value
        if op in ("one_of", "not_one_of"):
            if not isinstance(value, list) or not value:
                self.report(f"{op} on '{name}' takes a non-empty list")
                return None
            values = [self._value(name, field, "equals", v) for v in value]
            return None if None in values else tuple(values)
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] not in self.params:
                self.report(f"unknown parameter '{value}'{did_you_mean(value[1:], self.params)}")
                return None
            value = self.params[value[1:]]
        if field.kind == "number" or op in NUMERIC_OPS:
            if field.kind != "number":
                self.report(f"'{name}' is not a number, so it cannot be compared with {op}")
                return None
            if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
                self.report(f"'{name}' is a number; {value!r} is not")
                return None
            return Decimal(value)
        if field.kind == "bool":
            if not isinstance(value, bool):
                self.report(f"'{name}' is true or false; {value!r} is not")
                return None
            return value
        if field.kind == "enum" and value not in field.values:
            self.report(f"'{value}' is not a value of '{name}'{did_you_mean(value, field.values)} "
                        f"(allowed: {allowed(field.values)})")
            return None
        return value
