"""Labels of the office reports, in Chinese (the default) and English.

One dict per language with the same keys: column headers, sheet names and the few sentences
a report says. The sections' names and headings are the policy's (columns.py); the clause
titles, the method's wording and the findings' explanations come from the policy and the
engine and stay in Chinese.

Beside the labels, the small views every report shares: a score or points as written
on a scorecard, and the unit x clause matrix of point sums.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from evaluator.domain.numbers import plain, two_places

if TYPE_CHECKING:  # pragma: no cover - typing only
    from evaluator.domain.evaluate import Evaluation

ZH: dict[str, str] = {
    "title": "{year}年度市人大常委会机关工作机构目标责任制考核结果",
    "mid_year": "(中期,截至 {day})",
    "colon": "：",
    "subtitle": "依据《{policy_title}》({policy})考核",
    "subtitle_served": "依据《{policy_title}》考核",
    "facts_file": "事实文件",
    "facts_served": "评分所用台账",
    # the 运行记录 sheet's lines (the run record's keys, as spec/facts.md names them in the JSON)
    "run_evaluator": "评估程序版本", "run_policy_id": "考核办法", "run_policy_sha256": "考核办法文件 SHA-256",
    "run_facts_sha256": "事实 SHA-256", "run_facts_file": "事实文件", "run_review_sha256": "审查调整 SHA-256",
    "run_review_file": "审查调整", "run_time": "评估时间(UTC)",
    "policy": "考核办法",
    "ranking": "考核得分与排名",
    "matrix": "各单位分条款得分",
    "matrix_note": "每格为该单位在该条款下各项认定分值之和(原始分值{per_staff})。空格表示该条款无认定。",
    "matrix_per_staff": ";{sections}尚未除以实有人数",
    "drilldown": "各单位认定明细",
    "drilldown_note": "点击单位名称展开其全部认定,含条款原文、适用规则、分值、说明及依据事实在输入文件中的行号。",
    "recommended_units": "推荐评先评优单位",
    "ineligible_units": "取消评先评优资格的单位",
    "none": "无",
    "rank": "排名",
    "unit": "单位代码",
    "name": "单位名称",
    "staff": "实有人数",
    "total": "总分",
    "eligibility": "评优资格",
    "eligible": "具备",
    "ineligible": "取消",
    "ineligible_because": "取消原因",
    "recommended": "推荐评优",
    "yes": "是",
    "no": "否",
    "clause": "条款",
    "clause_title": "条款名称",
    "section": "考核部分",
    "rule": "规则",
    "rule_title": "规则名称",
    "points": "分值",
    "rate": "单项分值",
    "quantity": "数量",
    "evidence": "依据事实",
    "explanation": "说明",
    "credited_via": "事实所属单位",
    "line": "依据行号",
    "line_at": "第 {line} 行",
    "method_text": "办法原文",
    "requirements": "考核要求",
    "rulings": "裁定",
    "findings": "认定",
    "findings_count": "{count} 项认定",
    "no_findings": "本年度无认定。",
    "sum": "合计",
    "raw_sum": "原始分值合计",
    "credited_from": "由 {unit} 的事实计入",
    "sheet_scorecard": "总表",
    "sheet_findings": "明细",
    "sheet_matrix": "矩阵",
    "generated_by": "由 evaluator 生成",
    "draft": "征求意见稿",
    "approved_copy": "审定稿",
    "stage": "阶段",
    "printed": "打印日期",
    "generated_on": "生成日期",
    "page_of": "第 {page} 页 共 {pages} 页",
    "continued": "(续)",
    "matrix_link_note": "点击分值可跳至该单位该条款下的认定。",
    "approval": "审批",
    "approval_note": "本结果须经以下程序后方为审定稿。",
    "approval_done": "本结果已经主任办公会议审定({decision},{date})。",
    "approval_step": "程序",
    "approval_decision": "决定文号",
    "approval_date": "日期",
    "approval_sign": "经办人签字",
    "step_review": "考核工作组审查",
    "step_party": "机关党组研究",
    "step_approve": "主任办公会议审定",
    "blank_date": "　　年　　月　　日",
    "approved_result": "审定结果 sha256",
}

EN: dict[str, str] = {
    "title": "Target-responsibility assessment of the standing committee's offices, {year}",
    "mid_year": " (mid-year, as of {day})",
    "colon": ": ",
    "subtitle": "Assessed under {policy_title} ({policy})",
    "subtitle_served": "Assessed under {policy_title}",
    "facts_file": "Facts file",
    "facts_served": "Ledgers scored",
    "run_evaluator": "Evaluator", "run_policy_id": "Method", "run_policy_sha256": "Method file SHA-256",
    "run_facts_sha256": "Facts SHA-256", "run_facts_file": "Facts file", "run_review_sha256": "Review SHA-256",
    "run_review_file": "Review", "run_time": "Evaluated at (UTC)",
    "policy": "Method",
    "ranking": "Scores and ranking",
    "matrix": "Points by unit and clause",
    "matrix_note": "Each cell is the sum of the unit's findings under the clause (raw points{per_staff}). "
                   "An empty cell means no finding under that clause.",
    "matrix_per_staff": "; {sections} not yet divided by staff",
    "drilldown": "Findings by unit",
    "drilldown_note": "Open a unit to see all its findings: the clause and the method's wording, the rule, the "
                      "points, the explanation and the evidence facts with their line in the input file.",
    "recommended_units": "Recommended for awards",
    "ineligible_units": "Not eligible for awards",
    "none": "none",
    "rank": "Rank",
    "unit": "Unit id",
    "name": "Unit",
    "staff": "Staff",
    "total": "Total",
    "eligibility": "Award eligibility",
    "eligible": "eligible",
    "ineligible": "not eligible",
    "ineligible_because": "Not eligible because",
    "recommended": "Recommended",
    "yes": "yes",
    "no": "no",
    "clause": "Clause",
    "clause_title": "Clause title",
    "section": "Section",
    "rule": "Rule",
    "rule_title": "Rule title",
    "points": "Points",
    "rate": "Rate",
    "quantity": "Quantity",
    "evidence": "Evidence",
    "explanation": "Explanation",
    "credited_via": "Fact of unit",
    "line": "Evidence lines",
    "line_at": "line {line}",
    "method_text": "Method's wording",
    "requirements": "Requirements",
    "rulings": "Rulings",
    "findings": "Findings",
    "findings_count": "{count} findings",
    "no_findings": "No findings this year.",
    "sum": "Sum",
    "raw_sum": "Raw points",
    "credited_from": "credited from a fact of {unit}",
    "sheet_scorecard": "Scorecard",
    "sheet_findings": "Findings",
    "sheet_matrix": "Matrix",
    "generated_by": "generated by evaluator",
    "draft": "Draft for comment",
    "approved_copy": "Approved",
    "stage": "Stage",
    "printed": "Printed",
    "generated_on": "Generated",
    "page_of": "Page {page} of {pages}",
    "continued": " (cont.)",
    "matrix_link_note": "Click a value to go to the unit's findings under that clause.",
    "approval": "Approval",
    "approval_note": "The result is final once it has passed these steps.",
    "approval_done": "This result was approved by the directors' office meeting ({decision}, {date}).",
    "approval_step": "Step",
    "approval_decision": "Decision",
    "approval_date": "Date",
    "approval_sign": "Signature",
    "step_review": "Review by the assessment working group",
    "step_party": "Study by the Party group of the offices",
    "step_approve": "Approval by the directors' office meeting",
    "blank_date": "",
    "approved_result": "Approved result sha256",
}

LABELS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}
LANGUAGES = tuple(LABELS)


def located(t: dict[str, str], at) -> str:
    """Where an input record stands, as the report's language says it: 第 43 行, or 请假!14 in a workbook."""
    from evaluator.errors import Cell
    return str(at) if isinstance(at, Cell) else t["line_at"].format(line=at)


def labels(lang: str = "zh") -> dict[str, str]:
    """The labels of `lang`; an unknown language is an error, never a silent fallback."""
    try:
        return LABELS[lang]
    except KeyError:
        raise ValueError(f"unknown report language '{lang}' (allowed: {', '.join(LANGUAGES)})") from None


def score(value: Decimal) -> str:
    """A score or points as a scorecard shows them: 2 decimals, more only if the value has them."""
    value = Decimal(value)
    if value == value.quantize(Decimal("0.01")):
        return two_places(value)
    return plain(value).replace("\u2212", "-")


def matrix(ev: "Evaluation") -> dict[str, dict[str, Decimal]]:
    """unit id -> clause id -> the sum of the unit's finding points under the clause."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for f in ev.findings:
        sums[f.unit][f.clause] += f.points
    return {u: dict(c) for u, c in sums.items()}


def rule_titles(ev: "Evaluation") -> dict[tuple[str, str], str]:
    """(clause id, rule id) -> the rule's title in the policy."""
    return {(r.clause.id, r.id): r.rule.title for r in ev.policy.rules}


MATRIX_COLUMNS = 18   # clause columns one landscape A4 page holds legibly (7pt numbers, vertical titles)


def matrix_groups(ev: "Evaluation", limit: int = MATRIX_COLUMNS) -> list[list[str]]:
    """The clause ids of the matrix cut into column groups that each fit one printed page.

    Clauses stay in the policy's order and together with their siblings (4.3.1.1-4.3.1.9 are
    one family under 4.3.1): whole families are packed into a group while it has room, and a
    family wider than a page is itself cut every `limit` columns."""
    families: list[list[str]] = []
    last = None
    for c in ev.policy.policy.clauses:
        key = (c.section, c.id.rpartition(".")[0])
        if key != last:
            families.append([])
            last = key
        families[-1].append(c.id)
    groups: list[list[str]] = []
    for family in families:
        while len(family) > limit:
            groups.append(family[:limit])
            family = family[limit:]
        if groups and len(groups[-1]) + len(family) <= limit:
            groups[-1].extend(family)
        else:
            groups.append(list(family))
    return groups
