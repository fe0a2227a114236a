"""The working group's review as a layer over the submitted facts: adjustments with reason and
decision, checked like facts, each changed finding before → after; never an edit of the facts."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset, load_factset
from evaluator.domain.review import ReviewError, evaluate_reviewed, load_review
from evaluator.views.result import to_json

from conftest import EXAMPLES

YEAR = EXAMPLES / "2024.yaml"


def review_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "review.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def reviewed(tmp_path, policy, text):
    factset = load_factset(YEAR)
    return evaluate_reviewed(factset, policy, load_review(review_file(tmp_path, text), factset, policy.vocabulary))


def result(ev) -> dict:
    out = json.loads(to_json(ev))
    for key in ("run", "stage", "adjustments", "appeals", "changed_findings"):  # what the review adds
        out.pop(key, None)
    return out


def test_an_adjustment_scores_as_the_year_with_that_record_changed(tmp_path, policy):
    ev = reviewed(tmp_path, policy, """\
        adjustments:
          - {id: A-1, fact: L-015, set: {kind: special}, reason: 经考核工作组认定属特殊情况, decision: 考核工作组会议纪要〔2024〕3号}
    """)
    data = yaml.safe_load(YEAR.read_text(encoding="utf-8"))
    [record] = [f for f in data["facts"] if f["id"] == "L-015"]
    assert record["kind"] != "special"
    record["kind"] = "special"
    reference = evaluate(check_factset(data, str(YEAR)), policy)
    assert result(ev) == result(reference)
    out = json.loads(to_json(ev))
    [a] = out["adjustments"]
    assert (a["id"], a["fact"], a["changes"], a["effect"]) == ("A-1", "L-015", {"kind": "special"}, {"finance": 0.5})
    assert out["changed_findings"] == [{"unit": "finance", "clause": "4.1.2", "rule": "leave-over-limit",
                                        "evidence": ["L-013", "L-014", "L-015"], "before": -0.5, "after": 0, "adjustments": ["A-1"]}]
    assert out["run"]["review_sha256"] and out["run"]["facts_sha256"] == load_factset(YEAR).sha256


def test_the_submitted_facts_are_not_edited(tmp_path, policy):
    factset = load_factset(YEAR)
    before = [dict(r.__dict__) for r in factset.facts]
    review = load_review(review_file(tmp_path, """\
        adjustments:
          - {id: A-1, fact: L-015, set: {类别: 特殊情况}, reason: 特殊情况, decision: 纪要3号}
          - {id: A-2, fact: AB-002, strike: true, reason: 重复, decision: 纪要3号}
    """), factset, policy.vocabulary)
    evaluate_reviewed(factset, policy, review)
    assert [r.__dict__ for r in factset.facts] == before
    assert review.adjustments[0].changes == {"kind": "special"}  # the office's words, read in codes


def test_strike_and_add_and_each_adjustments_own_effect(tmp_path, policy):
    ev = reviewed(tmp_path, policy, """\
        adjustments:
          - {id: A-2, fact: AB-002, strike: true, reason: 考勤机故障, decision: 纪要3号}
          - {id: A-3, add: {type: 工作创新, unit: 法制工作委员会, title: 平台, points: 2, decision: 主任会议决定9号}, reason: 创新, decision: 主任会议决定9号}
          - {id: A-4, add: {id: X-1, type: lecture, unit: legal, title: 讲座}, reason: 漏报, decision: 纪要3号}
    """)
    assert "AB-002" not in {r.id for r in ev.factset.facts} and {"A-3", "X-1"} <= {r.id for r in ev.factset.facts}
    effect = ev.review.unit_effect
    assert effect["A-2"] == {"petitions": 0.5}
    before = {s.unit: s.total for s in ev.review.before.scorecard.units}
    after = {s.unit: s.total for s in ev.scorecard.units}
    assert effect["A-3"]["legal"] + effect["A-4"]["legal"] == after["legal"] - before["legal"]


def test_every_bad_adjustment_is_named_with_its_line(tmp_path, policy):
    factset = load_factset(YEAR)
    path = review_file(tmp_path, """\
        adjustments:
          - {id: A-1, fact: L-999, set: {kind: special}, reason: r, decision: d}
          - {id: A-2, fact: L-015, set: {kinds: special}, reason: r, decision: d}
          - {id: A-3, fact: L-015, set: {kind: holiday}, reason: r, decision: d}
          - {id: A-4, fact: L-015, strike: true}
          - {id: A-4, fact: L-014, strike: true, reason: r, decision: d}
          - {id: A-6, fact: L-014, set: {days: 1}, reason: r, decision: d}
        appeals:
          - {id: S-1, unit: 不存在的机构, text: t, answer: upheld, reason: r, decision: d}
    """)
    with pytest.raises(ReviewError) as caught:
        load_review(path, factset, policy.vocabulary)
    found = {(p.line, p.code) for p in caught.value.problems}
    assert {(2, "unknown-fact"), (3, "unknown-field"), (4, "invalid-value"), (5, "missing-field"),
            (6, "duplicate-id"), (7, "struck-fact"), (9, "unknown-unit")} <= found, found
    assert any("L-999" in p.message and "L-0" in p.message for p in caught.value.problems)  # did you mean


def test_an_office_word_in_the_wrong_place_is_named_as_it_was_written(tmp_path, policy):
    """申诉内容 is an appeal's key, 原因 an item's: elsewhere they are unknown, and said as written."""
    path = review_file(tmp_path, """\
        审查调整:
          - {编号: A-1, 事实编号: L-015, 删除: 是, 原因: r, 决定文号: d, 申诉内容: x}
        原因: 多写的一行
    """)
    with pytest.raises(ReviewError) as caught:
        load_review(path, load_factset(YEAR), policy.vocabulary)
    shown = [str(p) for p in caught.value.problems]
    assert any("未知的字段“申诉内容”" in s and "字段“申诉内容”" in s for s in shown), shown
    assert any("未知的键“原因”(可用:审查调整、申诉)" in s for s in shown), shown
    assert not any("text" in s or "reason" in s for s in shown), shown


def test_a_review_in_the_offices_keys_is_the_same_review(tmp_path, policy):
    english = reviewed(tmp_path, policy, """\
        adjustments:
          - {id: A-1, fact: L-015, set: {kind: special}, reason: 特殊情况, decision: 纪要3号}
          - {id: A-2, fact: AB-002, strike: true, reason: 考勤机故障, decision: 纪要3号}
        appeals:
          - {id: S-1, unit: legal, text: 申诉, answer: upheld, reason: 理由, decision: 纪要3号, adjustment: A-1}
    """)
    chinese = reviewed(tmp_path, policy, """\
        审查调整:
          - {编号: A-1, 事实编号: L-015, 修改: {类别: 特殊情况}, 原因: 特殊情况, 决定文号: 纪要3号}
          - {编号: A-2, 事实编号: AB-002, 删除: 是, 原因: 考勤机故障, 决定文号: 纪要3号}
        申诉:
          - {编号: S-1, 机构: 法制工作委员会, 申诉内容: 申诉, 答复: 支持, 原因: 理由, 决定文号: 纪要3号, 调整编号: A-1}
    """)
    assert chinese.review.review.adjustments == english.review.review.adjustments
    assert chinese.review.review.appeals == english.review.review.appeals
    assert result(chinese) == result(english)


def test_a_bad_review_is_told_in_the_offices_words_only(tmp_path, policy):
    """No pydantic English, no English key, and each problem says whether an adjustment or an appeal."""
    factset = load_factset(YEAR)
    path = review_file(tmp_path, """\
        adjustments:
          - {id: A-1, fact: L-014, set: {天数: abc}, reason: r, decision: d}
          - {id: A-2, fact: L-014, set: {days: -3}, reason: r, decision: d}
          - {id: A-3, add: {type: 请假, unit: office}, reason: r, decision: d}
          - {id: A-4, fact: L-013, 理由: x}
          - {id: A-5, fact: L-013, set: x, reason: r, decision: d}
        appeals:
          - {id: S-1, unit: office, text: t, answer: 好, reason: r, decision: d}
          - {id: S-2, unit: office, text: t, answer: upheld, reason: r, decision: d}
    """)
    with pytest.raises(ReviewError) as caught:
        load_review(path, factset, policy.vocabulary)
    shown = [str(p) for p in caught.value.problems]
    text = "\n".join(shown)
    for english in ("Input should", "greater than", "Field required", "reason", "decision", "adjustment", "upheld",
                    " set ", "strike", "事实 A-", "事实 S-"):
        assert english not in text, (english, text)
    expected = ["review.yaml:2: 调整 A-1,字段“天数”:修改后的记录不成立:应是数字,实际为 “abc”(invalid-value)",
                "review.yaml:3: 调整 A-2,字段“天数”:修改后的记录不成立:应大于 0,实际为 -3(invalid-value)",
                "review.yaml:4: 调整 A-3,字段“人员”:新增的记录不成立:缺少“人员”(“请假”记录必填)(invalid-value)",
                "review.yaml:5: 调整 A-4,字段“原因”:缺少“原因”:每项调整都须写明原因和作出决定的文件(决定文号)(missing-field)",
                "review.yaml:5: 调整 A-4:每项调整只能是修改、删除、新增中的一种(action)",
                "review.yaml:5: 调整 A-4,字段“理由”:未知的字段“理由”(可用:编号、事实编号、修改、删除、新增、原因、决定文号、日期、备注)(unknown-field)",
                "review.yaml:6: 调整 A-5,字段“修改”:“修改”应写成 {字段: 新值},如 {类别: 特殊情况}(structure)",
                "review.yaml:8: 申诉 S-1,字段“答复”:答复“好”不是可选值(可选:支持、驳回、待定)(unknown-value)",
                "review.yaml:9: 申诉 S-2,字段“调整编号”:支持的申诉须写明据以作出的调整(调整编号)(missing-field)"]
    for line in expected:
        assert any(s.endswith(line) for s in shown), (line, text)


def test_the_cli_prints_the_review_and_refuses_a_bad_one_writing_nothing(tmp_path):
    good = review_file(tmp_path, (EXAMPLES / "review-2024.yaml").read_text(encoding="utf-8"))
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(YEAR), "--review", str(good)],
                          capture_output=True, text=True, env={"COLUMNS": "200", **__import__("os").environ})
    assert done.returncode == 0, done.stderr
    assert "审查调整" in done.stdout and "A-1 修改 L-015" in done.stdout and "申诉 S-1" in done.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("adjustments:\n  - {id: A-1, fact: NOPE, strike: true, reason: r, decision: d}\n", encoding="utf-8")
    out = tmp_path / "r.json"
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(YEAR), "--review", str(bad), "-f", "json", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and not out.exists() and "bad.yaml:2" in done.stderr and "NOPE" in done.stderr
    assert "审查调整有 1 处问题" in done.stderr


def test_the_ledgers_review_sheet_is_the_same_layer(tmp_path, policy):
    from openpyxl import load_workbook
    from evaluator.inputs.convert import convert
    from evaluator.inputs.ledger.layout import REVIEW_HEADERS, REVIEW_SHEET
    factset = load_factset(YEAR)
    ledger = tmp_path / "2024.xlsx"
    ledger.write_bytes(convert(factset, policy, ledger))
    wb = load_workbook(ledger)
    ws = wb[REVIEW_SHEET]
    assert [c.value for c in ws[1]] == list(REVIEW_HEADERS.values())
    for row in (["A-1", "修改", "L-015", "类别", "特殊情况", "经考核工作组认定属特殊情况", "纪要3号"],
                ["A-2", "删除", "AB-002", None, None, "考勤机故障", "纪要3号"],
                ["A-3", "新增", "X-1", "类型", "专题讲座", "漏报", "纪要3号"],
                ["A-3", "新增", "X-1", "机构", "法制工作委员会", "漏报", "纪要3号"],
                ["A-3", "新增", "X-1", "名称", "立法讲座", "漏报", "纪要3号"],
                ["A-4", "修改", "L-014", "天数", "-1", "笔误", "纪要3号"]):
        ws.append(row)
    wb.save(ledger)
    read_back = load_factset(ledger)
    assert "review-sheet" in {n.code for n in read_back.notices}          # never applied silently
    with pytest.raises(ReviewError) as caught:
        load_review(ledger, read_back, policy.vocabulary)
    [p] = caught.value.problems
    assert str(p.line) == f"{REVIEW_SHEET}!D7(字段)" and p.fact_id == "A-4"
    wb = load_workbook(ledger)
    wb[REVIEW_SHEET].delete_rows(7)
    wb.save(ledger)
    review = load_review(ledger, read_back, policy.vocabulary)
    assert [(a.id, a.action, a.fact) for a in review.adjustments] == [("A-1", "set", "L-015"), ("A-2", "strike", "AB-002"),
                                                                     ("A-3", "add", "X-1")]
    ev = evaluate_reviewed(read_back, policy, review)
    assert ev.review.unit_effect["A-1"] == {"finance": 0.5} and "X-1" in {r.id for r in ev.factset.facts}
