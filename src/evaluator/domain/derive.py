"""Derived facts: what the method counts per person or group rather than per record.

R3 counts leave per person per year: the days of the kinds that count are added up
over all of a person's leave records, and only the sum is compared with the limit.
A derivation in the policy says how (source type, grouping, summed field, which
records count); the derived fact keeps the ids of the records it was made from, so
a finding on it names those input lines as its evidence.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from evaluator.domain.facts import Record
from evaluator.domain.policy.load import CompiledDerivation
from evaluator.domain.vocabulary import normal


@dataclass(frozen=True)
class DerivedFact:
    id: str
    type: str
    unit: str
    values: dict[str, Any]
    sources: tuple[str, ...]          # records that were counted
    not_counted: tuple[str, ...]      # records of the group that were considered and not counted
    breakdown: tuple[tuple[str, Decimal], ...]            # counted sum per breakdown value
    not_counted_breakdown: tuple[tuple[str, Decimal], ...]
    derivation: str                   # the derivation's title

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def evidence(self) -> tuple[str, ...]:
        return self.sources or self.not_counted

    @property
    def quantity(self) -> int:
        return 1


def field_values(fact: Record | DerivedFact) -> dict[str, Any]:
    """A fact's fields by name, for conditions and explanations."""
    if isinstance(fact, DerivedFact):
        return {"unit": fact.unit, "type": fact.type, **fact.values}
    return fact.__dict__


def derive(derivations: Iterable[CompiledDerivation], facts: Iterable[Record]) -> tuple[list[DerivedFact], set[str]]:
    """The derived facts, and the ids of the records the derivations consumed."""
    derivations = list(derivations)
    by_source = defaultdict(list)
    for d in derivations:
        by_source[d.spec.source].append(d)
    groups: dict[tuple, list[Record]] = defaultdict(list)
    consumed: set[str] = set()
    for fact in facts:
        for d in by_source.get(fact.type, ()):
            key = (d.spec.type, fact.unit, *(identity(fact, g) for g in d.spec.group_by))
            groups[key].append(fact)
            consumed.add(fact.id)
    spec_of = {d.spec.type: d for d in derivations}
    return [_derived(spec_of[key[0]], key, records) for key, records in sorted(groups.items())], consumed


def identity(fact: Record, name: str) -> str:
    """Who or what a record is about, for grouping. A person (R19) is their staff number where
    the record carries one, else their name compared after NFKC with white space removed, so
    `张 三`, `张三` and `张三` are one person."""
    if name == "person":
        person_id = getattr(fact, "person_id", None)
        return f"#{person_id}" if person_id else normal(str(fact.person))
    return str(getattr(fact, name))


def _derived(d: CompiledDerivation, key: tuple, records: list[Record]) -> DerivedFact:
    spec = d.spec
    counted = sorted((r for r in records if d.counted.holds(r.__dict__)), key=lambda r: r.id)
    others = sorted((r for r in records if not d.counted.holds(r.__dict__)), key=lambda r: r.id)
    # The group's fields as the records write them (the first record's spelling), not its key.
    first = min(records, key=lambda r: r.id)
    values = {g: getattr(first, g) for g in spec.group_by}
    values[spec.into] = sum((getattr(r, spec.sum) for r in counted), Decimal(0))
    values["not_counted_" + spec.sum] = sum((getattr(r, spec.sum) for r in others), Decimal(0))
    return DerivedFact(
        id=":".join((spec.type, *key[1:])), type=spec.type, unit=key[1], values=values,
        sources=tuple(r.id for r in counted), not_counted=tuple(r.id for r in others),
        breakdown=_breakdown(spec, counted), not_counted_breakdown=_breakdown(spec, others),
        derivation=spec.title)


def _breakdown(spec, records: list[Record]) -> tuple[tuple[str, Decimal], ...]:
    if not spec.breakdown_by:
        return ()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in records:
        totals[str(getattr(r, spec.breakdown_by))] += getattr(r, spec.sum)
    return tuple(sorted(totals.items()))
