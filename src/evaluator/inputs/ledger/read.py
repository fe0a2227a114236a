"""Reading a ledger workbook (台账) into a fact set's raw data, every value located by cell.

The workbook is read with python-calamine (Rust; several times faster than openpyxl's
read-only mode, see benchmarks/ledger_read.py). Each row becomes one raw fact whose keys
are the fields its headers name and whose location is its cell (`请假!C14(类别)`), so the
fact-set checks report a bad value where the clerk typed it. The values stay as written
(事假, 是, 办公厅, 2024/3/4): the fact set's vocabulary reads them, exactly as it reads YAML.

What a workbook can do that a text file cannot gets its own answer: merged cells and
formula errors are problems; hidden sheets, a renamed sheet (recognised by its headers),
extra columns and unknown empty sheets are said as notices; trailing empty rows are
not records. A formula's cached value is read, as Excel shows it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from evaluator.domain.vocabulary import UnitNames, normal, number
from evaluator.errors import Cell, EvaluatorError, Notice, Problem, column_letter, did_you_mean, notice_titles
from evaluator.i18n import listing, say
from evaluator.inputs.ledger.formulas import uncalculated_formulas
from evaluator.inputs.ledger.layout import GUIDE_SHEET, POLICY_LABEL, REVIEW_SHEET, UNITS_SHEET, YEAR_LABEL, Column, LedgerLayout
from evaluator.inputs.yamlio import LineDict

# The ledger reader's kinds of notice by name (the report's 类别).
NOTICE_TITLES = notice_titles({
    "review-sheet": "台账中的审查调整",
    "extra-column": "不是本表字段的列",
    "renamed-sheet": "工作表改了名",
    "hidden-sheet": "隐藏的工作表",
})


OPTIONS_SHEET = "选项"          # the template's hidden lists of choices
SOURCES_SHEET = "来源"          # a merged ledger's record -> submission it came from (merge.py)
HEADER_SEARCH_ROWS = 5          # the header is the first non-empty row among these
_EXCEL_ERRORS = {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA"}


class _Row(LineDict):
    """One record of a sheet: its row, and the cell of each field found from the sheet's
    columns only when a problem needs it (a 100k-row ledger makes no million Cell objects)."""

    __slots__ = ()

    def __init__(self, row: Cell, cells: dict[str, Cell]):
        super().__init__(line=row, key_lines=cells)   # cells: field -> its column, shared by the sheet's rows

    def line_of(self, key: str) -> Cell:
        column = self.key_lines.get(key)
        if column is None or column.column is None:
            return self.line
        return Cell(column.sheet, self.line.row, column.column, column.header, column.sheet_index)

    def empty_like(self) -> "_Row":
        return _Row(self.line, self.key_lines)


def _no_value(formula: str) -> str:
    return say("单元格是公式 {f},但文件中没有保存它的计算结果;请在 Excel 或 WPS 中打开、保存后再读取,或直接填写数值",
               "the cell holds the formula {f} but no calculated value; open and save it in Excel or WPS, or type the value",
               f=formula)


def _position(ref: str) -> tuple[int, int]:
    """(row, column), 1-based, of a reference like C14."""
    letters = ref.rstrip("0123456789")
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(ref[len(letters):]), column


def read_review_sheet(path: Path) -> tuple[Any, list[Problem]]:
    """The 审查调整 sheet as a review document (the YAML form, located by cell), for review.py."""
    from evaluator.inputs.ledger.layout import REVIEW_ACTIONS, REVIEW_HEADERS
    name = str(path)
    try:
        workbook = CalamineWorkbook.from_path(name)
        try:
            match = [n for n in workbook.sheet_names if normal(n) == normal(REVIEW_SHEET)]
            if not match:
                return None, [Problem(name, None, say("工作簿中没有“{s}”工作表", "the workbook has no '{s}' sheet", s=REVIEW_SHEET), "missing-sheet")]
            sheet = workbook.get_sheet_by_name(match[0])
            rows, start = sheet.to_python(skip_empty_area=True), sheet.start or (0, 0)
        finally:
            workbook.close()
    except (CalamineError, OSError, ValueError) as exc:
        return None, [Problem(name, None, _unreadable(path, exc), "workbook")]
    if not rows:
        return LineDict({"adjustments": []}), []
    fields = {normal(h): f for f, h in REVIEW_HEADERS.items()}
    header = [fields.get(normal(str(c))) for c in rows[0]]
    problems, adjustments, by_id = [], [], {}
    for offset, row in enumerate(rows[1:], start=1):
        if all(c in ("", None) for c in row):
            continue
        number_of_row = start[0] + 1 + offset
        cell = lambda f: Cell(REVIEW_SHEET, number_of_row, start[1] + 1 + header.index(f), REVIEW_HEADERS[f]) \
            if f in header else Cell(REVIEW_SHEET, number_of_row)  # noqa: E731
        value = {f: number(c) for f, c in zip(header, row) if f and c not in ("", None)}
        item = str(value.get("id", ""))
        adjustment = by_id.get(item)
        if adjustment is None:
            adjustment = LineDict(line=Cell(REVIEW_SHEET, number_of_row))
            action = REVIEW_ACTIONS.get(str(value.get("action", "")), str(value.get("action", "")))
            adjustment["id"] = item or f"{REVIEW_SHEET}-{number_of_row}"
            for key in ("fact", "reason", "decision"):
                if key in value:
                    adjustment[key], adjustment.key_lines[key] = str(value[key]), cell(key)
            if action == "strike":
                adjustment["strike"] = True
            elif action in ("set", "add"):
                adjustment[action] = LineDict(line=cell("field"))
                if action == "add" and "fact" in value:
                    adjustment["add"]["id"] = str(value["fact"])
                    del adjustment["fact"]
            else:
                problems.append(Problem(name, cell("action"), say("操作“{a}”不是可选值(可选:修改、删除、新增)",
                                                                   "action '{a}' is not one of 修改, 删除, 新增", a=value.get("action", "")),
                                        "unknown-value", item or None, "action"))
            adjustment.key_lines[action] = cell("field")
            adjustments.append(adjustment)
            by_id[item] = adjustment
        target = next((adjustment[a] for a in ("set", "add") if a in adjustment), None)
        if target is not None and "field" in value:
            target[str(value["field"])] = value.get("value")
    return LineDict({"adjustments": adjustments}), problems


def read_ledger(path: Path) -> tuple[Any, list[Problem], list[Notice]]:
    """The raw fact set in a ledger workbook, its problems, and what is worth saying about it."""
    reading = _Reading(path)
    try:
        return reading.read()
    except (CalamineError, OSError, ValueError) as exc:
        return None, [*reading.problems, Problem(str(path), None, _unreadable(path, exc), "workbook")], reading.notices


def _unreadable(path: Path, exc: Exception) -> str:
    if not path.exists():
        return say("没有这个文件", "no such file")
    return say("无法作为 Excel 工作簿(.xlsx)读取:{why};请用 Excel 或 WPS 另存为 .xlsx",
               "cannot be read as an Excel workbook (.xlsx): {why}; save it as .xlsx from Excel or WPS", why=unreadable_reason(exc))


def unreadable_reason(exc: Exception) -> str:
    """Why a file is no workbook, in the reader's words: the library's own messages are English."""
    text = str(exc)
    if "Cannot detect file format" in text:
        return say("不是 Excel 工作簿(无法识别文件格式)", "not an Excel workbook (unknown file format)")
    if "Zip" in text or "zip" in text:
        return say("文件已损坏,或不是 .xlsx 文件", "the file is damaged, or not an .xlsx file")
    if isinstance(exc, PermissionError):
        return say("没有读取权限", "permission denied")
    return say("读取时出错({why})", "{why}", why=text[:200])


@dataclass
class _Sheet:
    name: str
    index: int
    rows: list[list[Any]]
    first_row: int          # the workbook row of rows[0] (1-based)
    first_column: int       # the workbook column of rows[i][0] (1-based)
    hidden: bool
    merged: list[tuple[tuple[int, int], tuple[int, int]]]


class _Reading:
    def __init__(self, path: Path):
        self.path, self.name = path, str(path)
        self.problems: list[Problem] = []
        self.notices: list[Notice] = []

    def read(self) -> tuple[Any, list[Problem], list[Notice]]:
        workbook = CalamineWorkbook.from_path(self.name)
        try:
            sheets = self._sheets(workbook)
        finally:
            workbook.close()
        self.uncalculated = {name: {_position(ref): text for ref, text in cells}
                             for name, cells in uncalculated_formulas(self.path).items()}
        by_name = {normal(s.name): s for s in sheets}
        guide = by_name.get(normal(GUIDE_SHEET))
        year, policy_id = self._year_and_policy(guide)
        layout = self._layout(year, policy_id)
        if layout is None:
            return None, self.problems, self.notices
        units_sheet = by_name.get(normal(UNITS_SHEET))
        data = LineDict(line=None)
        data["year"], data["policy"] = year, policy_id
        data["units"] = self._units(units_sheet, layout) if units_sheet else []
        # Values are read into codes here, cell by cell, so the fact-set check takes its fast path.
        self.vocabulary, self.unit_names = layout.vocabulary, UnitNames.of(data["units"])
        if units_sheet is None:
            self.problems.append(Problem(self.name, None, say("工作簿中没有“{s}”工作表(机构名册:机构编号、机构名称、实际工作人员人数)",
                                                              "the workbook has no '{s}' sheet (the roster of units)", s=UNITS_SHEET),
                                         "missing-sheet"))
        facts: list[Any] = []
        sources_sheet = by_name.get(normal(SOURCES_SHEET))
        review_sheet = by_name.get(normal(REVIEW_SHEET))
        if review_sheet and any(any(c not in ("", None) for c in row) for row in review_sheet.rows[1:]):
            self.notices.append(Notice("review-sheet", say(
                "“{s}”表中有考核工作组的调整;它们不改动报送的记录,评估时用 --review {f} 应用",
                "the '{s}' sheet holds the working group's adjustments; apply them with --review {f}",
                s=REVIEW_SHEET, f=self.path.name), where=f"{self.name}:{REVIEW_SHEET}"))
        for sheet in sheets:
            if sheet in (guide, units_sheet, sources_sheet, review_sheet) or normal(sheet.name) == normal(OPTIONS_SHEET):
                continue
            facts += self._facts(sheet, layout)
        data["facts"] = facts
        if sources_sheet:
            data["sources"] = self._sources(sources_sheet)
        return data, self.problems, self.notices

    def _sources(self, sheet: _Sheet) -> dict[str, str]:
        """编号 -> 来源 of a merged ledger: which submission, sheet and row each record came from."""
        rows = [r for r in sheet.rows[1:] if len(r) >= 3 and r[0] not in ("", None)]
        return {str(number(r[0])): f"{r[1]}:{r[2]}" for r in rows}

    # --- the workbook ---------------------------------------------------------------------
    def _sheets(self, workbook: CalamineWorkbook) -> list[_Sheet]:
        out = []
        for index, meta in enumerate(workbook.sheets_metadata):
            sheet = workbook.get_sheet_by_name(meta.name)
            start = sheet.start or (0, 0)
            rows = sheet.to_python(skip_empty_area=True)
            merged = list(sheet.merged_cell_ranges or [])
            out.append(_Sheet(meta.name, index, rows, start[0] + 1, start[1] + 1,
                              meta.visible != SheetVisibleEnum.Visible, merged))
        return out

    def _year_and_policy(self, guide: _Sheet | None) -> tuple[Any, Any]:
        found: dict[str, Any] = {}
        for row in (guide.rows[:20] if guide else []):
            cells = [c for c in row if c not in ("", None)]
            if len(cells) >= 2 and isinstance(cells[0], str) and normal(cells[0]) in (normal(YEAR_LABEL), normal(POLICY_LABEL)):
                found.setdefault(normal(cells[0]), cells[1])
        year = number(found.get(normal(YEAR_LABEL)))
        if isinstance(year, str) and year.strip().rstrip("年").isdigit():
            year = int(year.strip().rstrip("年"))
        if year is None:
            self.problems.append(Problem(self.name, Cell(GUIDE_SHEET, 1), say(
                "“{g}”工作表中找不到年度:请在 A 列写“{y}”,B 列写年份(如 2024)",
                "no year in the '{g}' sheet: write '{y}' in column A and the year (e.g. 2024) in column B",
                g=GUIDE_SHEET, y=YEAR_LABEL), "year"))
        policy = found.get(normal(POLICY_LABEL))
        return year, (str(policy).strip() if policy not in (None, "") else None)

    def _layout(self, year: Any, policy_id: str | None) -> LedgerLayout | None:
        from evaluator.domain.policy.registry import choose_policy
        try:
            compiled = choose_policy(year if isinstance(year, int) else 0, policy_id)
        except EvaluatorError as exc:
            if isinstance(year, int) or policy_id:
                self.problems.append(Problem(self.name, Cell(GUIDE_SHEET, 1), str(exc), "policy"))
            return None
        return LedgerLayout(compiled.vocabulary)

    # --- sheets ---------------------------------------------------------------------------
    def _header(self, sheet: _Sheet) -> tuple[int, list[str]] | None:
        for offset, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            if any(c not in ("", None) for c in row):
                return offset, [str(c).strip() if c not in ("", None) else "" for c in row]
        return None

    def _columns(self, sheet: _Sheet, headers: list[str], known: tuple[Column, ...], header_row: int,
                 data_rows: list[list[Any]]) -> dict[int, Column]:
        """Which position holds which field; unknown and repeated headers are said."""
        by_header = {normal(c.header): c for c in known} | {c.field: c for c in known}
        columns: dict[int, Column] = {}
        for position, header in enumerate(headers):
            if not header:
                continue
            column = by_header.get(normal(header))
            where = Cell(sheet.name, header_row, sheet.first_column + position, header, sheet.index)
            if column is None:
                if any(position < len(r) and r[position] not in ("", None) for r in data_rows):
                    self.notices.append(Notice("extra-column", say(
                        "“{h}”列不是本表的字段,其内容未读取{hint}(本表的列:{cols})",
                        "column '{h}' is not a field of this sheet and was not read{hint} (columns: {cols})", h=header,
                        hint=did_you_mean(header, [c.header for c in known]), cols=listing(c.header for c in known)),
                        where=f"{self.name}:{where}"))
                continue
            if column in columns.values():
                self.problems.append(Problem(self.name, where, say("“{h}”列出现了两次", "column '{h}' appears twice", h=header),
                                             "duplicate-column"))
                continue
            columns[position] = column
        return columns

    def _units(self, sheet: _Sheet, layout: LedgerLayout) -> list[Any]:
        return [unit for unit, _ in self._records(sheet, layout.units.columns, None)]

    def _facts(self, sheet: _Sheet, layout: LedgerLayout) -> list[Any]:
        header = self._header(sheet)
        if header is None:
            return []      # an empty sheet holds no records, whatever its name
        layout_of = layout.sheet_named(sheet.name)
        if layout_of is None:
            layout_of = layout.sheet_by_headers(header[1])
            if layout_of is None:
                self.problems.append(Problem(self.name, Cell(sheet.name, sheet.first_row + header[0], sheet_index=sheet.index), say(
                    "工作表“{s}”不是台账中的表,也认不出它的表头{hint};请按模板的工作表名填写(可用:{names})",
                    "sheet '{s}' is not a sheet of the ledger and its headers match none{hint} (sheets: {names})",
                    s=sheet.name, hint=did_you_mean(sheet.name, [s.name for s in layout.sheets]),
                    names=listing(s.name for s in layout.sheets)), "unknown-sheet"))
                return []
            self.notices.append(Notice("renamed-sheet", say(
                "工作表“{s}”按其表头识别为“{t}”", "sheet '{s}' was recognised by its headers as '{t}'",
                s=sheet.name, t=layout_of.name), where=f"{self.name}:{sheet.name}"))
        facts = []
        for fact, row in self._records(sheet, layout_of.columns, layout_of.fact_type):
            fact["type"] = layout_of.fact_type
            if "id" not in fact:   # a blank id: one made from the sheet and row, stable while rows stay put
                fact["id"] = f"{sheet.name}-{row}"
            facts.append(fact)
        if sheet.hidden and facts:
            self.notices.append(Notice("hidden-sheet", say(
                "工作表“{s}”是隐藏的,其中 {n} 条记录也已读取", "sheet '{s}' is hidden; its {n} records were read too",
                s=sheet.name, n=len(facts)), where=f"{self.name}:{sheet.name}"))
        return facts

    def _records(self, sheet: _Sheet, known: tuple[Column, ...], fact_type: str | None):
        """(raw record, workbook row) for every non-empty row below the header."""
        header = self._header(sheet)
        if header is None:
            return
        offset, headers = header
        header_row = sheet.first_row + offset
        body = sheet.rows[offset + 1:]
        columns = self._columns(sheet, headers, known, header_row, body)
        self._merged(sheet, header_row)
        cells = {c.field: Cell(sheet.name, 0, sheet.first_column + p, c.header, sheet.index) for p, c in columns.items()}
        cells["type"] = Cell(sheet.name, 0, None, None, sheet.index)
        positions = sorted(columns.items())
        translate = self.vocabulary.value if fact_type else None
        formulas = self.uncalculated.get(sheet.name, {})
        formula_rows = {r for r, _ in formulas}
        self._formulas_below(sheet, formulas, header_row + len(body), columns)
        for index, row in enumerate(body):
            number_of_row = header_row + 1 + index
            if all(c in ("", None) for c in row) and number_of_row not in formula_rows:
                continue   # blank rows (trailing ones above all) are not records
            record = _Row(Cell(sheet.name, number_of_row, sheet_index=sheet.index), cells)
            for position, column in positions:
                value = row[position] if position < len(row) else ""
                if value == "" or value is None:
                    formula = formulas.get((number_of_row, sheet.first_column + position))
                    if formula:
                        self.problems.append(Problem(self.name, record.line_of(column.field), _no_value(formula), "formula-without-value"))
                    continue
                value = self._value(value, record, column.field)
                record[column.field] = translate(fact_type, column.field, value, self.unit_names) if translate else value
            yield record, number_of_row

    def _formulas_below(self, sheet: _Sheet, formulas: dict, last_row: int, columns: dict[int, Column]) -> None:
        """Formulas with no value below the last row calamine saw (it drops such trailing rows)."""
        for (row, column), formula in sorted(formulas.items()):
            if row > last_row:
                known = columns.get(column - sheet.first_column)
                self.problems.append(Problem(self.name, Cell(sheet.name, row, column, known.header if known else None, sheet.index), _no_value(formula), "formula-without-value"))

    def _value(self, value: Any, record: "_Row", field: str) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text in _EXCEL_ERRORS:
                self.problems.append(Problem(self.name, record.line_of(field), say("单元格是错误值 {v}(多半是公式出错);请改为实际的值",
                                                                "the cell holds the error {v} (a formula went wrong)", v=text),
                                             "cell-error"))
            return text
        if isinstance(value, dt.datetime):
            return value.date() if value.time() == dt.time() else value
        if isinstance(value, dt.timedelta):
            return str(value)
        return number(value)

    def _merged(self, sheet: _Sheet, header_row: int) -> None:
        for (top, left), (bottom, right) in sheet.merged:
            if bottom + 1 < header_row:
                continue  # a merged title above the header is fine
            first = Cell(sheet.name, top + 1, left + 1, sheet_index=sheet.index)
            self.problems.append(Problem(self.name, first, say(
                "{a}:{b} 是合并单元格;请取消合并,并在每一行、每一列分别填写",
                "{a}:{b} are merged cells; unmerge them and fill in every row and column",
                a=f"{column_letter(left + 1)}{top + 1}", b=f"{column_letter(right + 1)}{bottom + 1}"), "merged-cells"))
