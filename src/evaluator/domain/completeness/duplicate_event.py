"""The same event entered twice: two records of one type with the same title and date.

The title is the type's first title-like field (title, session, regulation, activity,
issue or group), compared as words are (NFKC, no white space); records without a date
match only records without a date. Records that differ in what kind of event they are
(an enum field: a first and a second reading of one regulation) are two events.

Two units may enter the same event when one of them should be a coordinator on the
other's record. A few types are each unit's own part of something shared, where the
same title in two units is two parts, not one event twice; they are compared within a
unit only."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from evaluator.domain.completeness._common import order, unit_name, where
from evaluator.domain.facts import FACT_TYPES, fields_of
from evaluator.domain.factset import FactSet
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.domain.vocabulary import normal
from evaluator.errors import Notice
from evaluator.i18n import listing, say

CODE = "duplicate-event"
TITLE = "同一事项重复录入"   # the check as office staff name it (the documentation site)
TITLE_FIELDS = ("title", "session", "regulation", "activity", "issue", "group")
# One unit's own part of something shared: its person-times at a congress session, its seat
# on a leading group, its own annual target (two units may well share a target's wording).
OWN_PART = frozenset({"congress_session_service", "leading_group_membership", "annual_target"})


@lru_cache(maxsize=None)
def _shape(fact_type: str) -> tuple[str | None, tuple[str, ...], bool]:
    """The type's title-like field, its enum fields (what kind of event it is), and whether
    its records list coordinating units."""
    if fact_type not in FACT_TYPES:
        return None, (), False
    fields = fields_of(fact_type)
    title = next((name for name in TITLE_FIELDS if name in fields), None)
    return title, tuple(name for name, spec in fields.items() if spec.kind == "enum"), "coordinators" in fields


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    first: dict[tuple, object] = {}        # key -> the first record with it
    repeated: dict[tuple, list] = {}       # key -> all its records, once there are two
    normals: dict[str, str] = {}
    for fact in factset.facts:
        title_field, kinds, _ = _shape(fact.type)
        if title_field is None:
            continue
        title = str(getattr(fact, title_field))
        name = normals.get(title)
        if name is None:
            name = normals[title] = normal(title)
        key = (fact.type, name, fact.date, *(getattr(fact, k) for k in kinds),
               *((fact.unit,) if fact.type in OWN_PART else ()))
        seen = first.get(key)
        if seen is None:
            first[key] = fact
        elif key in repeated:
            repeated[key].append(fact)
        else:
            repeated[key] = [seen, fact]
    groups = [sorted(facts, key=lambda f: order(factset, f.id)) for facts in repeated.values()]
    groups.sort(key=lambda facts: order(factset, facts[1].id))
    notices = []
    for facts in groups:
        fact_type, date = facts[0].type, facts[0].date
        title_field, _, coordinated = _shape(fact_type)
        again = facts[1]
        units = list(dict.fromkeys(unit_name(factset, f.unit) for f in facts))
        advice = say("是同一事项的,只保留一条", "if they are one event, keep one")
        if len(units) > 1 and coordinated:
            advice = say("是同一事项的,只保留承办机构的一条,其他机构写在其“{label}”中",
                         "if they are one event, keep the organizer's record and list the others as its {label}",
                         label=policy.vocabulary.field_label(fact_type, "coordinators"))
        shown = listing(_record(factset, f) for f in facts)
        notices.append(Notice(CODE, say(
            "{type}“{title}”({date})录入了 {n} 次:{records};{advice}",
            "the {type} '{title}' ({date}) is entered {n} times: {records}; {advice}",
            type=policy.vocabulary.type_label(fact_type), title=getattr(facts[0], title_field),
            date=date.isoformat() if date else say("无日期", "no date"), n=len(facts), records=shown, advice=advice),
            again.unit, where(factset, again.id)))
    return notices


def _record(factset: FactSet, fact) -> str:
    """`LE-2(研究室,第 9 行)`"""
    at = factset.where(fact.id)
    unit = unit_name(factset, fact.unit)
    if at:
        return say("{id}({unit},{at})", "{id} ({unit}, {at})", id=fact.id, unit=unit, at=at)
    return say("{id}({unit})", "{id} ({unit})", id=fact.id, unit=unit)
