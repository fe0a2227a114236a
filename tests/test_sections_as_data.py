"""The sections are the policy's: renamed, retitled and reordered in the YAML, they score and report as before.

The shipped policy is rewritten here as a policy editor could: its three sections get other
ids (so other JSON keys), other titles and short headings, another order, and the count of
missed targets another name and words. Every unit must then score what it scores under the
shipped policy, section by section, and every report must head its columns with the new
names, in the new order, and carry none of the old ones.
"""
from __future__ import annotations

import copy
import io
import json
import re
from decimal import Decimal

import docx
import openpyxl
import pytest
from rich.console import Console

from conftest import EXAMPLES, POLICY
from evaluator.domain.completeness import no_annual_targets
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset, load_factset
from evaluator.domain.policy import load_policy
from evaluator.domain.policy.load import compile_policy
from evaluator.inputs.yamlio import load_document
from evaluator.views.explain import print_explanation
from evaluator.views.notice import write_notice
from evaluator.views.reports import html, markdown, xlsx
from evaluator.views.reports.table import print_scorecard
from evaluator.views.result import to_dict

# old id -> (new id, new title, new short heading); the new order is this dict's order.
RENAMED = {
    "daily": ("routine", "经常性工作", "经常"),
    "common": ("shared", "通用工作要求", "通用"),
    "annual": ("goals", "本年度目标任务", "目标"),
}
COUNT = ("unmet", "未达成", "目标未达成项数")   # the renamed count of missed targets: name, label, heading


def _plain(node):
    """The loaded document as plain dicts and lists (the loader's nodes remember their lines)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def renamed_policy():
    data, _ = load_document(POLICY)
    data = copy.deepcopy(_plain(data))
    old_sections = data["sections"]
    counted = [sid for sid, s in old_sections.items() if s.get("counts")]
    assert counted, "the shipped policy declares a count"
    sections = {}
    for old, (new, title, short) in RENAMED.items():
        section = dict(old_sections[old], title=title, short=short)
        section.pop("title_en", None)
        section.pop("short_en", None)
        if section.get("counts"):
            [(_, count)] = section["counts"].items()
            section["counts"] = {COUNT[0]: {**count, "label": COUNT[1], "heading": COUNT[2]}}
        sections[new] = section
    data["sections"] = sections
    for clause in data["clauses"]:
        clause["section"] = RENAMED[clause["section"]][0]
    text = json.dumps(data, ensure_ascii=False, default=str)
    for old, (new, _, _) in RENAMED.items():   # rulings name a section's values: {common.full_marks}
        text = text.replace("{" + old + ".", "{" + new + ".")
    data = json.loads(text)
    for ruling in data["rulings"].values():   # and the editor renames them where a ruling names them
        for old, (_, title, _) in RENAMED.items():
            ruling["text"] = ruling["text"].replace(old_sections[old]["title"], title)
    data["id"] = "method-renamed"
    return compile_policy(data, "method-renamed.yaml"), counted[0]


@pytest.fixture(scope="module")
def both():
    factset = load_factset(EXAMPLES / "2024.yaml")
    shipped = load_policy(POLICY)
    renamed, counted = renamed_policy()
    return evaluate(factset, shipped), evaluate(factset, renamed), counted


def test_the_renamed_policy_keeps_the_new_ids_and_order(both):
    _, ev, _ = both
    assert list(ev.policy.policy.sections) == [new for new, _, _ in RENAMED.values()]
    assert [p.id for p in ev.scorecard.units[0].sections] == list(ev.policy.policy.sections)


def test_every_unit_scores_as_under_the_shipped_policy_section_by_section(both):
    old, new, counted = both
    before = {s.unit: s for s in old.scorecard.units}
    assert [s.unit for s in new.scorecard.units] == [s.unit for s in old.scorecard.units]
    moved_count = False
    for s in new.scorecard.units:
        o = before[s.unit]
        assert (s.total, s.rank, s.eligible) == (o.total, o.rank, o.eligible)
        for old_id, (new_id, _, _) in RENAMED.items():
            a, b = o.section(old_id), s.section(new_id)
            assert (b.points, b.score) == (a.points, a.score), (s.unit, new_id)
        [missed] = o.section(counted).counts.values()
        assert s.section(RENAMED[counted][0]).counts == {COUNT[0]: missed}
        moved_count |= missed > 0
    assert moved_count, "some unit missed a target, so the count is tested"
    assert new.scorecard.recommended == old.scorecard.recommended


def test_the_json_keys_follow_the_section_ids_in_the_policys_order(both):
    old, new, counted = both
    old_units, new_units = to_dict(old)["units"], to_dict(new)["units"]
    new_counted = RENAMED[counted][0]
    for a, b in zip(old_units, new_units):
        keys = list(b)
        scores = [k for k in keys if k.endswith("_score")]
        assert scores == [f"{new}_score" for new, _, _ in RENAMED.values()]
        assert b[f"{new_counted}_{COUNT[0]}"] == a[f"{counted}_missed"]
        for old_id, (new_id, _, _) in RENAMED.items():
            assert b[f"{new_id}_score"] == a[f"{old_id}_score"]
        assert not any(k.startswith(tuple(f"{o}_" for o in RENAMED)) for k in keys), keys
        assert (b["total"], b["rank"], b["ineligible_because"]) == (a["total"], a["rank"], a["ineligible_because"])


def _old_words(ev) -> list[str]:
    """Headings of the shipped policy that must not appear once the sections are renamed."""
    shipped = load_policy(POLICY).policy
    clause_titles = {c.title for c in shipped.clauses}   # a clause may bear its section's title (4.2 年度工作目标)
    return [s.title for s in shipped.sections.values() if s.title not in clause_titles] + \
        [f"{s.short}得分" for s in shipped.sections.values()]


def test_markdown_heads_its_columns_with_the_new_names_in_order(both):
    _, ev, _ = both
    text = markdown.render(ev).decode("utf-8")
    header = next(line for line in text.splitlines() if line.startswith("| 排名 |"))
    shorts = [short for _, _, short in RENAMED.values()]
    positions = [header.index(f"{short}得分") for short in shorts]
    assert positions == sorted(positions), header
    assert COUNT[2] in header
    assert not any(word in text for word in _old_words(ev))
    assert f"{shorts[0]}积分" in header   # the per-staff section shows its points before the division


def test_the_workbook_scorecard_reads_the_new_columns(both):
    old, new, counted = both
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.render(new)))["总表"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    for row, s in zip(rows, old.scorecard.units):
        for old_id, (_, _, short) in RENAMED.items():
            assert Decimal(str(row[f"{short}得分"])).quantize(Decimal("0.01")) == s.section(old_id).score.quantize(Decimal("0.01"))
        [missed] = s.section(counted).counts.values()
        assert row[COUNT[2]] == missed
    findings = openpyxl.load_workbook(io.BytesIO(xlsx.render(new)))["明细"]
    titles = {r[4] for r in findings.iter_rows(min_row=2, values_only=True)}
    assert titles <= {title for _, title, _ in RENAMED.values()} and titles


def test_html_ranking_subtotals_and_matrix_use_the_new_titles(both):
    _, ev, _ = both
    page = html.render(ev).decode("utf-8")
    for _, title, short in RENAMED.values():
        assert f"<td>{title}</td>" in page          # the drill-down's subtotals
        assert f"{short}得分" in page
    assert not any(word in page for word in _old_words(ev))
    order = [page.index(f"<td>{title}</td>") for _, title, _ in RENAMED.values()]
    assert order == sorted(order)


def test_terminal_table_and_explain_follow_the_new_sections(both):
    _, ev, _ = both
    console = Console(record=True, width=200)
    print_scorecard(ev, console)
    unit = ev.scorecard.units[0]
    print_explanation(ev, unit.unit, None, console)
    text = console.export_text()
    for _, title, short in RENAMED.values():
        assert short in text and title in text
    header = next(line for line in text.splitlines() if "名次" in line and "总分" in line)
    assert header.index(RENAMED["daily"][2]) < header.index(RENAMED["common"][2]) < header.index(RENAMED["annual"][2])
    assert not any(word in text for word in _old_words(ev))


def test_the_notice_table_heads_the_sections_in_the_new_order(both):
    _, ev, _ = both
    table = docx.Document(io.BytesIO(write_notice(ev))).tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[2:-1] == [title for _, title, _ in RENAMED.values()]


def test_the_missing_targets_warning_follows_the_counted_section(both):
    _, ev, counted = both
    facts = check_factset({"year": 2024, "units": [{"id": "office", "name": "办公厅", "staff": 3}], "facts": []},
                          "empty.yaml")
    [notice] = no_annual_targets.check(facts, ev.policy)
    assert RENAMED[counted][1] in notice.message and "办公厅" in notice.message


def test_a_section_of_two_kinds_is_refused_with_the_reason():
    data, _ = load_document(POLICY)
    data = copy.deepcopy(_plain(data))
    per_staff = next(sid for sid, s in data["sections"].items() if s.get("per_staff"))
    data["sections"][per_staff]["full_marks"] = 40
    from evaluator.errors import PolicyError
    with pytest.raises(PolicyError, match=re.escape("不设满分")):
        compile_policy(data, "two-kinds.yaml")
