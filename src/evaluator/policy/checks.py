"""Static checks a policy editor runs before a revision goes to the directors' meeting.

Tiers are rules of one clause on one fact type, credited to the same party, whose
conditions test the same number fields (e.g. 研修 ≥ 60 人且 ≥ 5 天 vs the rest). For
each tier group every combination of values at and around each threshold (R1's
boundaries) is tried: a value that no rule of the group takes is a gap, one that two
rules take is an overlap.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from ..conditions import NUMERIC_OPS, Condition
from ..numbers import plain
from .load import CompiledPolicy, CompiledRule

HALF = Decimal(1) / 2
STEPS = (-1 * Decimal(1), -HALF, Decimal(0), HALF, Decimal(1))  # around each threshold, in half steps


# Each check's level, as yamllint gives its rules one: an error makes check-policy fail (exit 1),
# a warning is printed and leaves the exit code 0. A clause without a scenario, or a number in the
# wording that no parameter explains, is worth a look but may be right; the others are never right.
LEVELS = {
    "gap": "error", "overlap": "error", "undocumented": "warning",
    "literal-number": "error", "number-disagrees": "error", "rule-literal": "error",
    "unexplained-number": "warning", "parameter-text": "warning",
}


def level(code: str) -> str:
    return LEVELS.get(code, "error")


@dataclass(frozen=True)
class Finding:
    clause: str
    kind: str          # gap | overlap | undocumented
    message: str


def _numeric_tests(condition: Condition) -> list:
    tests = [t for t in condition.tests if t.op in NUMERIC_OPS]
    for alt in condition.any_of:
        tests += _numeric_tests(alt)
    return tests


def tier_groups(policy: CompiledPolicy) -> list[list[CompiledRule]]:
    groups: dict[tuple, list[CompiledRule]] = defaultdict(list)
    for r in policy.rules:
        fields = frozenset(t.field for t in _numeric_tests(r.condition))
        if fields and not r.joins:
            groups[r.clause.id, r.rule.fact, r.rule.credit, fields].append(r)
    return [g for g in groups.values() if len(g) > 1]


def check_tiers(policy: CompiledPolicy) -> list[Finding]:
    found = []
    for group in tier_groups(policy):
        thresholds: dict[str, set[Decimal]] = defaultdict(set)
        for r in group:
            for t in _numeric_tests(r.condition):
                thresholds[t.field] |= {t.value + s for s in STEPS if t.value + s > 0}
        fields = sorted(thresholds)
        for values in itertools.product(*(sorted(thresholds[f]) for f in fields)):
            point = dict(zip(fields, values))
            taking = [r.id for r in group if r.condition.holds(point)]
            shown = "、".join(f"{f} = {plain(v)}" for f, v in point.items())
            clause = group[0].clause.id
            if not taking:
                found.append(Finding(clause, "gap", f"{shown}:没有规则适用({'、'.join(r.id for r in group)} 之间有空档)"))
            elif len(taking) > 1:
                found.append(Finding(clause, "overlap", f"{shown}:{'、'.join(taking)} 同时适用(档次重叠)"))
    return found


def check_documented(policy: CompiledPolicy, documented: dict[str, int]) -> list[Finding]:
    return [Finding(c.id, "undocumented", "没有场景说明本条款(features/ 中无 @clause-" + c.id + ")")
            for c in policy.policy.clauses if not documented.get(c.id)]
