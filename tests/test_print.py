"""The reports on paper: the HTML report printed by Chromium, the workbook by LibreOffice.

Each is printed to PDF as an office would print it, read back with `pdftotext -layout`
and checked for what a reader must find on paper: every clause column of the matrix,
every unit with its total, 第 N 页 共 M 页 on each page, the stage (征求意见稿 or 审定稿)
on the first page, and the approval block at the end. The first page and the matrix's
pages are also rendered to PNG (pdftoppm) for a person to look at; with
EVALUATOR_SAVE_SCREENSHOTS=1 the first page beside the first matrix page is saved as
docs/screenshots/report-print.png.

On screen, a click on a unit in the ranking, or on a matrix cell, opens the drill-down
it points into and scrolls to it (the report's small inline script), checked in the
same headless Chromium.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
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
from evaluator.views.reports import html as html_report
from evaluator.views.reports import xlsx
from evaluator.views.reports.labels import matrix_groups, score

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "examples" / "2024.yaml"
SOFFICE = Path("/usr/bin/soffice")
PORTRAIT_PAGES_BEFORE = 56   # the workbook of examples/2024.yaml printed with LibreOffice's defaults (A4 portrait, 100%)

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() or shutil.which("pdftotext") is None,
                                    reason="needs Chromium at /usr/bin/chromium and poppler-utils (pdftotext, pdftoppm)")
needs_soffice = pytest.mark.skipif(not SOFFICE.exists() or shutil.which("pdftotext") is None,
                                   reason="needs LibreOffice at /usr/bin/soffice and poppler-utils")


@dataclasses.dataclass(frozen=True)
class Stage:
    """Stands in for stages.Stage: what a report reads of the stage a result is at."""
    name: str
    decision: str
    date: dt.date
    sha256: str = "ab" * 32

    @property
    def approved(self) -> bool:
        return self.name == "审定"


APPROVED = Stage("审定", "主任办公会议纪要〔2025〕2号", dt.date(2025, 1, 15))
REVIEWED = Stage("审查", "考核工作组会议纪要〔2025〕1号", dt.date(2025, 1, 8))


@pytest.fixture(scope="module")
def ev(policy):
    """The example year, its file named as an office names it: relative to the checkout."""
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        return evaluate(load_factset(FACTS.relative_to(ROOT)), policy)
    finally:
        os.chdir(here)


# ---------------------------------------------------------------- helpers

def print_to_pdf(page: bytes, folder: Path, name: str = "report") -> Path:
    """The HTML printed to PDF by headless Chromium, without Chromium's own header and footer."""
    folder.mkdir(parents=True, exist_ok=True)
    source, pdf = folder / f"{name}.html", folder / f"{name}.pdf"
    source.write_bytes(page)
    chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", source.as_uri(), tmp=folder)
    assert pdf.exists() and pdf.stat().st_size > 10_000, "no PDF written"
    return pdf


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, as `pdftotext -layout` lays it out (pages end with a form feed)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    pages = text.split("\f")
    assert pages[-1].strip() == ""
    return pages[:-1]


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Each page's (width, height) in points."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "100000", str(pdf)], capture_output=True, check=True).stdout.decode()
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def to_png(pdf: Path, page: int, out: Path, dpi: int = 80) -> Path:
    """One page of the PDF as a PNG (pdftoppm)."""
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(out.with_suffix(""))], check=True, capture_output=True)
    assert out.exists()
    return out


def has_token(text: str, token: str) -> bool:
    """`token` (a clause id like 4.3.5.2) stands on its own in `text`, not inside 4.3.5.21 or 14.3.5.2."""
    return re.search(rf"(?<![\d.]){re.escape(token)}(?![\d.]*\d)", text) is not None


def _header(page: str) -> str:
    """A printed sheet's header line: the title, the sheet's name, the stage."""
    return next(line for line in page.splitlines() if line.strip())


def footer(page: int, pages: int) -> str:
    return f"第 {page} 页 共 {pages} 页"


# ---------------------------------------------------------------- A. the HTML report printed

@pytest.fixture(scope="module")
def printed(ev, tmp_path_factory):
    folder = tmp_path_factory.mktemp("print")
    pdf = print_to_pdf(html_report.render(ev), folder)
    return {"pdf": pdf, "pages": pdf_pages(pdf), "sizes": page_sizes(pdf), "folder": folder}


def _landscape(size: tuple[float, float]) -> bool:
    return size[0] > size[1]


def _matrix_pages(printed) -> list[int]:
    """The 1-based numbers of the matrix's pages: the landscape ones."""
    return [i for i, size in enumerate(printed["sizes"], start=1) if _landscape(size)]


@needs_chromium
def test_every_page_is_a4_and_numbered(printed):
    pages, sizes = printed["pages"], printed["sizes"]
    assert len(pages) == len(sizes) > 5
    for size in sizes:
        assert sorted(round(x) for x in size) == [595, 842], f"not A4: {size}"
    for number, text in enumerate(pages, start=1):
        assert footer(number, len(pages)) in text, f"page {number} has no 第 N 页 共 M 页"
    assert "第 1 页" in pages[0]


@needs_chromium
def test_the_first_page_says_the_stage_and_the_print_date(printed):
    first = printed["pages"][0]
    assert not _landscape(printed["sizes"][0])
    assert "征求意见稿" in first and "审定稿" not in first
    assert "阶段：初评" in first
    assert re.search(r"打印日期：\d{4}-\d{2}-\d{2}", first)
    assert "2024年度市人大常委会机关工作机构目标责任制考核结果" in first


@needs_chromium
def test_every_clause_unit_and_total_is_on_paper(ev, printed):
    pages = printed["pages"]
    everything = "\n".join(pages)
    clause_ids = list(ev.policy.clauses)             # from the compiled policy
    assert len(clause_ids) == 39
    for clause in clause_ids:
        assert has_token(everything, clause), clause

    # The ranking, on the first page: every unit with its total.
    for s in ev.scorecard.units:
        assert s.name in pages[0] and two_places(s.total) in pages[0], s.unit

    # The matrix: its own landscape pages, together holding every clause column and the raw sum.
    landscape = _matrix_pages(printed)
    assert landscape and landscape == list(range(landscape[0], landscape[-1] + 1)), landscape
    matrix = "\n".join(pages[i - 1] for i in landscape)
    assert "各单位分条款得分" in pages[landscape[0] - 1]
    for clause in clause_ids:
        assert has_token(matrix, clause), f"{clause} is not on the matrix's pages"
    assert "原始分值合计" in matrix
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for f in ev.findings:
        sums[f.unit] += f.points
    for s in ev.scorecard.units:
        assert matrix.count(f"{s.rank}. {s.name}") == len(matrix_groups(ev)), s.unit   # each group names every unit
        assert score(sums[s.unit]) in matrix, s.unit

    # Every unit's drill-down, open or not, prints on portrait pages after the matrix.
    after = "\n".join(pages[landscape[-1]:])
    for s in ev.scorecard.units:
        assert f"{s.rank}. {s.name} 总分 {two_places(s.total)}" in after, s.unit
    for f in ev.findings[:40]:
        assert f.evidence[0] in after


@needs_chromium
def test_the_approval_block_closes_the_report(printed):
    last = printed["pages"][-1]
    for line in ("审批", "考核工作组审查", "机关党组研究", "主任办公会议审定", "决定文号", "本结果须经以下程序后方为审定稿"):
        assert line in last, line


@needs_chromium
def test_the_printed_pages_rendered_to_png(ev, printed):
    """Page 1 and the matrix's pages as images, for a person to look at (and the saved screenshot)."""
    folder = printed["folder"]
    first = to_png(printed["pdf"], 1, folder / "page-1.png")
    w, h = png_size(first)
    assert h > w and first.stat().st_size > 30_000, "page 1 is near-blank"
    shots = [first]
    for number in _matrix_pages(printed):
        shot = to_png(printed["pdf"], number, folder / f"page-{number}.png")
        w, h = png_size(shot)
        assert w > h and shot.stat().st_size > 30_000, f"matrix page {number} is near-blank"
        shots.append(shot)

    # page 1 beside the matrix's first page, as one picture (Chromium lays them out: no image library needed)
    pair = folder / "pair.html"
    (w1, h1), (w2, h2) = png_size(shots[0]), png_size(shots[1])
    pair.write_text(f"""<!DOCTYPE html><html><body style="margin:0;background:#8a939c">
<div style="display:flex;gap:16px;padding:16px;align-items:flex-start">
<img src="{shots[0].name}" width="{w1}" height="{h1}" style="box-shadow:0 1px 6px #333">
<img src="{shots[1].name}" width="{w2}" height="{h2}" style="box-shadow:0 1px 6px #333">
</div></body></html>""", encoding="utf-8")
    if os.environ.get("EVALUATOR_SAVE_SCREENSHOTS") == "1":
        out = ROOT / "docs" / "screenshots" / "report-print.png"
        out.parent.mkdir(parents=True, exist_ok=True)
    else:
        out = folder / "report-print.png"
    out.unlink(missing_ok=True)
    size = (w1 + w2 + 48, max(h1, h2) + 32)
    chromium(f"--screenshot={out}", f"--window-size={size[0]},{size[1]}", pair.as_uri(), tmp=folder)
    assert png_size(out) == size and out.stat().st_size > 60_000


@needs_chromium
def test_an_approved_report_prints_as_the_approved_copy(ev, tmp_path):
    approved = dataclasses.replace(ev, stage=APPROVED)
    assert approved.draft is False and approved.stage_name == "审定"
    pdf = print_to_pdf(html_report.render(approved), tmp_path)
    pages = pdf_pages(pdf)
    assert "审定稿" in pages[0] and "阶段：审定(主任办公会议纪要〔2025〕2号,2025-01-15)" in pages[0]
    assert not any("征求意见稿" in p for p in pages), "an approved report is nowhere a draft"
    line = next(line for line in pages[-1].splitlines() if "主任办公会议审定" in line)
    assert "主任办公会议纪要〔2025〕2号" in line and "2025-01-15" in line
    assert "本结果已经主任办公会议审定" in pages[-1]
    for step in ("考核工作组审查", "机关党组研究"):
        assert "〔2025〕" not in next(line for line in pages[-1].splitlines() if step in line), step


def test_a_reviewed_result_is_still_a_draft_with_its_review_filled(ev):
    reviewed = dataclasses.replace(ev, stage=REVIEWED)
    text = html_report.render(reviewed).decode("utf-8")
    header = text[text.index('<header class="report">'):text.index("</header>")]
    assert "征求意见稿" in header and "审定稿" not in header and "阶段：审查" in header
    block = text[text.index('<section id="approval">'):]
    block = block[:block.index("</section>")]
    rows = re.findall(r"<tr( class=\"filled\")?>\s*<td class=\"step\">(.*?)</td><td class=\"decision\">(.*?)</td>", block)
    assert [(bool(f), step, decision) for f, step, decision in rows] == [
        (True, "考核工作组审查", "考核工作组会议纪要〔2025〕1号"), (False, "机关党组研究", ""), (False, "主任办公会议审定", "")]


def test_the_draft_has_no_decision_filled(ev):
    text = html_report.render(ev).decode("utf-8")
    assert 'class="filled"' not in text and "征求意见稿" in text


# ---------------------------------------------------------------- A. on screen: links into the drill-down

class _Anchors(HTMLParser):
    """The matrix cells' links, and per element id the findings (and their points) under it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells: dict[tuple[str, str], str] = {}        # (unit, clause) -> href
        self.ids: set[str] = set()
        self.under: dict[str, list[str]] = defaultdict(list)   # clause group id -> finding ids
        self._unit = self._clause = self._group = None
        self._in_matrix = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "table":
            self._in_matrix = a.get("class") == "matrix"
        elif tag == "tr" and self._in_matrix:
            self._unit = a.get("data-unit")
        elif tag == "td" and self._in_matrix:
            self._clause = a.get("data-clause")
        elif tag == "a" and self._in_matrix and self._clause:
            self.cells[self._unit, self._clause] = a["href"]
        elif tag == "section" and a.get("class") == "clause":
            self._group = a["id"]
        elif tag == "tr" and a.get("data-finding") and self._group:
            assert a.get("id") == a["data-finding"], "a finding row's id is the finding's id"
            self.under[self._group].append(a["data-finding"])

    def handle_endtag(self, tag):
        if tag == "td":
            self._clause = None
        elif tag == "table":
            self._in_matrix = False
        elif tag == "section":
            self._group = None


def test_matrix_cells_link_to_the_findings_behind_them(ev):
    parsed = _Anchors()
    parsed.feed(html_report.render(ev).decode("utf-8"))
    by_cell: dict[tuple[str, str], list] = defaultdict(list)
    for f in ev.findings:
        by_cell[f.unit, f.clause].append(f)
    assert set(parsed.cells) == set(by_cell), "a link in every cell with findings, and only there"
    for (unit, clause), href in parsed.cells.items():
        target = href.removeprefix("#")
        assert href.startswith("#") and target in parsed.ids, href
        assert parsed.under[target] == [f.id for f in by_cell[unit, clause]], (unit, clause)


PROBE = """
<script>
window.addEventListener("load", function () {
  var out = {};
  function top(el) { return Math.round(el.getBoundingClientRect().top); }
  var unit = document.getElementById("unit-%(unit)s");
  out.unit_open_before = unit.open;
  document.querySelector('table.ranking a[href="#unit-%(unit)s"]').click();
  out.unit_open_after = unit.open;
  setTimeout(function () {
    out.unit_top = top(unit);
    out.hash = location.hash;
    var other = document.getElementById("unit-%(other)s");
    out.other_open_before = other.open;
    document.querySelector('table.matrix td[data-clause="%(clause)s"] a[href="#%(other)s/%(clause)s"]').click();
    setTimeout(function () {
      var group = document.getElementById("%(other)s/%(clause)s");
      out.other_open_after = other.open;
      out.group_visible = group.checkVisibility();
      out.group_top = top(group);
      out.group_text = group.innerText;
      var pre = document.createElement("pre");
      pre.id = "probe";
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
    }, 200);
  }, 200);
});
</script>
"""


def _probe(dom: str) -> dict:
    import html
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert match, "the probe did not run"
    return json.loads(html.unescape(match.group(1)))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium")
def test_a_click_opens_and_scrolls_to_the_drilldown(ev, tmp_path):
    unit, other = "research", "legal"
    clause = next(f.clause for f in ev.findings if f.unit == other and f.section == "daily")
    page = tmp_path / "probed.html"
    text = html_report.render(ev).decode("utf-8")
    page.write_text(text.replace("</body>", PROBE % {"unit": unit, "other": other, "clause": clause} + "</body>"),
                    encoding="utf-8")
    dom = chromium("--dump-dom", "--virtual-time-budget=5000", "--window-size=1280,1000", page.as_uri(),
                   tmp=tmp_path).stdout.decode("utf-8")
    probe = _probe(dom)
    assert probe["unit_open_before"] is False and probe["unit_open_after"] is True, "the click opens the unit"
    assert probe["hash"] == f"#unit-{unit}"
    assert -2 <= probe["unit_top"] <= 40, f"the unit's drill-down is scrolled into view: top {probe['unit_top']}"
    assert probe["other_open_before"] is False and probe["other_open_after"] is True, "a matrix cell opens its unit"
    assert probe["group_visible"] and -2 <= probe["group_top"] <= 40, probe["group_top"]
    assert probe["group_text"].startswith(f"{clause} {ev.policy.clauses[clause].title}")
    for f in (f for f in ev.findings if f.unit == other and f.clause == clause):
        assert f.explanation in probe["group_text"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium")
def test_an_address_with_a_finding_opens_its_unit(ev, tmp_path):
    finding = next(f for f in ev.findings if f.unit == "office" and f.section == "daily")
    page = tmp_path / "report.html"
    page.write_bytes(html_report.render(ev).replace(b"</body>", b"""<script>
window.addEventListener("load", function () { setTimeout(function () {
  var row = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  var pre = document.createElement("pre"); pre.id = "probe";
  pre.textContent = JSON.stringify({open: document.getElementById("unit-office").open, visible: row.checkVisibility(),
                                    top: Math.round(row.getBoundingClientRect().top)});
  document.body.appendChild(pre); }, 200); });
</script></body>"""))
    dom = chromium("--dump-dom", "--virtual-time-budget=5000", "--window-size=1280,1000",
                   f"{page.as_uri()}#{finding.id}", tmp=tmp_path).stdout.decode("utf-8")
    probe = _probe(dom)
    assert probe["open"] is True and probe["visible"] is True and 0 <= probe["top"] < 1000, probe


# ---------------------------------------------------------------- B. the workbook printed

@pytest.fixture(scope="module")
def workbook_bytes(ev):
    return xlsx.render(ev)


def test_every_sheet_is_set_up_for_a4_landscape(workbook_bytes):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    titles = {"总表": "$1:$1", "明细": "$1:$1", "矩阵": "$1:$2", "运行记录": None}   # the record has no header row
    assert wb.sheetnames == list(titles)
    for ws in wb:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and int(setup.paperSize) == 9, ws.title   # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, ws.title
        assert setup.fitToHeight == 0 and setup.fitToWidth >= 1, ws.title
        assert ws.print_title_rows == titles[ws.title], ws.title
        assert ws.page_margins.left < 0.75 and ws.page_margins.top >= 0.6, ws.title
        assert ws.oddHeader.center.text == "&A", "the sheet's name in the header"
        assert ws.oddHeader.right.text == "征求意见稿"
        assert ws.oddHeader.left.text.startswith("2024年度")
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert wb["矩阵"].print_title_cols == "$A:$C"
    assert wb["总表"].page_setup.fitToWidth == 1 and wb["明细"].page_setup.fitToWidth == 1
    findings = wb["明细"]
    column = [c.value for c in findings[1]].index("说明") + 1
    assert all(findings.cell(row=r, column=column).alignment.wrap_text for r in range(2, findings.max_row + 1))
    assert findings.column_dimensions[openpyxl.utils.get_column_letter(column)].width <= 50
    long = next(r for r in range(2, findings.max_row + 1) if len(findings.cell(row=r, column=column).value) > 40)
    assert findings.row_dimensions[long].height >= 30, "a row with a long explanation is tall enough to show it"


def test_an_approved_workbook_says_so_in_its_header(ev):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.render(dataclasses.replace(ev, stage=APPROVED))))
    assert {ws.oddHeader.right.text for ws in wb} == {"审定稿 主任办公会议纪要〔2025〕2号"}


@needs_soffice
def test_the_workbook_prints_on_far_fewer_pages(ev, workbook_bytes, tmp_path):
    book = tmp_path / "scorecard.xlsx"
    book.write_bytes(workbook_bytes)
    done = subprocess.run([str(SOFFICE), "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                          capture_output=True, timeout=300, env={**os.environ, "HOME": str(tmp_path)})
    pdf = tmp_path / "scorecard.pdf"
    assert pdf.exists(), done.stderr.decode("utf-8", "replace")[-2000:]
    pages, sizes = pdf_pages(pdf), page_sizes(pdf)
    assert len(pages) == len(sizes)
    assert len(pages) <= PORTRAIT_PAGES_BEFORE // 2, f"{len(pages)} pages (before: {PORTRAIT_PAGES_BEFORE})"
    assert all(_landscape(s) and sorted(round(x) for x in s) == [595, 842] for s in sizes), "A4 landscape"
    for number, text in enumerate(pages, start=1):
        assert footer(number, len(pages)) in text, f"page {number} has no 第 N 页 共 M 页"
        assert "征求意见稿" in text

    first = pages[0]   # 总表: the whole scorecard on one page
    assert "总表" in first and "2024年度市人大常委会机关工作机构目标责任制考核结果" in first
    for s in ev.scorecard.units:
        assert s.name in first and two_places(s.total) in first, s.unit

    # The matrix's pages: every clause column, the unit names repeated on each page across.
    matrix_pages = [p for p in pages if "矩阵" in _header(p).split()]
    assert len(matrix_pages) == len(matrix_groups(ev)), len(matrix_pages)
    text = "\n".join(matrix_pages)
    for clause in ev.policy.clauses:
        assert has_token(text, clause), clause
    for page in matrix_pages:
        assert all(s.name[:6] in page for s in ev.scorecard.units), "the unit columns repeat on every page"
