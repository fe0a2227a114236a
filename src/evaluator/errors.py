"""One exception tree for everything a user can get wrong, and problems as data.

A `Problem` is one thing wrong in one input file, located as precisely as we can
(file, line, fact id, field). Loaders collect every problem they find and raise
them together, so a user fixes a file in one pass instead of one error per run.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    message: str
    code: str = "invalid"  # a short name of the check, like yamllint's rule ids
    fact_id: str | None = None
    field: str | None = None
    subject: str = "fact"  # what fact_id names: a fact, or a unit

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        subject = []
        if self.fact_id is not None:
            subject.append(f"{self.subject} {self.fact_id}")
        if self.field:
            subject.append(f"field '{self.field}'")
        prefix = f"{', '.join(subject)}: " if subject else ""
        return f"{where}: {prefix}{self.message} ({self.code})"


class EvaluatorError(Exception):
    """Base of every error the evaluator reports to a user (never a traceback)."""


class InputError(EvaluatorError):
    """One or more problems in an input file (fact set or policy)."""

    def __init__(self, problems: Iterable[Problem], what: str = "input"):
        self.problems = sorted(set(problems), key=_problem_order)
        self.what = what
        super().__init__(self.summary())

    def summary(self) -> str:
        n = len(self.problems)
        return f"{n} problem{'s' if n != 1 else ''} in {self.what}"

    def __str__(self) -> str:
        return "\n".join([*map(str, self.problems), self.summary()])


class FactSetError(InputError):
    """The yearly fact set is not valid."""

    def __init__(self, problems: Iterable[Problem]):
        super().__init__(problems, "the fact set")


class PolicyError(InputError):
    """The policy file is not valid."""

    def __init__(self, problems: Iterable[Problem]):
        super().__init__(problems, "the policy")


class EngineError(EvaluatorError):
    """The rules engine lost, refused or failed work: never a quietly smaller score."""


class UsageError(EvaluatorError):
    """A command was asked for something that does not exist (a unit, a clause)."""


def _problem_order(p: Problem):
    return (p.file, p.line if p.line is not None else -1, p.fact_id or "", p.field or "", p.message)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """' (did you mean 'leave'?)' when a close choice exists, else ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def allowed(choices: Iterable[str]) -> str:
    return ", ".join(sorted(choices))
