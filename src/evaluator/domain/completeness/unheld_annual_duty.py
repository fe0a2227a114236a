"""An annual duty that no unit holds this year (R13, R20): nobody is credited for it.

The duties are the values of the `annual_duty` record's `duty` field in the fact model; the
clause that scores each one is read from the policy (its rules on that type whose `duty`
test the value passes). A duty that no rule of the policy scores is not reported."""
from __future__ import annotations

import datetime as dt

from evaluator.domain.facts import FACT_TYPES, fields_of
from evaluator.domain.factset import FactSet
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.errors import Notice
from evaluator.i18n import say

CODE = "unheld-annual-duty"
TITLE = "全年职责无人承担"   # the check as office staff name it (the documentation site)
TYPE, FIELD = "annual_duty", "duty"   # facts.md: `annual_duty` with `duty` (4.3.4.5–4.3.4.7)


def duties(policy: CompiledPolicy) -> dict[str, list[str]]:
    """Each duty the policy scores, with the clauses (id and title) that score it."""
    if TYPE not in FACT_TYPES:
        return {}
    found: dict[str, list[str]] = {}
    for value in fields_of(TYPE)[FIELD].values:
        for rule in policy.rules:
            tests = [t for t in rule.condition.tests if t.field == FIELD]
            if rule.rule.fact == TYPE and rule.rate != 0 and all(t.holds(value) for t in tests):
                clause = f"{rule.clause.id} {rule.clause.title}"
                if clause not in found.setdefault(value, []):
                    found[value].append(clause)
    return found


def check(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    scored = duties(policy)
    if not scored:
        return []
    held = {getattr(f, FIELD) for f in factset.facts if f.type == TYPE}
    type_label = policy.vocabulary.type_label(TYPE)
    return [Notice(CODE, say("今年没有机构承担{type}“{duty}”({clauses}),没有机构因此加分;请核对是否漏录",
                             "no unit holds the annual duty '{duty}' ({clauses}) this year, so no unit is credited "
                             "for it; check that it was not left out",
                             type=type_label, duty=policy.label(TYPE, FIELD, value), clauses="、".join(clauses)))
            for value, clauses in scored.items() if value not in held]
