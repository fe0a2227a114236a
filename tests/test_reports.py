"""The office reports (markdown, HTML, CSV, XLSX) agree with the JSON result to the cent.

Read as a person would: the XLSX is opened with openpyxl and its sums checked, the CSV
is decoded as Excel would (UTF-8 with BOM), and the HTML report is loaded in a real
headless Chromium, screenshotted, and its ranking table and an opened drill-down are
checked to be laid out and visible.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from browser import CHROMIUM, chromium, png_size

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.domain.numbers import two_places
from evaluator.views.reports import csv_report, markdown, xlsx
from evaluator.views.reports import html as html_report
from evaluator.views.reports.labels import EN, LABELS, ZH, labels
from evaluator.views.result import to_json

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "examples" / "2024.yaml"
CENT = Decimal("0.01")
OPENED = "petitions"   # the unit whose drill-down the browser test opens


def cents(value) -> Decimal:
    """A number as read back from any report, to the cent."""
    return Decimal(str(value)).quantize(CENT)


@pytest.fixture(scope="module")
def ev(policy):
    return evaluate(load_factset(FACTS), policy)


@pytest.fixture(scope="module")
def result(ev):
    """The JSON result as another tool reads it: exact decimals."""
    return json.loads(to_json(ev), parse_float=Decimal)


@pytest.fixture(scope="module")
def sums(result):
    """From the JSON findings: unit -> section -> points, and (unit, clause) -> points."""
    by_section: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_clause: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for f in result["findings"]:
        by_section[f["unit"]][f["section"]] += Decimal(str(f["points"]))
        by_clause[f["unit"], f["clause"]] += Decimal(str(f["points"]))
    return by_section, by_clause


# ---------------------------------------------------------------- labels

def test_both_languages_label_the_same_things():
    assert set(ZH) == set(EN)
    assert set(LABELS) == {"zh", "en"}


@pytest.mark.parametrize("module", [markdown, html_report, csv_report, xlsx])
def test_an_unknown_language_is_an_error(ev, module):
    with pytest.raises(ValueError, match="unknown report language 'fr'"):
        module.render(ev, "fr")


@pytest.mark.parametrize("module", [markdown, html_report, csv_report])
def test_text_reports_are_reproducible(ev, module):
    first = module.render(ev)
    assert isinstance(first, bytes) and first == module.render(ev)


# ---------------------------------------------------------------- markdown

def test_markdown_ranking_and_every_unit(ev, result):
    text = markdown.render(ev).decode("utf-8")
    assert "## 考核得分与排名" in text and "## 各单位认定明细" in text
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) == len(result["units"])
    for row, unit in zip(rows, result["units"]):   # in rank order
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[0] == str(unit["rank"]) and cells[1] == unit["name"] and cells[2] == unit["unit"]
        assert cells[10] == two_places(unit["total"])
        assert cells[5] == two_places(unit["common_score"]) and cells[9] == two_places(unit["daily_score"])
        assert f"### {unit['rank']}. {unit['name']}({unit['unit']}) 总分 {two_places(unit['total'])}" in text
    for f in result["findings"]:
        assert f["explanation"].replace("|", "\\|") in text


def test_markdown_in_english(ev, result):
    text = markdown.render(ev, "en").decode("utf-8")
    assert "## Scores and ranking" in text and "| Rank | Unit | Unit id |" in text
    assert "考核得分与排名" not in text
    for unit in result["units"]:
        assert f"Total {two_places(unit['total'])}" in text


# ---------------------------------------------------------------- CSV

def test_csv_is_utf8_with_bom_and_sums_to_the_scorecard(ev, result):
    data = csv_report.render(ev)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["单位代码", "单位名称", "条款", "条款名称", "规则", "分值", "依据事实", "说明"]
    body = rows[1:]
    assert len(body) == len(result["findings"])
    for row, f in zip(body, result["findings"]):
        assert (row[0], row[2], row[4]) == (f["unit"], f["clause"], f["rule"])
        assert Decimal(row[5]) == Decimal(str(f["points"]))
        assert row[6].split(" ") == f["evidence"]
        assert row[7] == f["explanation"]
        assert row[3] == ev.policy.clauses[f["clause"]].title
    per_unit: dict[str, Decimal] = defaultdict(Decimal)
    for row in body:
        per_unit[row[0]] += Decimal(row[5])
    for s in ev.scorecard.units:
        raw = s.common_deductions + s.annual_deductions + s.daily_points
        assert per_unit.get(s.unit, Decimal(0)).quantize(CENT) == raw.quantize(CENT), s.unit


def test_csv_in_english(ev):
    header = next(csv.reader(io.StringIO(csv_report.render(ev, "en").decode("utf-8-sig"))))
    assert header == ["Unit id", "Unit", "Clause", "Clause title", "Rule", "Points", "Evidence", "Explanation"]


# ---------------------------------------------------------------- XLSX

def _sheet_rows(ws, header_row: int = 1):
    header = [c.value for c in ws[header_row]]
    return header, [dict(zip(header, row)) for row in ws.iter_rows(min_row=header_row + 1, values_only=True)]


@pytest.fixture(scope="module")
def workbook(ev):
    return openpyxl.load_workbook(io.BytesIO(xlsx.render(ev)))


def test_xlsx_sheets_and_layout(workbook, ev):
    assert workbook.sheetnames == ["总表", "明细", "矩阵", "运行记录"]
    record = {row[0].value: row[1].value for row in workbook["运行记录"].iter_rows()}
    t = labels("zh")   # each line headed in Chinese: the policy by its title with its id, the facts file as run
    assert list(record)[:5] == [t[f"run_{k}"] for k in ("evaluator", "policy_id", "policy_sha256", "facts_sha256", "facts_file")]
    assert record[t["run_policy_id"]] == f"{ev.policy.policy.title}({ev.policy.id})" and len(record[t["run_facts_sha256"]]) == 64
    assert not any(key.isascii() for key in record), record
    card, findings, grid = (workbook[n] for n in workbook.sheetnames[:3])
    assert card.freeze_panes == "D2" and findings.freeze_panes == "C2" and grid.freeze_panes == "D3"
    assert [c.value for c in card[1]][:4] == ["排名", "单位代码", "单位名称", "实有人数"]
    assert card.cell(row=2, column=12).number_format == "0.00"      # 总分
    assert findings.cell(row=2, column=8).number_format == "0.00"    # 分值
    assert grid.cell(row=3, column=4).number_format == "0.00"
    assert card.column_dimensions["C"].width >= 20                   # room for the Chinese unit names
    assert all(c.font.bold for c in card[1])


def test_xlsx_scorecard_equals_the_json_result(workbook, result):
    header, rows = _sheet_rows(workbook["总表"])
    assert len(rows) == len(result["units"])
    fields = {"共性扣分": "common_deductions", "共性得分": "common_score", "年度得分": "annual_score",
              "日常积分": "daily_points", "日常得分": "daily_score", "总分": "total"}
    for row, unit in zip(rows, result["units"]):
        assert row["单位代码"] == unit["unit"] and row["排名"] == unit["rank"] and row["实有人数"] == unit["staff"]
        assert row["年度目标未完成数"] == unit["annual_missed"]
        for column, key in fields.items():
            assert cents(row[column]) == cents(unit[key]), (unit["unit"], key)
        assert row["评优资格"] == ("具备" if unit["eligible"] else "取消")
        assert row["推荐评优"] == ("是" if unit["unit"] in result["award_recommendation"] else "否")
    assert sum(Decimal(str(r["总分"])) for r in rows).quantize(CENT) == \
        sum(Decimal(str(u["total"])) for u in result["units"]).quantize(CENT)


def test_xlsx_findings_sum_to_the_json_result_per_unit(workbook, result, sums, ev):
    by_section, _ = sums
    header, rows = _sheet_rows(workbook["明细"])
    assert len(rows) == len(result["findings"])
    section_names = {section.title: sid for sid, section in ev.policy.policy.sections.items()}   # 考核部分 = the policy's title
    read: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        read[row["单位代码"]][section_names[row["考核部分"]]] += Decimal(str(row["分值"]))
    for unit in result["units"]:
        got = read[unit["unit"]]
        assert got["common"].quantize(CENT) == cents(unit["common_deductions"]), unit["unit"]
        assert got["daily"].quantize(CENT) == cents(unit["daily_points"]), unit["unit"]
        assert got["annual"].quantize(CENT) == by_section[unit["unit"]]["annual"].quantize(CENT), unit["unit"]
        annual = max(Decimal(0), Decimal(40) + got["annual"])                 # R2
        assert annual.quantize(CENT) == cents(unit["annual_score"]), unit["unit"]


def test_xlsx_names_the_unit_whose_fact_credited_another_by_its_name(workbook, result, ev):
    header, rows = _sheet_rows(workbook["明细"])
    via = header[-1]                       # the last column: the unit whose record it was (credited_via)
    names = {u.id: u.name for u in ev.factset.units.values()}
    credited = [f["credited_via"] for f in result["findings"] if "credited_via" in f]
    assert credited, "the example credits a coordinator"
    assert sorted(r[via] for r in rows if r[via]) == sorted(names[u] for u in credited)


def test_xlsx_matrix_equals_the_json_findings(workbook, result, sums, ev):
    _, by_clause = sums
    ws = workbook["矩阵"]
    clause_ids = [c.value for c in ws[1]][3:-1]
    assert clause_ids == list(ev.policy.clauses)
    assert [c.value for c in ws[2]][3:-1] == [c.title for c in ev.policy.clauses.values()]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows] == [u["unit"] for u in result["units"]]
    for row in rows:
        unit, cells, total = row[1], row[3:-1], row[-1]
        for clause, cell in zip(clause_ids, cells):
            expected = by_clause.get((unit, clause))
            if expected is None:
                assert cell is None, (unit, clause)
            else:
                assert cents(cell) == expected.quantize(CENT), (unit, clause)
        assert cents(total) == sum((v for (u, _), v in by_clause.items() if u == unit), Decimal(0)).quantize(CENT)


def test_xlsx_in_english(ev):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.render(ev, "en")))
    assert wb.sheetnames == ["Scorecard", "Findings", "Matrix", "Run"]
    assert [c.value for c in wb["Scorecard"][1]][:3] == ["Rank", "Unit id", "Unit"]
    assert "Points" in [c.value for c in wb["Findings"][1]]
    record = {row[0].value: row[1].value for row in wb["Run"].iter_rows()}
    assert record["Method"] == ev.policy.id and len(record["Facts SHA-256"]) == 64


# ---------------------------------------------------------------- HTML, as text

class _Report(HTMLParser):
    """What a reader of the HTML sees: the ranking rows, matrix cells, drill-downs, and every link."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.ranking: dict[str, list[str]] = {}
        self.matrix: dict[tuple[str, str], str] = {}
        self.details: dict[str, bool] = {}
        self.findings: set[str] = set()
        self._table: list[str] = []
        self._row: str | None = None
        self._cell: list[str] | None = None
        self._clause: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.urls += [v for k, v in attrs if k in ("href", "src", "srcset", "action", "data", "poster") and v]
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "table":
            self._table.append(a.get("class", ""))
        elif tag == "tr":
            self._row = a.get("data-unit")
            if self._row and self._table and self._table[-1] == "ranking":
                self.ranking[self._row] = []
            if a.get("data-finding"):
                self.findings.add(a["data-finding"])
        elif tag == "td" and self._row and self._table:
            self._cell, self._clause = [], a.get("data-clause")
        elif tag == "details":
            self.details[a["id"].removeprefix("unit-")] = "open" in a

    def handle_endtag(self, tag):
        if tag == "table" and self._table:
            self._table.pop()
        elif tag == "td" and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._table[-1] == "ranking":
                self.ranking[self._row].append(text)
            elif self._table[-1] == "matrix" and self._clause:
                self.matrix[self._row, self._clause] = text
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(data: bytes) -> _Report:
    report = _Report()
    report.feed(data.decode("utf-8"))
    return report


def test_html_is_self_contained(ev):
    text = html_report.render(ev).decode("utf-8")
    assert not re.search(r"https?://", text)
    assert not re.search(r"(?i)@import|url\(|<link\b|<img\b|<iframe\b|<object\b|\bsrc\s*=", text)
    assert len(re.findall(r"(?i)<script\b", text)) == 1 and "<script>" in text, "one inline script, nothing loaded"
    report = _parse(text.encode("utf-8"))
    assert report.urls and all(u.startswith("#") for u in report.urls), "only links within the page"
    assert all(u[1:] in report.ids for u in report.urls), "every link has its target"
    assert "@page" in text and "A4" in text and "@media print" in text


def test_html_ranking_matrix_and_drilldowns_equal_the_json_result(ev, result, sums):
    _, by_clause = sums
    report = _parse(html_report.render(ev))
    assert list(report.ranking) == [u["unit"] for u in result["units"]]
    for unit in result["units"]:
        row = report.ranking[unit["unit"]]
        assert row[0] == str(unit["rank"]) and row[1] == unit["name"]
        assert row[9] == two_places(unit["total"]) and row[8] == two_places(unit["daily_score"])
        assert row[10] == ("具备" if unit["eligible"] else "取消")
    for (unit, clause), text in report.matrix.items():
        expected = by_clause.get((unit, clause))
        assert text == ("" if expected is None else two_places(expected)), (unit, clause)
    assert len(report.matrix) == len(result["units"]) * len(ev.policy.clauses)
    assert set(report.details) == {u["unit"] for u in result["units"]}
    assert not any(report.details.values()), "drill-downs start closed"
    assert report.findings == {f["id"] for f in result["findings"]}


def test_html_drilldown_shows_clause_wording_rule_and_evidence_lines(ev):
    text = html_report.render(ev, open_units=[OPENED]).decode("utf-8")
    assert _parse(text.encode("utf-8")).details[OPENED] is True
    start = text.index(f'id="unit-{OPENED}"')
    section = text[start:text.index("</details>", start)]
    for f in (f for f in ev.findings if f.unit == OPENED):
        clause = ev.policy.clauses[f.clause]
        assert f"{clause.id} {clause.title}" in section
        assert _escaped(clause.text.strip().splitlines()[0]) in section
        assert f.rule in section and _escaped(f.explanation) in section
        for e in f.evidence:
            line = ev.factset.lines[e]
            assert (f'{e}</span> <span class="line" title="{ev.factset.path}:{line}">第 {line} 行</span>'
                    in section), e


def _escaped(text: str) -> str:
    from markupsafe import escape
    return str(escape(text))


def test_html_in_english(ev, result):
    text = html_report.render(ev, "en").decode("utf-8")
    assert '<html lang="en">' in text and "Scores and ranking" in text and "Findings by unit" in text
    assert "考核得分与排名" not in text
    report = _parse(text.encode("utf-8"))
    assert [r[9] for r in report.ranking.values()] == [two_places(u["total"]) for u in result["units"]]


# ---------------------------------------------------------------- HTML, in a browser

PROBE = """
<script>
(function () {
  function seen(el) {
    if (!el) return null;
    var r = el.getBoundingClientRect();
    return {visible: el.checkVisibility(), top: Math.round(r.top), height: Math.round(r.height),
            width: Math.round(r.width), text: el.innerText};
  }
  var opened = document.querySelector('details.unit[open]');
  var closed = document.querySelector('details.unit:not([open])');
  var out = {
    ranking: seen(document.querySelector('table.ranking')),
    rows: document.querySelectorAll('table.ranking tbody tr').length,
    opened_id: opened && opened.id,
    opened_finding: seen(opened && opened.querySelector('tr[data-finding]')),
    opened_clause: seen(opened && opened.querySelector('blockquote.method')),
    closed_finding: seen(closed && closed.querySelector('tr[data-finding]'))
  };
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium "
                    "(apt-get install chromium); the browser check of the HTML report needs it")
def test_html_report_in_a_headless_browser(ev, result, tmp_path):
    page = tmp_path / "report.html"
    page.write_bytes(html_report.render(ev, open_units=[OPENED]))
    if os.environ.get("EVALUATOR_SAVE_SCREENSHOTS") == "1":
        shot = ROOT / "docs" / "screenshots" / "report.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
    else:
        shot = tmp_path / "report.png"
    shot.unlink(missing_ok=True)

    chromium(f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri(), tmp=tmp_path)
    assert shot.exists(), "no screenshot written"
    assert shot.stat().st_size > 20_000, "the screenshot is near-blank"
    assert png_size(shot) == (1280, 2000)

    # The same page with a probe that reports what the browser laid out and shows.
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium("--dump-dom", "--window-size=1280,2000", probed.as_uri(), tmp=tmp_path).stdout.decode("utf-8")
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert match, "the probe did not run"
    probe = json.loads(_unescape(match.group(1)))

    ranking = probe["ranking"]
    assert ranking["visible"] and ranking["width"] > 600 and ranking["height"] > 100
    assert 0 <= ranking["top"] < 2000, "the ranking is in the screenshot"
    assert probe["rows"] == len(result["units"])
    for unit in result["units"]:
        assert unit["name"] in ranking["text"] and two_places(unit["total"]) in ranking["text"]

    assert probe["opened_id"] == f"unit-{OPENED}"
    finding = next(f for f in ev.findings if f.unit == OPENED)
    shown = probe["opened_finding"]
    assert shown["visible"] and shown["height"] > 0
    assert 0 < shown["top"] < 2000, "the opened drill-down is in the screenshot"
    assert finding.explanation in shown["text"] and finding.evidence[0] in shown["text"]
    assert probe["opened_clause"]["visible"]
    assert ev.policy.clauses[finding.clause].text.strip()[:20] in probe["opened_clause"]["text"]
    assert probe["closed_finding"]["visible"] is False, "a closed drill-down hides its findings"

    # The DOM itself: the ranking table and the opened drill-down's text.
    assert 'class="ranking"' in dom and f'<details class="unit" id="unit-{OPENED}" open="">' in dom
    assert _escaped(finding.explanation) in dom


def _unescape(text: str) -> str:
    import html
    return html.unescape(text)

