"""The method is data: policy staff change it in YAML, and a broken policy is reported precisely."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset
from evaluator.domain.policy import load_policy
from evaluator.errors import PolicyError

from conftest import POLICY, ROOT

# These tests check the English wording (--lang en); Chinese is the default (test_chinese_input.py).
pytestmark = pytest.mark.usefixtures("english")

YEAR = {
    "year": 2024,
    "units": [{"id": "office", "name": "办公厅", "staff": 10}, {"id": "legal", "name": "法制工作委员会", "staff": 5}],
    "facts": [
        {"id": "L1", "type": "leave", "unit": "office", "person": "张三", "kind": "personal", "days": Decimal(12)},
        {"id": "P1", "type": "petition", "unit": "office", "kind": "letter", "count": 340},
        {"id": "T1", "type": "training_program", "unit": "legal", "title": "研修班", "participants": 55, "days": Decimal(5)},
    ],
}


def changed_policy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the shipped policy with literal text edits, as a policy editor would make them."""
    text = POLICY.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"edit target not unique: {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "method-changed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def clause_points(policy, clause: str, unit: str) -> Decimal:
    ev = evaluate(check_factset(YEAR, "year.yaml"), policy)
    return sum((f.points for f in ev.findings if f.clause == clause and f.unit == unit), Decimal(0))


def test_shipped_policy_scores_the_reference_year(policy):
    assert clause_points(policy, "4.1.2", "office") == 0            # 12 days: within 15
    assert clause_points(policy, "4.3.4.4", "office") == Decimal("34")  # 340 letters × 0.1
    assert clause_points(policy, "4.3.2.5", "legal") == 3          # 55 participants: lower tier


def test_leave_threshold_15_to_10_days_is_a_yaml_edit(tmp_path):
    policy = load_policy(changed_policy(tmp_path, ("leave_limit: {value: 15,", "leave_limit: {value: 10,")))
    assert clause_points(policy, "4.1.2", "office") == Decimal("-1.0")  # (12 − 10) × 0.5


def test_letter_rate_0_1_to_0_2_is_a_yaml_edit(tmp_path):
    policy = load_policy(changed_policy(tmp_path, ("letter_rate: {value: 0.1,", "letter_rate: {value: 0.2,")))
    assert clause_points(policy, "4.3.4.4", "office") == Decimal("68")  # 340 × 0.2


def test_upper_training_tier_60_to_50_participants_is_a_yaml_edit(tmp_path):
    policy = load_policy(changed_policy(tmp_path, ("large_participants: {value: 60,", "large_participants: {value: 50,")))
    assert clause_points(policy, "4.3.2.5", "legal") == 5  # 55 ≥ 50 and 5 days ≥ 5


def test_leave_rate_0_5_to_1_point_is_a_yaml_edit(tmp_path):
    policy = load_policy(changed_policy(tmp_path, ("leave_limit: {value: 15,", "leave_limit: {value: 10,"),
                                        ("leave_rate: {value: -0.5,", "leave_rate: {value: -1,")))
    assert clause_points(policy, "4.1.2", "office") == -2


BROKEN = {
    "unknown key": (("    title: 理论学习\n", "    title: 理论学习\n    weight: 2\n"), "unknown key 'weight'"),
    "unknown fact field": (("        when: {reason: personal_leave}\n        points: $personal_leave_rate\n        explain: \"{person} 因私请假不参加集中",
                            "        when: {raeson: personal_leave}\n        points: $personal_leave_rate\n        explain: \"{person} 因私请假不参加集中"),
                           "unknown field 'raeson'; did you mean 'reason'?"),
    "unknown value": (("        when: {matter: general}\n", "        when: {matter: generall}\n"),
                      "'generall' is not a value of 'matter'; did you mean 'general'?"),
    "duplicate clause id": (('  - id: "4.1.4"\n', '  - id: "4.1.3"\n'), "clause id '4.1.3' is used twice"),
    "unknown parameter": (("        when: {counted_days: {more_than: $leave_limit}}\n",
                           "        when: {counted_days: {more_than: $leave_limt}}\n"), "unknown parameter '$leave_limt'"),
    "unknown ruling": (("    rulings: [R8]\n    parameters:\n      matter_rate:", "    rulings: [R88]\n    parameters:\n      matter_rate:"),
                       "unknown ruling 'R88'"),
    "unknown placeholder": (('explain: "担任{group}成员', 'explain: "担任{grop}成员'), "explain uses '{grop}'"),
    "unknown fact type": (("        fact: lecture\n", "        fact: lectures\n"), "unknown fact type 'lectures'; did you mean 'lecture'?"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_policy_is_reported_with_its_line(tmp_path, case):
    edit, message = BROKEN[case]
    with pytest.raises(PolicyError) as caught:
        load_policy(changed_policy(tmp_path, edit))
    text = str(caught.value)
    assert message in text, text
    assert all(p.line for p in caught.value.problems), text
    assert re.search(r"method-changed\.yaml:\d+: ", text)


def test_the_policy_covers_every_clause_of_the_method(policy):
    assert len(policy.clauses) == 39
    assert set(policy.policy.rulings) == {f"R{i}" for i in range(1, 21)}
    assert all(policy.rules_of(c) for c in policy.clauses)


def test_no_clause_number_or_rate_is_written_in_python():
    """Clause ids and point values live in policies/, never in the evaluator's code."""
    clause_id = re.compile(r"""["']4\.[123](\.\d+)*["']""")
    for path in sorted((ROOT / "src" / "evaluator").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not clause_id.search(text), f"{path.name} names a clause id"
        assert not re.search(r"Decimal\(\s*[\"']?(0\.1|0\.2|0\.5|15|40)[\"']?\s*\)", text), f"{path.name} has a rate"


def _section_names() -> set[str]:
    """The shipped policy's section ids and the JSON result's keys made from them (common, common_score …)."""
    from evaluator.domain.scorecard import RAW, SCORE
    sections = load_policy(POLICY).policy.sections
    names = set(sections)
    for sid, section in sections.items():
        names |= {f"{sid}_{SCORE}", f"{sid}_{RAW[section.kind]}", *(f"{sid}_{count}" for count in section.counts)}
    return names


def test_no_section_is_named_in_python_or_templates():
    """The sections are the policy's: code and templates iterate them, never name one (`f.section == "annual"`,
    `s.common_score`, `{{ u.daily_points }}`), so that a policy may rename, add or reorder them."""
    import ast
    names = _section_names()
    assert {"common", "annual_missed", "daily_points"} <= names   # the gate knows what it looks for
    for path in sorted((ROOT / "src" / "evaluator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and node.value in names:
                raise AssertionError(f"{path.name}:{node.lineno} names the section key {node.value!r}")
            if isinstance(node, ast.Attribute) and node.attr in names:
                raise AssertionError(f"{path.name}:{node.lineno} reads the section key .{node.attr}")
    word = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")
    templates = [*(ROOT / "src" / "evaluator" / "templates").rglob("*.j2"),
                 *(ROOT / "src" / "evaluator" / "web" / "templates").rglob("*.html")]
    assert templates
    for path in templates:
        for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", path.read_text(encoding="utf-8"), re.S):
            found = word.search(tag)
            assert not found, f"{path.name} names the section key {found.group(1)!r} in {tag!r}"


def test_the_section_gate_catches_a_named_section(tmp_path):
    """The gate's two checks find what they are meant to find (a gate that cannot fail checks nothing)."""
    import ast
    names = _section_names()
    caught = [n for n in ast.walk(ast.parse('if f.section == "annual": x = s.common_score'))
              if (isinstance(n, ast.Constant) and n.value in names) or (isinstance(n, ast.Attribute) and n.attr in names)]
    assert len(caught) == 2
    word = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    assert word.search("{{ u.daily_points }}") and not word.search("{{ u.annual_duty }}")
