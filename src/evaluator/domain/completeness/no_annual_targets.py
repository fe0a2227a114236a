"""A unit with no annual targets at all: the targets' section would silently give it full marks.

The targets' section is the one that declares it counts what a unit missed (`counts` in the
policy's sections); its fact types are the types the rules of its clauses read (a derived type
counts as the type it is derived from)."""
from __future__ import annotations

import datetime as dt

from evaluator.domain.completeness._common import unit_name
from evaluator.domain.factset import FactSet
from evaluator.domain.numbers import plain
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.errors import Notice
from evaluator.i18n import listing, say

CODE = "no-annual-targets"
TITLE = "没有年度工作目标"   # the check as office staff name it (the documentation site)


def target_sections(policy: CompiledPolicy) -> list[str]:
    """The sections that count the targets a unit missed: those that declare a count of deductions."""
    return [sid for sid, section in policy.policy.sections.items()
            if any(count.when == "deduction" for count in section.counts.values())]


def target_types(policy: CompiledPolicy, section: str | None = None) -> list[str]:
    """The fact types a section scores (by default: the targets' sections), in the policy's order."""
    sections = {section} if section is not None else set(target_sections(policy))
    sources = {d.spec.type: d.spec.source for d in policy.derivations}
    found: dict[str, None] = {}
    for clause in policy.policy.clauses:
        if clause.section in sections:
            for rule in clause.rules:
                found.setdefault(sources.get(rule.fact, rule.fact))
    return list(found)


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    return [notice for sid in target_sections(policy) for notice in _check_section(factset, policy, sid)]


def _check_section(factset: FactSet, policy: CompiledPolicy, sid: str) -> list[Notice]:
    ordered = target_types(policy, sid)
    types = set(ordered)
    section = policy.policy.sections[sid]
    if not types:
        return []
    with_targets = {f.unit for f in factset.facts if f.type in types}
    labels = listing(policy.vocabulary.type_label(t) for t in ordered)
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
