"""A parameter's sentence that is not the method's: its `text` is found nowhere in the clause's
wording (办法原文 or 考核要求), even with other numbers in it. A parameter quotes the method
word for word, so a reader of the site finds the sentence in the method; a sentence that is
only paraphrased cannot be checked against the wording (number_disagrees.py).
"""
from __future__ import annotations

from evaluator.domain.policy.number_checks._scan import Source, occurrences, wording
from evaluator.errors import Problem
from evaluator.i18n import say

CODE = "parameter-text"


def check(source: Source) -> list[Problem]:
    problems = []
    for ci, clause in enumerate(source.policy.clauses):
        texts = [text for _, _, _, text in wording(clause)]
        for name, parameter in clause.parameters.items():
            if not any(occurrences(text, parameter.text) for text in texts):
                problems.append(source.problem(CODE, say(
                    "参数“{pt}”的原文“{t}”不是条款 {c} 原文中的文字;请照办法原文逐字抄写",
                    "the wording of parameter {p}, '{t}', is not in the wording of clause {c}; copy it from the method word for word",
                    pt=parameter.title, p=name, t=parameter.text, c=clause.id), "clauses", ci, "parameters", name, "text"))
    return problems
