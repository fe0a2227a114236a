"""The amendment workbook (修订工作簿): policy staff propose an amendment in Excel, not YAML.

`amendment_template` writes, for one version of the method:

- 说明: which version it amends (考核办法, read back by `amendment_from`) and how to fill it in;
- 参数: one row per clause parameter: 条款, 条款标题, 参数, 含义, 单位, 现值, the method's words
  that set it (办法原文), and the empty columns 新值 and 新原文 (the parameter's new words);
- 条文: one row per clause: 条款, 标题, 办法原文, and the empty column 新条文.

`amendment_from` reads a filled workbook (python-calamine, as the ledger reader does) and
returns the delta file (policy/amend.py) that makes every row with a 新值, 新原文 or 新条文
into a change. A cell that cannot be read (a 新值 that is no number, a clause or parameter
the version does not have) is a Problem at its sheet!cell; nothing is written then. The
delta is resolved against its base before it is returned, so what is written loads.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

from evaluator.domain.numbers import plain
from evaluator.domain.policy.amend import HEAD_WORDS, SECTION_WORDS, resolve, section_value_ok
from evaluator.domain.policy.load import CompiledPolicy
from evaluator.domain.vocabulary import number
from evaluator.errors import AmendmentWorkbookError, Cell, EvaluatorError, Notice, PolicyError, Problem, did_you_mean, notice_titles
from evaluator.i18n import listing, say
from evaluator.inputs.yamlio import parse_text
from evaluator.inputs.ledger.read import unreadable_reason
from evaluator.views.reports.xlsx import HEADER_FILL, HEADER_FONT, _header

# The amendment workbook's kinds of notice by name.
NOTICE_TITLES = notice_titles({
    "unchanged": "新值与现值相同",
    "stale-wording": "原文未随新值修改",
})


GUIDE_SHEET, PARAMETERS_SHEET, CLAUSES_SHEET, SECTIONS_SHEET = "说明", "参数", "条文", "部分"
AMENDS_LABEL = HEAD_WORDS["amends"]   # 说明!A3 (考核办法): the id of the version amended is in B3
PARAMETER_HEADERS = ("条款", "条款标题", "参数", "含义", "单位", "现值", "新值", "办法原文", "新原文")
CLAUSE_HEADERS = ("条款", "标题", "办法原文", "新条文")
SECTION_HEADERS = ("部分", "部分标题", "条款", "项目", "现值", "新值")
REQUIRED_COLUMNS = {PARAMETERS_SHEET: ("条款", "参数", "新值"), CLAUSES_SHEET: ("条款", "新条文"),
                    SECTIONS_SHEET: ("部分", "项目", "新值")}   # what a row's change is read from
SECTION_ITEMS = {word: field for field, word in SECTION_WORDS.items()}   # the 项目 column's words -> the field
WIDTHS = {PARAMETERS_SHEET: (10, 22, 20, 36, 8, 8, 10, 50, 50), CLAUSES_SHEET: (10, 24, 80, 80),
          SECTIONS_SHEET: (10, 18, 8, 14, 8, 10)}
NEW_FILL = PatternFill("solid", fgColor="FFF2CC")     # the columns to fill in
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CODE = "amendment-workbook"


# --- the template ----------------------------------------------------------------------------
def parameter_meaning(compiled: CompiledPolicy, clause_id: str, name: str) -> str:
    """What a parameter decides, in the 含义 column: its title (全年请假限额)."""
    return compiled.clauses[clause_id].parameters[name].title


def amendment_template(compiled: CompiledPolicy) -> bytes:
    """The amendment workbook (.xlsx) for `compiled`: 说明, 参数, 条文."""
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    _guide(guide, compiled)
    params = wb.create_sheet(PARAMETERS_SHEET)
    _header(params, 1, PARAMETER_HEADERS)
    row = 1
    for clause in compiled.policy.clauses:
        for name, parameter in clause.parameters.items():
            row += 1
            values = (clause.id, clause.title, name, parameter_meaning(compiled, clause.id, name), parameter.unit,
                      _cell_number(parameter.value), None, parameter.text, None)
            for col, value in enumerate(values, start=1):
                params.cell(row=row, column=col, value=value).alignment = WRAP_TOP
    check = DataValidation(type="decimal", operator="between", formula1="-1000000", formula2="1000000", allow_blank=True,
                           showErrorMessage=True, errorTitle="新值", error="新值应是数字,如 10 或 0.5;不改的参数留空")
    check.add(f"G2:G{max(2, row)}")
    params.add_data_validation(check)
    _finish(params, PARAMETERS_SHEET, new_columns=(7, 9))
    clauses = wb.create_sheet(CLAUSES_SHEET)
    _header(clauses, 1, CLAUSE_HEADERS)
    for row, clause in enumerate(compiled.policy.clauses, start=2):
        for col, value in enumerate((clause.id, clause.title, clause.text, None), start=1):
            clauses.cell(row=row, column=col, value=value).alignment = WRAP_TOP
    _finish(clauses, CLAUSES_SHEET, new_columns=(4,))
    sections = wb.create_sheet(SECTIONS_SHEET)
    _header(sections, 1, SECTION_HEADERS)
    row = 1
    for sid, section in compiled.policy.sections.items():
        for item, key in SECTION_ITEMS.items():
            value = getattr(section, key)
            if value is None:
                continue
            row += 1
            shown = value if isinstance(value, int) else _cell_number(value)
            for col, cell in enumerate((sid, section.title, section.clause, item, shown, None), start=1):
                sections.cell(row=row, column=col, value=cell).alignment = WRAP_TOP
    _finish(sections, SECTIONS_SHEET, new_columns=(6,))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell_number(value: Decimal) -> int | float:
    """A parameter's value as Excel holds a number (read back exactly by `vocabulary.number`)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _guide(ws: Worksheet, compiled: CompiledPolicy) -> None:
    policy = compiled.policy
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = 16, 24, 90
    ws.cell(row=1, column=1, value=f"{policy.title} —— 修订工作簿").font = Font(bold=True, size=14)
    for row, (key, value) in ((3, (AMENDS_LABEL, compiled.id)), (4, (HEAD_WORDS["title"], policy.title))):
        ws.cell(row=row, column=1, value=key).font = HEADER_FONT
        ws.cell(row=row, column=1).fill = HEADER_FILL
        ws.cell(row=row, column=2, value=value)
    steps = [
        f"本工作簿列出 {compiled.id} 的全部参数(“{PARAMETERS_SHEET}”工作表)、全部条款原文(“{CLAUSES_SHEET}”工作表)"
        f"和各部分的满分、最低分、小数位数(“{SECTIONS_SHEET}”工作表)。",
        "要修改某个参数:在该行的“新值”列填写新的数值;如办法原文也随之改变,在“新原文”列写出修改后的原文。不改的行留空。",
        f"要修改条款原文:在“{CLAUSES_SHEET}”工作表该条款的“新条文”列写出修改后的全文。",
        "不要改动工作表名称、表头和“条款”“参数”两列;“现值”“办法原文”仅供对照。",
        f"填好后由政策研究人员运行:evaluator amendment-from 本工作簿.xlsx "
        f"--effective-from {HEAD_WORDS['effective_from']} --output policies/{HEAD_WORDS['id']}.yaml,"
        "生成只写修订之处的修订文件;再用 evaluator diff 查看对上一年度的影响。",
    ]
    ws.cell(row=6, column=1, value="填写方法").font = Font(bold=True, size=12)
    for offset, text in enumerate(steps, start=1):
        cell = ws.cell(row=6 + offset, column=1, value=f"{offset}. {text}")
        cell.alignment = WRAP_TOP
        ws.merge_cells(start_row=6 + offset, start_column=1, end_row=6 + offset, end_column=3)
        ws.row_dimensions[6 + offset].height = 32


def _finish(ws: Worksheet, name: str, new_columns: tuple[int, ...]) -> None:
    ws.freeze_panes = "A2"
    for col, width in enumerate(WIDTHS[name], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for col in new_columns:
        ws.cell(row=1, column=col).fill = NEW_FILL
        for row in range(2, ws.max_row + 1):
            ws.cell(row=row, column=col).fill = NEW_FILL
    ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{max(1, ws.max_row)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"


# --- reading a filled workbook -----------------------------------------------------------------
@dataclass(frozen=True)
class FilledChange:
    change: dict[str, Any]     # in the delta's form: {clause, parameter, value, text} or {clause, text}
    cell: Cell                 # the row it came from
    old: Any = None


class _Sheet:
    def __init__(self, name: str, index: int, rows: list[list[Any]]):
        self.name, self.index, self.rows = name, index, rows

    def cell(self, row: int, column: int | None, header: str | None = None) -> Cell:
        return Cell(self.name, row, column, header, self.index)


def read_amendment(path: Path, base: CompiledPolicy | None = None) -> tuple[str | None, list[FilledChange], list[Problem], list[Notice]]:
    """The version a filled workbook amends (its 说明), the changes its rows ask for, the
    problems (sheet!cell) and notices. `base` checks clause and parameter names (default: the
    version the workbook names, by id through the registry)."""
    name = str(path)
    problems: list[Problem] = []
    notices: list[Notice] = []
    try:
        workbook = CalamineWorkbook.from_path(name)
        try:
            sheets = {meta.name: _Sheet(meta.name, i, workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False))
                      for i, meta in enumerate(workbook.sheets_metadata)}
        finally:
            workbook.close()
    except (CalamineError, OSError, ValueError) as exc:
        why = say("没有这个文件", "no such file") if not path.exists() else unreadable_reason(exc)
        return None, [], [Problem(name, None, say("无法读取修订工作簿:{w}", "cannot read the amendment workbook: {w}", w=why), CODE)], []
    amends = _amends(sheets.get(GUIDE_SHEET), name, problems)
    if base is not None and amends and amends != base.id:
        problems.append(Problem(name, Cell(GUIDE_SHEET, 3, 2, AMENDS_LABEL), say(
            "这是 {a} 的修订工作簿,而所给的考核办法是 {b}", "this workbook amends {a}, but the policy given is {b}", a=amends, b=base.id), CODE))
    if base is None and amends:
        from evaluator.domain.policy.registry import choose_policy
        try:
            base = choose_policy(0, amends)
        except EvaluatorError as exc:
            problems.append(Problem(name, Cell(GUIDE_SHEET, 3, 2, AMENDS_LABEL), str(exc), CODE))
    if base is None:
        return amends, [], problems, notices
    changes: list[FilledChange] = []
    headers = {PARAMETERS_SHEET: PARAMETER_HEADERS, CLAUSES_SHEET: CLAUSE_HEADERS, SECTIONS_SHEET: SECTION_HEADERS}
    for sheet_name, reader in ((PARAMETERS_SHEET, _parameter_rows), (CLAUSES_SHEET, _clause_rows), (SECTIONS_SHEET, _section_rows)):
        sheet = sheets.get(sheet_name)
        if sheet is None:
            if sheet_name == PARAMETERS_SHEET:
                problems.append(Problem(name, None, say("工作簿中没有“{s}”工作表", "the workbook has no '{s}' sheet", s=sheet_name), CODE))
            continue
        columns = _columns(sheet, headers[sheet_name], name, problems)
        if columns is not None:
            changes += reader(sheet, columns, base, name, problems, notices)
    return amends, changes, problems, notices


def _text(value: Any) -> str:
    """A cell as text, as written (the method's full-width punctuation stays); a clause number typed as a number reads as written."""
    if value is None:
        return ""
    return str(number(value) if isinstance(value, float) else value).strip()


def _amends(guide: _Sheet | None, name: str, problems: list[Problem]) -> str | None:
    for row in (guide.rows[:20] if guide else []):
        cells = [c for c in row if c not in ("", None)]
        if len(cells) >= 2 and _text(cells[0]) == AMENDS_LABEL:
            return _text(cells[1])
    problems.append(Problem(name, Cell(GUIDE_SHEET, 3, 1), say("“{s}”工作表中找不到“{l}”一格(所修订的考核办法编号)",
                                                             "the '{s}' sheet has no '{l}' cell (the id of the version amended)",
                                                             s=GUIDE_SHEET, l=AMENDS_LABEL), CODE))
    return None


def _columns(sheet: _Sheet, headers: tuple[str, ...], name: str, problems: list[Problem]) -> dict[str, int] | None:
    found = {_text(h): i for i, h in enumerate(sheet.rows[0] if sheet.rows else []) if _text(h)}
    required = REQUIRED_COLUMNS[sheet.name]
    missing = [h for h in required if h not in found]
    for h in missing:
        problems.append(Problem(name, sheet.cell(1, None), say("表头中没有“{h}”列(表头:{a})", "the header has no '{h}' column (headers: {a})",
                                                              h=h, a="、".join(headers)), CODE))
    return None if missing else found


def _at(row: list[Any], column: int | None) -> Any:
    return row[column] if column is not None and column < len(row) else None


def _parameter_rows(sheet, columns, base, name, problems, notices) -> list[FilledChange]:
    out = []
    for r, row in enumerate(sheet.rows[1:], start=2):
        new, new_text = _at(row, columns["新值"]), _text(_at(row, columns.get("新原文")))
        if _text(new) == "" and not new_text:
            continue
        clause_id, param = _text(_at(row, columns["条款"])), _text(_at(row, columns["参数"]))
        clause = base.clauses.get(clause_id)
        if clause is None:
            problems.append(_no_clause(name, sheet.cell(r, columns["条款"] + 1, "条款"), base, clause_id))
            continue
        if param not in clause.parameters:
            problems.append(Problem(name, sheet.cell(r, columns["参数"] + 1, "参数"), say(
                "条款 {c} 没有参数“{n}”{d}", "clause {c} has no parameter '{n}'{d}", c=clause_id, n=param,
                d=did_you_mean(param, clause.parameters)), CODE))
            continue
        current = clause.parameters[param]
        change: dict[str, Any] = {"clause": clause_id, "parameter": param}
        where = sheet.cell(r, columns["新值"] + 1, "新值")
        if _text(new) != "":
            value = _number(new)
            if value is None:
                problems.append(Problem(name, where, say("“{v}”不是数字;新值应写数字,如 10 或 0.5", "'{v}' is not a number, like 10 or 0.5",
                                                         v=_text(new)), CODE))
                continue
            if value == current.value and not new_text:
                notices.append(Notice("unchanged", say("条款 {c}“{t}”({n})的新值与现值相同({v}),未列入修订",
                                                       "clause {c} parameter {n}: the new value is the current one ({v}); left out",
                                                       c=clause_id, t=current.title, n=param, v=plain(value)), where=f"{name}:{where}"))
                continue
            if value != current.value:
                change["value"] = value
                old_number = plain(current.value).replace("−", "-").lstrip("-")
                if not new_text and old_number in current.text:
                    notices.append(Notice("stale-wording", say(
                        "条款 {c}“{pt}”({n})改为 {v},但其原文仍写“{t}”;如原文也要改,请填“新原文”",
                        "clause {c} parameter {n} becomes {v}, but its words still say '{t}'; fill 新原文 if they change too",
                        c=clause_id, pt=current.title, n=param, v=plain(value), t=current.text), where=f"{name}:{where}"))
        if new_text and new_text != current.text:
            change["text"] = new_text
        if len(change) > 2:
            out.append(FilledChange(change, sheet.cell(r, None), current.value))
    return out


def _clause_rows(sheet, columns, base, name, problems, notices) -> list[FilledChange]:
    out = []
    for r, row in enumerate(sheet.rows[1:], start=2):
        new_text = _text(_at(row, columns["新条文"]))
        if not new_text:
            continue
        clause_id = _text(_at(row, columns["条款"]))
        clause = base.clauses.get(clause_id)
        if clause is None:
            problems.append(_no_clause(name, sheet.cell(r, columns["条款"] + 1, "条款"), base, clause_id))
            continue
        if new_text != clause.text:
            out.append(FilledChange({"clause": clause_id, "text": new_text}, sheet.cell(r, None), clause.text))
    return out


def _section_rows(sheet, columns, base, name, problems, notices) -> list[FilledChange]:
    """{section: annual, full_marks: 50} for each row of 部分 with a 新值."""
    out = []
    sections = base.policy.sections
    for r, row in enumerate(sheet.rows[1:], start=2):
        new = _at(row, columns["新值"])
        if _text(new) == "":
            continue
        sid, item = _text(_at(row, columns["部分"])), _text(_at(row, columns["项目"]))
        if sid not in sections:
            problems.append(Problem(name, sheet.cell(r, columns["部分"] + 1, "部分"), say(
                "考核办法中没有部分“{s}”{d}", "the policy has no section '{s}'{d}", s=sid, d=did_you_mean(sid, sections)), CODE))
            continue
        key = SECTION_ITEMS.get(item)
        if key is None:
            problems.append(Problem(name, sheet.cell(r, columns["项目"] + 1, "项目"), say(
                "项目应是{a}之一,而不是“{i}”", "the item is one of {a}, not '{i}'", a=listing(SECTION_ITEMS), i=item), CODE))
            continue
        value = _number(new)
        if value is None or not section_value_ok(key, value):
            problems.append(Problem(name, sheet.cell(r, columns["新值"] + 1, "新值"), say(
                "“{v}”不是{k}", "'{v}' is not {k_en}", v=_text(new), k="不小于 0 的整数" if key == "round_places" else "数字",
                k_en="a whole number of at least 0" if key == "round_places" else "a number"), CODE))
            continue
        old = getattr(sections[sid], key)
        if value != old:
            out.append(FilledChange({"section": sid, key: value}, sheet.cell(r, None), old))
    return out


def _number(value: Any) -> int | Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return number(value) if isinstance(value, float) else value
    text = _text(value).replace("−", "-").replace(",", "")
    try:
        exact = Decimal(text)
    except InvalidOperation:
        return None
    if not exact.is_finite():
        return None
    return int(exact) if exact == exact.to_integral_value() and "." not in text else exact


# --- writing the delta ---------------------------------------------------------------------------
def _yaml(value: Any) -> str:
    """A scalar as YAML reads it back exactly: numbers plain, text as a JSON (double-quoted) string."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return format(Decimal(value).normalize(), "f") if value else "0"
    return json.dumps(str(value), ensure_ascii=False)


def delta_text(delta_id: str, base: CompiledPolicy, effective_from: int, changes: list[FilledChange],
               title: str | None = None, source: str = "") -> str:
    """The delta file (policy/amend.py) for `changes`: a Chinese header, the head, one change per row."""
    lines = [f"# {title or base.policy.title}(修订 {delta_id})",
             f"# 由修订工作簿{f' {source} ' if source else ''}生成({dt.date.today().isoformat()}):只写修订之处,其余沿用 {base.id}。",
             "# 草案(status: draft)只在点名或 --policy 时使用;通过后改为 status: in_force,自 effective_from 年度起施行。",
             f"id: {_yaml(delta_id)}",
             f"title: {_yaml(title or f'{base.policy.title}({delta_id})')}",
             f"amends: {_yaml(base.id)}",
             "status: draft",
             f"effective_from: {effective_from}",
             "",
             "changes:"]
    for filled in changes:
        change = filled.change
        if "section" in change:
            section = base.policy.sections[change["section"]]
            key = next(k for k in change if k != "section")
            lines.append(f"  # {section.clause} {section.title}:{SECTION_WORDS[key]} {plain(filled.old)} → {plain(change[key])}")
            lines.append(f"  - section: {_yaml(change['section'])}")
            lines.append(f"    {key}: {_yaml(change[key])}")
            continue
        clause = base.clauses[change["clause"]]
        if "parameter" in change:
            parameter = clause.parameters[change["parameter"]]
            was = f"{plain(parameter.value)} → {plain(change['value'])}" if "value" in change else "原文修改"
            lines.append(f"  # {clause.id} {clause.title}:{parameter.title}({change['parameter']}):{was}")
        else:
            lines.append(f"  # {clause.id} {clause.title}:条款原文修改")
        keys = list(change)
        lines.append(f"  - {keys[0]}: {_yaml(change[keys[0]])}")
        lines += [f"    {k}: {_yaml(change[k])}" for k in keys[1:]]
    return "\n".join(lines) + "\n"


def amendment_from(workbook: Path, delta_id: str, output: Path, effective_from: int | None = None,
                   title: str | None = None, base: CompiledPolicy | None = None) -> tuple[str, list[FilledChange], list[Notice]]:
    """The delta text a filled workbook asks for, checked by resolving it as if it stood at
    `output`; raises AmendmentWorkbookError (a PolicyError) with every bad cell."""
    amends, changes, problems, notices = read_amendment(workbook, base)
    if not problems and not changes:
        problems.append(Problem(str(workbook), None, say("工作簿中没有填写任何新值、新原文或新条文", "the workbook has no 新值, 新原文 or 新条文 filled in"), CODE))
    if problems:
        raise AmendmentWorkbookError(problems)
    if base is None:
        from evaluator.domain.policy.registry import choose_policy
        base = choose_policy(0, amends)
    year = effective_from or dt.date.today().year + 1
    text = delta_text(delta_id, base, year, changes, title, workbook.name)
    document, parse_problems = parse_text(text, output)
    if parse_problems:  # pragma: no cover - the text is written to be read back
        raise PolicyError(parse_problems)
    resolve(document, output, hashlib.sha256(text.encode()).hexdigest())
    return text, changes, notices


def _no_clause(name: str, cell: Cell, base: CompiledPolicy, clause_id: str) -> Problem:
    return Problem(name, cell, say("{p}中没有条款“{c}”{d}", "{p} has no clause '{c}'{d}", p=base.named, c=clause_id,
                                   d=did_you_mean(clause_id, base.clauses)), CODE)
