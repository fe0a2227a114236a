"""A parsed condition in the method's words: the one Chinese rendering of a rule's `when:`.

Parse once, render from the parsed form (as zeroSteiner's rule-engine does): the site, why-not,
check-policy and the comparison of two policy versions all call these functions, so a condition
reads the same everywhere. The words come from the policy (field and value labels, the
parameter's unit) and from ruling R1 for the comparisons: 以上 and 以内 include the number,
超过 and 不足 do not. The numbers come from the parsed `Test`, which already holds the value of
the parameter it names, so a changed parameter changes every sentence.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping

from evaluator.domain.conditions import NUMERIC_OPS, Condition, Test
from evaluator.domain.numbers import plain
from evaluator.i18n import current, listing, say

if TYPE_CHECKING:
    from evaluator.domain.policy.load import CompiledPolicy

# How each test reads: Chinese under R1 and English, with {field} {value} in their places.
# The numeric words place the number where the method does: N 人以上, 超过 N 天, 不足 N 人, N 字以内.
TEST_WORDS: dict[str, tuple[str, str]] = {
    "equals": ("{field}为{value}", "{field} is {value}"),
    "not": ("{field}不为{value}", "{field} is not {value}"),
    "at_least": ("{field} {value}以上", "{field} at least {value}"),
    "at_most": ("{field} {value}以内", "{field} at most {value}"),
    "more_than": ("{field}超过 {value}", "{field} more than {value}"),
    "less_than": ("{field}不足 {value}", "{field} less than {value}"),
    "one_of": ("{field}为{value}之一", "{field} is one of {value}"),
    "not_one_of": ("{field}不为{value}中的任何一个", "{field} is none of {value}"),
}
PRESENT_WORDS = {True: ("{field}已填写", "{field} is given"), False: ("{field}未填写", "{field} is not given")}

# R1's reading of each comparison word, said beside a failed test so nobody has to guess.
R1_READING: dict[str, tuple[str, str]] = {
    "at_least": ("以上含本数", "at least includes the number"),
    "at_most": ("以内含本数", "at most includes the number"),
    "more_than": ("超过不含本数", "more than excludes the number"),
    "less_than": ("不足不含本数", "less than excludes the number"),
}

AND = ("且", " and ")
OR = ("或", " or ")


def _words(pair: tuple[str, str]) -> str:
    return pair[0] if current() == "zh" else pair[1]


def field_name(policy: "CompiledPolicy", name: str) -> str:
    """The field's Chinese label (English: its name)."""
    return policy.policy.labels.fields.get(name, name) if current() == "zh" else name


def value_text(policy: "CompiledPolicy", fact_type: str, name: str, value: Any, unit: str = "",
               unit_names: Mapping[str, str] | None = None) -> str:
    """One value as people read it: an enum's label, 是/否 as the policy writes them, a number with its
    unit, a unit (审查机构, 协办机构) by its name in the roster when `unit_names` are given."""
    if isinstance(value, (tuple, list)):
        return listing(value_text(policy, fact_type, name, v, unit, unit_names) for v in value)
    if unit_names and isinstance(value, str) and _is_unit_field(policy, fact_type, name):
        return unit_names.get(value, value)
    if value is None:
        return say("(未填写)", "(not given)")
    if isinstance(value, bool):
        return _boolean(policy, value)
    if isinstance(value, (Decimal, int, float)):
        return plain(Decimal(str(value))) + (f" {unit}" if unit else "")
    return str(policy.label(fact_type, name, value)) if current() == "zh" else str(value)


def _is_unit_field(policy: "CompiledPolicy", fact_type: str, name: str) -> bool:
    spec = policy.type_fields.get(fact_type, {}).get(name)
    return spec is not None and (spec.kind == "unit" or spec.kind == "list" and spec.item == "unit")


def _boolean(policy: "CompiledPolicy", value: bool) -> str:
    if current() != "zh":
        return "true" if value else "false"
    written = policy.policy.labels.booleans.get("true" if value else "false")
    return written[0] if written else ("是" if value else "否")


def value_change(title: str, old: str, new: str, name: str = "") -> str:
    """`全年请假限额:15 天 → 10 天`: a parameter's value changing, named by its title (English: its id),
    as an amendment states it (amend.Edit) and as two versions compare (compare.Change)."""
    return say("{t}:{a} → {b}", "parameter {n}: {a} → {b}", t=title, n=name or title, a=old, b=new)


def points_change(old: str, new: str) -> str:
    """`分值 −0.5 → −1`: a rule's points changing (after the rule's name, rule_name)."""
    return say("分值 {a} → {b}", "points {a} → {b}", a=old, b=new)


def rule_name(title: str) -> str:
    """`规则“无故不参加学习”`: how a rule is named to staff (its title; its id is a key of the file)."""
    return say("规则“{t}”", "rule '{t}': ", t=title)


def type_name(policy: "CompiledPolicy", fact_type: str) -> str:
    """A fact type's Chinese name, or a derived fact's title (个人全年计入请假天数); English: its id."""
    if current() != "zh":
        return fact_type
    if fact_type in policy.policy.labels.types:
        return policy.policy.labels.types[fact_type]
    return next((d.title for d in policy.policy.derivations if d.type == fact_type), fact_type)


def test_text(test: Test, fact_type: str, policy: "CompiledPolicy") -> str:
    """One test: 人数 N 人以上, 阶段为二审, 事项类别为预算调整、罢免之一."""
    field = field_name(policy, test.field)
    if test.op == "present":
        return _words(PRESENT_WORDS[bool(test.value)]).format(field=field)
    value = value_text(policy, fact_type, test.field, test.value, test.unit)
    if test.op in ("at_least", "at_most") and not test.unit:
        value += " "   # N 以内, as N 字以内 keeps the number apart from the word
    return _words(TEST_WORDS[test.op]).format(field=field, value=value)


def condition_text(condition: Condition, fact_type: str, policy: "CompiledPolicy") -> str:
    """The whole condition: its tests joined by 且, the alternatives of `any` by 或; "" when it has none."""
    parts = [test_text(t, fact_type, policy) for t in condition.tests]
    if condition.any_of:
        alternatives = [condition_text(alt, fact_type, policy) for alt in condition.any_of]
        either = _words(OR).join(f"({a})" if len(alt.tests) + bool(alt.any_of) > 1 else a
                                 for a, alt in zip(alternatives, condition.any_of))
        parts.append(f"({either})" if parts else either)
    return _words(AND).join(parts)


def failed_text(test: Test, actual: Any, fact_type: str, policy: "CompiledPolicy",
                unit_names: Mapping[str, str] | None = None) -> str:
    """A test that failed, with the actual value: 人数为 M 人,不满足“人数 N 人以上”(以上含本数).
    A unit the fact names (审查机构) reads by its name when the year's `unit_names` are given."""
    field = field_name(policy, test.field)
    actual_text = value_text(policy, fact_type, test.field, actual, test.unit, unit_names)
    if actual is None:
        shown = _words(PRESENT_WORDS[False]).format(field=field)
    elif test.op == "present":
        shown = say("{f}已填写({v})", "{f} is given ({v})", f=field, v=actual_text)
    else:
        shown = say("{f}为 {v}", "{f} is {v}", f=field, v=actual_text)
    text = say("{s},不满足“{t}”", "{s}, not {t}", s=shown, t=test_text(test, fact_type, policy))
    if test.op in NUMERIC_OPS:
        text += say("({r})", " ({r})", r=_words(R1_READING[test.op]))
    return text


def point_text(point: dict[str, Any], units: dict[str, str], fact_type: str, policy: "CompiledPolicy") -> str:
    """A set of field values (a point check-policy tries): 人数 M 人、天数 D 天."""
    return listing(say("{f} {v}", "{f} = {v}", f=field_name(policy, name),
                       v=value_text(policy, fact_type, name, value, units.get(name, "")))
                   for name, value in point.items())
