"""The empty ledger workbook (台账模板), generated from the policy.

Sheets, in order: 说明 (how to fill it in, the year and the policy, and which clause each
sheet feeds, in the method's own words), 机构 (the roster), one sheet per fact type as
`LedgerLayout` names it, and a hidden 选项 sheet holding the drop-down lists. Every header
carries a comment saying what the column means and what it accepts; every column carries
a data validation that says so again, in Chinese, when a wrong value is typed.

`template_workbook` builds the workbook; `write_ledger` (write.py) fills that same
workbook, so a template and a converted fact set look alike.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Mapping

from annotated_types import Ge, Gt, Le, Lt
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from evaluator.domain.facts import FACT_TYPES, MAX_DAYS, Days, Unit
from evaluator.inputs.ledger.layout import (GUIDE_SHEET, POLICY_LABEL, REVIEW_HEADERS, REVIEW_ACTIONS, REVIEW_SHEET, UNITS_SHEET, YEAR_LABEL, Column, LedgerLayout, SheetLayout,
                                            UnitsLayout)
from evaluator.views.reports.xlsx import HEADER_FILL, HEADER_FONT, MAX_WIDTH, _header, _width

CHOICES_SHEET = "选项"          # hidden: one column per drop-down list
DATA_ROWS = 5000               # rows 2..DATA_ROWS of a fact sheet carry the validations
ROSTER_ROWS = 500              # rows 2..ROSTER_ROWS of 机构 are the drop-down of unit names
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
REQUIRED_FILL = PatternFill("solid", fgColor="8EA9DB")   # a required column: a darker header than HEADER_FILL
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
AUTHOR = "考核台账"
LIST_SEPARATOR = "、"
# Excel's limits on a data validation's texts (characters).
_PROMPT_TITLE, _PROMPT, _ERROR_TITLE, _ERROR = 32, 255, 32, 225

# What a column means, as a person filling in the ledger needs to know it. The column's name
# itself is the policy's label (layout); these only explain it.
MEANINGS: dict[str, str] = {
    "id": "本条记录的编号,整个台账内不得重复",
    "unit": "记分的机构:组织承办、联络、起草、负责或编发本事项的机构;个人事项填其当时所在的机构",
    "date": "事项发生的日期",
    "note": "补充说明,不参与计分",
    "count": "本行代表的同类事项数量(如来信 340 件写 340)",
    "person": "工作人员姓名",
    "person_id": "工作人员编号(工号),用于区分同名或姓名写法不一的人员",
    "reference": "通报或处理决定的文号",
    "title": "事项名称",
    "completed": "该项目标是否完成",
    "regulation": "法规名称",
    "major_revision": "二审是否作了重大修改(仅二审填写)",
    "satisfaction_vote": "是否进行满意度测评",
    "special_inquiry": "是否开展专题询问",
    "missing_steps": "未完成的工作环节,没有缺项则留空",
    "coordinators": "协办、配合或协助的其他机构",
    "session": "会议名称或届次",
    "errors": "出现失误的次数",
    "participants": "参加人数",
    "report_written": "是否形成调研报告",
    "group": "领导组名称",
    "person_times": "服务人次",
    "reviewed_by": "审查该文件的机构",
    "corrected": "是否予以纠正或撤销(填“是”时须填审查机构)",
    "resolved": "是否督促解决(填“是”表示本行的全部数量均已解决)",
    "activity": "主任会议成员参加、未在一个工作日内编发信息的活动",
    "issue": "刊物期次",
    "characters": "文稿字数",
    "points": "主任会议研究决定的分值",
    "decision": "主任会议研究决定的文号",
}
UNIT_MEANINGS: dict[str, str] = {
    "id": "机构的固定编号,各年度保持不变,如 office",
    "name": "机构全称,如 办公厅;各工作表的机构列从这里选择",
    "staff": "本机构实际工作人员人数,日常工作指标得分按此平均",
}


# --- what a number column accepts ---------------------------------------------------------
@dataclass(frozen=True)
class NumberLimits:
    whole: bool
    low: Decimal | None = None
    low_open: bool = False          # low itself is not allowed (> low)
    high: Decimal | None = None
    high_open: bool = False
    halves: bool = False            # 0.5, 1, 1.5, ...

    def words(self) -> str:
        """`不小于 1 的整数`, `大于 0、不超过 366 的数,以半天为单位(如 0.5、1、1.5)`."""
        bounds = []
        if self.low is not None:
            bounds.append(f"{'大于' if self.low_open else '不小于'} {_plain(self.low)}")
        if self.high is not None and self.high < 1_000_000:   # the far bound only keeps sums exact
            bounds.append(f"{'小于' if self.high_open else '不超过'} {_plain(self.high)}")
        text = "、".join(bounds) + (" 的整数" if self.whole else " 的数") if bounds else ("整数" if self.whole else "数")
        return text + (",以半天为单位(如 0.5、1、1.5)" if self.halves else "")


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def number_limits(model: type, name: str) -> NumberLimits:
    """The limits a number field of a pydantic model states (ge/gt/le/lt, whole, in halves)."""
    info = model.model_fields[name]
    annotation, metadata = info.annotation, list(info.metadata)
    if typing.get_origin(annotation) is typing.Union:       # Optional[...]
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        metadata += list(annotation.__metadata__)
        annotation = typing.get_args(annotation)[0]
    if all(m in metadata for m in Days.__metadata__):
        return NumberLimits(whole=False, low=Decimal(0), low_open=True, high=Decimal(MAX_DAYS), halves=True)
    limits: dict[str, Any] = {"whole": annotation is int}
    for m in metadata:
        if isinstance(m, Ge):
            limits.update(low=Decimal(m.ge), low_open=False)
        elif isinstance(m, Gt):
            limits.update(low=Decimal(m.gt), low_open=True)
        elif isinstance(m, Le):
            limits.update(high=Decimal(m.le), high_open=False)
        elif isinstance(m, Lt):
            limits.update(high=Decimal(m.lt), high_open=True)
    return NumberLimits(**limits)


def _default(model: type, name: str) -> Any:
    info = model.model_fields.get(name)
    return None if info is None or info.is_required() else info.default


# --- which clause each sheet feeds ----------------------------------------------------------
def clauses_fed(compiled) -> dict[str, list]:
    """Fact type -> the clauses whose rules read it (directly, through a join, or through a
    derived fact such as each person's counted leave), in the policy's order."""
    derived = {d.type: d.source for d in compiled.policy.derivations}

    def source(fact_type: str) -> str:
        seen = set()
        while fact_type in derived and fact_type not in seen:
            seen.add(fact_type)
            fact_type = derived[fact_type]
        return fact_type

    fed: dict[str, list] = {t: [] for t in FACT_TYPES}
    for clause in compiled.policy.clauses:
        for rule in clause.rules:
            for fact_type in (rule.fact, *(j.fact for j in rule.joins.values())):
                found = fed.setdefault(source(fact_type), [])
                if clause not in found:
                    found.append(clause)
    return fed


# --- the workbook ---------------------------------------------------------------------------
def write_template(compiled_policy, year: int | None, units: list[dict] | None = None) -> bytes:
    """An empty ledger workbook (.xlsx) for `year` under `compiled_policy`; `units` fill the roster."""
    return workbook_bytes(template_workbook(compiled_policy, year, units))


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_workbook(compiled_policy, year: int | None, units: Iterable[Any] | None = None,
                      policy_id: str | None = None, rows: Mapping[str, int] | None = None) -> Workbook:
    """The ledger workbook, empty but for the roster: 说明, 机构, the fact sheets, hidden 选项.

    `policy_id` is written in 说明 (default: the compiled policy's id); `rows` (fact type ->
    number of records) makes room for that many records in the validations."""
    vocabulary = compiled_policy.vocabulary
    layout = LedgerLayout(vocabulary)
    roster = [_unit_dict(u) for u in (units or [])]
    roster_rows = max(ROSTER_ROWS, len(roster) + 1 + 100)
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    _guide(guide, compiled_policy, layout, year, policy_id or compiled_policy.id)
    roster_sheet = wb.create_sheet(layout.units.name)
    choices = wb.create_sheet(CHOICES_SHEET)   # filled as the fact sheets need lists; moved last below
    lists = _Choices(choices)
    names_range = _roster(roster_sheet, layout.units, roster, roster_rows)
    for sheet in layout.sheets:
        ws = wb.create_sheet(sheet.name)
        last = max(DATA_ROWS, (rows or {}).get(sheet.fact_type, 0) + 1 + 1000)
        _fact_sheet(ws, sheet, vocabulary, year, lists, names_range, last)
    _review_sheet(wb.create_sheet(REVIEW_SHEET), lists, DATA_ROWS)
    wb.move_sheet(choices, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(CHOICES_SHEET))
    choices.sheet_state = "hidden"
    lists.finish()
    return wb


def _unit_dict(unit: Any) -> dict:
    if isinstance(unit, Mapping):
        return dict(unit)
    dump = getattr(unit, "model_dump", None)
    return dump() if dump else dict(vars(unit))


class _Choices:
    """The hidden sheet of drop-down lists: one column per list, the list's name in row 1."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.columns: dict[tuple[str, tuple[str, ...]], str] = {}

    def range_of(self, name: str, values: tuple[str, ...]) -> str:
        key = (name, values)
        if key not in self.columns:
            col = len(self.columns) + 1
            self.ws.cell(row=1, column=col, value=name).font = HEADER_FONT
            for row, value in enumerate(values, start=2):
                self.ws.cell(row=row, column=col, value=value)
            letter = get_column_letter(col)
            self.columns[key] = f"{quote_sheetname(self.ws.title)}!${letter}$2:${letter}${len(values) + 1}"
        return self.columns[key]

    def finish(self) -> None:
        for col in range(1, len(self.columns) + 1):
            width = max(_width(c.value) for (c,) in self.ws.iter_rows(min_col=col, max_col=col))
            self.ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, width + 2)


def _guide(ws: Worksheet, compiled, layout: LedgerLayout, year: int | None, policy_id: str) -> None:
    policy, v = compiled.policy, layout.vocabulary
    label = v.labels.fields.get
    widths = {"A": 24, "B": 26, "C": 30, "D": 90}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    total = sum(widths.values())
    title = ws.cell(row=1, column=1, value=f"{policy.title} —— {year or '____'} 年度考核台账")
    title.font = TITLE_FONT
    ws.merge_cells("A1:D1")
    ws.row_dimensions[1].height = 24
    for row, (key, value) in ((2, (YEAR_LABEL, year)), (3, (POLICY_LABEL, policy_id))):
        ws.cell(row=row, column=1, value=key).font = HEADER_FONT
        ws.cell(row=row, column=1).fill = HEADER_FILL
        ws.cell(row=row, column=2, value=value).alignment = Alignment(horizontal="left")
    ws.cell(row=3, column=3, value=policy.title)     # not wrapped: it runs on into column D
    ws["B2"].comment = _comment(f"{YEAR_LABEL}:考核年度,四位数字,如 2024。请勿移动本格。")
    ws["B3"].comment = _comment(f"{POLICY_LABEL}:本台账适用的考核办法编号,请勿改动或移动本格。")
    year_check = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                                showErrorMessage=True, errorTitle="年度", error="年度应是四位数字,如 2024")
    year_check.add("B2")
    ws.add_data_validation(year_check)

    units = layout.units.columns
    unit_name = next(c.header for c in units if c.field == "name")
    fact_sheets = "、".join(f"“{s.name}”" for s in layout.sheets[:2])
    steps = [
        f"每条记录填一行,填在对应事项的工作表中(如{fact_sheets}等);没有记录的工作表保留表头即可。"
        "不要改动工作表名称、表头文字和本页“年度”“考核办法”两格的位置。",
        "表头为深色底的列必须填写,浅色底的列可以留空。把鼠标移到表头上,可以看到该列的含义和填写要求。",
        f"先在“{layout.units.name}”工作表填好本年度的机构名册({'、'.join(c.header for c in units)});"
        f"{units[0].header}只能用小写字母、数字、- 和 _。",
        f"{label('unit', 'unit')}、{label('reviewed_by', 'reviewed_by')}等列:从下拉列表中选择“{layout.units.name}”"
        f"工作表中的{unit_name},不要自行改写。",
        f"{label('id', 'id')}:整个台账内不得重复;留空时,按工作表和行号自动生成。",
        f"{label('date', 'date')}:写作 2024-03-04 或 2024/3/4(也可写 2024年3月4日,或直接输入 Excel 日期)"
        + (f",须在 {year} 年内。" if year else ",须在考核年度内。"),
        f"“是/否”列:从下拉列表中选择“{v.yes[0]}”或“{v.no[0]}”。类别、阶段、级别等列:从下拉列表中选择。",
        f"可填多项的列({label('coordinators', 'coordinators')}、{label('missing_steps', 'missing_steps')}):"
        f"多项之间用顿号“{LIST_SEPARATOR}”分隔,如 办公厅{LIST_SEPARATOR}研究室。",
        f"{label('count', 'count')}:一行可代表多项同类事项(如来信 340 件写 340),留空按 1 计。"
        f"{label('days', 'days')}以半天为单位(0.5、1、1.5……)。",
        "下表列出每张工作表所计的考核条款及办法原文,供填写时对照。",
    ]
    row = 5
    ws.cell(row=row, column=1, value="填写方法").font = SECTION_FONT
    for number, text in enumerate(steps, start=1):
        row += 1
        cell = ws.cell(row=row, column=1, value=f"{number}. {text}")
        cell.alignment = WRAP_TOP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        ws.row_dimensions[row].height = _height(cell.value, total)

    row += 2
    ws.cell(row=row, column=1, value="各工作表与考核条款").font = SECTION_FONT
    row += 1
    _header(ws, row, ["工作表", "事实类型", "所计条款", "条款原文"])
    ws.print_title_rows = f"{row}:{row}"
    fed = clauses_fed(compiled)
    for sheet in layout.sheets:
        row += 1
        clauses = fed.get(sheet.fact_type, [])
        cells = [sheet.name, v.type_label(sheet.fact_type),
                 "\n".join(f"{c.id} {c.title}" for c in clauses) or "(本办法未据此计分)",
                 "\n".join(f"{c.id} {c.title}:{c.text}" for c in clauses)]
        for col, value in enumerate(cells, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.alignment = WRAP_TOP
        link = ws.cell(row=row, column=1)
        link.hyperlink = f"#{quote_sheetname(sheet.name)}!A1"
        link.style = "Hyperlink"
        link.alignment = WRAP_TOP
        ws.row_dimensions[row].height = max(_height(value, widths[letter]) for letter, value in zip("ABCD", cells))
    _print_setup(ws)


def _height(text: Any, width: float, line: float = 15.0) -> float:
    """Row height (points) for wrapped text in a column `width` characters wide."""
    usable = max(1.0, width * 1.15 - 1)          # a column of width w holds about 1.15 w half-width characters
    lines = sum(max(1, math.ceil(_width(part) / usable)) for part in str(text or "").split("\n"))
    return lines * line + 3


def _roster(ws: Worksheet, units: UnitsLayout, roster: list[dict], last: int) -> str:
    """The 机构 sheet; returns the range of unit names the drop-downs offer."""
    _header(ws, 1, [c.header for c in units.columns])
    for col, column in enumerate(units.columns, start=1):
        ws.cell(row=1, column=col).fill = REQUIRED_FILL
        letter = get_column_letter(col)
        cells = f"{letter}2:{letter}{last}"
        if column.field == "staff":
            limits = number_limits(Unit, "staff")
            words = limits.words()
            _validate(ws, cells, _number_validation(limits, f"{letter}2"), column.header, f"{column.header}应是{words}")
        else:
            ws.column_dimensions[letter].number_format = TEXT_FORMAT
            unique = f"COUNTIF(${letter}$2:${letter}${last},{letter}2)=1"
            if column.field == "id":
                words = "只能用小写字母、数字、- 和 _,不得重复"
            else:
                words = "不得重复"
            _validate(ws, cells, DataValidation(type="custom", formula1=unique), column.header, f"{column.header}{words}")
        meaning = UNIT_MEANINGS.get(column.field, column.header)
        ws.cell(row=1, column=col).comment = _comment(f"{column.header}(必填)\n{meaning}。\n{words}。")
    for row, unit in enumerate(roster, start=2):
        for col, column in enumerate(units.columns, start=1):
            ws.cell(row=row, column=col, value=unit.get(column.field))
    _finish_sheet(ws, len(units.columns), [max(_width(c.header) + 4, 12) for c in units.columns])
    name_col = get_column_letter(next(i for i, c in enumerate(units.columns, start=1) if c.field == "name"))
    return f"{quote_sheetname(ws.title)}!${name_col}$2:${name_col}${last}"


def _fact_sheet(ws: Worksheet, sheet: SheetLayout, vocabulary, year: int | None, lists: _Choices,
                names_range: str, last: int) -> None:
    _header(ws, 1, [c.header for c in sheet.columns])
    model = FACT_TYPES[sheet.fact_type]
    widths = []
    for col, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(col)
        header = ws.cell(row=1, column=col)
        if column.required:
            header.fill = REQUIRED_FILL
        words = vocabulary.types[sheet.fact_type].fields[column.field]
        limits, width = _column_rule(ws, sheet, column, words, vocabulary, model, year, lists, names_range,
                                     f"{letter}2:{letter}{last}", f"{letter}2")
        need = "必填" if column.required else ("选填,留空自动生成" if column.field == "id" else "选填")
        default = _default(model, column.field)
        if default not in (None, [], "") and not column.required:
            shown = vocabulary.written(sheet.fact_type, column.field, default, {})
            need += f",留空按“{shown}”"
        meaning = MEANINGS.get(column.field) or f"{vocabulary.type_label(sheet.fact_type)}的{column.header}"
        header.comment = _comment(f"{column.header}({need})\n{meaning}。\n{limits}")
        widths.append(max(_width(column.header) + 4, width))
    _finish_sheet(ws, len(sheet.columns), widths)


def _review_sheet(ws: Worksheet, lists: _Choices, last: int) -> None:
    """审查调整: the working group's corrections, kept apart from the units' records (review.py)."""
    headers = list(REVIEW_HEADERS.values())
    _header(ws, 1, headers)
    notes = {"编号": "必填。同一项调整的几行用同一编号(如修改两个字段,或新增一条记录的各字段)。",
             "操作": "必填:修改、删除或新增。",
             "事实编号": "修改、删除时必填:被调整记录的编号;新增时为新记录的编号(可留空,用调整编号)。",
             "字段": "修改、新增时必填:字段名,与各表表头相同(如 类别、天数);新增时须有一行“类型”。",
             "新值": "修改、新增时必填:字段的新值,写法与各表相同(如 特殊情况、是、2024/3/4)。",
             "原因": "必填:调整的理由。", "决定文号": "必填:作出调整决定的文件,如 考核工作组会议纪要〔2024〕3号。"}
    for col, header in enumerate(headers, start=1):
        ws.cell(row=1, column=col).comment = _comment(f"{header}\n{notes[header]}")
    actions = tuple(REVIEW_ACTIONS)
    _validate(ws, f"B2:B{last}", DataValidation(type="list", formula1=lists.range_of("操作", actions)),
              "操作", "请选择:" + "、".join(actions))
    _finish_sheet(ws, len(headers), [12, 8, 12, 12, 24, 40, 30])


def _column_rule(ws, sheet, column: Column, words, vocabulary, model, year, lists: _Choices, names_range: str,
                 cells: str, first: str) -> tuple[str, int]:
    """Adds the validation of one column; returns what its comment says it accepts, and the width it needs."""
    kind, header, letter = column.spec.kind, column.header, first.rstrip("0123456789")
    if kind == "enum":
        choices = words.choices
        source = lists.range_of(f"{sheet.name}·{header}", choices)
        _validate(ws, cells, DataValidation(type="list", formula1=source), header,
                  f"请从下拉列表中选择{header}:" + " / ".join(choices))
        return "从下拉列表选择:\n" + "\n".join(f"· {c}" for c in choices), max(map(_width, choices)) + 4
    if kind == "bool":
        yes_no = (vocabulary.yes[0], vocabulary.no[0])
        source = lists.range_of("是否", yes_no)
        _validate(ws, cells, DataValidation(type="list", formula1=source), header,
                  f"{header}请填“{yes_no[0]}”或“{yes_no[1]}”")
        return f"填“{yes_no[0]}”或“{yes_no[1]}”(从下拉列表选择)。", 8
    if kind == "unit":
        _validate(ws, cells, DataValidation(type="list", formula1=names_range), header,
                  f"请从下拉列表中选择“{UNITS_SHEET}”工作表中的机构名称;新的机构请先加入“{UNITS_SHEET}”工作表")
        return f"从下拉列表选择“{UNITS_SHEET}”工作表中的机构名称。", 16
    if kind == "list":
        if words.spec.item == "unit":
            says = f"可填多个机构,名称取自“{UNITS_SHEET}”工作表,以“{LIST_SEPARATOR}”分隔,如 办公厅{LIST_SEPARATOR}研究室。"
        else:
            says = (f"可填多项,以“{LIST_SEPARATOR}”分隔;可选:\n" + "\n".join(f"· {c}" for c in words.choices))
        _validate(ws, cells, DataValidation(), header, "", prompt=says.replace(":\n· ", ":").replace("\n· ", LIST_SEPARATOR))
        ws.column_dimensions[letter].number_format = TEXT_FORMAT
        return says, 24
    if kind == "number":
        limits = number_limits(model, column.field)
        _validate(ws, cells, _number_validation(limits, first), header, f"{header}应是{limits.words()}")
        return f"填{limits.words()}。", 8
    if kind == "date":
        low, high = (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else (dt.date(1900, 1, 1), dt.date(9999, 12, 31))
        check = DataValidation(type="date", operator="between", formula1=str(int(to_excel(low))),
                               formula2=str(int(to_excel(high))))
        within = f",须在 {year} 年内" if year else ""
        _validate(ws, cells, check, header,
                  f"{header}应是{f' {year} 年内的' if year else ''}日期,如 {year or 2024}-03-04 或 {year or 2024}/3/4")
        ws.column_dimensions[letter].number_format = DATE_FORMAT
        return f"日期,如 {(year or 2024)}-03-04、{(year or 2024)}/3/4 或 Excel 日期{within}。", 12
    # text
    ws.column_dimensions[letter].number_format = TEXT_FORMAT
    if column.field == "id":
        return "文字,全台账唯一;留空则按工作表和行号自动生成。", 10
    return "文字。", 24 if column.field in ("title", "note", "regulation", "activity") else 12


def _number_validation(limits: NumberLimits, first: str) -> DataValidation:
    """Excel's whole/decimal validation where it can say the limits, else a formula."""
    if limits.halves or limits.low_open and not limits.whole or limits.high_open and not limits.whole:
        tests = [f"ISNUMBER({first})"]
        if limits.low is not None:
            tests.append(f"{first}{'>' if limits.low_open else '>='}{_plain(limits.low)}")
        if limits.high is not None:
            tests.append(f"{first}{'<' if limits.high_open else '<='}{_plain(limits.high)}")
        if limits.halves:
            tests.append(f"MOD({first}*2,1)=0")
        return DataValidation(type="custom", formula1=f"AND({','.join(tests)})")
    low, high = limits.low, limits.high
    if limits.whole:   # whole numbers: > 0 is >= 1
        low = None if low is None else (low + 1 if limits.low_open else low)
        high = None if high is None else (high - 1 if limits.high_open else high)
    kind = "whole" if limits.whole else "decimal"
    if low is not None and high is not None:
        return DataValidation(type=kind, operator="between", formula1=_plain(low), formula2=_plain(high))
    if low is not None:
        return DataValidation(type=kind, operator="greaterThanOrEqual", formula1=_plain(low))
    if high is not None:
        return DataValidation(type=kind, operator="lessThanOrEqual", formula1=_plain(high))
    return DataValidation(type=kind, operator="between", formula1="-1E+15", formula2="1E+15")


def _validate(ws: Worksheet, cells: str, check: DataValidation, title: str, error: str, prompt: str = "") -> None:
    check.allow_blank = True
    check.showErrorMessage = bool(error)
    check.errorStyle = "stop"
    check.errorTitle = title[:_ERROR_TITLE]
    check.error = error[:_ERROR]
    if prompt:
        check.showInputMessage = True
        check.promptTitle = title[:_PROMPT_TITLE]
        check.prompt = prompt[:_PROMPT]
    check.add(cells)
    ws.add_data_validation(check)


def _comment(text: str) -> Comment:
    lines = sum(max(1, math.ceil(_width(part) / 36)) for part in text.split("\n"))
    return Comment(text, AUTHOR, height=min(400, 22 + 17 * lines), width=260)


def _finish_sheet(ws: Worksheet, columns: int, widths: list[int]) -> None:
    """Header frozen and filtered, widths, print setup; `fit_widths` widens for data."""
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(1, ws.max_row)}"
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, width)
    ws.print_title_rows = "1:1"
    _print_setup(ws)


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def fit_widths(ws: Worksheet, limit: int = 40) -> None:
    """Widen the columns of a filled sheet to its values (never narrower than the template's),
    and filter over the rows written."""
    for col in range(1, ws.max_column + 1):
        letter = get_column_letter(col)
        width = max((_width(c.value) for (c,) in ws.iter_rows(min_row=2, min_col=col, max_col=col)
                     if not isinstance(c.value, (dt.date, dt.datetime))), default=0)
        current = ws.column_dimensions[letter].width or 8
        ws.column_dimensions[letter].width = max(current, min(limit, width + 2))
    ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{max(1, ws.max_row)}"
