"""The Excel workbook: 总表 (scorecard), 明细 (findings), 矩阵 (unit x clause).

Numbers are written as numbers (from the exact Decimals) with the format 0.00, the
header rows are frozen, and the columns are wide enough for their Chinese text.
"""
from __future__ import annotations

import io
import unicodedata
from decimal import Decimal
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..evaluate import Evaluation
from .labels import labels, matrix, rule_titles

TWO_DECIMALS = "0.00"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
INELIGIBLE_FILL = PatternFill("solid", fgColor="FBE3E3")
MAX_WIDTH = 60


def _width(value: Any) -> int:
    """Display width of a cell's text: CJK characters take two columns."""
    if value is None:
        return 0
    text = f"{value:.2f}" if isinstance(value, Decimal) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _header(ws: Worksheet, row: int, values: Iterable[Any]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _fit_columns(ws: Worksheet, minimum: int = 6, wrap: Iterable[int] = ()) -> None:
    wrapped = set(wrap)
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            widths[cell.column] = max(widths.get(cell.column, 0), _width(cell.value))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, max(minimum, width + 2))
        if col in wrapped:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _numbers(ws: Worksheet, row: int, columns: Iterable[int]) -> None:
    for col in columns:
        ws.cell(row=row, column=col).number_format = TWO_DECIMALS


def _scorecard(ws: Worksheet, ev: Evaluation, t: dict[str, str]) -> None:
    keys = ("rank", "unit", "name", "staff", "common_deductions", "common_score", "annual_missed",
            "annual_deductions", "annual_score", "daily_points", "daily_score", "total", "eligibility",
            "recommended", "ineligible_because")
    _header(ws, 1, [t[k] for k in keys])
    decimals = [keys.index(k) + 1 for k in ("common_deductions", "common_score", "annual_deductions",
                                            "annual_score", "daily_points", "daily_score", "total")]
    recommended = set(ev.scorecard.recommended)
    for row, s in enumerate(ev.scorecard.units, start=2):
        ws.append([s.rank, s.unit, s.name, s.staff, s.common_deductions, s.common_score, s.annual_missed,
                   s.annual_deductions, s.annual_score, s.daily_points, s.daily_score, s.total,
                   t["eligible"] if s.eligible else t["ineligible"],
                   t["yes"] if s.unit in recommended else t["no"], "\n".join(s.ineligible_because)])
        _numbers(ws, row, decimals)
        if not s.eligible:
            for col in range(1, len(keys) + 1):
                ws.cell(row=row, column=col).fill = INELIGIBLE_FILL
    ws.freeze_panes = "D2"
    _fit_columns(ws, wrap=[len(keys)])
    ws.column_dimensions[get_column_letter(len(keys))].width = MAX_WIDTH


def _findings(ws: Worksheet, ev: Evaluation, t: dict[str, str]) -> None:
    keys = ("unit", "name", "clause", "clause_title", "section", "rule", "rule_title", "points", "rate",
            "quantity", "evidence", "line", "explanation", "credited_via")
    _header(ws, 1, [t[k] for k in keys])
    names = {u.id: u.name for u in ev.factset.units.values()}
    titles = rule_titles(ev)
    lines = ev.factset.lines
    for row, f in enumerate(ev.findings, start=2):
        clause = ev.policy.clauses[f.clause]
        ws.append([f.unit, names.get(f.unit, f.unit), f.clause, clause.title, t[f.section], f.rule,
                   titles.get((f.clause, f.rule), ""), f.points, f.rate, f.quantity, " ".join(f.evidence),
                   " ".join(str(lines[e]) for e in f.evidence if e in lines), f.explanation,
                   f.source_unit or ""])
        _numbers(ws, row, [keys.index("points") + 1, keys.index("rate") + 1])
        ws.cell(row=row, column=keys.index("quantity") + 1).number_format = "General"
    ws.freeze_panes = "C2"
    if ev.findings:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{len(ev.findings) + 1}"
    _fit_columns(ws, wrap=[keys.index("explanation") + 1])


def _matrix(ws: Worksheet, ev: Evaluation, t: dict[str, str]) -> None:
    clauses = list(ev.policy.clauses.values())
    sums = matrix(ev)
    fixed = [t["rank"], t["unit"], t["name"]]
    _header(ws, 1, [*fixed, *(c.id for c in clauses), t["raw_sum"]])
    _header(ws, 2, [""] * len(fixed) + [c.title for c in clauses] + [""])
    for col in range(1, len(fixed) + 1):
        ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    last = len(fixed) + len(clauses) + 1
    ws.merge_cells(start_row=1, start_column=last, end_row=2, end_column=last)
    for row, s in enumerate(ev.scorecard.units, start=3):
        unit = sums.get(s.unit, {})
        cells = [unit.get(c.id) for c in clauses]
        ws.append([s.rank, s.unit, s.name, *cells, sum(unit.values(), Decimal(0))])
        _numbers(ws, row, range(len(fixed) + 1, last + 1))
    ws.freeze_panes = ws.cell(row=3, column=len(fixed) + 1).coordinate
    _fit_columns(ws, minimum=8)
    for col in range(len(fixed) + 1, last):
        ws.column_dimensions[get_column_letter(col)].width = 10
    for cell in ws[2][len(fixed):last - 1]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 45


def _run_record(ws: Worksheet, ev: Evaluation) -> None:
    """What produced this workbook: evaluator version, policy and fact set with their sha256, time."""
    from ..result import run_record
    for row, (key, value) in enumerate(run_record(ev).items(), start=1):
        ws.cell(row=row, column=1, value=key).font = HEADER_FONT
        ws.cell(row=row, column=2, value=str(value))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 70


def render(ev: Evaluation, lang: str = "zh") -> bytes:
    t = labels(lang)
    wb = Workbook()
    scorecard = wb.active
    scorecard.title = t["sheet_scorecard"]
    _scorecard(scorecard, ev, t)
    _findings(wb.create_sheet(t["sheet_findings"]), ev, t)
    _matrix(wb.create_sheet(t["sheet_matrix"]), ev, t)
    _run_record(wb.create_sheet("运行记录" if lang == "zh" else "Run"), ev)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
