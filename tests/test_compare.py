"""`evaluator compare`: one year's results beside another's, checked against the two years' own JSON results.

The earlier year is made here from examples/2024.yaml: its year set to 2023 (dates moved with
it), every fifth fact dropped, one unit (信访室) not yet there, one (档案室) there that is gone
in 2024, and 研究室 one person smaller. The comparison's numbers are then checked against the
differences computed independently from the two `evaluator run --format json` results.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from evaluator.domain.compare import compare, score_fields
from evaluator.domain.evaluate import evaluate, load_year
from evaluator.domain.numbers import two_places
from evaluator.i18n import language
from evaluator.views import comparereport
from evaluator.views.result import to_json

from conftest import EXAMPLES, POLICY
from evaluator.domain.policy import load_policy

FIELDS = score_fields(load_policy(POLICY).policy)   # each section's score key ({id}_score), then the total

NEW = EXAMPLES / "2024.yaml"
GONE = {"id": "archives", "name": "档案室", "staff": 3}      # in 2023 only
APPEARS = "petitions"                                      # in 2024 only
SMALLER = ("research", 4)                                   # 研究室: 4 in 2023, 5 in 2024


def _to_2023(value):
    """Every date moved into 2023 (29 February to the 28th)."""
    if isinstance(value, dt.date):
        return value.replace(year=2023, day=min(value.day, 28) if value.month == 2 else value.day)
    if isinstance(value, dict):
        return {k: _to_2023(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_2023(v) for v in value]
    return value


def make_2023() -> dict:
    data = _to_2023(yaml.safe_load(NEW.read_text(encoding="utf-8")))
    data["year"] = 2023
    data["units"] = [dict(u) for u in data["units"] if u["id"] != APPEARS] + [dict(GONE)]
    for unit in data["units"]:
        if unit["id"] == SMALLER[0]:
            unit["staff"] = SMALLER[1]
    facts = [f for f in data["facts"] if f["unit"] != APPEARS]
    data["facts"] = [f for i, f in enumerate(facts) if i % 5 != 0]
    return data


@pytest.fixture(scope="module")
def old_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("years") / "2023.yaml"
    path.write_text(yaml.safe_dump(make_2023(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def years(old_file):
    return evaluate(*load_year(old_file)), evaluate(*load_year(NEW))


@pytest.fixture(scope="module")
def comparison(years):
    return compare(*years)


@pytest.fixture(scope="module")
def results(years):
    """The two years' JSON results, as another tool reads them: exact decimals."""
    return tuple({u["unit"]: u for u in json.loads(to_json(ev), parse_float=Decimal)["units"]} for ev in years)


@pytest.fixture(scope="module")
def data(comparison):
    return json.loads(comparereport.render_json(comparison), parse_float=Decimal)


def d(value) -> Decimal:
    return Decimal(str(value))


# ---------------------------------------------------------------- the numbers

def test_the_made_up_year_differs_as_intended(results):
    old, new = results
    assert APPEARS in new and APPEARS not in old
    assert GONE["id"] in old and GONE["id"] not in new
    assert old[SMALLER[0]]["staff"] == SMALLER[1] and new[SMALLER[0]]["staff"] == SMALLER[1] + 1


def test_units_that_appear_or_are_gone(data, results):
    old, new = results
    assert set(data["added"]) == set(new) - set(old) == {APPEARS}
    assert set(data["removed"]) == set(old) - set(new) == {GONE["id"]}
    by_unit = {u["unit"]: u for u in data["units"]}
    assert by_unit[APPEARS]["status"] == "added" and by_unit[APPEARS]["old"] is None
    assert by_unit[APPEARS]["delta"] is None and by_unit[APPEARS]["rank_change"] is None
    assert d(by_unit[APPEARS]["new"]["total"]) == d(new[APPEARS]["total"])
    assert by_unit[GONE["id"]]["status"] == "removed" and by_unit[GONE["id"]]["new"] is None
    assert d(by_unit[GONE["id"]]["old"]["total"]) == d(old[GONE["id"]]["total"])


def test_every_change_equals_the_difference_of_the_two_results(data, results):
    old, new = results
    both = set(old) & set(new)
    rows = {u["unit"]: u for u in data["units"] if u["status"] == "continuing"}
    assert set(rows) == both and len(both) == 9
    moved = 0
    for unit in both:
        row, a, b = rows[unit], old[unit], new[unit]
        for key in FIELDS:
            assert d(row["old"][key]) == d(a[key]) and d(row["new"][key]) == d(b[key]), (unit, key)
            assert d(row["delta"][key]) == d(b[key]) - d(a[key]), (unit, key)
            moved += d(b[key]) != d(a[key])
        assert (row["old"]["rank"], row["new"]["rank"]) == (a["rank"], b["rank"])
        assert row["rank_change"] == a["rank"] - b["rank"], unit                   # up is positive
        assert row["staff_change"] == ({"old": a["staff"], "new": b["staff"]} if a["staff"] != b["staff"] else None)
        assert row["eligibility_change"] == ({"old": a["eligible"], "new": b["eligible"]}
                                             if a["eligible"] != b["eligible"] else None)
    assert moved > 10, "dropping a fifth of the facts moves many scores"
    assert sum(1 for u in rows.values() if u["rank_change"]) >= 3


def test_the_staff_change_is_named(data, results, comparison):
    old, new = results
    expected = [{"unit": u, "name": new[u]["name"], "old": old[u]["staff"], "new": new[u]["staff"]}
                for u in new if u in old and old[u]["staff"] != new[u]["staff"]]
    assert data["staff_changes"] == expected == [{"unit": "research", "name": "研究室", "old": 4, "new": 5}]
    assert [comparereport.staff_line(u) for u in comparison.staff_changes] == ["研究室 人数 4 → 5"]


def test_units_in_the_new_years_rank_order_then_the_gone(data, results):
    old, new = results
    order = sorted(new, key=lambda u: new[u]["rank"]) + sorted(set(old) - set(new), key=lambda u: old[u]["rank"])
    assert [u["unit"] for u in data["units"]] == order


def test_the_years_and_policies_are_named(data, old_file):
    assert data["old"]["year"] == 2023 and data["new"]["year"] == 2024
    assert data["old"]["facts"] == str(old_file) and data["new"]["facts"] == str(NEW)
    assert data["old"]["policy"] == data["new"]["policy"] == "method-2020" and data["same_policy"] is True


def test_the_same_year_from_a_workbook_and_from_yaml_compares_equal():
    """Any fact set: the ledger workbook of 2024 against its YAML is no change at all."""
    workbook = evaluate(*load_year(EXAMPLES / "2024.xlsx"))
    result = compare(workbook, evaluate(*load_year(NEW)))
    assert not result.added and not result.removed and not result.staff_changes
    assert all(not any(u.delta.values()) and u.rank_change == 0 for u in result.units)


# ---------------------------------------------------------------- the renderings

def test_two_fact_sets_of_one_year_are_named_by_their_files_not_by_an_empty_year():
    """Two fact sets of one year (a draft against the reviewed one): the heading once read “旧 年与 新 年”."""
    result = compare(evaluate(*load_year(EXAMPLES / "small-2024.yaml")), evaluate(*load_year(NEW)))
    console = Console(record=True, width=200, emoji=False, highlight=False)
    comparereport.print_comparison(result, console)
    text = console.export_text()
    heading = f"2024 年(small-2024.yaml)与 2024 年({NEW.name})考核结果对比"
    assert heading in text and heading in comparereport.render_html(result) and "旧 年" not in text


def test_the_table_in_the_terminal(comparison, results):
    old, new = results
    console = Console(record=True, width=160, emoji=False, highlight=False)
    comparereport.print_comparison(comparison, console)
    text = console.export_text()
    assert "2023 年与 2024 年考核结果对比" in text
    assert "新增机构(2024 年有,2023 年没有):信访室" in text
    assert "不再考核的机构(2023 年有,2024 年没有):档案室" in text
    assert "人数变化:研究室 人数 4 → 5" in text
    for unit in set(old) & set(new):
        a, b = d(old[unit]["total"]), d(new[unit]["total"])
        if a != b:
            assert f"{two_places(a)} → {two_places(b)}" in text, unit
            assert (f"+{two_places(b - a)}" if b > a else two_places(b - a)) in text, unit
        if old[unit]["rank"] != new[unit]["rank"]:
            assert f"{old[unit]['rank']} → {new[unit]['rank']}" in text, unit


def test_the_table_in_a_narrow_terminal_cuts_nothing(comparison):
    console = Console(record=True, width=80, emoji=False, highlight=False)
    comparereport.print_comparison(comparison, console)
    text = console.export_text()
    assert "…" not in text, "a cell was cut"
    assert "教育科学文" in text and "研究室" in text


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells: dict[tuple[str, str], str] = {}
        self.tags: set[str] = set()
        self._unit = self._field = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "tr":
            self._unit = a.get("data-unit")
        elif tag == "td" and a.get("data-field"):
            self._field, self._text = a["data-field"], []

    def handle_endtag(self, tag):
        if tag == "td" and self._field:
            self.cells[self._unit, self._field] = "".join(self._text).strip()
            self._field = None

    def handle_data(self, data):
        if self._field:
            self._text.append(data)


def test_the_html_page(comparison, results):
    old, new = results
    page = comparereport.render_html(comparison)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert not re.search(r"https?://|<script\b|<link\b|url\(", page), "self-contained"
    assert "var(--accent)" in page, "in the report's styles"
    cells = _Cells()
    cells.feed(page)
    for unit in set(old) & set(new):
        for key in FIELDS:
            change = d(new[unit][key]) - d(old[unit][key])
            assert cells.cells[unit, key] == (f"+{two_places(change)}" if change > 0 else two_places(change)), (unit, key)
        moved = old[unit]["rank"] - new[unit]["rank"]
        assert cells.cells[unit, "rank"] == ("" if not moved else f"↑{moved}" if moved > 0 else f"↓{-moved}")
    assert cells.cells[APPEARS, "total"] == "" and cells.cells[GONE["id"], "total"] == ""
    assert "研究室 人数 4 → 5" in page and "档案室 (不再考核)" in page and "信访室 (新增)" in page


def test_the_html_fragment(comparison):
    fragment = comparereport.render_html(comparison, fragment=True)
    assert fragment.lstrip().startswith('<section class="compare"') and "<html" not in fragment and "<style" not in fragment


def test_in_english(comparison):
    with language("en"):
        console = Console(record=True, width=160, emoji=False, highlight=False)
        comparereport.print_comparison(comparison, console)
        text = console.export_text()
        page = comparereport.render_html(comparison)
    assert "Assessment results, 2023 against 2024" in text and "Staff changes: 研究室 staff 4 → 5" in text
    assert "New units (in 2024, not in 2023): 信访室" in text
    assert '<html lang="en">' in page and "对比" not in page


# ---------------------------------------------------------------- the command

def evaluator(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "evaluator", *args], capture_output=True, env=env,
                          encoding="utf-8", timeout=120)


def test_the_command_writes_json_and_html(old_file, data, tmp_path):
    done = evaluator("compare", str(old_file), str(NEW), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout, parse_float=Decimal) == data
    page = tmp_path / "compare.html"
    done = evaluator("compare", str(old_file), str(NEW), "-f", "html", "-o", str(page))
    assert done.returncode == 0, done.stderr
    assert "2023 年与 2024 年考核结果对比" in page.read_text(encoding="utf-8")


def test_the_command_prints_the_table(old_file):
    done = evaluator("compare", str(old_file), str(NEW))
    assert done.returncode == 0, done.stderr
    assert "2023 年与 2024 年考核结果对比" in done.stdout and "研究室 人数 4 → 5" in done.stdout


def test_a_missing_year_is_a_chinese_error(tmp_path):
    done = evaluator("compare", str(tmp_path / "2023.yaml"), str(NEW))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert re.search(r"[\u4e00-\u9fff]", done.stderr), done.stderr


def test_each_years_warnings_name_the_file_they_are_about():
    """Two years are read; a warning that names no place of its own says which year's file it is about."""
    small, full = EXAMPLES / "small-2024.yaml", EXAMPLES / "2024.yaml"
    expected = [str(n) for n in evaluate(*load_year(small)).notices if n.where is None]
    assert expected and not [n for n in evaluate(*load_year(full)).notices if n.where is None]
    done = subprocess.run([sys.executable, "-m", "evaluator", "compare", str(small), str(full)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "注意" in line]
    assert warnings == [f"{small}: {n}" for n in expected]
