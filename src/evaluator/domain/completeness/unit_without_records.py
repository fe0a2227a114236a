"""A unit with staff but no records at all: a ledger that was probably never sent in.

A unit counts as having records when some record is its own or names it in a unit field
(a coordinator, the reviewing unit)."""
from __future__ import annotations

import datetime as dt

from evaluator.domain.facts import fields_of
from evaluator.domain.factset import FactSet
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.errors import Notice
from evaluator.i18n import say

CODE = "unit-without-records"
TITLE = "机构没有任何记录"   # the check as office staff name it (the documentation site)


def _unit_fields(fact_type: str) -> tuple[tuple[str, bool], ...]:
    """The fields of a type that name other units: (name, is a list)."""
    return tuple((name, spec.kind == "list") for name, spec in fields_of(fact_type).items()
                 if name != "unit" and (spec.kind == "unit" or (spec.kind == "list" and spec.item == "unit")))


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    named: set[str] = set()
    others: dict[str, tuple[tuple[str, bool], ...]] = {}
    for fact in factset.facts:
        named.add(fact.unit)
        fields = others.get(fact.type)
        if fields is None:
            fields = others[fact.type] = _unit_fields(fact.type)
        for name, many in fields:
            value = getattr(fact, name, None)
            if many:
                named.update(value or ())
            elif value is not None:
                named.add(value)
    return [Notice(CODE, say("“{unit}”有 {staff} 名工作人员,但事实集中没有任何与它有关的记录;请核对它的台账是否漏报",
                             "{unit} has {staff} staff but no record in the fact set names it; check that its ledger "
                             "was not left out", unit=unit.name, staff=unit.staff), uid)
            for uid, unit in factset.units.items() if unit.staff >= 1 and uid not in named]
