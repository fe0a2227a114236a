"""Records with no date, in a run made up to a day (`as_of`, the mid-year mode).

Such records are counted (nobody can tell whether they fall before the day), and flagged,
one warning per unit, so that their dates can be filled in."""
from __future__ import annotations

import datetime as dt

from evaluator.domain.completeness._common import order, records, unit_name, where
from evaluator.domain.factset import FactSet
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.errors import Notice
from evaluator.i18n import say

CODE = "undated-as-of"
TITLE = "中期评估中没有日期的记录"   # the check as office staff name it (the documentation site)


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    if as_of is None:
        return []
    undated: dict[str, list[str]] = {}
    for fact in factset.facts:
        if fact.date is None:
            undated.setdefault(fact.unit, []).append(fact.id)
    for ids in undated.values():
        ids.sort(key=lambda i: order(factset, i))
    return [Notice(CODE, say("“{unit}”有 {n} 条记录没有日期:{ids};按截至 {day} 评估时这些记录照样计入,请补填日期以便核对",
                             "{unit} has {n} record(s) with no date: {ids}; in a run up to {day} they are counted "
                             "all the same; fill in their dates so that they can be checked",
                             unit=unit_name(factset, unit), n=len(ids), ids=records(factset, ids), day=as_of.isoformat()),
                   unit, where(factset, ids[0]))
            for unit, ids in undated.items()]
