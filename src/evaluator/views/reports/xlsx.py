"""The Excel workbook: 总表 (scorecard), 明细 (findings), 矩阵 (unit x clause).

Numbers are written as numbers (from the exact Decimals) with the format 0.00, the
header rows are frozen, and the columns are wide enough for their Chinese text.

Every sheet prints on A4 landscape, fitted to the page's width, with its header rows
repeated on each page, and a header and footer with the report's title, the sheet's name,
the stage (征求意见稿 / 审定稿) and 第 N 页 共 M 页. Long texts wrap, their rows made tall
enough to show them. The matrix prints as many pages across as the HTML report has column
groups of clauses, its rank, id and name columns repeated on each.
"""
from __future__ import annotations

import io
import unicodedata
from decimal import Decimal
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from evaluator.domain.evaluate import Evaluation
from evaluator.views.reports.columns import FULL, columns, title
from evaluator.views.reports.labels import labels, matrix, matrix_groups, rule_titles
from evaluator.views.reports.served import Served

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


def _fit_columns(ws: Worksheet, minimum: int = 6, wrap: Iterable[int] = (), widest: dict[int, int] | None = None) -> None:
    """Columns as wide as their text, at most MAX_WIDTH (or `widest[col]`, beyond which the cells wrap)."""
    wrapped = set(wrap)
    widest = widest or {}
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            widths[cell.column] = max(widths.get(cell.column, 0), _width(cell.value))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(widest.get(col, MAX_WIDTH), max(minimum, width + 2))
        if col in wrapped:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


LINE_HEIGHT = 15   # points: one line of 11pt text, as a row is by default


def _row_heights(ws: Worksheet, first_row: int = 1) -> None:
    """Rows as tall as their wrapped text, so that it prints whole (neither Excel nor LibreOffice does
    it for a file they did not lay out themselves); an estimate by display width, a little generous."""
    widths = {col: (ws.column_dimensions[get_column_letter(col)].width or 8.43) - 1.5
              for col in range(1, ws.max_column + 1)}
    for row in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            if cell.value is None or not (cell.alignment and cell.alignment.wrap_text):
                continue
            room = max(1.0, widths[cell.column])
            lines = max(lines, sum(max(1, -(-_width(part) // room)) for part in str(cell.value).split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = int(lines * LINE_HEIGHT + 2)


def _numbers(ws: Worksheet, row: int, columns: Iterable[int]) -> None:
    for col in columns:
        ws.cell(row=row, column=col).number_format = TWO_DECIMALS


def _escape(text: str) -> str:
    """Text as a header or footer says it: `&` starts a code there (&P, &N, &A)."""
    return text.replace("&", "&&")


def _print_setup(ws: Worksheet, ev: Evaluation, t: dict[str, str], title_rows: str | None, *,
                 title_cols: str | None = None, pages_wide: int = 1, served: Served | None = None) -> None:
    """A4 landscape, fitted to `pages_wide` pages across (as many down as it takes), headers repeated."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.7, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    title = t["title"].format(year=ev.factset.year) + (
        t["mid_year"].format(day=ev.factset.as_of.isoformat()) if ev.factset.as_of else "")
    stage = t["draft"] if ev.draft else t["approved_copy"]
    if ev.stage is not None and not ev.draft:
        stage += f" {ev.stage.decision}"
    for part, text in ((ws.oddHeader.left, _escape(title)), (ws.oddHeader.center, "&A"),
                       (ws.oddHeader.right, _escape(stage)),
                       (ws.oddFooter.left, _escape(f"{ev.policy.named} · {served.facts if served else ev.factset.path}")),
                       (ws.oddFooter.center, t["page_of"].format(page="&P", pages="&N")),
                       (ws.oddFooter.right, _escape(t["printed"]) + " &D")):
        part.text = text
        part.size = 9


def _scorecard(ws: Worksheet, ev: Evaluation, t: dict[str, str], lang: str, served: Served | None) -> None:
    sections = columns(ev.policy.policy.sections, lang, FULL)
    before, after = ("rank", "unit", "name", "staff"), ("total", "eligibility", "recommended", "ineligible_because")
    keys = (*before, *(c.key for c in sections), *after)
    _header(ws, 1, [*(t[k] for k in before), *(c.heading for c in sections), *(t[k] for k in after)])
    decimals = [len(before) + i + 1 for i, c in enumerate(sections) if c.number] + [keys.index("total") + 1]
    recommended = set(ev.scorecard.recommended)
    for row, s in enumerate(ev.scorecard.units, start=2):
        ws.append([s.rank, s.unit, s.name, s.staff, *(c.value(s) for c in sections), s.total,
                   t["eligible"] if s.eligible else t["ineligible"],
                   t["yes"] if s.unit in recommended else t["no"], "\n".join(s.ineligible_because)])
        _numbers(ws, row, decimals)
        if not s.eligible:
            for col in range(1, len(keys) + 1):
                ws.cell(row=row, column=col).fill = INELIGIBLE_FILL
    ws.freeze_panes = "D2"
    _fit_columns(ws, wrap=[len(keys)], widest={col: 9 for col in range(4, len(keys))})
    ws.column_dimensions[get_column_letter(len(keys))].width = 40
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=bool(cell.alignment.wrap_text))
    _row_heights(ws)
    _print_setup(ws, ev, t, "1:1", served=served)


def _findings(ws: Worksheet, ev: Evaluation, t: dict[str, str], lang: str, served: Served | None) -> None:
    keys = ("unit", "name", "clause", "clause_title", "section", "rule", "rule_title", "points", "rate",
            "quantity", "evidence", "line", "explanation", "credited_via")
    _header(ws, 1, [t[k] for k in keys])
    names = {u.id: u.name for u in ev.factset.units.values()}
    titles = rule_titles(ev)
    section_titles = {sid: title(section, lang) for sid, section in ev.policy.policy.sections.items()}
    lines = ev.factset.lines
    for row, f in enumerate(ev.findings, start=2):
        clause = ev.policy.clauses[f.clause]
        ws.append([f.unit, names.get(f.unit, f.unit), f.clause, clause.title, section_titles[f.section], f.rule,
                   titles.get((f.clause, f.rule), ""), f.points, f.rate, f.quantity, " ".join(f.evidence),
                   " ".join(str(lines[e]) for e in f.evidence if e in lines), f.explanation,
                   names.get(f.source_unit, f.source_unit) if f.source_unit else ""])   # a unit by its name, as in every view
        _numbers(ws, row, [keys.index("points") + 1, keys.index("rate") + 1])
        quantity = ws.cell(row=row, column=keys.index("quantity") + 1)
        quantity.number_format = "General"
        quantity.alignment = Alignment(horizontal="center", vertical="top")
    ws.freeze_panes = "C2"
    if ev.findings:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{len(ev.findings) + 1}"
    # The long texts wrap in columns of a readable width, so that a row prints whole on one page across.
    widest = {keys.index(k) + 1: w for k, w in (("name", 14), ("clause", 9), ("clause_title", 16), ("section", 8),
                                                 ("rule", 16), ("rule_title", 16), ("rate", 8), ("evidence", 12),
                                                 ("line", 8), ("explanation", 42), ("credited_via", 9))}
    _fit_columns(ws, wrap=widest, widest=widest)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if not cell.alignment.wrap_text:
                cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical="top")
    _row_heights(ws)
    _print_setup(ws, ev, t, "1:1", served=served)


def _matrix(ws: Worksheet, ev: Evaluation, t: dict[str, str], served: Served | None) -> None:
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
        ws.column_dimensions[get_column_letter(col)].width = 9
    for cell in ws[2][len(fixed):last - 1]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 80
    name = fixed.index(t["name"]) + 1
    ws.column_dimensions[get_column_letter(name)].width = 16
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=cell.column == name, vertical="center")
    _row_heights(ws, first_row=3)
    # Printed, as many pages across as the HTML report has column groups (a page holds about as many
    # clauses), the rank, id and name repeated on each. Fitted to pages, a sheet has no manual breaks.
    _print_setup(ws, ev, t, "1:2", title_cols=f"A:{get_column_letter(len(fixed))}", pages_wide=len(matrix_groups(ev)),
                 served=served)


def _run_record(ws: Worksheet, ev: Evaluation, t: dict[str, str], lang: str, served: Served | None) -> None:
    """What produced this workbook: evaluator version, policy and fact set with their sha256, time;
    each line headed in the workbook's language (the JSON's run record keeps its keys)."""
    from evaluator.views.result import run_record
    record = run_record(ev)
    record["policy_id"] = (ev.policy.policy.title if served else f"{ev.policy.policy.title}({ev.policy.id})") \
        if lang == "zh" else ev.policy.id
    if served:
        record["facts_file"] = served.facts
        if "review_file" in record:
            record["review_file"] = served.review
    for row, (key, value) in enumerate(record.items(), start=1):
        ws.cell(row=row, column=1, value=t.get(f"run_{key}", key)).font = HEADER_FONT
        ws.cell(row=row, column=2, value=str(value))
    ws.column_dimensions["A"].width = max(16, max(_width(t.get(f"run_{k}", k)) for k in record) + 2)
    ws.column_dimensions["B"].width = 70


def render(ev: Evaluation, lang: str = "zh", *, served: Served | None = None) -> bytes:
    """The workbook; `served` when the workbench serves it (no server path in it)."""
    t = labels(lang)
    wb = Workbook()
    scorecard = wb.active
    scorecard.title = t["sheet_scorecard"]
    _scorecard(scorecard, ev, t, lang, served)
    _findings(wb.create_sheet(t["sheet_findings"]), ev, t, lang, served)
    _matrix(wb.create_sheet(t["sheet_matrix"]), ev, t, served)
    record = wb.create_sheet("运行记录" if lang == "zh" else "Run")
    _run_record(record, ev, t, lang, served)
    _print_setup(record, ev, t, None, served=served)   # key, value lines: no header row to repeat
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
