"""R19: one person written in several ways.

Within a unit, names that differ only in spacing or in full- and half-width characters
(`张 三`, `张　三` with a full-width space, `张三`) are one person: they are counted together, and the run says so,
so that the ledger can be made consistent. A staff number (`person_id`) written with two
different names is one person too, by its number; the names are worth checking."""
from __future__ import annotations

import datetime as dt

from evaluator.domain.completeness._common import order, records, unit_name, where
from evaluator.domain.derive import identity
from evaluator.domain.factset import FactSet
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.domain.vocabulary import normal
from evaluator.errors import Notice
from evaluator.i18n import current, say

CODE = "name-variants"
TITLE = "同一人名写法不一"   # the check as office staff name it (the documentation site)


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    spellings: dict[tuple[str, str], dict[str, list[str]]] = {}     # (unit, R19 person) -> spelling -> ids
    by_number: dict[str, dict[str, list[tuple[str, str, str]]]] = {}  # person_id -> name -> (spelling, id, unit)
    normals: dict[str, str] = {}
    for fact in factset.facts:
        person = getattr(fact, "person", None)
        if person is None:
            continue
        person = str(person)
        name = normals.get(person)
        if name is None:
            name = normals[person] = normal(person)
        spellings.setdefault((fact.unit, identity(fact, "person")), {}).setdefault(person, []).append(fact.id)
        number = getattr(fact, "person_id", None)
        if number:
            by_number.setdefault(str(number), {}).setdefault(name, []).append((person, fact.id, fact.unit))
    notices = []
    for (unit, _), written in spellings.items():
        if len(written) > 1 and len({normals[s] for s in written}) == 1:
            written = _in_order(factset, written)
            other = list(written)[1]   # the second spelling: its first record is where to look
            notices.append((order(factset, written[other][0]), Notice(CODE, say(
                "“{unit}”的记录中,{spellings}只在空格或全角、半角上不同,按同一人计算(R19);请统一写法",
                "in {unit}'s records {spellings} differ only in spacing or character width and are counted "
                "as one person (R19); write the name one way", unit=unit_name(factset, unit),
                spellings=_spellings(factset, written)), unit, where(factset, written[other][0]))))
    for number, names in by_number.items():
        if len(names) > 1:
            shown: dict[str, list[str]] = {}
            units: dict[str, str] = {}
            for entries in names.values():
                for spelling, fact_id, unit in entries:
                    shown.setdefault(spelling, []).append(fact_id)
                    units[fact_id] = unit
            shown = _in_order(factset, shown)
            first_name = normals[next(iter(shown))]
            # where to look: the first record of a name other than the first one written
            other = next(ids[0] for spelling, ids in shown.items() if normals[spelling] != first_name)
            notices.append((order(factset, other), Notice(CODE, say(
                "人员编号“{number}”写了不同的姓名:{spellings};按人员编号计为同一人(R19),请核对姓名",
                "the staff number '{number}' is written with different names: {spellings}; they are counted "
                "as one person by the number (R19); check the names", number=number,
                spellings=_spellings(factset, shown)), units[other], where(factset, other))))
    notices.sort(key=lambda pair: pair[0])
    return [n for _, n in notices]


def _in_order(factset: FactSet, written: dict[str, list[str]]) -> dict[str, list[str]]:
    """The spellings in the order of their first record, each with its records in order."""
    ordered = {s: sorted(ids, key=lambda i: order(factset, i)) for s, ids in written.items()}
    return dict(sorted(ordered.items(), key=lambda item: order(factset, item[1][0])))


def _spellings(factset: FactSet, written: dict[str, list[str]]) -> str:
    """“张 三”(记录 L-1,第 5 行)与“张三”(记录 L-2,第 9 行;L-3,第 12 行)"""
    parts = [say("“{name}”(记录 {ids})", "'{name}' (record {ids})", name=name, ids=records(factset, ids, inner=True))
             for name, ids in written.items()]
    if current() == "zh":
        return "、".join(parts[:-1]) + "与" + parts[-1] if len(parts) > 1 else parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
