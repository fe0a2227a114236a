"""One Chinese rendering of a rule's condition (policy/render.py), used by the site, why-not,
check-policy and the comparison of two policy versions.

The expected words are R1's (以上 and 以内 include the number, 超过 and 不足 do not) and the
policy's labels; the numbers are the policy's parameters or arbitrary ones that no rule uses.
"""
from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from evaluator.domain.conditions import Condition, Test as Comparison   # not collected as a test class
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset
from evaluator.domain.numbers import plain
from evaluator.domain.policy import load_policy
from evaluator.domain.policy.checks import check_tiers, column, problem_line
from evaluator.domain.policy.compare import policy_changes
from evaluator.domain.policy.render import condition_text, failed_text, test_text as comparison_text   # not collected as a test
from evaluator.errors import PolicyError
from evaluator.i18n import language
from evaluator.views.livingdoc import build_site
from evaluator.views.whynot import print_why_not

from conftest import POLICY, ROOT

TRAINING = "4.3.2.5"   # the clause with two tiers on two number fields (R10)
ENV_ZH = {**__import__("os").environ, "EVALUATOR_LANG": "zh"}


def changed(tmp_path: Path, *edits: tuple[str, str], name: str = "changed.yaml") -> Path:
    text = POLICY.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def label(policy, name: str) -> str:
    return policy.policy.labels.fields[name]


# --- each operator --------------------------------------------------------------------------------
@pytest.mark.parametrize("op, words", [
    ("at_least", "{f} 7 人以上"), ("at_most", "{f} 7 人以内"),      # R1: include the number
    ("more_than", "{f}超过 7 人"), ("less_than", "{f}不足 7 人"),    # R1: exclude it
])
def test_each_comparison_reads_in_r1s_words_with_the_unit(policy, op, words):
    test = Comparison("participants", op, Decimal(7), "人")
    assert comparison_text(test, "training_program", policy) == words.format(f=label(policy, "participants"))


def test_a_number_without_a_unit_stands_apart_from_its_word(policy):
    f = label(policy, "characters")
    assert comparison_text(Comparison("characters", "at_most", Decimal(7)), "speech_draft", policy) == f"{f} 7 以内"
    assert comparison_text(Comparison("characters", "more_than", Decimal("7.5")), "speech_draft", policy) == f"{f}超过 7.5"


def test_enum_values_read_as_their_labels(policy):
    stage = label(policy, "stage")
    first, second = (policy.label("regulation_draft", "stage", v) for v in ("first_reading", "second_reading"))
    assert first != "first_reading" and second != "second_reading"     # the policy labels them
    assert comparison_text(Comparison("stage", "equals", "first_reading"), "regulation_draft", policy) == f"{stage}为{first}"
    assert comparison_text(Comparison("stage", "not", "first_reading"), "regulation_draft", policy) == f"{stage}不为{first}"
    both = ("first_reading", "second_reading")
    assert comparison_text(Comparison("stage", "one_of", both), "regulation_draft", policy) == f"{stage}为{first}、{second}之一"
    assert comparison_text(Comparison("stage", "not_one_of", both), "regulation_draft", policy) == f"{stage}不为{first}、{second}中的任何一个"


def test_true_false_and_present_read_as_the_policy_writes_them(policy):
    yes, no = policy.policy.labels.booleans["true"][0], policy.policy.labels.booleans["false"][0]
    revised, reviewer = label(policy, "major_revision"), label(policy, "reviewed_by")
    assert comparison_text(Comparison("major_revision", "equals", True), "regulation_draft", policy) == f"{revised}为{yes}"
    assert comparison_text(Comparison("major_revision", "equals", False), "regulation_draft", policy) == f"{revised}为{no}"
    assert comparison_text(Comparison("reviewed_by", "present", True), "normative_document", policy) == f"{reviewer}已填写"
    assert comparison_text(Comparison("reviewed_by", "present", False), "normative_document", policy) == f"{reviewer}未填写"


def test_all_tests_are_joined_by_and_the_alternatives_of_any_by_or(policy):
    a, b, c = (Comparison("participants", "at_least", Decimal(7)), Comparison("days", "less_than", Decimal(3)),
               Comparison("participants", "less_than", Decimal(2)))
    words = [comparison_text(t, "training_program", policy) for t in (a, b, c)]
    assert condition_text(Condition((a, b)), "training_program", policy) == f"{words[0]}且{words[1]}"
    assert condition_text(Condition((), (Condition((b,)), Condition((c,)))), "training_program", policy) == f"{words[1]}或{words[2]}"
    nested = Condition((a,), (Condition((b,)), Condition((c, a))))
    assert condition_text(nested, "training_program", policy) == f"{words[0]}且({words[1]}或({words[2]}且{words[0]}))"
    assert condition_text(Condition(), "training_program", policy) == ""


def test_english_on_request(policy, english):
    assert comparison_text(Comparison("participants", "at_least", Decimal(7), "人"), "training_program", policy) == "participants at least 7 人"
    assert comparison_text(Comparison("stage", "equals", "first_reading"), "regulation_draft", policy) == "stage is first_reading"


# --- the parameters ----------------------------------------------------------------------------------
def test_the_policys_conditions_quote_their_parameters_with_units(policy):
    params = policy.clauses[TRAINING].parameters
    large = policy.rules_by_key[f"{TRAINING}/training-large"]
    text = condition_text(large.condition, large.rule.fact, policy)
    for name in ("large_participants", "large_days"):
        assert f"{plain(params[name].value)} {params[name].unit}以上" in text, text
    assert not re.search(r"[A-Za-z_$]", text), text   # no field name, parameter name or $ in the Chinese


def test_a_changed_parameter_changes_the_text(tmp_path, policy):
    old = policy.clauses[TRAINING].parameters["large_participants"]
    new_value = old.value + 7
    edited = load_policy(changed(tmp_path, (f"large_participants: {{value: {plain(old.value)},",
                                            f"large_participants: {{value: {plain(new_value)},")))
    rule = edited.rules_by_key[f"{TRAINING}/training-small"]
    text = condition_text(rule.condition, rule.rule.fact, edited)
    assert f"不足 {plain(new_value)} {old.unit}" in text and f"不足 {plain(old.value)} {old.unit}" not in text, text
    # and the comparison of the two versions says what the parameter became, with its unit
    [change] = [c for c in policy_changes(policy, edited) if c.clause == TRAINING]
    assert f"{plain(old.value)} {old.unit} → {plain(new_value)} {old.unit}" in change.what


def test_a_changed_condition_reads_as_old_words_to_new_words(tmp_path, policy):
    edited = load_policy(changed(tmp_path, ("        when: {counted_days: {at_most: $leave_limit}}\n",
                                            "        when: {counted_days: {less_than: $leave_limit}}\n")))
    key = next(r.key for r in policy.rules if r.condition.tests and r.condition.tests[0].op == "at_most"
               and r.condition.tests[0].field == "counted_days")
    before, after = policy.rules_by_key[key], edited.rules_by_key[key]
    [change] = [c for c in policy_changes(policy, edited) if c.rule == after.id]
    assert change.what == (f"条件 {condition_text(before.condition, before.rule.fact, policy)} → "
                           f"{condition_text(after.condition, after.rule.fact, edited)}")
    assert "at_most" not in change.what and "{" not in change.what


# --- a failed test -----------------------------------------------------------------------------------
def test_a_failed_test_says_the_actual_value_the_test_and_r1s_reading(policy):
    test = Comparison("participants", "at_least", Decimal(7), "人")
    words = comparison_text(test, "training_program", policy)
    f = label(policy, "participants")
    assert failed_text(test, Decimal(6), "training_program", policy) == f"{f}为 6 人,不满足“{words}”(以上含本数)"
    assert failed_text(Comparison("participants", "less_than", Decimal(7), "人"), 7, "training_program", policy).endswith("(不足不含本数)")
    assert failed_text(test, None, "training_program", policy).startswith(f"{f}未填写,")
    stage = Comparison("stage", "equals", "second_reading")
    first = policy.label("regulation_draft", "stage", "first_reading")
    assert failed_text(stage, "first_reading", "regulation_draft", policy) == \
        f"{label(policy, 'stage')}为 {first},不满足“{comparison_text(stage, 'regulation_draft', policy)}”"


# --- the same words on the site, in why-not and in check-policy ------------------------------------------
def test_one_condition_reads_the_same_on_the_site_in_why_not_and_in_check_policy(tmp_path, policy):
    large = policy.rules_by_key[f"{TRAINING}/training-large"]
    words = condition_text(large.condition, large.rule.fact, policy)
    participants = next(t for t in large.condition.tests if t.field == "participants")

    build_site(policy, ROOT / "features", None, tmp_path / "site")
    html = (tmp_path / "site" / f"{large.clause.section}.html").read_text(encoding="utf-8")
    row = html.split(f'<td class="rule" title="{large.id}">', 1)[1].split("</tr>", 1)[0]   # the row, found by its tooltip
    assert words in row

    short = participants.value - 1
    year = {"year": 2024, "units": [{"id": "u", "name": "研究室", "staff": 3}],
            "facts": [{"id": "T1", "type": large.rule.fact, "unit": "u", "title": "研修班",
                       "participants": int(short), "days": 30}]}
    console = Console(record=True, width=400, emoji=False, highlight=False)
    with language("zh"):
        print_why_not(evaluate(check_factset(year, "year.yaml"), policy), "u", TRAINING, console)
    shown = console.export_text()
    assert failed_text(participants, short, large.rule.fact, policy) in shown
    assert f"“{comparison_text(participants, large.rule.fact, policy)}”" in shown

    # check-policy: the tiers made to overlap (the lower tier's 不足 turned into 以内)
    path = changed(tmp_path, ("            - participants: {less_than: $large_participants}\n"
                              "            - days: {less_than: $large_days}\n        points: $small_rate\n",
                              "            - participants: {at_most: $large_participants}\n"
                              "            - days: {less_than: $large_days}\n        points: $small_rate\n"))
    done = subprocess.run([sys.executable, "-m", "evaluator", "check-policy", str(path), "--features", str(ROOT / "features")],
                          capture_output=True, text=True, env=ENV_ZH)
    assert done.returncode == 1
    overlaps = [line for line in done.stdout.splitlines() if line.endswith("(overlap)")]
    assert overlaps and all(words in line for line in overlaps), done.stdout


# --- check-policy prints as yamllint does --------------------------------------------------------------
def test_check_policy_lines_are_file_line_col_level_message_id(tmp_path):
    path = changed(tmp_path, ("            - participants: {less_than: $large_participants}\n"
                              "            - days: {less_than: $large_days}\n        points: $small_rate\n",
                              "            - participants: {less_than: 59}\n"
                              "            - days: {less_than: $large_days}\n        points: $small_rate\n"))
    edited = load_policy(path)
    [finding, *_] = check_tiers(edited)
    lines = path.read_text(encoding="utf-8").splitlines()
    col = column(lines, finding.line)
    assert lines[finding.line - 1][col - 1:].startswith("id: ")            # the rule's own line, at its key
    with language("zh"):
        zh = problem_line(path, finding.line, finding.message, finding.kind, lines)
    with language("en"):
        en = problem_line(path, finding.line, "a gap", finding.kind, lines)
    assert zh == f"{path}:{finding.line}:{col}: 错误 {finding.message} (gap)"
    assert en == f"{path}:{finding.line}:{col}: error a gap (gap)"
    assert problem_line(path, None, "m", "undocumented", lines).startswith(f"{path}: ")


def test_warnings_alone_exit_0_and_any_error_exits_1(tmp_path):
    empty = tmp_path / "features"
    empty.mkdir()
    run = lambda p, f: subprocess.run([sys.executable, "-m", "evaluator", "check-policy", str(p), "--features", str(f)],
                                      capture_output=True, text=True, env=ENV_ZH)
    warned = run(POLICY, empty)
    assert warned.returncode == 0 and "警告" in warned.stdout and "错误" not in warned.stdout
    broken = run(changed(tmp_path, ("when: {characters: {at_most: $short_limit}}", "when: {characters: {at_most: 1200}}")), empty)
    assert broken.returncode == 1 and re.search(r":\d+:\d+: 错误 .*\(overlap\)$", broken.stdout, re.M), broken.stdout


# --- the loader speaks Chinese ---------------------------------------------------------------------------
@pytest.mark.parametrize("edit, zh, en", [
    (("    title: 理论学习\n", "    title: 理论学习\n    weight: 2\n"), "不能写键“weight”", "unknown key 'weight'"),
    (("        fact: lecture\n", "        fact: lectures\n"), "没有事实类型“lectures”;您是不是要写“lecture”?",
     "unknown fact type 'lectures'; did you mean 'lecture'?"),
    (('  - id: "4.1.4"\n', '  - id: "4.1.3"\n'), "条款编号“4.1.3”用了两次", "clause id '4.1.3' is used twice"),
    (("        when: {matter: general}\n", "        when: {matter: generall}\n"), "“generall”不是“matter”的取值",
     "'generall' is not a value of 'matter'"),
])
def test_the_loaders_problems_are_in_chinese_and_in_english_on_request(tmp_path, edit, zh, en):
    for lang, expected in (("zh", zh), ("en", en)):
        path = changed(tmp_path, edit, name=f"broken-{lang}.yaml")
        with language(lang), pytest.raises(PolicyError) as caught:
            load_policy(path)
        with language(lang):
            text = str(caught.value)
        assert expected in text and all(p.line for p in caught.value.problems), text
