"""Static checks a policy editor runs before a revision goes to the directors' meeting.

Tiers are rules of one clause on one fact type, credited to the same party, whose
conditions test the same number fields (e.g. 研修 N 人以上且 D 天以上 vs the rest). For
each tier group every combination of values at and around each threshold (R1's
boundaries) is tried: a value that no rule of the group takes is a gap, one that two
rules take is an overlap.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from evaluator.domain.conditions import NUMERIC_OPS, Condition
from evaluator.domain.policy.load import CompiledPolicy, CompiledRule
from evaluator.domain.policy.render import condition_text, point_text
from evaluator.i18n import current, listing, say

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
LEVEL_WORDS = {"error": ("错误", "error"), "warning": ("警告", "warning")}


def level(code: str) -> str:
    return LEVELS.get(code, "error")


@dataclass(frozen=True)
class Finding:
    clause: str
    kind: str          # gap | overlap | undocumented
    message: str
    line: int | None = None   # of the rule (or clause) in the policy file


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


def rule_text(policy: CompiledPolicy, rule: CompiledRule) -> str:
    """A rule as an editor finds it: its title and its condition in words (English: its id)."""
    return say("“{t}”({c})", "{r} ({c})", t=rule.rule.title, r=rule.id,
               c=condition_text(rule.condition, rule.rule.fact, policy))


def _line(policy: CompiledPolicy, rule: CompiledRule) -> int | None:
    return policy.rule_lines.get(rule.key) or policy.lines.get(rule.clause.id)


def check_tiers(policy: CompiledPolicy) -> list[Finding]:
    found = []
    for group in tier_groups(policy):
        thresholds: dict[str, set[Decimal]] = defaultdict(set)
        units: dict[str, str] = {}
        for r in group:
            for t in _numeric_tests(r.condition):
                thresholds[t.field] |= {t.value + s for s in STEPS if t.value + s > 0}
                units[t.field] = units.get(t.field) or t.unit
        fields = sorted(thresholds)
        fact_type, clause = group[0].rule.fact, group[0].clause.id
        for values in itertools.product(*(sorted(thresholds[f]) for f in fields)):
            point = dict(zip(fields, values))
            taking = [r for r in group if r.condition.holds(point)]
            shown = point_text(point, units, fact_type, policy)
            if not taking:
                found.append(Finding(clause, "gap", say(
                    "{p}:没有规则适用({r} 之间有空档)", "{p}: no rule applies (a gap between {r})",
                    p=shown, r=listing(rule_text(policy, r) for r in group)), _line(policy, group[0])))
            elif len(taking) > 1:
                found.append(Finding(clause, "overlap", say(
                    "{p}:{r} 同时适用(档次重叠)", "{p}: {r} all apply (the tiers overlap)",
                    p=shown, r=listing(rule_text(policy, r) for r in taking)), _line(policy, taking[-1])))
    return found


def check_documented(policy: CompiledPolicy, documented: dict[str, int]) -> list[Finding]:
    return [Finding(c.id, "undocumented", say("条款 {c} 没有场景说明(features/ 中无 @clause-{c})",
                                              "clause {c} has no scenario (no @clause-{c} in features/)", c=c.id),
                    policy.lines.get(c.id))
            for c in policy.policy.clauses if not documented.get(c.id)]


# --- how check-policy prints a problem: yamllint's parsable form ----------------------------------
def column(text_lines: list[str], line: int | None) -> int | None:
    """The 1-based column where the line's key starts (after its indent and a list's "- ")."""
    if not line or line > len(text_lines):
        return None
    text = text_lines[line - 1]
    at = len(text) - len(text.lstrip(" "))
    while text.startswith("- ", at):
        at += 2
    return at + 1


def problem_line(file: str | Path, line: int | None, message: str, code: str, text_lines: list[str]) -> str:
    """`file:line:col: 级别 message (check-id)`, as yamllint -f parsable prints; `file: …` where no line is known."""
    col = column(text_lines, line)
    where = f"{file}:{line}:{col}" if line and col else (f"{file}:{line}" if line else f"{file}")
    words = LEVEL_WORDS[level(code)]
    return f"{where}: {words[0] if current() == 'zh' else words[1]} {message} ({code})"
