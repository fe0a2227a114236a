"""Completeness warnings: what is valid but probably a mistake (spec/facts.md, `warnings`).

Modelled on yamllint's rules: one small module per check, each with a `CODE` (kebab-case,
the `code` of its `Notice`), a `TITLE` (its name in Chinese) and `check(factset, policy, as_of=None) -> list[Notice]`. A check
never refuses a fact set and never changes a score; it says what an office clerk should look
at, in the clerk's words (the unit's Chinese name, the policy's labels), and where.

`CHECKS` is the registry: a new check is a new module listed here.
"""
from __future__ import annotations

import datetime as dt

from evaluator.domain.completeness import (duplicate_event, future_date, name_variants, no_annual_targets, unheld_annual_duty,
                                           undated_as_of, unit_without_records)
from evaluator.domain.completeness._common import natural
from evaluator.domain.factset import FactSet
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.errors import Notice, notice_titles

CHECKS = (no_annual_targets, unheld_annual_duty, unit_without_records, name_variants, future_date,
          duplicate_event, undated_as_of)
CODES = tuple(module.CODE for module in CHECKS)
TITLES = notice_titles({module.CODE: module.TITLE for module in CHECKS})


def run_checks(factset: FactSet, policy: CompiledPolicy, as_of: dt.date | None = None) -> list[Notice]:
    """Every check's warnings, sorted by unit, code and where (lines in their numeric order).

    `as_of` is the day a mid-year run is made up to: records dated after it, and records with
    no date at all, are then worth a look."""
    notices = [n for module in CHECKS for n in module.check(factset, policy, as_of=as_of)]
    return sorted(notices, key=_order)


def _order(notice: Notice) -> tuple:
    # Ties keep the checks' own order (a stable sort), which is that of the records' lines.
    return (notice.unit or "", notice.code, natural(notice.where or ""))
