"""(c) A number of the method's wording that no parameter explains.

Every number in a clause's wording (办法原文, 考核要求) and in its parameters' sentences must
be the value of one of the clause's parameters, in a compatible unit (60 人 is a value in 人,
5 天 not one in 分), or the full marks of the clause's section (四(二): 得 40 分). A number
that is no rate or threshold (每参加 1 人/次: a counting unit) is listed, in the phrase that
holds it, in the clause's `literal_numbers`. The number a changed parameter's sentence still
holds is reported once, by number_disagrees.py.
"""
from __future__ import annotations

from evaluator.domain.policy.number_checks._scan import Source, compatible, context, numbers, own_value_stated, stale_spans, states, wording
from evaluator.errors import Problem
from evaluator.i18n import say

CODE = "unexplained-number"


def check(source: Source) -> list[Problem]:
    problems = []
    for ci, clause in enumerate(source.policy.clauses):
        section = source.policy.sections.get(clause.section)
        full = section.full_marks if section is not None else None
        params = clause.parameters
        fields = [(say("{w_zh}", "{w_en}", w_zh=zh, w_en=en), text, (key,), None) for key, zh, en, text in wording(clause)]
        fields += [(say("参数“{t}”的原文", "wording of parameter {p}", t=p.title, p=name), p.text, ("parameters", name, "text"), name)
                   for name, p in params.items()]
        for where, text, path, own in fields:
            # numbers number_disagrees.py reports: a changed parameter's, where the wording holds its
            # sentence, and in the parameter's own sentence
            if own is None:
                stale = [(params[name].unit, a, b) for name, a, b in stale_spans(clause, text, source.ids)]
            else:
                stale = [] if own_value_stated(clause, own, source.ids) else [(params[own].unit, 0, len(text))]
            for n in numbers(text, source.ids, clause.literal_numbers):
                if any(states(n, p) for p in params.values()) or (full is not None and n.value == full and compatible(n, "分")):
                    continue
                if any(a <= n.start and n.end <= b and compatible(n, unit) for unit, a, b in stale):
                    continue
                problems.append(source.problem(CODE, say(
                    "条款 {c} 的{w}中的 {n}(“{x}”)不是本条款任何参数的值;请为它设参数,或把含它的词句列入本条款的 literal_numbers",
                    "{n} in the {w} of clause {c} ('{x}') is the value of none of the clause's parameters; make it a parameter, "
                    "or list the phrase that holds it in the clause's literal_numbers",
                    c=clause.id, w=where, n=n.shown(), x=context(text, n)), "clauses", ci, *path))
    return problems
