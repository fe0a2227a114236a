"""The living-documentation site (`evaluator docs`): the method, its rulings and the scenarios, clause by clause.

Built from the real features and policy. Read as a person would: every clause is on its
section page with the method's wording, every ruling on the index, every outline row with
its outcome; the pages carry nothing from outside (no scripts, no external links); and the
daily-work page is opened in a real headless Chromium, screenshotted and checked.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import CHROMIUM, chromium, png_size
from markupsafe import escape

from evaluator.views.livingdoc import build_site, read_features

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ROOT / "features"
SECTION_PAGES = {"common": "common.html", "annual": "annual.html", "daily": "daily.html"}

# Scenarios the fake results file marks (from features/4.1-共性工作指标.feature).
OUTLINE = ("4.1-共性工作指标.feature", "理论学习缺勤按人次扣分")
SINGLE = ("4.1-共性工作指标.feature", "说明写出计入的天数、各类别和算式")
FAILURE = "AssertionError: 扣分应为 -0.5 分,实得 -0.2 分"


# --- reading the pages -------------------------------------------------------------------------
class Tables(HTMLParser):
    """Every <table>: its class, and each row's class and cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._stack.append({"class": a.get("class", ""), "rows": []})
            self.tables.append(self._stack[-1])
        elif tag == "tr" and self._stack:
            self._stack[-1]["rows"].append({"class": a.get("class", ""), "cells": []})
        elif tag in ("td", "th") and self._stack and self._stack[-1]["rows"]:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._stack and self._stack[-1]["rows"]:
            self._stack[-1]["rows"][-1]["cells"].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "table" and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str, css_class: str) -> list[dict]:
    parser = Tables()
    parser.feed(html)
    return [t for t in parser.tables if css_class in t["class"].split()]


def ids_and_links(html: str) -> tuple[set[str], list[str]]:
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    links = [unescape(h) for h in re.findall(r'\shref="([^"]*)"', html)]
    return ids, links


def text_of(html: str) -> str:
    """The page's text with the markup and HTML escapes removed."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def write_results(path: Path, records: list[dict], **recorded) -> Path:
    path.write_text(json.dumps({"format": 1, "generated": "2025-01-15T09:30:00+08:00", "pytest": "9.2.0",
                                "scenarios": records, **recorded}, ensure_ascii=False), encoding="utf-8")
    return path


def _fake_records() -> list[dict]:
    features = {f.path: f for f in read_features(FEATURES)}
    outline = next(s for s in features[OUTLINE[0]].scenarios if s.name == OUTLINE[1])
    ex = outline.examples[0]
    first, second = (dict(zip(ex.header, row.values)) for row in ex.rows[:2])
    return [
        {"feature": OUTLINE[0], "scenario": OUTLINE[1], "example": first, "outcome": "passed"},
        {"feature": OUTLINE[0], "scenario": OUTLINE[1], "example": second, "outcome": "failed", "message": FAILURE},
        {"feature": SINGLE[0], "scenario": SINGLE[1], "example": None, "outcome": "passed"},
        {"feature": SINGLE[0], "scenario": "一个已经改名的场景", "example": None, "outcome": "passed"},
    ]


@pytest.fixture(scope="module")
def site(policy, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    results = write_results(tmp / "scenario-results.json", _fake_records())
    out = tmp / "site"
    pages = build_site(policy, FEATURES, results, out)
    assert pages[0] == out / "index.html"
    assert {p.name for p in pages} >= {"index.html", *SECTION_PAGES.values()}
    return out


@pytest.fixture(scope="module")
def bare_site(policy, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bare") / "site"
    build_site(policy, FEATURES, None, out)
    return out


def page(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


# --- the content -------------------------------------------------------------------------------
def test_every_clause_is_on_its_section_page_with_the_methods_wording(site, policy):
    for clause in policy.policy.clauses:
        html = page(site, SECTION_PAGES[clause.section])
        assert f'<section class="clause" id="clause-{clause.id}">' in html, clause.id
        block = html.split(f'id="clause-{clause.id}"', 1)[1].split('<section class="clause"', 1)[0]
        assert str(escape(clause.title)) in block
        assert str(escape(clause.text.strip())) in block, f"{clause.id}: the method's wording"
        if clause.requirements:
            assert "考核要求" in block and str(escape(clause.requirements.strip())) in block
        for name, parameter in clause.parameters.items():   # by its title: the id is the file's key, not a word to read
            assert str(escape(parameter.title)) in block and str(escape(parameter.text)) in block
            assert not re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", text_of(block)), (clause.id, name)
        for rule in clause.rules:
            assert str(escape(rule.title)) in block
            if str(rule.points).startswith("$"):   # the points column: the value and the parameter's title
                [row] = [r for t in tables(block, "rules") for r in t["rows"] if r["cells"][0].startswith(rule.title)]
                assert row["cells"][2].endswith(f"({clause.parameters[str(rule.points)[1:]].title})"), row
        for rid in clause.rulings:
            assert f'href="index.html#ruling-{rid}"' in block
    for key, other in SECTION_PAGES.items():  # and on no other section's page
        clauses = {c.id for c in policy.policy.clauses if c.section != key}
        assert not clauses & set(re.findall(r'<section class="clause" id="clause-([^"]+)"', page(site, other)))


def test_a_rule_is_named_by_its_title_with_its_id_as_the_tooltip(site, policy):
    """The rules table names a rule as the method's readers know it; its id (the policy file's key)
    is only the cell's tooltip, for finding the rule in the file, and nowhere in the table's text."""
    for clause in policy.policy.clauses:
        block = page(site, SECTION_PAGES[clause.section]).split(f'id="clause-{clause.id}"', 1)[1].split('<section class="clause"', 1)[0]
        [rules] = tables(block, "rules")
        shown = text_of(block.split('<table class="rules">', 1)[1].split("</table>", 1)[0])
        for rule in clause.rules:
            assert f'<td class="rule" title="{escape(rule.id)}">{escape(rule.title)}' in block, (clause.id, rule.id)
            assert not re.search(rf"(?<![A-Za-z0-9_-]){re.escape(rule.id)}(?![A-Za-z0-9_-])", shown), (clause.id, rule.id)
        assert rules["rows"][0]["cells"][0] == "规则" and "名称" not in rules["rows"][0]["cells"]


def test_a_rule_that_replaces_another_names_it_by_its_title(site, policy):
    """取代“提请二审通过并报批”, not 取代 second-reading: the replaced rule as the table itself names it."""
    replacing = [(c, r) for c in policy.policy.clauses for r in c.rules if r.replaces]
    assert replacing, "the method has a rule that replaces another"
    for clause, rule in replacing:
        replaced = next(r for r in clause.rules if r.id == rule.replaces)
        block = page(site, SECTION_PAGES[clause.section]).split(f'id="clause-{clause.id}"', 1)[1].split('<section class="clause"', 1)[0]
        [row] = [r for t in tables(block, "rules") for r in t["rows"] if r["cells"][0].startswith(rule.title)]
        assert f"取代“{replaced.title}”" in row["cells"][0] and rule.replaces not in row["cells"][0], row


def test_clauses_are_in_the_policys_order_and_daily_work_is_grouped_by_part(site, policy):
    for key, name in SECTION_PAGES.items():
        shown = re.findall(r'<section class="clause" id="clause-([^"]+)"', page(site, name))
        assert shown == [c.id for c in policy.policy.clauses if c.section == key]
    daily = page(site, "daily.html")
    parts = re.findall(r'<h2 class="part" id="part-([^"]+)">', daily)
    assert parts == ["4.3.1", "4.3.2", "4.3.3", "4.3.4", "4.3.5"]
    assert "四(三)1 市人大常委会的依法履职工作" in daily  # the part's title from its feature
    starts = [daily.index(f'id="part-{part}"') for part in parts] + [len(daily)]
    for clause in (c for c in policy.policy.clauses if c.section == "daily"):
        i = parts.index(".".join(clause.id.split(".")[:3]))
        assert starts[i] < daily.index(f'id="clause-{clause.id}"') < starts[i + 1], clause.id


def test_the_index_has_every_ruling_the_sections_and_the_matrix(site, policy):
    html = page(site, "index.html")
    p = policy.policy
    assert str(escape(p.title)) in html and policy.id in html
    for rid, ruling in p.rulings.items():
        assert f'id="ruling-{rid}"' in html
        assert str(escape(ruling.text)) in html and str(escape(ruling.title)) in html
    # a ruling links to the clauses that cite it
    r7 = html.split('id="ruling-R7"', 1)[1].split("</article>", 1)[0]
    assert 'href="daily.html#clause-4.3.1.1"' in r7
    for name in SECTION_PAGES.values():
        assert f'href="{name}"' in html
    [matrix] = tables(html, "matrix")
    rows = {r["cells"][0]: r["cells"] for r in matrix["rows"][1:] if len(r["cells"]) > 2}
    assert set(rows) == {c.id for c in p.clauses}
    assert "2025-01-15 09:30" in html, "the date of the results"
    assert "结果文件中有 1 条记录找不到对应的场景" in html


def test_scenarios_show_their_steps_tables_and_tags(site, policy):
    html = page(site, "common.html")
    block = html.split('id="clause-4.1.2"', 1)[1].split('<section class="clause"', 1)[0]
    assert "全年请假累计超过 15 天的部分每天扣 0.5 分,15 天本身不扣" in block
    assert '<span class="kw">假如</span>' in block and '<span class="kw">那么</span>' in block
    assert '<span class="param">&lt;事假&gt;</span>' in block, "outline placeholders are marked"
    assert 'href="index.html#ruling-R3"' in block and "@boundary" in block
    data = [t for t in tables(block, "data") if t["rows"][0]["cells"][:2] == ["规则", "分值"]]
    assert any(r["cells"][0] == "leave-over-limit" for t in data for r in t["rows"]), "a step's data table"
    assert "背景" in block and "办公厅" in block


def test_a_scenarios_tags_read_in_the_methods_words_with_the_tag_as_written_beside(site, policy):
    """A chip says 条款 4.1.2, 裁定 R3, the section's title or the check's Chinese name; the tag as the
    feature file writes it is the chip's tooltip, for finding it in the file."""
    import re
    from evaluator.domain.completeness import CHECKS
    html = page(site, "common.html") + page(site, "daily.html")
    chips = dict((tag, word) for tag, word in re.findall(r'class="tag[^"]*"[^>]* title="(@[^"]+?)(?::[^"]*)?">([^<]*)<', html))
    assert chips["@clause-4.1.2"] == "条款 4.1.2" and chips["@ruling-R3"] == "裁定 R3"
    assert chips["@section-daily"] == policy.policy.sections["daily"].title and chips["@boundary"] == "边界情形"
    assert chips["@warning-duplicate-event"] == "提示:同一事项重复录入"
    assert not [w for w in chips.values() if w.startswith("@")], "every tag the features use has its words"
    assert all(module.TITLE and not module.TITLE.isascii() for module in CHECKS)


def test_every_outline_row_is_shown_with_its_outcome(site, bare_site):
    features = read_features(FEATURES)
    outlines = [(f, s) for f in features for s in f.scenarios if s.examples]
    assert outlines
    for built, fake in ((site, True), (bare_site, False)):
        shown = [(t["rows"][0]["cells"], r) for name in [*SECTION_PAGES.values()]
                 for t in tables(page(built, name), "examples") for r in t["rows"][1:]]
        for feature, scenario in outlines:
            for ex in scenario.examples:
                for row in ex.rows:
                    matches = [r for header, r in shown if header[:-1] == ex.header and r["cells"][:-1] == row.values]
                    assert matches, f"{feature.path}: {scenario.name}: {row.values}"
                    marked = {r["cells"][-1].replace("✓", "").replace("✗", "").strip() for r in matches}
                    if fake and (feature.path, scenario.name) == OUTLINE and row is ex.rows[0]:
                        assert marked == {"通过"}
                    elif fake and (feature.path, scenario.name) == OUTLINE and row is ex.rows[1]:
                        assert marked == {"失败"}
                    else:
                        assert marked == {"未运行"}, (feature.path, scenario.name, row.values)


def test_pass_and_fail_marks_render(site, bare_site):
    html = page(site, "common.html")
    outline = html.split(f"{OUTLINE[1]}</span>", 1)[1].split("</article>", 1)[0]
    assert '<tr class="st-passed">' in outline and '<tr class="st-failed">' in outline
    assert str(escape(FAILURE)) in outline, "the failure's message is shown"
    single = html.split(f"{SINGLE[1]}</span>", 1)[1].split("</article>", 1)[0]
    assert '<span class="badge st-passed">通过</span>' in single.replace("\n", "")
    index = page(site, "index.html")
    assert '<span class="badge st-failed">失败 1</span>' in index and '<span class="badge st-none">失败 0</span>' in page(bare_site, "index.html")
    assert '<span class="badge st-passed">通过 2</span>' in index

    bare = page(bare_site, "index.html")
    assert "未提供测试结果" in bare and '<span class="badge st-passed">通过 0</span>' in bare
    for name in SECTION_PAGES.values():
        html = page(bare_site, name)
        for status in ("st-passed", "st-failed"):
            assert f'<article class="scenario {status}"' not in html and f'<tr class="{status}">' not in html
        assert "未运行" in html


def test_pages_are_self_contained_chinese_and_their_links_resolve(site):
    pages = {p.name: p.read_text(encoding="utf-8") for p in site.glob("*.html")}
    ids = {name: ids_and_links(html)[0] for name, html in pages.items()}
    for name, html in pages.items():
        assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html
        assert "http://" not in html and "https://" not in html, name
        assert "<script" not in html.lower() and "<link" not in html.lower() and "<img" not in html.lower()
        assert "@import" not in html and "url(" not in html
        for link in ids_and_links(html)[1]:
            assert not re.match(r"^([a-z]+:|//)", link), f"{name}: external link {link}"
            target, _, anchor = link.partition("#")
            target = target or name
            assert target in pages, f"{name}: link to a missing page {link}"
            assert not anchor or anchor in ids[target], f"{name}: link to a missing anchor {link}"
        # ids are unique on a page
        found = re.findall(r'\sid="([^"]+)"', html)
        assert len(found) == len(set(found)), f"{name}: duplicate ids"


def test_scenarios_without_a_clause_of_the_policy_get_their_own_page(policy, tmp_path):
    features = tmp_path / "features"
    features.mkdir()
    (features / "其他.feature").write_text(textwrap.dedent("""\
        # language: zh-CN
        @scorecard
        功能: 其他
          场景: 没有条款标签
            当按考核办法评估

          @clause-9.9
          场景: 办法中没有的条款
            当按考核办法评估
        """), encoding="utf-8")
    pages = build_site(policy, features, None, tmp_path / "site")
    assert tmp_path / "site" / "other.html" in pages
    html = page(tmp_path / "site", "other.html")
    assert "没有条款标签" in html and "@clause-9.9" in html and "办法中没有的条款" in html
    intro = text_of(html.split("<h1>其他场景</h1>", 1)[1].split("</header>", 1)[0])
    assert f"《{policy.policy.title}》" in intro and policy.id not in intro, "the policy by its title, not its id"
    assert 'href="other.html"' in page(tmp_path / "site", "index.html")
    assert '<p class="empty">本条款还没有场景说明。</p>' in page(tmp_path / "site", "common.html")


def test_the_docs_command_prints_the_index(tmp_path, monkeypatch, capsys):
    from evaluator.commands.cli import main
    results = write_results(tmp_path / "r.json", _fake_records())
    monkeypatch.setattr(sys, "argv", ["evaluator", "docs", "--features", str(FEATURES), "--results", str(results),
                                      "--output", str(tmp_path / "out"), "--policy", str(ROOT / "policies" / "method-2020.yaml")])
    main()
    assert capsys.readouterr().out.strip() == str(tmp_path / "out" / "index.html")
    assert (tmp_path / "out" / "daily.html").is_file()


def test_the_results_plugin_records_scenarios_and_outline_rows(tmp_path):
    """A small pytest-bdd project with the plugin: one passing scenario, an outline with a failing row."""
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "样例.feature").write_text(textwrap.dedent("""\
        # language: zh-CN
        功能: 样例
          @clause-4.1.1
          场景: 一个场景
            假如数为 1
            那么数为 1

          @clause-4.1.1
          场景大纲: 一个大纲
            假如数为 <甲>
            那么数为 <乙>

            例子:
              | 甲 | 乙 |
              | 1  | 1  |
              | 2  | 3  |
        """), encoding="utf-8")
    (tmp_path / "conftest.py").write_text(f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\n"
                                          "pytest_plugins = ['scenario_results']\n", encoding="utf-8")
    (tmp_path / "test_sample.py").write_text(textwrap.dedent("""\
        from pytest_bdd import given, parsers, scenarios, then
        scenarios("features")

        @given(parsers.parse("数为 {n:d}"), target_fixture="n")
        def number(n):
            return n

        @then(parsers.parse("数为 {m:d}"))
        def same(n, m):
            assert n == m
        """), encoding="utf-8")
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                           "-c", os.devnull, str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "EVALUATOR_SCENARIO_RESULTS": str(out)})
    assert done.returncode == 1, done.stdout + done.stderr   # the row 2 | 3 fails
    records = json.loads(out.read_text(encoding="utf-8"))
    got = sorted((r["feature"], r["scenario"], json.dumps(r["example"], ensure_ascii=False), r["outcome"])
                 for r in records["scenarios"])
    assert got == [("样例.feature", "一个场景", "null", "passed"),
                   ("样例.feature", "一个大纲", '{"甲": "1", "乙": "1"}', "passed"),
                   ("样例.feature", "一个大纲", '{"甲": "2", "乙": "3"}', "failed")]
    assert records["generated"] and records["summary"] == {"passed": 2, "failed": 1}
    feature_text = (tmp_path / "features" / "样例.feature").read_bytes()
    assert records["features"] == {"样例.feature": hashlib.sha256(feature_text).hexdigest()}   # what the outcomes are of
    assert "assert 2 == 3" in next(r["message"] for r in records["scenarios"] if r["outcome"] == "failed")

    # No scenario ran: nothing is written.
    out.unlink()
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    pass\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                           "-c", os.devnull, str(tmp_path / "test_plain.py")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "EVALUATOR_SCENARIO_RESULTS": str(out)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert not out.exists()


# --- in a real browser -------------------------------------------------------------------------
PROBE = """<pre id="probe"></pre><script>
(function () {
  function box(el) {
    if (!el) return null;
    var r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return {top: r.top, width: r.width, height: r.height, text: el.innerText,
            visible: r.width > 0 && r.height > 0 && el.checkVisibility({visibilityProperty: true})};
  }
  var clause = document.querySelector("section.clause");
  var examples = document.querySelector("table.examples");
  var background = document.querySelector("details.background:not([open]) ul.steps");
  document.getElementById("probe").textContent = JSON.stringify({
    heading: box(clause && clause.querySelector("header h3")),
    wording: box(clause && clause.querySelector("blockquote.method")),
    examples: box(examples), example_rows: examples ? examples.tBodies[0].rows.length : 0,
    closed_background: box(background),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    font: getComputedStyle(document.body).fontFamily
  });
})();
</script>"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium "
                    "(apt-get install chromium); the browser check of the living-documentation site needs it")
def test_the_daily_work_page_in_a_headless_browser(site, policy, tmp_path):
    if os.environ.get("EVALUATOR_SAVE_SCREENSHOTS") == "1":
        shot = ROOT / "docs" / "screenshots" / "site.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        real = ROOT / "build" / "scenario-results.json"   # the documented screenshot shows the last real run
        if real.is_file():
            site = tmp_path / "site"
            build_site(policy, FEATURES, real, site)
    else:
        shot = tmp_path / "site.png"
    shot.unlink(missing_ok=True)
    daily = site / "daily.html"

    chromium("--hide-scrollbars", "--window-size=1280,2000", f"--screenshot={shot}", daily.as_uri(), tmp=tmp_path)
    assert shot.exists(), "no screenshot written"
    assert shot.stat().st_size > 20_000, "the screenshot is near-blank"
    assert png_size(shot) == (1280, 2000)

    dom = chromium("--hide-scrollbars", "--window-size=1280,2000", "--dump-dom", daily.as_uri(), tmp=tmp_path).stdout.decode("utf-8")
    first = next(c for c in policy.policy.clauses if c.section == "daily")
    assert f'<section class="clause" id="clause-{first.id}">' in dom
    assert re.search(rf'<h3><span class="cid">{re.escape(first.id)}</span>{re.escape(first.title)}</h3>', dom)
    assert '<table class="examples">' in dom and "结果</th>" in dom

    # A copy with a probe: what the browser laid out and shows.
    probed = tmp_path / "probed.html"
    probed.write_text(daily.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium("--hide-scrollbars", "--window-size=1280,2000", "--dump-dom", probed.as_uri(), tmp=tmp_path).stdout.decode("utf-8")
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert match, "the probe did not run"
    probe = json.loads(unescape(match.group(1)))
    heading = probe["heading"]
    assert heading["visible"] and 0 < heading["top"] < 2000, "the first clause's heading is in the screenshot"
    assert first.id in heading["text"] and first.title in heading["text"]
    assert probe["wording"]["visible"] and first.text.strip()[:20] in probe["wording"]["text"]
    assert probe["examples"]["visible"] and probe["examples"]["width"] > 100 and probe["example_rows"] > 0
    assert probe["closed_background"] is not None and not probe["closed_background"]["visible"], "a closed 背景 hides its steps"
    assert probe["overflow"] <= 0, "the page scrolls sideways at 1280 px"
    assert "Noto Sans CJK SC" in probe["font"]


def test_outcomes_of_another_policy_are_not_shown_as_this_sites(policy, tmp_path):
    results = write_results(tmp_path / "r.json", _fake_records(), policy={"file": "method-2020.yaml", "sha256": "0" * 64})
    build_site(policy, FEATURES, results, tmp_path / "site")
    index = text_of(page(tmp_path / "site", "index.html"))
    assert "不是本站点的考核办法" in index and "通过 0" in index and "失败 0" in index
    done = subprocess.run([sys.executable, "-m", "evaluator", "docs", "--features", str(FEATURES), "--results", str(results),
                           "--output", str(tmp_path / "cli")], capture_output=True, text=True,
                          env={**os.environ, "EVALUATOR_LANG": "zh"})
    assert done.returncode == 0 and "场景都显示为“未运行”" in done.stderr, done.stderr     # the command says it too


def test_outcomes_of_a_feature_file_edited_since_the_tests_ran_are_not_shown(policy, tmp_path):
    digests = {f.relative_to(FEATURES).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest() for f in FEATURES.rglob("*.feature")}
    ran = write_results(tmp_path / "ran.json", _fake_records(), policy={"file": "x", "sha256": policy.sha256}, features=digests)
    build_site(policy, FEATURES, ran, tmp_path / "as-ran")
    as_ran = text_of(page(tmp_path / "as-ran", "index.html"))
    assert "通过 2" in as_ran and "失败 1" in as_ran and "修改过" not in as_ran          # unchanged: the outcomes stand
    edited = write_results(tmp_path / "edited.json", _fake_records(), policy={"file": "x", "sha256": policy.sha256},
                           features={**digests, OUTLINE[0]: "1" * 64})
    build_site(policy, FEATURES, edited, tmp_path / "edited")
    index = text_of(page(tmp_path / "edited", "index.html"))
    assert f"修改过,其场景标为“未运行”(重新运行测试即可):{OUTLINE[0]}" in index and "通过 0" in index
