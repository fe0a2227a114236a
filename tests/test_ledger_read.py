"""Reading a ledger workbook: every value located by sheet, row and column header, every problem
at once, and an answer for what workbooks do that text files cannot."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.errors import Cell, FactSetError

ROSTER = [["机构编号", "机构名称", "实际工作人员人数"], ["office", "办公厅", 14], ["legal", "法制工作委员会", 6]]
LEAVE = [["编号", "机构", "人员", "类别", "天数", "日期"],
         [None, "办公厅", "张三", "事假", 10, dt.date(2024, 3, 4)],
         ["L-2", "办公厅", "张三", "病假", 6.5, "2024/3/12"]]
PETITION = [["机构", "类别", "督促解决", "数量"], ["办公厅", "来信", "是", 3]]


def ledger(path: Path, sheets: dict[str, list[list]], guide: list[list] | None = None, hidden=(), merged=()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    for row in guide if guide is not None else [["台账"], ["年度", 2024], ["考核办法", "method-2020"]]:
        ws.append(row)
    for name, rows in sheets.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    for name, cells in merged:
        wb[name].merge_cells(cells)
    wb.save(path)
    return path


def problems(path: Path):
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    return caught.value.problems


def test_a_ledger_reads_as_the_same_facts_as_yaml(tmp_path, policy):
    path = ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "请假": LEAVE, "信访": PETITION})
    factset = load_factset(path)
    assert factset.year == 2024 and factset.policy == "method-2020"
    assert [(u.id, u.name, u.staff) for u in factset.units.values()] == [("office", "办公厅", 14), ("legal", "法制工作委员会", 6)]
    by_id = {r.id: r.__dict__ for r in factset.facts}
    assert by_id["请假-2"]["kind"] == "personal" and by_id["请假-2"]["date"] == dt.date(2024, 3, 4)
    assert str(by_id["L-2"]["days"]) == "6.5" and by_id["L-2"]["date"] == dt.date(2024, 3, 12)
    assert by_id["信访-2"] | {} == {**by_id["信访-2"], "kind": "letter", "resolved": True, "count": 3, "unit": "office"}
    ev = evaluate(factset, policy)
    [leave] = [f for f in ev.findings if f.clause == "4.1.2"]
    assert leave.points == -0.75 and set(leave.evidence) == {"请假-2", "L-2"}
    assert factset.where("L-2") == "请假!3"


def test_a_bad_cell_names_sheet_row_column_and_value(tmp_path):
    rows = [*LEAVE, ["L-3", "办公厅", "李四", "年假", 1, "2024/3/12"], ["L-4", "办公室", "王五", "事假", 0, "2024/13/1"]]
    path = ledger(tmp_path / "ledger.xlsx", {"机构": ROSTER, "请假": rows})
    found = problems(path)
    text = [str(p) for p in found]
    assert text[0].startswith(f"{path}:请假!D4(类别): 事实 L-3:“年假”不是可选值(可选:事假、病假、因病住院、正常休假、特殊情况)")
    assert {(p.line.row, p.line.header) for p in found} == {(4, "类别"), (5, "机构"), (5, "天数"), (5, "日期")}
    assert all(isinstance(p.line, Cell) and p.line.sheet == "请假" for p in found)
    assert any("办公室" in t and "办公厅" in t for t in text)           # did you mean
    assert any("2024/13/1" in t for t in text)


def test_blank_ids_are_made_from_sheet_and_row_and_stay_stable(tmp_path):
    path = ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "请假": LEAVE})
    first = [r.id for r in load_factset(path).facts]
    assert first == [r.id for r in load_factset(path).facts] == ["请假-2", "L-2"]


def test_trailing_and_inner_empty_rows_are_not_records(tmp_path):
    rows = [LEAVE[0], [None] * 6, LEAVE[1], [None] * 6, [None] * 6, LEAVE[2], [None] * 6]
    factset = load_factset(ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "请假": rows}))
    assert [r.id for r in factset.facts] == ["请假-3", "L-2"]


def test_merged_cells_are_a_problem_at_their_first_cell(tmp_path):
    rows = [*LEAVE, ["L-3", None, "李四", "事假", 1, "2024/3/12"]]
    path = ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "请假": rows}, merged=[("请假", "B3:B4")])
    found = [p for p in problems(path) if p.code == "merged-cells"]
    assert len(found) == 1 and str(found[0].line) == "请假!B3" and "B3:B4" in found[0].message and "取消合并" in found[0].message


def test_a_hidden_sheet_is_read_and_said(tmp_path):
    factset = load_factset(ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "请假": LEAVE}, hidden=("请假",)))
    assert len(factset.facts) == 2
    assert [n.code for n in factset.notices] == ["hidden-sheet"] and "2 条记录" in factset.notices[0].message


def test_an_extra_column_is_said_and_not_read(tmp_path):
    rows = [[*PETITION[0], "经办人"], [*PETITION[1], "王五"]]
    factset = load_factset(ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "信访": rows}))
    [notice] = factset.notices
    assert notice.code == "extra-column" and "经办人" in notice.message and notice.where.endswith("信访!E1(经办人)")


def test_a_renamed_sheet_is_recognised_by_its_headers(tmp_path):
    factset = load_factset(ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "Sheet3": LEAVE}))
    assert {r.type for r in factset.facts} == {"leave"}
    assert [n.code for n in factset.notices] == ["renamed-sheet"] and "请假" in factset.notices[0].message


def test_an_unknown_sheet_with_data_is_refused_and_an_empty_one_ignored(tmp_path):
    path = ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "请假条": [["甲", "乙"], [1, 2]], "空表": []})
    [p] = problems(path)
    assert p.code == "unknown-sheet" and "请假条" in p.message and "请假" in p.message


def test_a_missing_year_and_roster_are_named(tmp_path):
    path = ledger(tmp_path / "l.xlsx", {"请假": LEAVE}, guide=[["台账"]])
    assert {p.code for p in problems(path)} == {"year"}
    path = ledger(tmp_path / "m.xlsx", {"请假": LEAVE})
    assert "missing-sheet" in {p.code for p in problems(path)}


def test_a_file_that_is_no_workbook_is_a_clean_error(tmp_path):
    path = tmp_path / "l.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    [p] = problems(path)
    assert p.code == "workbook" and ".xlsx" in p.message


def test_the_cli_reads_a_workbook_and_writes_nothing_on_a_bad_cell(tmp_path):
    bad = ledger(tmp_path / "bad.xlsx", {"机构": ROSTER, "请假": [*LEAVE, ["L-3", "办公厅", "李四", "年假", 1, None]]})
    out = tmp_path / "r.json"
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(bad), "-f", "json", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and not out.exists() and "Traceback" not in done.stderr
    assert "bad.xlsx:请假!D4(类别)" in done.stderr and "年假" in done.stderr


def test_a_formula_saved_without_its_value_is_named_and_a_cached_one_is_read(tmp_path):
    # openpyxl writes formulas without results, as a program (not Excel or WPS) would.
    uncalculated = [*LEAVE[1][:4], "=5+5", LEAVE[1][5]]
    path = ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "请假": [LEAVE[0], uncalculated, ["L-9", "办公厅", "李四", "事假", "=1+1"]]})
    found = [p for p in problems(path) if p.code == "formula-without-value"]
    assert sorted(str(p.line) for p in found) == ["请假!E2(天数)", "请假!E3(天数)"]
    assert "=5+5" in found[0].message and "保存" in found[0].message


def test_formulas_in_the_xml_are_found_only_where_a_value_is_missing(tmp_path):
    from evaluator.inputs.ledger.formulas import uncalculated_formulas
    path = ledger(tmp_path / "l.xlsx", {"机构": ROSTER, "请假": [LEAVE[0], [None, None, None, None, "=2*3"]]})
    assert uncalculated_formulas(path) == {"请假": [("E2", "=2*3")]}
    assert uncalculated_formulas(ledger(tmp_path / "m.xlsx", {"机构": ROSTER, "请假": LEAVE})) == {}
