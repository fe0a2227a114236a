"""Every number the method states is a named parameter of its clause (issue 11): rules name it as
`$name`, titles, explanations and rulings as a `{placeholder}`, and check-policy reports a typed
number or one the wording and the parameters disagree on, at its line."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset
from evaluator.domain.policy import load_policy
from evaluator.domain.policy.number_checks import check_numbers
from evaluator.domain.policy.wording import render
from evaluator.errors import PolicyError
from evaluator.inputs.yamlio import load_document

from conftest import POLICY, ROOT

ENV = {**os.environ, "EVALUATOR_LANG": "zh"}


def changed(tmp_path: Path, *edits: tuple[str, str], name: str = "method-changed.yaml") -> Path:
    """A copy of the shipped policy with literal text edits, as a policy editor would make them."""
    text = POLICY.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"edit target not unique: {old!r}"
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, start: str) -> int:
    """The 1-based line of the file that starts with `start` (after its indentation)."""
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.lstrip().startswith(start)]
    assert len(lines) == 1, (start, lines)
    return lines[0]


def numbers_of(path: Path):
    return check_numbers(load_policy(path), load_document(path)[0], str(path))


def check_policy(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evaluator", "check-policy", str(path), "--features", str(ROOT / "features")],
                          capture_output=True, text=True, env=ENV)


# --- the shipped policy --------------------------------------------------------------------------
def _literals(when):
    if isinstance(when, dict):
        return [n for v in when.values() for n in _literals(v)]
    if isinstance(when, list):
        return [n for v in when for n in _literals(v)]
    return [when] if isinstance(when, (int, float, Decimal)) and not isinstance(when, bool) else []


def test_no_rule_of_the_shipped_policy_types_a_number():
    """points and every number in when (and per's over) are $parameters of the clause. The two
    literals that are no number of the method: 0 (a decision: 不予加分, 不在此列) and 1 × the
    points the directors' meeting decided (R15, per: points)."""
    data = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    typed = []
    for clause in data["clauses"]:
        names = set(clause.get("parameters", {}))
        for rule in clause["rules"]:
            points = rule["points"]
            if isinstance(points, str):
                assert points.startswith("$") and points[1:] in names, (rule["id"], points)
            elif not (points == 0 or (points == 1 and rule.get("per") == "points")):
                typed.append((rule["id"], "points", points))
            for where in [rule.get("when", {}), *(j.get("when", {}) for j in rule.get("joins", {}).values())]:
                typed += [(rule["id"], "when", n) for n in _literals(where)]
            per = rule.get("per")
            if isinstance(per, dict) and not isinstance(per.get("over", "$"), str):
                typed.append((rule["id"], "per.over", per["over"]))
            for value in _strings(rule.get("when", {})):
                if value.startswith("$"):
                    assert value[1:] in names, (rule["id"], value)
    assert typed == []


def _strings(when):
    if isinstance(when, dict):
        return [s for v in when.values() for s in _strings(v)]
    if isinstance(when, list):
        return [s for v in when for s in _strings(v)]
    return [when] if isinstance(when, str) else []


def test_every_parameter_has_a_unit_and_quotes_the_method(policy):
    method = (ROOT.parent / "shared" / "method" / "method-2020.zh.txt")
    method_text = method.read_text(encoding="utf-8") if method.is_file() else None
    for clause in policy.policy.clauses:
        for name, parameter in clause.parameters.items():
            assert parameter.unit, (clause.id, name)
            assert parameter.text in clause.text or parameter.text in clause.requirements, (clause.id, name)
            if method_text is not None:
                assert parameter.text in method_text, (clause.id, name)


def test_check_policy_on_the_shipped_policy_is_clean():
    assert numbers_of(POLICY) == []
    done = check_policy(POLICY)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "每个数字都是参数" in done.stdout


def test_the_shipped_wording_renders_as_it_was_typed(policy):
    """Placeholders change nothing people read: the rendered sentences are the ones typed before."""
    rulings = policy.policy.rulings
    assert rulings["R1"].text.endswith("“60 人以上”即 ≥ 60,“不足 60 人”即 < 60,“1000 字以内”即 ≤ 1000,"
                                       "“一天以上的会议”即 ≥ 1 天,“累计超过 15 天”即 > 15。")
    assert rulings["R2"].text.startswith("共性工作指标得分 = max(0, 40 − 扣分);年度工作目标得分 = max(0, 40 − 5 × 未完成项数)。")
    assert "累计超过 15 天的,扣 0.5 × (计入天数 − 15) 分;半天按比例计(15.5 天扣 0.25 分)。" in rulings["R3"].text
    assert rulings["R11"].text == "≤ 1000 字:0 分;超过 1000 字且不足 2500 字:1 分;2500 字及以上:2 分。"
    assert rulings["R14"].text == "每篇信息给编发机构加 0.5 分;主任会议成员参加的重大活动信息未在一个工作日内编发的,倒扣活动承办机构 0.5 分。"
    titles = {r.id: r.rule.title for r in policy.rules}
    assert titles["training-large"] == "大型研修学习活动(60 人以上且 5 天以上)"
    assert (titles["speech-short"], titles["speech-medium"], titles["speech-long"]) == \
        ("1000 字以内,不予加分", "1000-2500 字", "2500 字以上")
    # the policy as written keeps its placeholders, for the checks
    written = {r.id: r for c in policy.written.clauses for r in c.rules}
    assert written["training-large"].title == "大型研修学习活动({large_participants} 人以上且 {large_days} 天以上)"


def test_a_placeholder_may_do_one_step_of_a_worked_example():
    names = {"4.1.2.leave_limit": Decimal(10), "4.1.2.leave_rate": Decimal("-0.5")}
    assert render("({4.1.2.leave_limit + 0.5} 天扣 {4.1.2.leave_rate × 0.5} 分)", names) == "(10.5 天扣 0.25 分)"
    assert render("{person} {rate_abs} {first_reading.id} {{4.1.2.leave_limit}}", names) == \
        "{person} {rate_abs} {first_reading.id} {{4.1.2.leave_limit}}"  # not parameters: left for the finding


# --- a parameter changed: 4.3.2.5 large_participants 60 → 50 -------------------------------------
YEAR = {
    "year": 2024,
    "units": [{"id": "legal", "name": "法制工作委员会", "staff": 5}],
    "facts": [{"id": "T1", "type": "training_program", "unit": "legal", "title": "研修班", "participants": 55, "days": Decimal(5)}],
}
FIFTY = ("large_participants: {value: 60,", "large_participants: {value: 50,")


def test_a_changed_threshold_changes_the_points_and_every_sentence_of_the_finding(tmp_path, policy):
    before = evaluate(check_factset(YEAR, "year.yaml"), policy).findings
    assert [(f.rule, f.points) for f in before] == [("training-small", 3)]
    assert "60" in policy.rules_by_key["4.3.2.5/training-small"].rule.explain

    changed_policy = load_policy(changed(tmp_path, FIFTY))
    [finding] = evaluate(check_factset(YEAR, "year.yaml"), changed_policy).findings
    assert (finding.rule, finding.points) == ("training-large", 5)  # 55 ≥ 50 and 5 days ≥ 5
    rule = changed_policy.rules_by_key[f"{finding.clause}/{finding.rule}"]
    for sentence in (rule.rule.title, finding.explanation):
        assert "50 人以上" in sentence and "60" not in sentence, sentence
    for rid in ("R1", "R10"):  # the rulings that quote the threshold follow it too
        text = changed_policy.policy.rulings[rid].text
        assert "50 人" in text and "60" not in text, text


def test_check_policy_names_the_wording_line_that_still_says_60(tmp_path, policy):
    title = policy.clauses["4.3.2.5"].parameters["large_participants"].title   # a message names it so, not by its id
    path = changed(tmp_path, FIFTY)
    done = check_policy(path)
    assert done.returncode != 0
    wording = line_of(path, "text: 按照主任会议要求,做好赴国内知名高等学府")
    said = [line for line in done.stdout.splitlines() if line.startswith(f"{path}:{wording}:")]
    assert said and all("60" in line for line in said), done.stdout
    assert any(f"参数“{title}”的值是 50 人" in line and "(number-disagrees)" in line for line in said), done.stdout
    parameter = line_of(path, "large_participants: {value: 50,")
    assert re.search(re.escape(f"{path}:{parameter}:") + r"\d+: 错误 " +
                     re.escape(f"参数“{title}”的值是 50 人,但它的原文“参加学员 60 人以上”写的是 60 人 (number-disagrees)"),
                     done.stdout), done.stdout
    # and the sentences of the other parameters that still say 60
    for name in ("large_rate", "small_rate"):
        assert f"{path}:{line_of(path, name + ':')}:" in done.stdout, done.stdout


def test_a_changed_value_and_sentence_with_the_clause_wording_left_is_reported_at_the_wording(tmp_path):
    path = changed(tmp_path, ('large_participants: {value: 60, unit: 人, text: "参加学员 60 人以上",',
                              'large_participants: {value: 50, unit: 人, text: "参加学员 50 人以上",'))
    problems = numbers_of(path)
    wording = line_of(path, "text: 按照主任会议要求,做好赴国内知名高等学府")
    assert {p.line for p in problems if p.code == "number-disagrees"} == {wording}
    assert {p.code for p in problems} == {"number-disagrees", "unexplained-number"}


# --- each check, at its line -------------------------------------------------------------------
def test_a_number_typed_into_an_explanation_is_reported_with_its_line(tmp_path, policy):
    typed = 'explain: "组织专题讲座“{title}”,{quantity} 次 × 2 分 = {points} 分"'
    path = changed(tmp_path, ('explain: "组织专题讲座“{title}”,{quantity} 次 × {rate_abs} 分 = {points} 分"', typed))
    [problem] = numbers_of(path)
    assert (problem.code, problem.line) == ("literal-number", line_of(path, typed))
    rule, rate = policy.rules_by_key["4.3.2.7/lecture"].rule.title, policy.clauses["4.3.2.7"].parameters["lecture_rate"].title
    # the rule by its title; the placeholder to write, with the title of the parameter it names
    assert f"规则“{rule}”的说明写了数字 2 分" in problem.message and f"{{lecture_rate}}({rate})" in problem.message
    done = check_policy(path)
    assert done.returncode != 0
    assert re.search(re.escape(f"{path}:{problem.line}:") + r"\d+: 错误 " + re.escape(f"规则“{rule}”的说明写了数字 2 分"), done.stdout), done.stdout
    assert "(literal-number)" in done.stdout


def test_a_number_typed_into_a_title_or_a_ruling_is_reported(tmp_path):
    path = changed(tmp_path, ('title: "{long_from} 字以上"', 'title: "2500 字以上"'),
                   ("text: 每人每天扣 {4.1.2.absence_rate} 分,半天按比例计。", "text: 每人每天扣 1 分,半天按比例计。"))
    found = {(p.code, p.line) for p in numbers_of(path)}
    assert found == {("literal-number", line_of(path, 'title: "2500 字以上"')),
                     ("literal-number", line_of(path, "text: 每人每天扣 1 分"))}


def test_a_typed_rule_number_is_reported(tmp_path, policy):
    path = changed(tmp_path, ("        points: $lecture_rate\n", "        points: 2\n"),
                   ("when: {characters: {at_least: $long_from}}", "when: {characters: {at_least: 2500}}"))
    problems = [p for p in numbers_of(path) if p.code == "rule-literal"]
    assert len(problems) == 2
    rule, rate = policy.rules_by_key["4.3.2.7/lecture"].rule.title, policy.clauses["4.3.2.7"].parameters["lecture_rate"].title
    assert any(f"规则“{rule}”的分值(points)写的是数字 2,应写成本条款的参数:$lecture_rate({rate})" in p.message for p in problems)
    assert any("的条件(when)写的是数字 2500" in p.message for p in problems)


def test_a_number_no_parameter_explains_is_reported_unless_listed(tmp_path):
    """每参加 1 人/次: the 1 is a counting unit, listed in the clause's literal_numbers; without the
    list it is reported in the clause's wording and in the sentence of the parameter that quotes it."""
    path = changed(tmp_path, ('    literal_numbers: ["1 人/次"]', "    literal_numbers: []"))
    problems = numbers_of(path)
    assert {p.code for p in problems} == {"unexplained-number"}
    assert all("1 人" in p.message for p in problems)
    assert {p.line for p in problems} == {line_of(path, "text: 为全国人代会、省人代会做好会务服务工作"), line_of(path, "service_rate:")}


def test_a_parameter_sentence_that_is_not_the_methods_is_reported(tmp_path):
    path = changed(tmp_path, ('text: "做好群众来信登记、转办工作,每件加 0.1 分"', 'text: "来信每件加 0.1 分"'))
    [problem] = numbers_of(path)
    assert (problem.code, problem.line) == ("parameter-text", line_of(path, "letter_rate:"))


def test_an_unknown_placeholder_is_a_policy_error_at_its_line(tmp_path):
    path = changed(tmp_path, ("{4.1.2.absence_rate}", "{4.1.2.absence_rat}"), ('title: "{long_from} 字以上"', 'title: "{long_for} 字以上"'))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    text = str(caught.value)
    assert f"{path}:{line_of(path, 'text: 每人每天扣')}: 裁定 R4 用了“{{4.1.2.absence_rat}}”" in text
    assert "4.1.2.absence_rate" in text and "long_from" in text  # did you mean
    title = line_of(path, 'title: "{long_for}')
    assert f"{path}:{title}: 规则 speech-long 的标题用了“{{long_for}}”" in text


def test_a_worked_example_follows_its_parameters(tmp_path):
    policy = load_policy(changed(tmp_path, ("leave_limit: {value: 15,", "leave_limit: {value: 10,")))
    assert "累计超过 10 天的,扣 0.5 × (计入天数 − 10) 分;半天按比例计(10.5 天扣 0.25 分)" in policy.policy.rulings["R3"].text


def test_numbers_written_in_characters_are_read_whole(tmp_path):
    """不得超过十五天 states 15 (it used to be read as 五 天, a number no parameter is)."""
    from evaluator.domain.policy.number_checks._scan import numbers
    assert [(n.value, n.unit) for n in numbers("不得超过十五天,每人两次,一百零五字,二十分", characters=True)] == [
        (Decimal(15), "天"), (Decimal(2), "次"), (Decimal(105), "字"), (Decimal(20), "分")]
    path = changed(tmp_path, ('text: "每名工作人员全年请假累计不得超过 15 天"', 'text: "每名工作人员全年请假累计不得超过十五天"'))
    assert not [p for p in numbers_of(path) if p.code == "number-disagrees" and "五 天" in p.message]
