"""Unit ledgers as a clerk fills them, for the merge and workbench tests: 说明 with the year, 机构
with the unit(s), one sheet per fact type (sheet names and headers from the policy's layout)."""
from __future__ import annotations

import io
from functools import lru_cache

from openpyxl import Workbook

from evaluator.domain.policy.registry import choose_policy
from evaluator.inputs.ledger.layout import LedgerLayout

UNITS = [("office", "办公厅", 14), ("legal", "法制工作委员会", 6), ("research", "研究室", 5)]
NAME = {uid: name for uid, name, _ in UNITS}


@lru_cache(maxsize=None)
def layout() -> LedgerLayout:
    return LedgerLayout(choose_policy(2024, None).vocabulary)


def unit_ledger(units: list[str], sheets: dict[str, list[dict]]) -> bytes:
    """The workbook's bytes: `units` on 机构 (a unit not in UNITS with staff 3), each fact type's
    records given field -> value (unit names as the clerk writes them)."""
    lay = layout()
    wb = Workbook()
    guide = wb.active
    guide.title = "说明"
    guide.append(["台账"])
    guide.append(["年度", 2024])
    units_sheet = wb.create_sheet(lay.units.name)
    units_sheet.append([c.header for c in lay.units.columns])
    for uid in units:
        units_sheet.append(next([i, n, s] for i, n, s in UNITS if i == uid) if uid in NAME else [uid, uid, 3])
    for fact_type, records in sheets.items():
        sheet = lay.by_type[fact_type]
        ws = wb.create_sheet(sheet.name)
        ws.append([c.header for c in sheet.columns])
        for record in records:
            ws.append([record.get(c.field) for c in sheet.columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
