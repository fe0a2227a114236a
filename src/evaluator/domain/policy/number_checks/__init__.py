"""Every number the method states is a named parameter of its clause, and nothing that quotes
one is typed by hand: the checks `evaluator check-policy` runs on a policy's numbers.

Like completeness/, one small module per check, each with a `CODE` (the problem's `code`)
and `check(source) -> list[Problem]`; `CHECKS` is the registry. A check reads the policy as
written (`CompiledPolicy.written`: titles, explanations and rulings with their placeholders)
and reports at the line of the file; check-policy prints `file:line:col: 级别 message (code)` (checks.problem_line).

- literal_number      a number typed in a rule's title or explanation, or in a ruling
- number_disagrees    a parameter's value that its own sentence, or the clause's wording, does not state
- parameter_text      a parameter's sentence that is not in the clause's wording
- unexplained_number  a number of the wording that is no parameter's value
- rule_literal        a number typed in a rule's points, when or per
"""
from __future__ import annotations

from typing import Any

from evaluator.domain.policy.load import CompiledPolicy, _line_at
from evaluator.domain.policy.number_checks import literal_number, number_disagrees, parameter_text, rule_literal, unexplained_number
from evaluator.domain.policy.number_checks._scan import Source
from evaluator.errors import Problem

CHECKS = (rule_literal, literal_number, number_disagrees, parameter_text, unexplained_number)
CODES = tuple(module.CODE for module in CHECKS)


def check_numbers(policy: CompiledPolicy, raw: Any = None, file: str | None = None) -> list[Problem]:
    """Every number problem of `policy`, in the order of the file's lines. `raw` is the document
    it was compiled from (for the lines; None: no lines), `file` the name to report."""
    source = Source(policy.written or policy.policy, raw, file or policy.path, _line_at)
    problems = [p for module in CHECKS for p in module.check(source)]
    return sorted(problems, key=lambda p: (p.line if isinstance(p.line, int) else 0, CODES.index(p.code)))
