"""A report the workbench serves: its readers never see the server.

The command line's reports name the files they scored (a path is what its user typed). The
workbench's readers chose nothing of the kind: what was scored and the review are named in
words, a warning by its kind's Chinese name instead of its code, the method by its title."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Served:
    facts: str                     # e.g. 2024 年度各机构最新提交的台账
    review: str = ""               # e.g. 考核工作组在工作台录入的审查调整
