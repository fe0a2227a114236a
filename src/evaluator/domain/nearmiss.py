"""Near misses: a threshold to be reached (以上, 超过) that a fact missed by a little.

The engine runs every rule that has such a threshold a second time, with each threshold
lowered by `NEAR` of itself: a fact the lowered rule matches and the rule itself does not is a
near miss (a training course of 55 where the large tier needs 60). So the near misses are found
in the same pass as the decisions, by the same engine, and nothing decides them again later.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from evaluator.domain.conditions import Condition, Test

NEAR = Decimal("0.10")            # missed by less than 10% of the threshold
THRESHOLDS = ("at_least", "more_than")


def has_threshold(condition: Condition) -> bool:
    return any(_is_threshold(t) for t in condition.tests) or any(has_threshold(a) for a in condition.any_of)


def lowered(condition: Condition) -> Condition:
    """The condition with every threshold to be reached lowered by NEAR of it (inclusive)."""
    return Condition(tuple(_lowered(t) for t in condition.tests), tuple(lowered(a) for a in condition.any_of))


def missed_tests(condition: Condition, values) -> tuple[Test, ...]:
    """The thresholds a near miss missed (for its words): the failing tests of the rule itself."""
    return tuple(t for t in condition.failures(values) if _is_threshold(t))


def _is_threshold(test: Test) -> bool:
    return test.op in THRESHOLDS and isinstance(test.value, Decimal) and test.value != 0


def _lowered(test: Test) -> Test:
    if not _is_threshold(test):
        return test
    return dataclasses.replace(test, op="at_least", value=test.value - abs(test.value) * NEAR)
