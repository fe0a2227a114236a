"""A fact set written as a ledger workbook: the converter's writer (YAML → 台账).

The workbook is the template (template.py) with the roster, the year and the policy and
one row per fact in its type's sheet, in the fact set's order. Values are written as the
office writes them (`Vocabulary.written`: labels, 是/否, unit names, lists joined with 、),
dates as Excel dates, numbers as numbers, and every id, so that reading the workbook back
gives the same fact set.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from evaluator.domain.vocabulary import UnitNames
from evaluator.inputs.ledger.layout import LedgerLayout
from evaluator.inputs.ledger.template import DATE_FORMAT, fit_widths, template_workbook, workbook_bytes


def write_ledger(factset, compiled_policy) -> bytes:
    """The ledger workbook (.xlsx) holding `factset`, under `compiled_policy`'s labels."""
    vocabulary = compiled_policy.vocabulary
    layout = LedgerLayout(vocabulary)
    units = [u.model_dump() for u in factset.units.values()]
    per_type = Counter(f.type for f in factset.facts)
    wb = template_workbook(compiled_policy, factset.year, units,
                           policy_id=factset.policy or compiled_policy.id, rows=per_type)
    unit_names = _unit_names(units)
    sheets = {s.fact_type: (s, wb[s.name]) for s in layout.sheets}
    rows = dict.fromkeys(sheets, 1)                  # the last row written in each sheet
    for fact in factset.facts:
        sheet, ws = sheets[fact.type]
        fields = fact.__dict__
        rows[fact.type] = row = rows[fact.type] + 1
        for col, column in enumerate(sheet.columns, start=1):
            value = vocabulary.written(fact.type, column.field, fields.get(column.field), unit_names)
            _put(ws, row, col, value)
    for fact_type, (_, ws) in sheets.items():
        if rows[fact_type] > 1:
            fit_widths(ws)
    return workbook_bytes(wb)


def _unit_names(units: list[dict]) -> dict[str, str]:
    """Unit id -> the name to write: the name when reading it back gives the same id, else the id
    (two units of one name, or a name that is another unit's id)."""
    names = UnitNames.of(units)
    return {u["id"]: u["name"] for u in units if names.id_of(u["name"]) == u["id"]}


def _put(ws: Worksheet, row: int, col: int, value: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):      # every boolean is written as 是/否; a bare bool would be TRUE/FALSE
        raise TypeError(f"a boolean reached the ledger unlabelled: {value!r}")
    if isinstance(value, Decimal):
        value = _number(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        if cell.data_type == "f":    # text that starts with = stays text, not a formula
            cell.data_type = "s"
            cell.quotePrefix = True
        cell.number_format = "@"


def _number(value: Decimal) -> int | float:
    """A Decimal as a spreadsheet number: int when whole, else a float that reads back exactly."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:   # never expected: days are halves, points have few places
        raise AssertionError(f"{value} cannot be written exactly as a spreadsheet number")
    return as_float
