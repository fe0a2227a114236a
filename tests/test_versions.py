"""Policy versions, what-if comparison and the static checks a policy editor runs."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from evaluator.domain.diff import diff
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.domain.policy import load_policy
from evaluator.domain.policy.checks import check_tiers
from evaluator.domain.policy.registry import choose_policy
from evaluator.errors import UsageError
from evaluator.i18n import language

from conftest import EXAMPLES, POLICY, ROOT

POLICIES = ROOT / "policies"


def write_version(folder: Path, name: str, head: str) -> None:
    text = POLICY.read_text(encoding="utf-8")
    head_end = text.index("source:")
    (folder / name).write_text(head + text[head_end:], encoding="utf-8")


def test_year_picks_the_version_in_force_and_drafts_need_their_id():
    assert choose_policy(2024, None, folder=POLICIES).id == "method-2020"
    assert choose_policy(2026, None, folder=POLICIES).id == "method-2020"  # the 2025 draft is not in force
    assert choose_policy(2026, "method-2025-draft", folder=POLICIES).id == "method-2025-draft"


def test_a_year_no_version_covers_or_two_versions_claim_is_a_clear_error(tmp_path):
    write_version(tmp_path, "a.yaml", "id: a\ntitle: A\neffective_from: 2020\neffective_until: 2022\n")
    write_version(tmp_path, "b.yaml", "id: b\ntitle: B\neffective_from: 2022\n")
    listed = "a(2020—2022 年施行,a.yaml)、b(2022 年起施行,b.yaml)"
    with pytest.raises(UsageError) as caught:
        choose_policy(2019, None, folder=tmp_path)
    assert str(caught.value) == f"考核办法目录 {tmp_path} 中没有在 2019 年施行的考核办法(目录中有:{listed})"
    with pytest.raises(UsageError) as caught:
        choose_policy(2022, None, folder=tmp_path)
    assert str(caught.value) == f"有 2 个考核办法都在 2022 年施行:{listed};请用 --policy 指定一个"
    assert choose_policy(2021, None, folder=tmp_path).id == "a"
    with pytest.raises(UsageError) as caught:
        choose_policy(2021, "c", folder=tmp_path)
    assert str(caught.value) == f"事实集写明的考核办法“c”不在考核办法目录 {tmp_path} 中(目录中有:{listed})"
    with language("en"), pytest.raises(UsageError, match="names policy 'c'"):
        choose_policy(2021, "c", folder=tmp_path)


def test_a_policy_head_is_parsed_once_per_content_and_again_when_the_file_changes(tmp_path, monkeypatch):
    from evaluator.domain.policy import registry
    parsed = []
    read_head = registry._read_head
    monkeypatch.setattr(registry, "_read_head", lambda path, content: parsed.append(path.name) or read_head(path, content))
    write_version(tmp_path, "a.yaml", "id: a\ntitle: A\neffective_from: 2020\n")
    assert [v.id for v in registry.versions(tmp_path)] == ["a"]
    assert [v.id for v in registry.versions(tmp_path)] == ["a"]
    assert parsed == ["a.yaml"]
    write_version(tmp_path, "a.yaml", "id: a\ntitle: A\neffective_from: 2020\neffective_until: 2021\n")
    assert [(v.id, v.effective_until) for v in registry.versions(tmp_path)] == [("a", 2021)]
    assert parsed == ["a.yaml", "a.yaml"]
    (tmp_path / "a.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    assert registry.versions(tmp_path) == []  # a broken file is left out, and reported when chosen


@pytest.mark.parametrize("head", [
    "id: a\neffective_from: 2020\n",
    "id: '2020'\neffective_from: 2020\neffective_until: ~\n",                    # quoted text stays text, ~ is none
    "x: {id: nested, status: draft}\nid: a\nrulings: [{id: R1}]\nstatus: draft\neffective_from: 2021\n",
    "id: &name a\namends: *name\neffective_from: 2025\n",                           # an alias takes its anchor's value
    "{id: flow, effective_from: 2022, effective_until: 2023}\n",
])
def test_a_policy_head_read_from_parser_events_is_what_a_full_load_reads(head):
    import yaml
    from evaluator.domain.policy.registry import HEAD_KEYS, _top_level_scalars
    full = yaml.safe_load(head)
    assert _top_level_scalars(head) == {k: full[k] for k in HEAD_KEYS if k in full}


def test_the_bundled_policies_heads_read_from_events_are_their_full_heads():
    import yaml
    from evaluator.domain.policy.registry import HEAD_KEYS, _top_level_scalars
    for path in POLICIES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        full = yaml.safe_load(text)
        assert _top_level_scalars(text) == {k: full[k] for k in HEAD_KEYS if k in full}, path.name


def test_diff_attributes_every_moved_point_to_a_changed_rule_or_parameter(policy):
    factset = load_factset(EXAMPLES / "2024.yaml")
    draft = load_policy(POLICIES / "method-2025-draft.yaml")
    result = diff(evaluate(factset, policy), evaluate(factset, draft))
    assert {c.clause for c in result.clauses} == {"4.1.2", "4.3.4.8"}
    assert all(c.because != ["事实不同"] for c in result.clauses)
    office = next(c for c in result.clauses if c.unit == "office" and c.clause == "4.3.4.8")
    assert office.delta == Decimal(17)  # 34 information items × (1 − 0.5)
    for u in result.units:  # a unit's total moves by its section moves
        assert u.delta["total"] == u.delta["common_score"] + u.delta["annual_score"] + u.delta["daily_score"]


def test_a_changed_parameter_is_said_once_short_for_the_diff_and_with_the_methods_words_for_a_what_if(policy):
    from evaluator.domain.policy.compare import policy_changes
    draft = load_policy(POLICIES / "method-2025-draft.yaml")
    change = next(c for c in policy_changes(policy, draft) if c.clause == "4.1.2" and c.wording)
    old, new = policy.clauses["4.1.2"].parameters["leave_limit"], draft.clauses["4.1.2"].parameters["leave_limit"]
    assert change.sentence == f"{new.title}:{old.value} {old.unit} → {new.value} {new.unit}"
    assert change.quoted == f"{change.sentence}(原文“{old.text}”改为“{new.text}”)"
    assert change.wording == (old.text, new.text) and "leave_limit" not in change.quoted


def test_why_a_clause_moved_when_nothing_in_it_changed_depends_on_whether_the_facts_are_the_same():
    from evaluator.domain.diff import ClauseDelta
    from evaluator.domain.policy.compare import Change
    same = ClauseDelta("office", "4.1.3", Decimal(0), Decimal(-1))
    other = ClauseDelta("office", "4.1.3", Decimal(0), Decimal(-1), same_facts=False)
    changed = ClauseDelta("office", "4.1.3", Decimal(0), Decimal(-1), [Change("4.1.3", None, "某参数:1 → 2")], same_facts=False)
    assert "其他条款的修改" in same.because[0] and other.because == ["事实不同"] and changed.because == ["某参数:1 → 2"]


def test_diff_under_one_policy_is_zero(policy):
    factset = load_factset(EXAMPLES / "2024.yaml")
    result = diff(evaluate(factset, policy), evaluate(factset, policy))
    assert result.clauses == [] and result.changes == []
    assert all(not any(u.delta.values()) for u in result.units)


def test_diff_cli_formats(tmp_path):
    for fmt in ("json", "markdown", "html"):
        out = tmp_path / f"diff.{fmt}"
        done = subprocess.run([sys.executable, "-m", "evaluator", "diff", str(EXAMPLES / "2024.yaml"),
                               "--policy", str(POLICIES / "method-2025-draft.yaml"), "--against", str(POLICY),
                               "--format", fmt, "--output", str(out)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        text = out.read_text(encoding="utf-8")
        assert "4.3.4.8" in text
    data = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    assert data["new"]["policy"] == "method-2025-draft" and data["old"]["policy"] == "method-2020"
    assert "http" not in (tmp_path / "diff.html").read_text(encoding="utf-8")
    table = subprocess.run([sys.executable, "-m", "evaluator", "diff", str(EXAMPLES / "2024.yaml"),
                            "--policy", str(POLICIES / "method-2025-draft.yaml"), "--output", str(tmp_path / "diff-table.json")],
                           capture_output=True, text=True)
    assert table.returncode == 0 and "4.3.4.8" in table.stdout   # the table on screen, the JSON in the file (it wrote nothing)
    written = json.loads((tmp_path / "diff-table.json").read_text(encoding="utf-8"))
    assert written["clauses"] == data["clauses"] and written["units"] == data["units"]


def test_every_view_of_a_diff_shows_a_units_scores_and_a_clauses_points_in_the_same_words(policy):
    """The terminal, Markdown and HTML views show the same cells: two decimals, the move
    signed and only when there is one (the HTML once showed the JSON's floats, `39.3 (0.0)`)."""
    import io
    import re
    from rich.console import Console
    from evaluator.views import diffreport
    factset = load_factset(EXAMPLES / "2024.yaml")
    d = diff(evaluate(factset, policy), evaluate(factset, load_policy(POLICIES / "method-2025-draft.yaml")))
    terminal = io.StringIO()
    diffreport.print_diff(d, Console(file=terminal, width=400, color_system=None))
    views = {"terminal": terminal.getvalue(), "markdown": diffreport.render_markdown(d), "html": diffreport.render_html(d)}
    moved = next(u for u in d.units if u.delta["total"])
    still = next(k for k, v in moved.delta.items() if not v)
    assert diffreport.score_cell(moved.new["total"], moved.delta["total"]) == \
        f"{moved.new['total']:.2f} ({'+' if moved.delta['total'] > 0 else ''}{moved.delta['total']:.2f})"
    assert diffreport.score_cell(moved.new[still], moved.delta[still]) == f"{moved.new[still]:.2f}"
    clause = d.clauses[0]
    was, now, by = diffreport.clause_cells(clause)
    for name, text in views.items():
        assert diffreport.score_cell(moved.new["total"], moved.delta["total"]) in text, name
        assert was in text and now in text and by in text, name
        assert not re.search(r"\(-?0\.0\)|\d\.\d\b \(", text), name   # no float of the JSON, no bare one-decimal score


def test_check_policy_finds_a_gap_between_tiers(tmp_path):
    text = POLICY.read_text(encoding="utf-8").replace("            - participants: {less_than: $large_participants}\n"
                                                      "            - days: {less_than: $large_days}\n        points: $small_rate\n",
                                                      "            - participants: {less_than: 59}\n"
                                                      "            - days: {less_than: $large_days}\n        points: $small_rate\n", 1)
    path = tmp_path / "gap.yaml"
    path.write_text(text, encoding="utf-8")
    changed = load_policy(path)
    found = check_tiers(changed)
    gaps = {f.message.split(":")[0] for f in found if f.kind == "gap"}
    # the point in the policy's words: its Chinese field labels, the days with their parameter's unit
    fields, params = changed.policy.labels.fields, changed.clauses["4.3.2.5"].parameters
    days = params["large_days"]
    people = f"{fields['participants']} 59 {params['large_participants'].unit}"   # the unit of the field's parameter in the group
    assert {f"{fields['days']} {d} {days.unit}、{people}" for d in ("5", "5.5", "6")} <= gaps
    assert all(f"{fields['participants']} 59" in g for g in gaps)  # only the values from 59 to 59.5 fall through
    assert {f.line for f in found} == {changed.rule_lines["4.3.2.5/training-large"]}  # at the group's first rule
    assert not check_tiers(load_policy(POLICY))


def test_check_policy_cli_reports_an_overlap_and_exits_1(tmp_path):
    text = POLICY.read_text(encoding="utf-8").replace("when: {characters: {at_most: $short_limit}}",
                                                      "when: {characters: {at_most: 1200}}", 1)
    path = tmp_path / "overlap.yaml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "evaluator", "check-policy", str(path), "--features", str(ROOT / "features")],
                          capture_output=True, text=True)
    assert done.returncode == 1
    changed = load_policy(path)
    short, medium = (changed.rules_by_key[f"4.3.4.11/{r}"] for r in ("speech-short", "speech-medium"))
    overlap = [line for line in done.stdout.splitlines() if line.endswith("(overlap)")]
    assert overlap and all(line.startswith(f"{path}:{changed.rule_lines[medium.key]}:") and ": 错误 " in line for line in overlap)
    assert f"“{short.rule.title}”(" in overlap[0] and f"“{medium.rule.title}”(" in overlap[0] and "同时适用(档次重叠)" in overlap[0]


def test_check_policy_levels_warnings_pass_and_errors_fail(tmp_path):
    from evaluator.domain.policy.checks import LEVELS
    empty = tmp_path / "features"
    empty.mkdir()   # no scenarios at all: every clause is undocumented, a warning
    done = subprocess.run([sys.executable, "-m", "evaluator", "check-policy", str(POLICY), "--features", str(empty)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "(undocumented)" in done.stdout and "处警告" in done.stdout
    assert all(": 警告 " in line for line in done.stdout.splitlines() if line.endswith("(undocumented)"))
    assert LEVELS["undocumented"] == "warning" and LEVELS["overlap"] == "error"


def test_the_titles_pages_show_are_the_loaded_policies_a_titleless_delta_its_bases(tmp_path):
    """registry.titles reads the heads, not the compiled policies: it must name each version as loading it would."""
    from evaluator.domain.policy.registry import titles, versions
    import shutil
    shutil.copy(POLICY, tmp_path / POLICY.name)
    (tmp_path / "delta.yaml").write_text("id: untitled-delta\namends: method-2020\nstatus: draft\neffective_from: 2025\n"
                                         "changes:\n  - {clause: \"4.1.2\", parameter: leave_limit, value: 10}\n", encoding="utf-8")
    found = titles(tmp_path)
    assert set(found) == {"method-2020", "untitled-delta"}
    for v in versions(tmp_path):
        assert found[v.id] == load_policy(v.path).policy.title, v.id
    assert found["untitled-delta"] == found["method-2020"]
    assert titles(POLICIES) == {v.id: load_policy(v.path).policy.title for v in versions(POLICIES)}
