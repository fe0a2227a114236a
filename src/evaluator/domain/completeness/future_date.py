"""A record dated after the day the run is made up to (`as_of`), or after today.

The loader only checks that a date falls inside the year; a date still to come is usually
a typing slip (2024-11-03 for 2024-01-13), or a plan entered as if it had happened."""
from __future__ import annotations

import datetime as dt

from evaluator.domain.completeness._common import order, unit_name, where
from evaluator.domain.factset import FactSet
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.errors import Notice
from evaluator.i18n import say

CODE = "future-date"
TITLE = "日期尚未到来"   # the check as office staff name it (the documentation site)


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    limit = as_of or dt.date.today()
    if as_of is not None:
        after = say("晚于评估截止日 {day},未计入本次中期评估", "after the as-of day {day}, so it is not scored in this mid-year run",
                    day=limit.isoformat())
    else:
        after = say("晚于今天({day})", "after today ({day})", day=limit.isoformat())
    later = [f for f in factset.facts if f.date is not None and f.date > limit]
    later.sort(key=lambda f: order(factset, f.id))
    return [Notice(CODE, say("“{unit}”的{type}记录 {id} 日期为 {date},{after};请核对日期",
                             "{unit}'s {type} record {id} is dated {date}, {after}; check the date",
                             unit=unit_name(factset, f.unit), type=policy.vocabulary.type_label(f.type), id=f.id,
                             date=f.date.isoformat(), after=after), f.unit, where(factset, f.id))
            for f in later]
