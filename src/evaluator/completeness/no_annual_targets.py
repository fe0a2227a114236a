"""A unit with no annual targets at all: section 4.2 would silently give it full marks.

Which fact types are "the annual targets" is read from the policy: the types the rules of
the `annual` section's clauses read (a derived type counts as the type it is derived from)."""
from __future__ import annotations

import datetime as dt

from ..errors import Notice
from ..factset import FactSet
from ..i18n import listing, say
from ..numbers import plain
from ..policy.load import CompiledPolicy
from ._common import unit_name

CODE = "no-annual-targets"
SECTION = "annual"


def target_types(policy: CompiledPolicy) -> list[str]:
    """The fact types the annual section scores, in the policy's order."""
    sources = {d.spec.type: d.spec.source for d in policy.derivations}
    found: dict[str, None] = {}
    for clause in policy.policy.clauses:
        if clause.section == SECTION:
            for rule in clause.rules:
                found.setdefault(sources.get(rule.fact, rule.fact))
    return list(found)


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    types = set(target_types(policy))
    section = policy.policy.sections.get(SECTION)
    if not types or section is None:
        return []
    with_targets = {f.unit for f in factset.facts if f.type in types}
    labels = listing(policy.vocabulary.type_label(t) for t in target_types(policy))
    if section.full_marks is not None:
        consequence = say("{title}({clause})将按满分 {full} 分计算", "{title} ({clause}) would get its full {full} points",
                          title=section.title, clause=section.clause, full=plain(section.full_marks))
    else:
        consequence = say("{title}({clause})没有可扣分的依据", "{title} ({clause}) has nothing to deduct from",
                          title=section.title, clause=section.clause)
    return [Notice(CODE, say("“{unit}”没有“{types}”记录,{consequence};请核对是否漏录",
                             "{unit} has no {types} records, so {consequence}; check that none were left out",
                             unit=unit_name(factset, uid), types=labels, consequence=consequence), uid)
            for uid in factset.units if uid not in with_targets]
