"""Amendments as deltas (policy/amend.py): a short file that says what it changes in another
version; dated values through adopted amendments; the amendment workbook for policy staff."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import EXAMPLES, POLICY, ROOT
from evaluator.domain.diff import diff, to_dict as diff_dict
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset, load_factset
from evaluator.domain.policy import load_policy
from evaluator.domain.policy.amend import HEAD_REQUIRED, HEAD_WORDS, AmendedPolicy, dated_values, derive
from evaluator.domain.policy.registry import choose_policy, versions
from evaluator.errors import PolicyError
from evaluator.inputs.amendment_workbook import amendment_from, amendment_template
from evaluator.inputs.yamlio import load_document
from evaluator.views.result import to_dict

POLICIES = ROOT / "policies"
DRAFT = POLICIES / "method-2025-draft.yaml"

TINY = """\
id: my-draft
amends: method-2020
status: draft
effective_from: 2025
changes:
  - {clause: 4.3.2.5, parameter: large_participants, value: 50}
  - {clause: 4.1.2, text: "…新的条文…"}
"""


def year_of(year: int, *facts: dict) -> dict:
    return {"year": year, "units": [{"id": "office", "name": "办公厅", "staff": 10}, {"id": "legal", "name": "法制工作委员会", "staff": 5}],
            "facts": list(facts)}


TRAINING = {"id": "T1", "type": "training_program", "unit": "legal", "title": "研修班", "participants": 55, "days": Decimal(5)}
LEAVE = {"id": "L1", "type": "leave", "unit": "office", "person": "张三", "kind": "personal", "days": Decimal(12)}


def points(policy, clause: str, unit: str, data: dict) -> Decimal:
    ev = evaluate(check_factset(data, "year.yaml"), policy)
    return sum((f.points for f in ev.findings if f.clause == clause and f.unit == unit), Decimal(0))


def named(clause: str, name: str, old: str, new: str) -> str:
    """A parameter's value change as Chinese output says it: by the parameter's title, with its unit."""
    parameter = load_policy(POLICY).clauses[clause].parameters[name]
    assert parameter.title and name not in parameter.title
    return f"{parameter.title}:{old} {parameter.unit} → {new} {parameter.unit}"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- a delta file ------------------------------------------------------------------------------
def test_the_tiny_amendment_moves_a_55_participant_training_to_the_upper_tier(tmp_path, policy):
    amended = load_policy(write(tmp_path, "my-draft.yaml", TINY))
    assert isinstance(amended, AmendedPolicy)
    assert (amended.id, amended.amends, amended.policy.status, amended.policy.effective_from) == ("my-draft", "method-2020", "draft", 2025)
    assert amended.policy.title == policy.policy.title                     # not given: the base's
    assert amended.clauses["4.3.2.5"].parameters["large_participants"].value == 50
    assert amended.clauses["4.1.2"].text == "…新的条文…"
    assert points(policy, "4.3.2.5", "legal", year_of(2024, TRAINING)) == 3
    assert points(amended, "4.3.2.5", "legal", year_of(2024, TRAINING)) == 5   # 55 ≥ 50 and 5 days ≥ 5
    first, second = amended.changes
    assert (first.clause, first.name, first.field, first.old, first.new, first.line) == ("4.3.2.5", "large_participants", "value", 60, 50, 6)
    assert str(first) == "4.3.2.5 " + named("4.3.2.5", "large_participants", "60", "50")
    assert second.what.startswith("办法原文:“抓好本机构") and second.line == 7
    assert load_policy(tmp_path / "my-draft.yaml") is amended                 # compiled once per content
    assert amended.lines["4.3.2.5"] == 6                                      # check-policy points at the change


def test_check_policy_reports_the_tiny_amendments_problems_at_its_change(tmp_path):
    """The sentences that still say 60 are the base's, copied unchanged: each problem is at the line
    of the change that made them wrong, never without a line."""
    from evaluator.domain.policy.number_checks import check_numbers
    path = write(tmp_path, "my-draft.yaml", TINY.replace('  - {clause: 4.1.2, text: "…新的条文…"}\n', ""))
    amended = load_policy(path)
    problems = check_numbers(amended, amended.data, str(path))      # as check-policy reads a delta
    assert {p.code for p in problems} == {"number-disagrees", "unexplained-number"}
    assert {(p.file, p.line) for p in problems} == {(str(path), 6)}, problems


def test_a_rule_change_is_named_by_the_rules_title_with_its_old_points_as_a_number(tmp_path, policy):
    """Chinese output never shows a rule's id; the old points, a `$parameter` in the policy, show as the number."""
    amended = load_policy(write(tmp_path, "rule.yaml", TINY.replace("changes:\n", "changes:\n"
                                "  - {clause: 4.1.1, rule: study-absence-unexcused, points: -1}\n")))
    rule = next(r for r in policy.rules if r.id == "study-absence-unexcused")
    old = rule.rate
    edit = next(e for e in amended.changes if e.kind == "rule")
    expected = f"规则“{rule.rule.title}”分值 {str(old).replace('-', '−')} → −1"
    assert edit.sentence(amended) == expected and "study-absence" not in expected
    d = diff(evaluate(check_factset(year_of(2024, LEAVE), "year.yaml"), policy),
             evaluate(check_factset(year_of(2024, LEAVE), "year.yaml"), amended))
    assert expected in [c["change"] for c in diff_dict(d)["amendment"]["changes"]]
    from evaluator.views import diffreport
    from evaluator.web.whatif import edit_sentence
    assert expected in diffreport.render_markdown(d) and expected in diffreport.render_html(d)
    assert edit_sentence(edit, amended) == f"4.1.1 {amended.clauses['4.1.1'].title}:{expected}"
    from evaluator.domain.policy.compare import policy_changes
    change = next(c for c in policy_changes(policy, amended) if c.rule == rule.id)
    assert change.sentence == expected   # the same words where the diff lists what moved a clause's points, and why
    # Its old points are read in the version amended, even when the same delta changes the parameter first.
    both = load_policy(write(tmp_path, "both.yaml", TINY.replace("changes:\n", "changes:\n"
                             "  - {clause: 4.1.1, parameter: unexcused_rate, value: -0.8}\n"
                             "  - {clause: 4.1.1, rule: study-absence-unexcused, points: -1}\n")))
    assert next(e for e in both.changes if e.kind == "rule").sentence(both) == expected


def test_every_kind_of_change(tmp_path):
    amended = load_policy(write(tmp_path, "all.yaml", """\
id: all
title: 全部修改
amends: method-2020
status: draft
effective_from: 2025
effective_until: 2026
changes:
  - {clause: 4.1.2, parameter: leave_limit, value: 10, text: "每名工作人员全年请假累计不得超过 10 天"}
  - {clause: 4.1.2, title: 日常管理(修订), requirements: 新的考核要求}
  - {rule: information-item, points: 1, title: 编发信息(修订)}
  - {clause: 4.1.2, rule: leave-within-limit, explain: "{person} 计入请假 {counted_days} 天,未超过 {leave_limit} 天(修订)"}
  - {ruling: R3, title: 请假(修订), text: 新的裁定}
  - {awards: quota, value: 3}
  - {label: types.leave, value: 请休假}
  - {label: values.leave.kind.personal, value: 私事假}
  - {label: booleans.true, value: [是, 有]}
"""))
    p = amended.policy
    leave = amended.clauses["4.1.2"]
    assert (leave.parameters["leave_limit"].value, leave.parameters["leave_limit"].text) == (10, "每名工作人员全年请假累计不得超过 10 天")
    assert (leave.title, leave.requirements) == ("日常管理(修订)", "新的考核要求")
    assert amended.rules_by_key["4.3.4.8/information-item"].rate == 1
    assert amended.rules_by_key["4.3.4.8/information-item"].rule.title == "编发信息(修订)"
    assert amended.rules_by_key["4.1.2/leave-within-limit"].rule.explain.endswith("(修订)")
    assert (p.rulings["R3"].title, p.rulings["R3"].text) == ("请假(修订)", "新的裁定")
    assert p.awards.quota == 3 and p.effective_until == 2026 and p.title == "全部修改"
    assert (p.labels.types["leave"], p.labels.values["leave.kind"]["personal"], p.labels.booleans["true"]) == ("请休假", "私事假", ["是", "有"])
    assert [str(e) for e in amended.changes][-3:] == ["标签 types.leave:请假 → 请休假", "标签 values.leave.kind.personal:事假 → 私事假",
                                                      "标签 booleans.true:是 → 是、有"]
    assert "评优名额:不限 → 3" in [e.what for e in amended.changes]


BAD = {
    "unknown clause": ("  - {clause: 4.3.2.50, parameter: large_participants, value: 50}\n", "考核办法中没有条款“4.3.2.50”;您是不是要写“4.3.2.5”?"),
    "unknown parameter": ("  - {clause: 4.3.2.5, parameter: large_participant, value: 50}\n",
                          "条款 4.3.2.5 没有参数“large_participant”;您是不是要写“large_participants”?"),
    "parameter of another clause": ("  - {clause: 4.1.2, parameter: large_days, value: 50}\n", "(条款 4.3.2.5、4.3.2.6 有这个参数)"),
    "parameter without its clause": ("  - {parameter: leave_limit, value: 10}\n", "修改参数须写明所属条款"),
    "unknown rule": ("  - {clause: 4.3.4.8, rule: information-itme, points: 1}\n", "条款 4.3.4.8 中没有规则“information-itme”;您是不是要写“information-item”?"),
    "rule of another clause": ("  - {clause: 4.1.2, rule: information-item, points: 1}\n", "规则“information-item”属于条款 4.3.4.8,不属于条款 4.1.2"),
    "unknown ruling": ("  - {ruling: R33, text: 新}\n", "考核办法中没有裁定“R33”"),
    "unknown key": ("  - {clause: 4.1.2, parameter: leave_limit, valeu: 10}\n", "修改项中不能写“valeu”(可写:clause、parameter、text、title、value);您是不是要写“value”?"),
    "not a number": ("  - {clause: 4.1.2, parameter: leave_limit, value: 十天}\n", "参数的值应是数字,而不是“十天”"),
    "points of an unknown parameter": ("  - {rule: leave-over-limit, points: $leave_rat}\n", "条款 4.1.2 没有参数“leave_rat”;您是不是要写“leave_rate”?"),
    "two targets": ("  - {rule: information-item, ruling: R14, text: 新}\n", "一项修改只能针对一个对象"),
    "nothing changed": ("  - {clause: 4.1.2, parameter: leave_limit}\n", "这项修改没有写明改什么(可写:value、text、title)"),
    "unknown label": ("  - {label: types.leaves, value: 请假}\n", "labels.types 中没有“leaves”;您是不是要写“leave”?"),
    "the quota": ("  - {awards: quota, value: 0}\n", "评优名额应是不小于 1 的整数"),
    "an explanation's placeholder": ('  - {rule: leave-over-limit, explain: "{persn} 超过"}\n', "explain 用了“{persn}”"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_change_is_reported_at_its_line_in_the_delta(tmp_path, case):
    line, message = BAD[case]
    text = TINY.replace("  - {clause: 4.1.2, text: \"…新的条文…\"}\n", line)
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    [problem] = caught.value.problems
    assert message in problem.message, problem.message
    assert (problem.file, problem.line) == (str(path), 7), str(problem)


def test_a_bad_head_is_reported_all_at_once(tmp_path):
    path = write(tmp_path, "bad.yaml", "id: x\namends: method-2021\nstatus: adopted\nclauses: []\nchanges: []\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    text = str(caught.value)
    for part in ("不能写“clauses”", f"缺少“{HEAD_WORDS['effective_from']}(effective_from)”",
                 f"{HEAD_WORDS['status']}(status)应是 draft(草案)或 in_force", f"{HEAD_WORDS['changes']}(changes)应是修改的列表"):
        assert part in text, text
    path.write_text(TINY.replace("amends: method-2020", "amends: method-2002"), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    [problem] = caught.value.problems
    assert problem.line == 2 and f"{HEAD_WORDS['amends']}(amends)所指的“method-2002”不存在" in problem.message
    listed = problem.message.split("可修订的考核办法:")[1].split(")")[0].split("、")
    assert "method-2020" in listed and "my-draft" not in listed, problem.message      # the versions, not the delta itself
    assert str(path.parent) not in problem.message                                     # and no folder


def test_a_bad_heads_keys_are_named_as_the_office_says_them_with_the_key_beside(tmp_path):
    """缺少“施行年度(effective_from)”, not 缺少“effective_from”: the office's word for the key, the key
    itself beside it for whoever writes the YAML; English messages keep the bare key."""
    from evaluator.i18n import language
    path = write(tmp_path, "bad.yaml", "amends: method-2020\nchanges:\n  - {clause: 4.1.2, text: 新的条文}\n")
    missing = [k for k in HEAD_REQUIRED if k not in ("amends", "changes")]
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    said = [p.message for p in caught.value.problems]
    assert sorted(said) == sorted(f"修订文件缺少“{HEAD_WORDS[k]}({k})”" for k in missing)
    assert all(not HEAD_WORDS[k].isascii() for k in HEAD_REQUIRED)
    with language("en"), pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert sorted(p.message for p in caught.value.problems) == sorted(f"the amendment file has no '{k}'" for k in missing)

    # every other problem of a head: no key bare, each one as the office says it
    path.write_text('id: ""\namends: method-2020\nstatus: adopted\neffective_from: 2025\neffective_until: 2020\n'
                    "clauses: []\nchanges: []\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    for problem in caught.value.problems:
        bare = problem.message
        for key, word in HEAD_WORDS.items():
            bare = bare.replace(f"{word}({key})", word)
        assert not any(k in bare for k in HEAD_WORDS), problem.message


def test_the_amendment_workbook_and_a_deltas_messages_say_the_same_words(policy):
    """One table of the head's words: the workbook's 说明 sheet labels B3 and B4 with it and its steps
    name the --effective-from value and the output file (whose name is the id) by it."""
    book = load_workbook(io.BytesIO(amendment_template(policy)))
    guide = book["说明"]
    assert (guide["A3"].value, guide["A4"].value) == (HEAD_WORDS["amends"], HEAD_WORDS["title"])
    steps = " ".join(str(c.value) for c in guide["A"] if c.value)
    assert f"--effective-from {HEAD_WORDS['effective_from']} --output policies/{HEAD_WORDS['id']}.yaml" in steps


def test_amendments_of_amendments_and_a_circle(tmp_path):
    shutil.copy(POLICY, tmp_path / "method-2020.yaml")
    write(tmp_path, "a.yaml", TINY.replace("id: my-draft", "id: a"))
    b = load_policy(write(tmp_path, "b.yaml", "id: b\namends: a\nstatus: draft\neffective_from: 2026\nchanges:\n"
                                              "  - {clause: 4.3.2.5, parameter: large_participants, value: 40}\n"))
    assert b.amends == "a" and b.base.id == "a" and b.clauses["4.1.2"].text == "…新的条文…"
    assert b.clauses["4.3.2.5"].parameters["large_participants"].value == 40
    write(tmp_path, "a.yaml", TINY.replace("id: my-draft", "id: a").replace("amends: method-2020", "amends: b"))
    with pytest.raises(PolicyError, match="修订循环"):
        load_policy(tmp_path / "b.yaml")


def test_derive_copies_the_base_and_never_changes_it():
    data, _ = load_document(POLICY)
    before = json.dumps(data, default=str, ensure_ascii=False)
    derived = derive(data, [{"clause": "4.1.2", "parameter": "leave_limit", "value": 10}])
    assert json.dumps(data, default=str, ensure_ascii=False) == before
    assert [str(e) for e in derived.edits] == ["4.1.2 " + named("4.1.2", "leave_limit", "15", "10")]
    with pytest.raises(PolicyError, match="没有条款“4.1.9”"):
        derive(data, [{"clause": "4.1.9", "text": "新"}])


# --- the 2025 draft ------------------------------------------------------------------------------
def _last_full_copy_of_the_draft() -> str | None:
    """The draft as it was last written in full (before it became a delta), from git."""
    try:
        commits = subprocess.run(["git", "log", "--format=%H", "--", "policies/method-2025-draft.yaml"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.split()
        for commit in ["HEAD", *commits]:
            text = subprocess.run(["git", "show", f"{commit}:policies/method-2025-draft.yaml"], cwd=ROOT,
                                  capture_output=True, text=True, check=True).stdout
            if "\namends:" not in text:
                return text
    except (OSError, subprocess.CalledProcessError):
        return None
    return None


def test_the_2025_draft_is_a_short_delta_that_scores_2024_as_the_full_copy_did(tmp_path):
    text = DRAFT.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 80 and "\namends: method-2020\n" in text
    old_text = _last_full_copy_of_the_draft()
    if old_text is None:
        pytest.skip("no git history of the draft here")
    # The full copy predates sections that declare what they count (未完成项数): give it the base's sections.
    base = POLICY.read_text(encoding="utf-8")
    block = lambda text: text[text.index("\nsections:\n"):text.index("\nawards:")]   # noqa: E731
    old_text = old_text.replace(block(old_text), block(base))
    old_text = _with_parameter_titles(old_text)
    old = load_policy(write(tmp_path, "method-2025-draft.yaml", old_text))
    new = load_policy(DRAFT)
    assert isinstance(new, AmendedPolicy) and not isinstance(old, AmendedPolicy)
    factset = load_factset(EXAMPLES / "2024.yaml")
    expected, actual = (_numbers(to_dict(evaluate(factset, p))) for p in (old, new))
    assert actual == expected and actual["findings"]


def _with_parameter_titles(text: str) -> str:
    """The full copy predates parameter titles: give each parameter the base's title (or its id)."""
    base, clause, lines = load_policy(POLICY).clauses, None, []
    for line in text.split("\n"):
        if line.startswith("  - id: "):
            clause = base.get(line.split(":", 1)[1].strip().strip('"'))
        name, _, rest = line.strip().partition(": {value: ")
        if line.startswith("      ") and rest.endswith("}") and "title:" not in rest:
            known = clause.parameters.get(name) if clause is not None else None
            line = f"{line[:-1]}, title: {known.title if known else name}}}"
        lines.append(line)
    return "\n".join(lines)


def _numbers(result: dict) -> dict:
    """A result's numbers: every unit's scores, rank and eligibility, every finding's points (not its words)."""
    return {"units": result["units"], "award_recommendation": result["award_recommendation"],
            "findings": [{k: v for k, v in f.items() if k != "explanation"} for f in result["findings"]]}


def test_the_registry_lists_a_delta_like_a_full_file():
    [draft] = [v for v in versions(POLICIES) if v.id == "method-2025-draft"]
    assert (draft.path, draft.draft, draft.amends, draft.effective_from) == (DRAFT, True, "method-2020", 2025)
    assert choose_policy(2026, "method-2025-draft", folder=POLICIES).id == "method-2025-draft"


def test_diff_lists_the_amendment_first(policy):
    factset = load_factset(EXAMPLES / "2024.yaml")
    result = diff(evaluate(factset, policy), evaluate(factset, load_policy(DRAFT)))
    assert result.amendment_of_old and result.amends == "method-2020"
    leave_limit = named("4.1.2", "leave_limit", "15", "10")
    assert str(result.amendment[0]) == "4.1.2 " + leave_limit
    data = diff_dict(result)
    assert data["amendment"]["amends"] == "method-2020"
    assert data["amendment"]["changes"][0] == {"policy": "method-2025-draft", "clause": "4.1.2", "target": "parameter", "name": "leave_limit",
                                               "field": "value", "old": 15, "new": 10, "change": leave_limit,
                                               "line": DRAFT.read_text(encoding="utf-8").splitlines().index("    value: 10") + 1}
    done = subprocess.run([sys.executable, "-m", "evaluator", "diff", str(EXAMPLES / "2024.yaml"), "--policy", str(DRAFT)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    shown = done.stdout
    draft, base = (f"《{load_policy(path).policy.title}》" for path in (DRAFT, POLICY))
    assert shown.startswith(f"修订内容:{draft}对{base}的 {len(result.amendment)} 处修改\n"
                            f"  4.1.2 {leave_limit}\n"), shown
    title = policy.clauses["4.1.2"].parameters["leave_limit"].title
    assert f"  4.1.2 {title}的原文:“…不得超过 15 天” → “…不得超过 10 天”\n" in shown
    assert "leave_limit" not in shown   # staff read the parameter's title, not its id
    assert shown.index("比较:") > shown.index(str(result.amendment[-1])[:30])   # then the effect on the units
    assert "办法变化" not in shown   # the amendment already says what changed


# --- dated values ----------------------------------------------------------------------------------
ADOPTED = """\
id: amend-{year}
amends: {base}
status: in_force
effective_from: {year}
changes:
  - {{clause: 4.1.2, parameter: leave_limit, value: {limit}}}
"""


def test_an_adopted_amendment_gives_the_years_from_its_own_their_value(tmp_path):
    shutil.copy(POLICY, tmp_path / "method-2020.yaml")
    write(tmp_path, "amend-2025.yaml", ADOPTED.format(year=2025, base="method-2020", limit=10))
    assert choose_policy(2024, None, folder=tmp_path).id == "method-2020"
    assert choose_policy(2025, None, folder=tmp_path).id == "amend-2025"
    assert choose_policy(2030, None, folder=tmp_path).clauses["4.1.2"].parameters["leave_limit"].value == 10
    assert points(choose_policy(2024, None, folder=tmp_path), "4.1.2", "office", year_of(2024, LEAVE)) == 0
    assert points(choose_policy(2025, None, folder=tmp_path), "4.1.2", "office", year_of(2025, LEAVE)) == Decimal("-1.0")
    write(tmp_path, "amend-2027.yaml", ADOPTED.format(year=2027, base="amend-2025", limit=8))   # the next adoption amends the last
    assert dated_values(tmp_path)[("4.1.2", "leave_limit")] == [(2020, 15, "method-2020"), (2025, 10, "amend-2025"), (2027, 8, "amend-2027")]
    assert dated_values(tmp_path)[("4.3.2.5", "large_participants")] == [(2020, 60, "method-2020")]
    write(tmp_path, "amend-2027.yaml", ADOPTED.format(year=2027, base="method-2020", limit=8))  # two adoptions of one version
    with pytest.raises(Exception, match="2 项已施行的修订都修改 method-2020"):
        choose_policy(2027, None, folder=tmp_path)


def test_evaluator_run_scores_each_year_under_the_values_in_force(tmp_path):
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(POLICY, folder / "method-2020.yaml")
    write(folder, "amend-2025.yaml", ADOPTED.format(year=2025, base="method-2020", limit=10))
    found = {}
    for year in (2024, 2025):
        facts = tmp_path / f"{year}.json"
        facts.write_text(json.dumps(year_of(year, {**LEAVE, "days": 12}), ensure_ascii=False), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(facts), "-f", "json"], capture_output=True, text=True,
                              env={**os.environ, "EVALUATOR_POLICIES": str(folder)})
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        found[year] = (result["policy"], [f["points"] for f in result["findings"] if f["clause"] == "4.1.2"])
    assert found == {2024: ("method-2020", []), 2025: ("amend-2025", [-1])}   # (12 − 10) × 0.5


# --- the amendment workbook ---------------------------------------------------------------------------
def test_the_amendment_workbook_round_trip(tmp_path, policy):
    template = tmp_path / "修订.xlsx"
    done = subprocess.run([sys.executable, "-m", "evaluator", "amendment-template", "--policy", str(POLICY), "--output", str(template)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    wb = load_workbook(template)
    assert wb.sheetnames == ["说明", "参数", "条文", "部分"] and wb["说明"]["B3"].value == "method-2020"
    sheet = wb["参数"]
    headers = [c.value for c in sheet[1]]
    assert headers == ["条款", "条款标题", "参数", "含义", "单位", "现值", "新值", "办法原文", "新原文"]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["H"].width == 50
    rows = {(r[0], r[2]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == sum(len(c.parameters) for c in policy.policy.clauses)
    meaning, unit, value, new, words = rows["4.1.2", "leave_limit"][3:8]
    assert (unit, value, new, words) == ("天", 15, None, "每名工作人员全年请假累计不得超过 15 天")
    assert meaning == policy.clauses["4.1.2"].parameters["leave_limit"].title   # 含义: the parameter's title
    row = next(i for i, r in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2) if r[:3:2] == ("4.3.2.5", "large_participants"))
    sheet.cell(row=row, column=7, value=50)
    wb["条文"]["D3"] = "新的条文"      # 4.1.2
    wb.save(template)
    delta = tmp_path / "my-draft.yaml"
    done = subprocess.run([sys.executable, "-m", "evaluator", "amendment-from", str(template),     # the issue's own form:
                           "--effective-from", "2025", "--output", str(delta)], capture_output=True, text=True)  # the id is the file's name
    assert done.returncode == 0, done.stderr
    assert "参数!G" in done.stderr and "原文仍写“参加学员 60 人以上”" in done.stderr   # the words still say 60
    amended = load_policy(delta)
    assert (amended.id, amended.amends, amended.policy.effective_from, amended.policy.status) == ("my-draft", "method-2020", 2025, "draft")
    assert [str(e) for e in amended.changes] == ["4.3.2.5 " + named("4.3.2.5", "large_participants", "60", "50"), "4.1.2 办法原文:“抓好本机构的日常管理工作,确保工作人员按时"
                                                 "上下班,遵守机关工作秩序,严格落实请销假程序。每名工作人员全年请假累计不得超过 15 天(正常休假除外),累计超过 15 天的,"
                                                 "每人多请一天扣减所在工作机构 0.5 分;无故旷工的,每人每天扣所在工作机构 1 分。因病住院及特殊情况例外。” → “新的条文”"]
    assert points(amended, "4.3.2.5", "legal", year_of(2024, TRAINING)) == 5
    assert delta.read_text(encoding="utf-8").startswith("# ")   # a Chinese header


def test_bad_cells_of_the_amendment_workbook_are_named_by_sheet_and_cell(tmp_path, policy):
    template = tmp_path / "修订.xlsx"
    template.write_bytes(amendment_template(policy))
    wb = load_workbook(template)
    sheet = wb["参数"]
    rows = {(r[0].value, r[2].value): r[0].row for r in sheet.iter_rows(min_row=2)}
    limit, rate = rows["4.1.2", "leave_limit"], rows["4.1.2", "leave_rate"]
    sheet[f"G{limit}"] = "十天"
    sheet[f"C{rate}"], sheet[f"G{rate}"] = "leave_rat", 1
    wb["条文"]["A2"], wb["条文"]["D2"] = "4.1.9", "新的"
    wb.save(template)
    with pytest.raises(PolicyError) as caught:
        amendment_from(template, "x", tmp_path / "x.yaml")
    assert [(str(p.line), p.message) for p in caught.value.problems] == [
        (f"参数!G{limit}(新值)", "“十天”不是数字;新值应写数字,如 10 或 0.5"),
        (f"参数!C{rate}(参数)", "条款 4.1.2 没有参数“leave_rat”;您是不是要写“leave_rate”?"),
        ("条文!A2(条款)", f"《{policy.policy.title}》中没有条款“4.1.9”;您是不是要写“4.3.1.9”?"),
    ]
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(amendment_template(policy))
    with pytest.raises(PolicyError, match="没有填写任何新值"):
        amendment_from(empty, "x", tmp_path / "x.yaml")


def test_a_file_that_is_no_workbook_is_named_so_in_chinese(tmp_path):
    """Not a workbook at all, or a damaged one: the reader's words, and the amendment workbook named as such."""
    text = tmp_path / "说明.txt"
    text.write_text("这不是工作簿", encoding="utf-8")
    damaged = tmp_path / "坏.xlsx"
    damaged.write_bytes(b"PK\x03\x04garbage")
    for path, words in ((text, "不是 Excel 工作簿"), (damaged, "文件已损坏")):
        with pytest.raises(PolicyError) as caught:
            amendment_from(path, "x", tmp_path / "x.yaml")
        assert words in str(caught.value) and "修订工作簿有 1 处问题" in str(caught.value)
        assert not (tmp_path / "x.yaml").exists()


def test_a_workbook_written_under_another_name_is_refused(tmp_path):
    for command in ("amendment-template", "template"):
        done = subprocess.run([sys.executable, "-m", "evaluator", command, "--output", str(tmp_path / "p.txt")],
                              capture_output=True, text=True, env={**os.environ, "EVALUATOR_LANG": "zh"})
        assert done.returncode != 0 and "文件名应以 .xlsx 结尾,而不是“p.txt”" in done.stderr, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_sections_own_numbers_are_amended_too(tmp_path, policy):
    """{section: annual, full_marks: 50}: the annual targets' score before deductions, a number the method states."""
    amended = load_policy(write(tmp_path, "sec.yaml", TINY.replace(
        '  - {clause: 4.1.2, text: "…新的条文…"}\n', "  - {section: annual, full_marks: 50}\n  - {section: daily, round_places: 3}\n")))
    assert amended.policy.sections["annual"].full_marks == 50 and amended.policy.sections["daily"].round_places == 3
    assert [str(e) for e in amended.changes][1:] == ["4.2 年度工作目标满分:40 分 → 50 分", "4.3 日常工作指标保留小数位数:2 位 → 3 位"]
    year = year_of(2024, {"id": "T1", "type": "annual_target", "unit": "office", "title": "目标", "completed": False})
    before, after = (next(u for u in evaluate(check_factset(year, "y.yaml"), p).scorecard.units if u.unit == "office")
                     for p in (policy, amended))
    assert before.annual_score == 35 and after.annual_score == 45   # 50 − 5 for the missed target


@pytest.mark.parametrize("change, words", [
    ("{section: anual, full_marks: 50}", "考核办法中没有部分“anual”(有:common、annual、daily);您是不是要写“annual”?"),
    ("{section: annual, full_marks: 五十}", "满分应是数字,而不是“五十”"),
    ("{section: daily, round_places: -1}", "保留小数位数应是不小于 0 的整数,而不是“-1”"),
    ("{section: annual, per_staff: true}", "修改项中不能写“per_staff”"),
])
def test_a_bad_section_change_is_named_at_its_line(tmp_path, change, words):
    from evaluator.i18n import language
    path = write(tmp_path, "bad.yaml", TINY.replace('  - {clause: 4.1.2, text: "…新的条文…"}\n', f"  - {change}\n"))
    with language("zh"), pytest.raises(PolicyError) as caught:
        load_policy(path)
    [problem] = caught.value.problems
    assert problem.line == 7 and words in problem.message, problem


def test_a_sections_numbers_are_amended_from_the_workbook(tmp_path, policy):
    template = tmp_path / "修订.xlsx"
    template.write_bytes(amendment_template(policy))
    wb = load_workbook(template)
    sheet = wb["部分"]
    assert [c.value for c in sheet[1]] == ["部分", "部分标题", "条款", "项目", "现值", "新值"]
    rows = {(r[0].value, r[3].value): r for r in sheet.iter_rows(min_row=2)}
    assert rows["annual", "满分"][4].value == 40 and rows["daily", "保留小数位数"][4].value == 2
    rows["annual", "满分"][5].value = 50
    rows["common", "最低分"][5].value = "很低"
    wb.save(template)
    with pytest.raises(PolicyError) as caught:
        amendment_from(template, "x", tmp_path / "x.yaml")
    [bad] = caught.value.problems
    assert (bad.line.sheet, bad.line.row) == ("部分", rows["common", "最低分"][0].row) and "“很低”不是数字" in bad.message
    rows["common", "最低分"][5].value = None
    wb.save(template)
    text, changes, _ = amendment_from(template, "sec-draft", tmp_path / "sec-draft.yaml", 2025)
    assert [c.change for c in changes] == [{"section": "annual", "full_marks": 50}] and "4.2 年度工作目标:满分 40 → 50" in text
    path = write(tmp_path, "sec-draft.yaml", text)
    assert load_policy(path).policy.sections["annual"].full_marks == 50
