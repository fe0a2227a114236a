"""(b) A parameter whose value its own sentence, or the clause's wording, does not state.

Each parameter quotes the method's sentence it comes from (`text`). Changing the value
(60 → 50) and not the words leaves the method saying 60: reported at the parameter's
sentence and at every place of the clause's wording (办法原文, 考核要求) that holds the
sentence. Changing the value and the parameter's sentence but not the clause's wording is
reported at the wording, which still says the old number.
"""
from __future__ import annotations

from evaluator.domain.policy.number_checks._scan import Source, compatible, numbers, occurrences, sentences, shown_value, states, wording
from evaluator.errors import Problem
from evaluator.i18n import listing, say

CODE = "number-disagrees"


def check(source: Source) -> list[Problem]:
    problems = []
    for ci, clause in enumerate(source.policy.clauses):
        params = clause.parameters
        for name, parameter in params.items():
            said = numbers(parameter.text, source.ids, clause.literal_numbers, characters=True)
            if any(states(n, parameter) for n in said):
                continue
            # the numbers of its sentence that could be it: of its unit and no other parameter's value
            others = [n.shown() for n in said if compatible(n, parameter.unit)
                      and not any(states(n, q) for q in params.values())]
            if others:
                message = say("参数“{pt}”的值是 {v},但它的原文“{t}”写的是 {n}",
                              "parameter {p} is {v}, but its wording '{t}' says {n}",
                              pt=parameter.title, p=name, v=shown_value(parameter), t=parameter.text, n=listing(others))
            else:
                message = say("参数“{pt}”的值是 {v},但它的原文“{t}”中没有这个数",
                              "parameter {p} is {v}, but its wording '{t}' does not state it",
                              pt=parameter.title, p=name, v=shown_value(parameter), t=parameter.text)
            problems.append(source.problem(CODE, message, "clauses", ci, "parameters", name, "text"))
        for key, zh, en, text in wording(clause):
            for name, parameter in params.items():
                for a, b in occurrences(text, parameter.text, sentences(clause)):
                    held = text[a:b]
                    if any(states(n, parameter) for n in numbers(held, source.ids, clause.literal_numbers, characters=True)):
                        continue
                    problems.append(source.problem(CODE, say(
                        "条款 {c} 的{w}写的是“{h}”,而参数“{pt}”的值是 {v}",
                        "the {w_en} of clause {c} says '{h}', but parameter {p} is {v}",
                        c=clause.id, w=zh, w_en=en, h=held, pt=parameter.title, p=name, v=shown_value(parameter)), "clauses", ci, key))
    return problems
