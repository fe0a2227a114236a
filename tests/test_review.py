"""Reviewers answer "which clause gave these points, from which lines?" and "why only this?" from the CLI."""
from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
import sys

import pytest
from rich.console import Console

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset, load_factset
from evaluator.domain.numbers import plain, two_places
from evaluator.errors import UsageError
from evaluator.i18n import language
from evaluator.views.coverage import clause_coverage, print_coverage
from evaluator.views.explain import print_explanation
from evaluator.views.whynot import print_why_not, why_not

from conftest import EXAMPLES, ROOT

# These tests check the English wording (--lang en); Chinese is the default (test_chinese_input.py).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def example(policy):
    return evaluate(load_factset(EXAMPLES / "2024.yaml"), policy)


def screen(fn, *args) -> str:
    console = Console(record=True, width=400, emoji=False, highlight=False)
    fn(*args, console)
    return console.export_text()


def test_explain_traces_points_to_clause_rule_arithmetic_and_input_lines(example):
    text = screen(print_explanation, example, "城乡建设环境保护工作委员会", None)
    assert "4.1.3 作风建设" in text and "办法原文:" in text
    assert "规则 conduct-violation" in text and "扣 3 分 = −3 分" in text
    assert "依据 CV-001" in text and "examples/2024.yaml:" in text


def test_explain_shows_what_a_derived_fact_came_from(example):
    text = screen(print_explanation, example, "office", "4.1.2")
    assert "派生:个人全年计入请假天数" in text or "没有认定" in text
    found = [f for f in example.findings if f.clause == "4.1.2" and f.derived_from]
    assert found, "the example has a person over the leave limit"
    unit = found[0].unit
    text = screen(print_explanation, example, unit, "4.1.2")
    assert "派生:个人全年计入请假天数" in text and found[0].derived_from not in text  # no internal ids
    for fid in found[0].evidence:
        assert f"依据 {fid}" in text


def test_why_not_names_the_failed_threshold_with_its_value(policy):
    data = {"year": 2024, "units": [{"id": "edu", "name": "教科文卫工委", "staff": 5}],
            "facts": [{"id": "T1", "type": "training_program", "unit": "edu", "title": "研修班", "participants": 59, "days": 5},
                      {"id": "L1", "type": "leave", "unit": "edu", "person": "张三", "kind": "personal", "days": 15},
                      {"id": "L2", "type": "leave", "unit": "edu", "person": "张三", "kind": "hospitalization", "days": 20}]}
    ev = evaluate(check_factset(data, "year.yaml"), policy)
    with language("zh"):  # the Chinese words (the module runs in English)
        text = screen(print_why_not, ev, "edu", "4.3.2.5")
    # the threshold and its unit come from the policy's parameter, the words from R1
    large, label = policy.clauses["4.3.2.5"].parameters["large_participants"], policy.policy.labels.fields["participants"]
    assert f"{label}为 59 {large.unit},不满足“{label} {plain(large.value)} {large.unit}以上”(以上含本数)" in text
    assert "差一点" in text
    assert "计分 规则 training-small" in text and "+3 分" in text
    with language("zh"):
        text = screen(print_why_not, ev, "edu", "4.1.2")
    limit, label = policy.clauses["4.1.2"].parameters["leave_limit"], policy.policy.labels.fields["counted_days"]
    assert f"{label}为 15 {limit.unit},不满足“{label}超过 {plain(limit.value)} {limit.unit}”(超过不含本数)" in text
    assert "不计入:L2 请假 张三 因病住院" in text


def test_why_not_shows_an_award_withheld_by_r7_and_an_excluded_matter(example):
    _, _, facts = why_not(example, "legal", "4.3.1.1")
    verdicts = {(fo.fact.id, o.rule.id): o.verdict for fo in facts for o in fo.outcomes}
    withheld = [k for k, v in verdicts.items() if v == "withheld"]
    assert withheld and all(rule == "second-reading" for _, rule in withheld)
    said = [o.text for fo in facts for o in fo.outcomes if o.verdict == "withheld"]
    by = next(r for r in example.policy.rules if r.rule.replaces == "second-reading")
    assert all(f"被规则“{by.rule.title}”扣留" in text and by.id not in text for text in said)   # the web shows it too: no id
    text = screen(print_why_not, example, "finance", "4.3.1.3")
    assert "不在 4.3.1.3 加分之列" in text


def test_why_not_names_a_unit_a_fact_names_by_the_rosters_name(example):
    from evaluator.views.whynot import why_not
    with language("zh"):  # the Chinese words (the module runs in English)
        _, _, facts = why_not(example, "legal", "4.3.4.3")
    said = [t for fo in facts for o in fo.outcomes for t in o.failures if "审查机构已填写" in t]
    names, ids = {u.name for u in example.factset.units.values()}, set(example.factset.units)
    shown = {t.split("审查机构已填写(")[1].split(")")[0] for t in said}
    assert said and shown <= names and not shown & ids


def test_why_not_says_when_there_is_no_fact(example):
    text = screen(print_why_not, example, "education", "4.3.2.5")
    assert "没有本条款考虑的事实(研修学习)" in text


def test_unknown_unit_or_clause_is_a_usage_error_with_a_suggestion(example):
    with pytest.raises(UsageError, match="did you mean 'office'"):
        why_not(example, "ofice", "4.1.2")
    with pytest.raises(UsageError, match="no clause '4.3.9'"):
        why_not(example, "office", "4.3.9")


def test_coverage_lists_units_points_and_undocumented_clauses(example):
    rows = {r.clause: r for r in clause_coverage(example, ROOT / "features")}
    assert len(rows) == 39
    assert rows["4.1.3"].points_by_unit == {"urban": -3}
    assert all(r.scenarios > 0 for r in rows.values()), [c for c, r in rows.items() if not r.scenarios]
    text = screen(print_coverage, example, ROOT / "features")
    assert "没有场景说明的条款(0):无" in text


def test_cli_commands_run_in_chinese(example):
    for args in (["explain", "--unit", "办公厅", "--clause", "4.3.2.1"], ["why-not", "--unit", "office", "--clause", "4.3.2.5"],
                 ["coverage", "--features", str(ROOT / "features")]):
        done = subprocess.run([sys.executable, "-m", "evaluator", args[0], str(EXAMPLES / "2024.yaml"), *args[1:]],
                              capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "250"})
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        if args[0] != "why-not":  # a heading names the policy by its title, not its id
            assert example.policy.policy.title in done.stdout and example.policy.id not in done.stdout, done.stdout
    done = subprocess.run([sys.executable, "-m", "evaluator", "explain", str(EXAMPLES / "2024.yaml"), "--unit", "nobody"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "没有机构“nobody”" in done.stderr


def test_batch_mode_scores_every_file_and_reports_the_bad_one(tmp_path):
    import shutil
    for name in ("2024.yaml", "small-2024.yaml", "broken-2024.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(tmp_path), "--format", "json", "--output", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["2024.result.json", "small-2024.result.json"]
    assert "broken-2024.yaml:43: 事实 L-002" in done.stderr
    assert "2 个事实集已评估,1 个有错误" in done.stdout


def test_the_demo_prints_the_scorecard_in_chinese():
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(EXAMPLES / "2024.yaml")],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    assert "名次" in done.stdout and "评优建议(按名次):" in done.stdout
    assert "取消评优资格:4.1.3 作风建设" in done.stdout  # the example's one disqualified unit says why
    result = subprocess.run([sys.executable, "-m", "evaluator", "run", str(EXAMPLES / "2024.yaml"), "--format", "json"],
                            capture_output=True, text=True)
    for unit in json.loads(result.stdout, parse_float=Decimal)["units"]:  # the table shows the JSON's scores
        row = next(line for line in done.stdout.splitlines() if f" {unit['name']} " in line)
        assert two_places(Decimal(unit["total"])) in row and f" {unit['rank']} " in row


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evaluator", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "250", "EVALUATOR_LANG": "zh"})


def test_explain_why_not_and_coverage_read_the_review_that_the_run_scored_with():
    """In the review stage the run says 83.63 for 财政经济工作委员会: the explanation it points to must too."""
    facts, review = str(EXAMPLES / "2024.yaml"), str(EXAMPLES / "review-2024.yaml")
    scored = json.loads(_cli("run", facts, "--review", review, "--format", "json").stdout, parse_float=Decimal)
    unit = next(u for u in scored["units"] if u["unit"] == "finance")
    unreviewed = json.loads(_cli("run", facts, "--format", "json").stdout, parse_float=Decimal)
    assert unit["total"] != next(u for u in unreviewed["units"] if u["unit"] == "finance")["total"]   # the review moves it
    explained = _cli("explain", facts, "--unit", "finance", "--review", review)
    assert explained.returncode == 0 and f"总分 {two_places(Decimal(unit['total']))}" in explained.stdout, explained.stdout
    table = _cli("run", facts, "--review", review).stdout
    assert f"--review {review}" in " ".join(table.split())                 # the footer's explain command carries it
    for args in (["why-not", facts, "--unit", "finance", "--clause", "4.1.2", "--review", review],
                 ["coverage", facts, "--review", review]):
        done = _cli(*args)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_a_mid_year_day_outside_the_fact_sets_year_is_refused():
    for command in (["run"], ["validate"], ["explain", "--unit", "office"]):
        done = _cli(command[0], str(EXAMPLES / "2024.yaml"), *command[1:], "--as-of", "2023-06-30")
        assert done.returncode != 0 and "--as-of 2023-06-30 不在事实集的 2024 年度内" in done.stderr, done.stderr


def test_a_features_folder_that_is_not_there_is_refused():
    for command in (["coverage", str(EXAMPLES / "2024.yaml")], ["check-policy", str(ROOT / "policies" / "method-2020.yaml")]):
        done = _cli(*command, "--features", "nosuch")
        assert done.returncode != 0 and "没有场景文件夹“nosuch”" in done.stderr, done.stderr
