"""The notice (通报) as a Word document: read back with python-docx, and rendered by LibreOffice.

The document is read as the office would read it: the ranking table holds every unit and
its total, the recommendations keep to the quota, the unit that lost its eligibility is
named with the clauses and without the person's name, and the draft or approval is marked.
Then LibreOffice turns it into a PDF, whose text must still hold every name and total,
every full-width comma, and nothing outside the type area.

Full-width punctuation is written as escapes here: in source it looks like ASCII.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.shared import Mm, Pt

from evaluator.domain.evaluate import evaluate, load_year
from evaluator.domain.numbers import two_places
from evaluator.domain.policy.model import Awards
from evaluator.errors import UsageError
from evaluator.views.notice import chinese_date, punctuated, recommended, write_notice, zh

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "examples" / "2024.yaml"
DAY = dt.date(2025, 1, 15)
DECISION = "主任办公会议纪要〔2025〕2号"
PERSON = "钱立新"            # the disqualified unit's person in examples/2024.yaml
INELIGIBLE = "城乡建设环境保护工作委员会"
COMMA, COLON, SEMI, LP, RP = "\uff0c", "\uff1a", "\uff1b", "\uff08", "\uff09"
SOFFICE = shutil.which("soffice")
WRITER = any(Path(p).exists() for p in ("/usr/lib/libreoffice/program/libswlo.so",
                                        "/opt/libreoffice/program/libswlo.so"))


@pytest.fixture(scope="module")
def ev():
    factset, policy = load_year(FACTS)
    return evaluate(factset, policy)


@pytest.fixture(scope="module")
def draft(ev) -> bytes:
    return write_notice(ev, date=DAY)


@pytest.fixture(scope="module")
def approved(ev) -> bytes:
    return write_notice(ev, quota=3, stage="审定稿", decision=DECISION, date=DAY)


def opened(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


def paragraphs(content: bytes) -> list[str]:
    return [p.text for p in opened(content).paragraphs]


def body(content: bytes) -> str:
    return "\n".join(paragraphs(content))


def section_text(content: bytes, heading: str, following: str) -> list[str]:
    lines = paragraphs(content)
    return lines[lines.index(heading) + 1:lines.index(following)]


def all_xml(content: bytes) -> str:
    """Every part of the package as text: body, footers, styles, properties."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert not [n for n in z.namelist() if "thumbnail" in n], "python-docx's sample thumbnail"
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels")))


# ------------------------------------------------------------------ content

def test_the_table_holds_every_unit_its_section_scores_and_total(ev, draft):
    tables = opened(draft).tables
    assert len(tables) == 1
    rows = [[c.text for c in r.cells] for r in tables[0].rows]
    sections = ev.policy.policy.sections
    assert rows[0] == ["名次", "机构", sections["common"].title, sections["annual"].title, sections["daily"].title, "总分"]
    assert len(rows) == 1 + len(ev.scorecard.units)
    for row, s in zip(rows[1:], ev.scorecard.units):
        assert row == [str(s.rank), s.name, two_places(s.common_score), two_places(s.annual_score),
                       two_places(s.daily_score), two_places(s.total)]
    assert {r[1] for r in rows[1:]} == {u.name for u in ev.factset.units.values()}


def test_the_header_row_repeats_on_every_page_and_rows_do_not_split(draft):
    rows = opened(draft).tables[0].rows
    assert rows[0]._tr.trPr.xpath("./w:tblHeader")
    assert all(r._tr.trPr.xpath("./w:cantSplit") for r in rows)
    assert opened(draft).tables[0]._tbl.tblPr.xpath("./w:tblBorders/w:insideH")


def test_the_quota_is_kept(ev, approved):
    listed = section_text(approved, "二、评优建议", "三、取消评优资格的单位")
    eligible = [s for s in ev.scorecard.units if s.eligible]
    items = [line for line in listed if re.match(r"\d+\.", line)]
    assert [i.split(LP)[0].split(".", 1)[1] for i in items] == [s.name for s in eligible[:3]]
    assert "评优名额3个" in listed[0]
    assert "主任办公会议确定" in listed[0]


def test_without_a_quota_every_eligible_unit_is_listed_and_the_office_decides_how_many(ev, draft):
    assert ev.policy.policy.awards.quota is None
    listed = section_text(draft, "二、评优建议", "三、取消评优资格的单位")
    assert "未规定评优名额" in listed[0] and "名额由主任办公会议确定" in listed[0]
    items = [line for line in listed if re.match(r"\d+\.", line)]
    assert len(items) == sum(s.eligible for s in ev.scorecard.units) == 9
    assert not any(INELIGIBLE in i for i in items)


def test_the_policy_quota_applies_when_none_is_given(ev):
    policy = dataclasses.replace(ev.policy, policy=ev.policy.policy.model_copy(update={"awards": Awards(quota=2)}))
    capped = dataclasses.replace(ev, policy=policy)
    listed = section_text(write_notice(capped, date=DAY), "二、评优建议", "三、取消评优资格的单位")
    assert "评优名额2个" in listed[0]
    assert len([line for line in listed if re.match(r"\d+\.", line)]) == 2
    # --quota overrides the policy's
    within, used, _ = recommended(capped, 4)
    assert used == 4 and len(within) == 4


def test_a_tie_across_the_quota_is_left_to_the_office(ev):
    card = dataclasses.replace(ev.scorecard, units=[dataclasses.replace(s) for s in ev.scorecard.units])
    card.units[3].total = card.units[2].total     # the 4th shares the 3rd's total
    card.units[3].rank = card.units[2].rank
    tied_ev = dataclasses.replace(ev, scorecard=card)
    within, used, tied = recommended(tied_ev, 3)
    assert [s.unit for s in tied] == [card.units[3].unit]
    listed = section_text(write_notice(tied_ev, quota=3, date=DAY), "二、评优建议", "三、取消评优资格的单位")
    assert any(card.units[3].name in line and "由主任办公会议确定" in line for line in listed[-1:])


def test_an_ineligible_unit_is_listed_by_clause_without_the_persons_name(ev, draft):
    listed = section_text(draft, "三、取消评优资格的单位", "特此通报。")
    entry = next(line for line in listed if line.startswith("1."))
    assert entry.startswith(f"1.{INELIGIBLE}{LP}第8名{COMMA}85.45分{RP}{COLON}")
    assert "4.1.3 作风建设" in entry and "4.1.5 廉洁自律" in entry
    assert "X纪通〔2024〕5号" in entry        # the references stay: they name no one
    everything = all_xml(draft)
    for person in {getattr(f, "person", None) for f in ev.factset.facts} - {None}:
        assert person not in everything, person


def test_with_name_persons_the_person_is_named(ev):
    named = write_notice(ev, name_persons=True, date=DAY)
    entry = next(line for line in section_text(named, "三、取消评优资格的单位", "特此通报。") if line.startswith("1."))
    assert f"4.1.3 作风建设{COMMA}{PERSON}违反规定被查处通报" in entry
    assert f"4.1.5 廉洁自律{COMMA}{PERSON}违纪被纪检部门查处" in entry


def test_a_reference_that_names_a_person_is_left_out(ev):
    facts = [type(f)({**vars(f), "reference": f"关于{PERSON}同志的处理决定"}) if f.id == "CV-001" else f
             for f in ev.factset.facts]
    factset = dataclasses.replace(ev.factset, facts=facts)
    text = body(write_notice(dataclasses.replace(ev, factset=factset), date=DAY))
    assert PERSON not in text and "4.1.3 作风建设" in text


def test_the_draft_is_marked_at_the_top_and_claims_no_approval(draft):
    lines = paragraphs(draft)
    assert lines[0] == "征求意见稿"
    assert "关于2024年度机关工作机构\n目标责任制考核结果的通报" in lines
    assert "机关各工作机构" + COLON in lines
    assert not any(line.startswith("经主任办公会议审定") for line in lines)
    assert "以主任办公会议审定为准" in body(draft)
    assert lines[-2:] == ["XX市人大常委会办公厅", "二〇二五年一月十五日"]


def test_the_approved_notice_carries_the_approval_line(approved):
    lines = paragraphs(approved)
    assert "征求意见稿" not in lines[0] and lines[0].startswith("关于2024年度")
    assert lines[-1] == f"经主任办公会议审定{LP}{DECISION}{RP}"
    assert lines[-3:-1] == ["XX市人大常委会办公厅", "二〇二五年一月十五日"]
    assert f"经考核工作组审查、机关党组研究{COMMA}并经主任办公会议审定{LP}{DECISION}{RP}" in body(approved)


def test_stage_and_decision_must_agree(ev):
    with pytest.raises(UsageError, match="decision"):
        write_notice(ev, stage="审定稿")
    with pytest.raises(UsageError, match="审定稿"):
        write_notice(ev, decision=DECISION)
    with pytest.raises(UsageError):
        write_notice(ev, stage="定稿")
    with pytest.raises(UsageError):
        write_notice(ev, quota=0)


def test_the_body_writes_full_width_punctuation(draft, approved):
    for content in (draft, approved):
        doc = opened(content)
        texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
        for text in texts:
            assert not re.search(r"[,:;()?!]", text), text
        assert COMMA in body(content) and LP in body(content)


def test_chinese_dates_and_text_helpers():
    assert chinese_date(dt.date(2025, 1, 15)) == "二〇二五年一月十五日"
    assert chinese_date(dt.date(2024, 12, 31)) == "二〇二四年十二月三十一日"
    assert chinese_date(dt.date(2020, 10, 20)) == "二〇二〇年十月二十日"
    assert punctuated("共3项,时间10:30,金额1,000(试行);") == f"共3项{COMMA}时间10:30{COMMA}金额1,000{LP}试行{RP}{SEMI}"
    assert zh("XX 市人大常委会 (试行)") == f"XX市人大常委会{LP}试行{RP}"


def test_the_date_defaults_to_today(ev):
    assert chinese_date(dt.date.today()) in paragraphs(write_notice(ev))[-1]


# ------------------------------------------------------------------ GB/T 9704 layout

def test_page_margins_fonts_and_line_pitch(draft):
    doc = opened(draft)
    s = doc.sections[0]
    assert [round(x.mm) for x in (s.page_width, s.page_height)] == [210, 297]
    assert [round(m.mm) for m in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [37, 35, 28, 26]
    title = next(p for p in doc.paragraphs if p.text.startswith("关于"))
    assert title.alignment == 1  # centred
    run = title.runs[0]
    assert run._r.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "方正小标宋简体" and run.font.size == Pt(22)
    text = next(p for p in doc.paragraphs if p.text.startswith("根据"))
    run = text.runs[0]
    assert run._r.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "仿宋_GB2312" and run.font.size == Pt(16)
    assert text.paragraph_format.line_spacing == Pt(28) and text.paragraph_format.line_spacing_rule == 4  # exactly
    assert text.paragraph_format.first_line_indent == Pt(32)
    heading = next(p for p in doc.paragraphs if p.text == "一、考核结果")
    assert heading.runs[0]._r.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "黑体"
    theme = doc.styles.element.xpath("./w:docDefaults//w:rFonts/@w:eastAsiaTheme")
    assert not theme, "a theme font would override the East Asian font name"


def test_page_numbers_are_fields_outside_odd_right_even_left(draft):
    doc = opened(draft)
    assert doc.settings.odd_and_even_pages_header_footer
    s = doc.sections[0]
    for footer, alignment in ((s.footer, 2), (s.even_page_footer, 0)):
        p = footer.paragraphs[0]
        assert p.alignment == alignment
        assert p.text == "— 1 —"
        assert "PAGE" in "".join(p._p.xpath(".//w:instrText/text()"))
        assert p.runs[0]._r.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) == "宋体" and p.runs[0].font.size == Pt(14)


# ------------------------------------------------------------------ the command

def test_the_notice_command_writes_the_document(tmp_path):
    out = tmp_path / "通报.docx"
    done = subprocess.run([sys.executable, "-m", "evaluator", "notice", str(FACTS), "--quota", "3", "--stage", "审定稿",
                           "--decision", DECISION, "--date", "2025-01-15", "--output", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "已写入" in done.stdout and "审定稿" in done.stdout
    assert paragraphs(out.read_bytes())[-1] == f"经主任办公会议审定{LP}{DECISION}{RP}"
    bad = subprocess.run([sys.executable, "-m", "evaluator", "notice", str(FACTS), "--stage", "审定稿",
                          "--output", str(tmp_path / "x.docx")], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and "--decision" in bad.stderr and not (tmp_path / "x.docx").exists()


# ------------------------------------------------------------------ rendered by LibreOffice

# 仿宋_GB2312, 方正小标宋简体, 黑体 and 宋体 are not free; for the rendering they are mapped to the
# Noto CJK faces closest in kind (serif for 仿宋 and 宋体, bold serif for 小标宋, sans for 黑体).
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <match target="pattern"><test name="family"><string>仿宋_GB2312</string></test>
    <edit name="family" mode="prepend" binding="strong"><string>Noto Serif CJK SC</string></edit></match>
  <match target="pattern"><test name="family"><string>宋体</string></test>
    <edit name="family" mode="prepend" binding="strong"><string>Noto Serif CJK SC</string></edit></match>
  <match target="pattern"><test name="family"><string>黑体</string></test>
    <edit name="family" mode="prepend" binding="strong"><string>Noto Sans CJK SC</string></edit></match>
  <match target="pattern"><test name="family"><string>方正小标宋简体</string></test>
    <edit name="family" mode="prepend" binding="strong"><string>Noto Serif CJK SC</string></edit>
    <edit name="weight" mode="assign" binding="strong"><const>bold</const></edit></match>
</fontconfig>
"""
PAGE_WIDTH = Mm(210).pt
LEFT, RIGHT = Mm(28).pt, PAGE_WIDTH - Mm(26).pt


def to_pdf(docx_file: Path, tmp: Path) -> Path:
    conf = tmp / "fonts.conf"
    conf.write_text(FONTS_CONF, encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(tmp)}
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation={(tmp / 'lo').as_uri()}", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(docx_file)], check=True, capture_output=True, env=env, timeout=180)
    pdf = tmp / (docx_file.stem + ".pdf")
    assert pdf.exists(), "LibreOffice wrote no PDF"
    return pdf


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.skipif(not (SOFFICE and WRITER and shutil.which("pdftotext") and shutil.which("pdftoppm")),
                    reason="LibreOffice Writer and poppler-utils are not installed "
                           "(apt-get install libreoffice-writer-nogui poppler-utils fonts-noto-cjk)")
@pytest.mark.parametrize("stage,named", [("征求意见稿", False), ("审定稿", False), ("审定稿", True)])
def test_libreoffice_renders_everything_inside_the_type_area(ev, draft, approved, stage, named, tmp_path):
    # With names, a comma falls at the end of a line: LibreOffice 7.4 lost it before overflowPunct was set.
    content = (write_notice(ev, quota=3, stage=stage, decision=DECISION, date=DAY, name_persons=True) if named
               else draft if stage == "征求意见稿" else approved)
    source = tmp_path / "notice.docx"
    source.write_bytes(content)
    pdf = to_pdf(source, tmp_path)

    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    for s in ev.scorecard.units:
        assert s.name in flat, s.name
        assert two_places(s.total) in flat, (s.name, two_places(s.total))
    assert "XX市人大常委会办公厅" in flat and "二〇二五年一月十五日" in flat
    assert ("征求意见稿" in flat) == (stage == "征求意见稿")
    # LibreOffice 7.4 drops a comma it hangs past the end of a justified line: count them.
    doc = opened(content)
    written = "".join(p.text for p in doc.paragraphs) + "".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    for mark in (COMMA, COLON, SEMI, LP, RP, "。", "、"):
        assert flat.count(mark) == written.count(mark), f"{mark}: {written.count(mark)} written, {flat.count(mark)} rendered"
    pages = pdf_pages(pdf)
    assert 2 <= pages <= 4
    for number in range(1, pages + 1):
        assert f"—{number}—" in flat, f"page number {number}"

    # Nothing outside the type area, left or right (the page numbers sit one character in).
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</word>', boxes)
    assert words
    outside = [(w, float(a), float(b)) for a, b, w in words if float(a) < LEFT - 1 or float(b) > RIGHT + 1]
    assert not outside, outside

    # Page 1 as an image: the office's first look at it.
    if os.environ.get("EVALUATOR_SAVE_SCREENSHOTS") == "1" and stage == "征求意见稿":
        shot = ROOT / "docs" / "screenshots" / "notice"
        shot.parent.mkdir(parents=True, exist_ok=True)
    else:
        shot = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(shot)],
                   check=True, capture_output=True)
    png = shot.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 30_000
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts, fonts   # the Chinese text was set in a CJK face, not boxes
