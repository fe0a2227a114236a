"""One exception tree for everything a user can get wrong, and problems as data.

A `Problem` is one thing wrong in one input file, located as precisely as we can
(file, line or workbook cell, fact id, field). Loaders collect every problem they find
and raise them together, so a user fixes a file in one pass instead of one error per run.
Messages are rendered in the language of the command (`i18n`), Chinese by default.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field as dataclass_field
from typing import Iterable

from evaluator.i18n import current, listing, say


@dataclass(frozen=True)
class Cell:
    """Where a value stands in a workbook: sheet, row (1-based) and column, with its header.

    Shown the way a spreadsheet user finds it: `请假!C14(类别)`; a whole row is `请假!14`."""
    sheet: str
    row: int
    column: int | None = None      # 1-based; None: the whole row
    header: str | None = None
    sheet_index: int = 0           # the sheet's position in the workbook, for ordering

    def __str__(self) -> str:
        if self.column is None:
            return f"{self.sheet}!{self.row}"
        return f"{self.sheet}!{column_letter(self.column)}{self.row}" + (f"({self.header})" if self.header else "")

    def order(self) -> tuple:
        return (self.sheet_index, self.sheet, self.row, self.column or 0)


def column_letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters




@dataclass(frozen=True)
class Problem:
    file: str
    line: int | Cell | None
    message: str
    code: str = "invalid"  # a short name of the check, like yamllint's rule ids
    fact_id: str | None = None
    field: str | None = None
    subject: str = "fact"  # what fact_id names: a fact, a unit, or a review's adjustment or appeal
    field_label: str | None = dataclass_field(default=None, compare=False)  # the field's Chinese name

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        in_cell = isinstance(self.line, Cell) and self.line.header is not None  # the header already names the field
        zh = current() == "zh"
        subject = []
        if self.fact_id is not None:
            kind = SUBJECT_WORDS.get(self.subject, SUBJECT_WORDS["fact"]) if zh else self.subject
            subject.append(f"{kind} {self.fact_id}")
        if self.field and not in_cell:
            subject.append(say("字段“{f}”", "field '{f}'", f=self.field_label or self.field if zh else self.field))
        separator, colon, code = (",", ":", f"({self.code})") if zh else (", ", ": ", f" ({self.code})")
        prefix = f"{separator.join(subject)}{colon}" if subject else ""
        return f"{where}: {prefix}{self.message}{code}"


# Each kind of notice by its name in Chinese (同一事项重复录入), by code. The module that says a
# kind of notice declares its name beside its code (`notice_titles`); a view that lists notices
# heads them by it (the workbench's report), so a reader never meets a code.
_NOTICE_TITLES: dict[str, str] = {}


def notice_titles(titles: dict[str, str]) -> dict[str, str]:
    """Declare the names of a module's kinds of notice; returns them, for the module's own use."""
    _NOTICE_TITLES.update(titles)
    return titles


@dataclass(frozen=True)
class Notice:
    """What is valid but probably a mistake (facts.md `warnings`): said, not refused, unless
    `--strict` makes it an error. `where` is the file and line or cell it is about."""
    code: str
    message: str
    unit: str | None = None
    where: str | None = None

    def __str__(self) -> str:
        at = f"{self.where}: " if self.where else ""
        return say("{at}注意:{m}({code})", "{at}warning: {m} ({code})", at=at, m=self.message, code=self.code)

    @property
    def title(self) -> str:
        """Its kind's name in Chinese, as the module that says it declares it ('' if none)."""
        return _NOTICE_TITLES.get(self.code, "")

    def as_json(self) -> dict:
        return {"code": self.code, "unit": self.unit, "message": self.message, "where": self.where}


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
        return say("{what}有 {n} 处问题", "{n} problem{s} in {what_en}", n=n, s="s" if n != 1 else "",
                   what=_WHAT_ZH.get(self.what, self.what), what_en=self.what)

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


class AmendmentWorkbookError(PolicyError):
    """The policy staff's amendment workbook asks for something that cannot be (a policy error: what it would make)."""

    def __init__(self, problems: Iterable[Problem]):
        InputError.__init__(self, problems, "the amendment workbook")


class EngineError(EvaluatorError):
    """The rules engine lost, refused or failed work: never a quietly smaller score."""


class UsageError(EvaluatorError):
    """A command was asked for something that does not exist (a unit, a clause)."""


SUBJECT_WORDS = {"fact": "事实", "unit": "机构", "adjustment": "调整", "appeal": "申诉"}   # what a problem's fact_id names
_WHAT_ZH = {"the fact set": "事实集", "the policy": "考核办法文件", "input": "输入", "the review": "审查调整",
            "the amendment workbook": "修订工作簿"}


def _problem_order(p: Problem):
    where = (0, p.line) if isinstance(p.line, int) else (1, *p.line.order()) if isinstance(p.line, Cell) else (-1,)
    return (p.file, where, p.fact_id or "", p.field or "", p.message)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """'; did you mean 'leave'?' when a close choice exists, else ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return say(";您是不是要写“{c}”?", "; did you mean '{c}'?", c=close[0]) if close else ""


def allowed(choices: Iterable[str], sort: bool = True) -> str:
    return listing(sorted(choices) if sort else choices)
