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
from collections import Counter
from functools import lru_cache
from itertools import compress
from operator import attrgetter
from typing import Any, Callable

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
def _shape(fact_type: str) -> tuple[str | None, Callable[[Any], tuple], bool]:
    """The type's title-like field; what else makes two of its records one event — the date, its
    enum fields (what kind of event it is) and, for a unit's own part, the unit — read as one
    tuple; and whether its records list coordinating units."""
    if fact_type not in FACT_TYPES:
        return None, lambda fact: (), False
    fields = fields_of(fact_type)
    title = next((name for name in TITLE_FIELDS if name in fields), None)
    kinds = tuple(name for name, spec in fields.items() if spec.kind == "enum")
    names = ("date", *kinds, *(("unit",) if fact_type in OWN_PART else ()))
    same_event = attrgetter(*names) if len(names) > 1 else lambda fact: (fact.date,)   # of one name, attrgetter gives no tuple
    return title, same_event, "coordinators" in fields


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    repeated = [group for fact_type, facts in _by_type(factset).items() for group in _repeated(fact_type, facts)]
    places = {f.id: order(factset, f.id) for facts in repeated for f in facts}
    groups = [sorted(facts, key=lambda f: places[f.id]) for facts in repeated]
    groups.sort(key=lambda facts: places[facts[1].id])
    record_at, record = say("{id}({unit},{at})", "{id} ({unit}, {at})"), say("{id}({unit})", "{id} ({unit})")
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
        shown = listing(_record(factset, f, record_at, record) for f in facts)
        notices.append(Notice(CODE, say(
            "{type}“{title}”({date})录入了 {n} 次:{records};{advice}",
            "the {type} '{title}' ({date}) is entered {n} times: {records}; {advice}",
            type=policy.vocabulary.type_label(fact_type), title=getattr(facts[0], title_field),
            date=date.isoformat() if date else say("无日期", "no date"), n=len(facts), records=shown, advice=advice),
            again.unit, where(factset, again.id)))
    return notices


def _by_type(factset: FactSet) -> dict[str, list]:
    by_type: dict[str, list] = {}
    for fact in factset.facts:
        by_type.setdefault(fact.type, []).append(fact)
    return by_type


def _repeated(fact_type: str, facts: list) -> list[list]:
    """The records of one type that are one event entered more than once, a list per event.
    A year has up to a million records: each is read through C-level getters and counted with
    a Counter, and only the few repeated ones are gathered in Python."""
    title_field, same_event, _ = _shape(fact_type)
    if title_field is None:
        return []
    words = lru_cache(maxsize=None)(normal)        # titles repeat: each is normalised once per check
    keys = list(zip(map(words, map(str, map(attrgetter(title_field), facts))), map(same_event, facts)))
    twice = {key for key, n in Counter(keys).items() if n > 1}
    if not twice:
        return []
    events: dict[tuple, list] = {}
    for key, fact in compress(zip(keys, facts), map(twice.__contains__, keys)):
        events.setdefault(key, []).append(fact)
    return list(events.values())


def _record(factset: FactSet, fact, record_at: str, record: str) -> str:
    """`LE-2(研究室,第 9 行)`, by the forms of the language chosen once per check (a year may repeat
    tens of thousands of records)."""
    at = factset.sources.get(fact.id) or factset.where(fact.id)   # a merged record: in its submission
    unit = unit_name(factset, fact.unit)
    return record_at.format(id=fact.id, unit=unit, at=at) if at else record.format(id=fact.id, unit=unit)
