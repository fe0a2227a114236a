"""Which sheet and column of a ledger workbook holds what.

Every sheet and header is the policy's own Chinese label, so the workbook speaks the
method's words and a label renamed in the policy renames the column. One sheet per fact
type, one row per record; a 机构 sheet is the roster; a 说明 sheet tells how to fill it
in and carries the year and the policy.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from evaluator.domain.facts import FACT_TYPES, FieldSpec, fields_of
from evaluator.domain.vocabulary import REVIEW_KEYS, Vocabulary, normal

GUIDE_SHEET = "说明"
UNITS_SHEET = "机构"
# The working group's review (审查调整): one row per change; rows sharing 编号 are one adjustment
# (a 修改 of several fields, or a 新增 with its fields, 类型 among them). Read by review.py.
REVIEW_SHEET = "审查调整"
REVIEW_HEADERS = {"id": REVIEW_KEYS["id"], "action": "操作", "fact": REVIEW_KEYS["fact"], "field": "字段", "value": "新值",
                  "reason": REVIEW_KEYS["reason"], "decision": REVIEW_KEYS["decision"]}
REVIEW_ACTIONS = {REVIEW_KEYS[action]: action for action in ("set", "strike", "add")}   # 修改, 删除, 新增
# Cells of the guide sheet that carry the year and the policy: label in column A, value in B.
YEAR_LABEL, POLICY_LABEL = "年度", "考核办法"
MAX_SHEET_NAME = 31            # Excel's limit
_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
# Fields every fact has, placed around the type's own fields: 编号 and 机构 first, 日期 and 备注 last.
_LEADING, _TRAILING = ("id", "unit"), ("count", "date", "note")


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    spec: FieldSpec

    @property
    def required(self) -> bool:
        return self.spec.required and self.field != "id"   # a blank id is made from sheet and row


@dataclass(frozen=True)
class SheetLayout:
    fact_type: str
    name: str
    columns: tuple[Column, ...]

    def column_of(self, header: str) -> Column | None:
        key = normal(header)
        return next((c for c in self.columns if normal(c.header) == key or c.field == key), None)


@dataclass(frozen=True)
class UnitsLayout:
    name: str
    columns: tuple[Column, ...]


class LedgerLayout:
    """The sheets of a ledger under one policy's vocabulary."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary

    @cached_property
    def sheets(self) -> tuple[SheetLayout, ...]:
        return tuple(self._sheet(t) for t in FACT_TYPES)

    @cached_property
    def units(self) -> UnitsLayout:
        v = self.vocabulary
        specs = {"id": FieldSpec("text"), "name": FieldSpec("text"), "staff": FieldSpec("number")}
        return UnitsLayout(UNITS_SHEET, tuple(Column(f, v.unit_fields[f], specs[f]) for f in ("id", "name", "staff")))

    @cached_property
    def by_type(self) -> dict[str, SheetLayout]:
        return {s.fact_type: s for s in self.sheets}

    @cached_property
    def by_name(self) -> dict[str, SheetLayout]:
        return {normal(s.name): s for s in self.sheets}

    def sheet_named(self, name: str) -> SheetLayout | None:
        """The fact sheet a sheet name means: its label, or the fact type's code."""
        key = normal(name)
        return self.by_name.get(key) or self.by_type.get(key)

    def sheet_by_headers(self, headers: list[str]) -> SheetLayout | None:
        """The fact sheet whose columns these headers are (a sheet the user renamed): every
        header is one of its columns and every required column is there; of several, the one
        with fewest columns left over, when only one is that close."""
        given = {normal(h) for h in headers if h}
        fitting = []
        for sheet in self.sheets:
            columns = {normal(c.header) for c in sheet.columns}
            required = {normal(c.header) for c in sheet.columns if c.required}
            if given <= columns and required <= given:
                fitting.append((len(columns - given), sheet))
        fitting.sort(key=lambda pair: pair[0])
        if not fitting or (len(fitting) > 1 and fitting[0][0] == fitting[1][0]):
            return None
        return fitting[0][1]

    def _sheet(self, fact_type: str) -> SheetLayout:
        v = self.vocabulary
        specs = fields_of(fact_type)
        own = [f for f in specs if f not in (*_LEADING, *_TRAILING, "type")]
        order = [*_LEADING, *own, *(f for f in _TRAILING if f in specs)]
        columns = tuple(Column(f, v.field_label(fact_type, f), specs[f]) for f in order)
        return SheetLayout(fact_type, sheet_name(v.type_label(fact_type)), columns)


def sheet_name(label: str) -> str:
    return label.translate(_FORBIDDEN)[:MAX_SHEET_NAME]
