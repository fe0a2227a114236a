"""The notice (通报) of the year's results, as a Word document laid out per GB/T 9704-2012.

A red-free 通报 of the 办公厅 to the offices: what was assessed and how far the method's
process (三(五): 形成考核结果 → 考核工作组审查 → 机关党组研究 → 主任办公会议审定) has gone,
then 一、考核结果 (the ranking table), 二、评优建议 (the eligible units within the quota),
三、取消评优资格的单位 (by clause, without persons' names unless asked), signature, date and
the approval line, or a 征求意见稿 mark on a draft for comment.

Typesetting (GB/T 9704-2012): A4, margins 37/35/28/26 mm (top/bottom/left/right); title
方正小标宋简体 2号 centred; body 仿宋_GB2312 3号 with 28 pt exact line spacing (22 lines a
page) and a first-line indent of 2 characters; first-level headings 黑体 3号; page numbers
`— 1 —` in 4号 宋体, outside (odd pages right, even pages left, one character in).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Iterable

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING, WD_PARAGRAPH_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

from evaluator.domain.numbers import plain, two_places
from evaluator.errors import UsageError
from evaluator.i18n import say

if TYPE_CHECKING:  # pragma: no cover - typing only
    from evaluator.domain.evaluate import Evaluation

STAGES = ("征求意见稿", "审定稿")

# Fonts and sizes (号 → pt) of GB/T 9704-2012.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"
SIZE_2 = Pt(22)       # 二号: the title
SIZE_3 = Pt(16)       # 三号: the body
SIZE_4 = Pt(14)       # 四号: page numbers
SIZE_SMALL_4 = Pt(12)  # 小四: the table
CHAR = 320            # one body character (3号, 16 pt) in twips
LINE = Pt(28)         # the body's exact line pitch: 22 lines in the 225 mm type area
TITLE_LINE = Pt(36)
TABLE_LINE = Pt(20)
TYPE_AREA_CHARS = 27  # 156 mm / 16 pt: body characters a line holds

# Column widths of the ranking table, in mm: they add up to the 156 mm type area. The rank and
# the total are fixed; each section's score gets a score's width while the unit's name keeps
# room for a long name, and beyond that the sections share what is left.
TYPE_AREA_MM, RANK_MM, TOTAL_MM, SCORE_MM, NAME_MIN_MM = 156, 14, 19, 21, 30


def column_widths(sections: int) -> tuple[float, ...]:
    """(rank, name, one per section, total) in mm, adding up to the type area."""
    room = TYPE_AREA_MM - RANK_MM - TOTAL_MM
    score = min(SCORE_MM, (room - NAME_MIN_MM) / max(sections, 1))
    return (RANK_MM, room - score * sections, *([score] * sections), TOTAL_MM)

_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
# ASCII punctuation -> its full-width form (written as escapes: the two look alike in source)
_FULL = {",": "\uff0c", ":": "\uff1a", ";": "\uff1b", "(": "\uff08", ")": "\uff09", "?": "\uff1f", "!": "\uff01"}
_DIGITS = "〇一二三四五六七八九"


# ------------------------------------------------------------------ text

def punctuated(text: str) -> str:
    """Full-width ,:;()?! as the body of a 通报 writes them; commas and colons between two
    digits (1,000, 10:30) stay as they are."""
    out = []
    for i, ch in enumerate(text):
        if ch in _FULL and not (ch in ",:" and text[i - 1:i].isdigit() and text[i + 1:i + 2].isdigit()):
            out.append(_FULL[ch])
        else:
            out.append(ch)
    return "".join(out)


def zh(text: str) -> str:
    """Words from the policy or the facts as the notice writes them: full-width punctuation and
    no spaces beside Chinese characters (XX 市 → XX市)."""
    return re.sub(rf"(?<=[{_CJK}])[ \t]+|[ \t]+(?=[{_CJK}])", "", punctuated(text))


def chinese_date(day: dt.date) -> str:
    """二〇二五年一月十五日."""
    def number(n: int) -> str:
        tens, ones = divmod(n, 10)
        if tens == 0:
            return _DIGITS[ones]
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{number(day.month)}月{number(day.day)}日"


def _width(text: str) -> float:
    """Width in body characters: a Chinese character is one, a half-width one half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


def _title_lines(title: str) -> list[str]:
    """The title in one line if it fits the type area at 2号, else two (GB/T 9704 7.3.1)."""
    if _width(title) * SIZE_2.pt <= TYPE_AREA_CHARS * SIZE_3.pt:
        return [title]
    at = title.find("目标责任制")
    if at <= 0:
        at = len(title) // 2
    return [title[:at], title[at:]]


def issuer_of(ev: "Evaluation") -> str:
    """The 办公厅 of the standing committee the policy belongs to: XX市人大常委会办公厅."""
    found = re.match(r"\s*(.*?)人大常委会", ev.policy.policy.title)
    return zh((found.group(1) if found else "") + "人大常委会办公厅")


# ------------------------------------------------------------------ content

def recommended(ev: "Evaluation", quota: int | None) -> tuple[list, int | None, list]:
    """The eligible units in rank order within the quota, the quota used, and the eligible
    units outside it that tie with the last one inside (the office decides about those)."""
    used = quota if quota is not None else ev.policy.policy.awards.quota
    eligible = [s for s in ev.scorecard.units if s.eligible]
    if not used:
        return eligible, None, []
    within = eligible[:used]
    tied = [s for s in eligible[used:] if within and s.total == within[-1].total]
    return within, used, tied


def _person_names(ev: "Evaluation") -> set[str]:
    names = set()
    for fact in ev.factset.facts:
        person = getattr(fact, "person", None)
        if isinstance(person, str) and person.strip():
            names.add(person.strip())
    return names


def disqualifications(ev: "Evaluation", unit: str, name_persons: bool = False) -> list[str]:
    """Why a unit is not eligible, one item per clause and rule: `4.1.3 作风建设,违反规定被查处通报,
    见…(文号)`. Without `name_persons`, no person's name: a reference that contains one is left out."""
    facts = {f.id: f for f in ev.factset.facts}
    titles = {(r.clause.id, r.id): r.rule.title for r in ev.policy.rules}
    names = _person_names(ev)
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for f in ev.findings:
        if f.unit == unit and f.disqualifies:
            grouped[f.clause, f.rule].append(f)
    items = []
    for (clause_id, rule_id), findings in grouped.items():
        clause = ev.policy.clauses[clause_id]
        evidence = [facts[e] for f in findings for e in f.evidence if e in facts]
        persons = list(dict.fromkeys(p for p in (getattr(e, "person", None) for e in evidence) if p))
        references = list(dict.fromkeys(r for r in (getattr(e, "reference", None) for e in evidence) if r))
        if not name_persons:
            references = [r for r in references if not any(n in r for n in names)]
        what = zh(titles.get((clause_id, rule_id), ""))
        if name_persons and persons:
            what = "、".join(persons) + what
        item = f"{clause.id} {zh(clause.title)},{what}"
        if len(findings) > 1:
            item += f",共{len(findings)}项"
        if references:
            item += ",见" + "、".join(zh(r) for r in references)
        items.append(item)
    if not items:  # not eligible for a reason no finding states: the clause part of the scorecard's words
        for reason in next((s.ineligible_because for s in ev.scorecard.units if s.unit == unit), []):
            items.append(zh(re.split("[:\uff1a]", reason)[0]))
    return items


def _intro(ev: "Evaluation", stage: str, decision: str | None) -> list[str]:
    """What was assessed, and how far the method's process (三(五)) has gone."""
    policy = ev.policy.policy
    parts = [zh(s.title) + (f"({plain(s.full_marks)}分)" if s.full_marks else "") for s in policy.sections.values()]
    count = "三" if len(parts) == 3 else str(len(parts))
    first = (f"根据《{zh(policy.title)}》,办公厅组织对机关各工作机构{ev.factset.year}年度目标责任制落实情况进行了考核。"
             f"考核实行量化评分,由{'、'.join(parts)}{count}部分组成。")
    if stage == "审定稿":
        second = (f"在听取工作汇报和检查的基础上形成考核结果,经考核工作组审查、机关党组研究,"
                  f"并经主任办公会议审定({zh(decision or '')}),现将考核结果通报如下:")
    else:
        second = ("在听取工作汇报和检查的基础上形成了考核结果。按照考核办法,考核结果经考核工作组审查、"
                  "机关党组研究后,提请主任办公会议审定。"
                  "现将考核结果(征求意见稿)印发各工作机构核对,如有异议,请及时向考核工作组反馈;"
                  "考核结果和表彰名单以主任办公会议审定为准。")
    return [first, second]


def _score_note(ev: "Evaluation") -> str:
    """How the total is made, from the policy's sections: under the table."""
    note = "注:总分为各部分得分之和"
    for s in ev.policy.policy.sections.values():
        if s.per_staff:
            note += f";{zh(s.title)}得分为累计积分除以本机构实际工作人员人数"
            if s.round_places is not None:
                places = {1: "一", 2: "两", 3: "三"}.get(s.round_places, str(s.round_places))
                note += f",四舍五入保留{places}位小数"
    return note + "。"


# ------------------------------------------------------------------ layout helpers

# What follows an element in its parent's schema sequence (ECMA-376): Word rejects a file whose
# elements are out of order, so an added element goes before the first of these present.
_AFTER = {
    "w:overflowPunct": ("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                        "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                        "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                        "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
    "w:outlineLvl": ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
    "w:tblW": ("w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
               "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"),
    "w:tblBorders": ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
                     "w:tblPrChange"),
    "w:tblLayout": ("w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"),
}


def _put(parent, element) -> None:
    """Add `element` to `parent` in its schema place, replacing one of the same kind."""
    tag = element.tag
    for old in parent.findall(tag):
        parent.remove(old)
    name = "w:" + tag.split("}")[1]
    parent.insert_element_before(element, *_AFTER[name])


def _fonts(rpr, east: str, west: str | None = None) -> None:
    """Set a run's (or style's) fonts: East Asian through w:eastAsia, which python-docx does not
    set; theme fonts are removed, since they would override the names."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    west = west or east
    for attr, name in (("w:ascii", west), ("w:hAnsi", west), ("w:eastAsia", east), ("w:cs", west)):
        fonts.set(qn(attr), name)


def _size(rpr, size: Pt) -> None:
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(size.pt * 2)))


def _run(paragraph, text: str, font: str = BODY_FONT, size: Pt = SIZE_3, west: str | None = None):
    run = paragraph.add_run(punctuated(text))
    rpr = run._r.get_or_add_rPr()
    _fonts(rpr, font, west)
    _size(rpr, size)
    return run


def _format(paragraph, *, indent: bool = True, line: Pt = LINE, align=None) -> None:
    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = line
    pf.space_before = pf.space_after = Pt(0)
    if align is not None:
        pf.alignment = align
    if indent:
        pf.first_line_indent = Twips(2 * CHAR)
        paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")


def _para(doc, text: str = "", *, font: str = BODY_FONT, indent: bool = True, align=None, line: Pt = LINE):
    p = doc.add_paragraph()
    _format(p, indent=indent, line=line, align=align if align is not None else WD_PARAGRAPH_ALIGNMENT.JUSTIFY)
    if text:
        _run(p, text, font)
    return p


def _heading(doc, text: str):
    p = _para(doc, text, font=HEADING_FONT)
    outline = OxmlElement("w:outlineLvl")   # shows in Word's navigation pane
    outline.set(qn("w:val"), "0")
    _put(p._p.get_or_add_pPr(), outline)
    p.paragraph_format.keep_with_next = True
    return p


def _defaults(doc) -> None:
    """Document defaults: 仿宋_GB2312 3号, Chinese language, 28 pt exact lines, no spacing."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, BODY_FONT)
    _size(rpr, SIZE_3)
    lang = rpr.find(qn("w:lang"))
    # Digits and Latin letters are "western" text: tagged Chinese, LibreOffice breaks lines inside 4.1.3 or 2024.
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    # w:overflowPunct on is Word's default (punctuation may hang past the line end), written out
    # because LibreOffice reads it inverted: on, it does not hang punctuation, which it would
    # otherwise drop at the end of a justified line (a comma went missing in 7.4).
    overflow = OxmlElement("w:overflowPunct")
    overflow.set(qn("w:val"), "1")
    _put(normal.element.get_or_add_pPr(), overflow)
    _fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    _size(normal.element.get_or_add_rPr(), SIZE_3)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE
    pf.space_before = pf.space_after = Pt(0)
    pf.widow_control = True


def _page(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # The page number's top edge sits 7 mm below the type area (GB/T 9704 7.5): 35 − 7 − 4号 line.
    section.footer_distance = Mm(23)


def _page_number(footer, *, odd: bool) -> None:
    """`— 1 —` in 4号 宋体, the number a PAGE field; odd pages right, even pages left, one character in."""
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    pf = p.paragraph_format
    pf.alignment = WD_PARAGRAPH_ALIGNMENT.RIGHT if odd else WD_PARAGRAPH_ALIGNMENT.LEFT
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(16)
    one = Twips(int(SIZE_4.pt * 20))
    if odd:
        pf.right_indent = one
    else:
        pf.left_indent = one

    def run(text: str = ""):
        return _run(p, text, PAGE_NUMBER_FONT, SIZE_4)

    run("— ")
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None)):
        r = run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = instruction
            r._r.append(instr)
    run("1")
    end = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "end")
    end._r.append(fld)
    run(" —")


def _borders(table) -> None:
    tblPr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "8" if edge in ("insideH", "insideV") else "12")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    _put(tblPr, borders)


def _fixed_widths(table, widths: tuple[float, ...]) -> None:
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    _put(table._tbl.tblPr, layout)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(Mm(sum(widths)).twips)))
    width.set(qn("w:type"), "dxa")
    _put(table._tbl.tblPr, width)
    for column, mm in zip(table.columns, widths):
        column.width = Mm(mm)
        for cell in column.cells:
            cell.width = Mm(mm)


def _row_flags(row, *, header: bool) -> None:
    trPr = row._tr.get_or_add_trPr()
    trPr.append(OxmlElement("w:cantSplit"))
    if header:
        trPr.append(OxmlElement("w:tblHeader"))   # repeated at the top of each page


def _cell(cell, text: str, *, font: str = BODY_FONT, align=WD_PARAGRAPH_ALIGNMENT.CENTER) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    _format(p, indent=False, line=TABLE_LINE, align=align)
    _run(p, text, font, SIZE_SMALL_4)


def _ranking_table(doc, ev: "Evaluation") -> None:
    parts = list(ev.policy.policy.sections.values())   # the policy's sections, in its order
    widths = column_widths(len(parts))
    header = ["名次", "机构", *(zh(section.title) for section in parts), "总分"]
    table = doc.add_table(rows=1, cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table)
    _fixed_widths(table, widths)
    _row_flags(table.rows[0], header=True)
    for cell, text in zip(table.rows[0].cells, header):
        _cell(cell, text, font=HEADING_FONT)
    for s in ev.scorecard.units:
        row = table.add_row()
        _row_flags(row, header=False)
        values = [str(s.rank), s.name, *(two_places(part.score) for part in s.sections), two_places(s.total)]
        for i, (cell, text) in enumerate(zip(row.cells, values)):
            cell.width = Mm(widths[i])
            _cell(cell, text, align=WD_PARAGRAPH_ALIGNMENT.LEFT if i == 1 else WD_PARAGRAPH_ALIGNMENT.CENTER)


def _listed(doc, lines: Iterable[str], end: str = ";") -> None:
    """Numbered paragraphs `1.…;`, the last closed with a full stop (or each, with end="。")."""
    lines = list(lines)
    for i, line in enumerate(lines, start=1):
        _para(doc, f"{i}.{line}{'。' if i == len(lines) else end}")


# ------------------------------------------------------------------ the document

def write_notice(ev: "Evaluation", *, quota: int | None = None, name_persons: bool = False,
                 stage: str = "征求意见稿", decision: str | None = None, date: dt.date | None = None,
                 issuer: str | None = None) -> bytes:
    """The 通报 of the year's results as a .docx file's bytes.

    `quota` overrides the policy's awards.quota; `stage` is 征求意见稿 (a draft for comment,
    marked so at the top) or 审定稿 (approved: `decision` names the 主任办公会议纪要 that did);
    `date` defaults to today; `issuer` to the 办公厅 of the policy's standing committee."""
    if stage not in STAGES:
        raise UsageError(say("--stage 应是 {s},而不是“{t}”", "--stage must be one of {s}, not '{t}'",
                             s="、".join(STAGES), t=stage))
    if stage == "审定稿" and not (decision and decision.strip()):
        raise UsageError(say("审定稿须用 --decision 写明审定的主任办公会议纪要,如“主任办公会议纪要〔2025〕2号”",
                             "an approved notice (审定稿) needs --decision naming the 主任办公会议纪要 that approved it"))
    if stage != "审定稿" and decision:
        raise UsageError(say("--decision 只用于审定稿(--stage 审定稿);征求意见稿尚未经主任办公会议审定",
                             "--decision is for an approved notice (--stage 审定稿) only; a draft for comment is not yet approved"))
    if quota is not None and quota < 1:
        raise UsageError(say("--quota 应是大于 0 的整数,而不是 {q}", "--quota must be a whole number above 0, not {q}", q=quota))
    date = date or dt.date.today()
    issuer = issuer or issuer_of(ev)
    year = ev.factset.year
    title = f"关于{year}年度机关工作机构目标责任制考核结果的通报"

    doc = Document()
    package = doc.part.package   # python-docx's template carries a thumbnail of its own sample page
    for rid in [k for k, r in package.rels.items() if r.reltype.endswith("/metadata/thumbnail")]:
        package.rels.pop(rid)
    _defaults(doc)
    section = doc.sections[0]
    _page(section)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)
    props = doc.core_properties
    props.title, props.author, props.subject = title, issuer, stage
    props.created = props.modified = dt.datetime.combine(date, dt.time())
    props.last_modified_by, props.comments, props.keywords, props.revision = issuer, "", "", 1

    body = doc.paragraphs[0] if doc.paragraphs else None
    if stage == "征求意见稿":   # where the 密级 would stand: the first line of the type area, left
        mark = body or _para(doc, indent=False)
        _format(mark, indent=False, align=WD_PARAGRAPH_ALIGNMENT.LEFT)
        _run(mark, "征求意见稿", HEADING_FONT)
        _para(doc, indent=False)
        body = None
    lines = _title_lines(title)
    head = body or _para(doc, indent=False)
    _format(head, indent=False, line=TITLE_LINE, align=WD_PARAGRAPH_ALIGNMENT.CENTER)
    for i, line in enumerate(lines):
        run = _run(head, line, TITLE_FONT, SIZE_2)
        if i < len(lines) - 1:
            run.add_break()
    _para(doc, indent=False)   # 标题下空一行
    _para(doc, "机关各工作机构:", indent=False)
    for text in _intro(ev, stage, decision):
        _para(doc, text)

    _heading(doc, "一、考核结果")
    units = ev.scorecard.units
    lead = _para(doc, f"参加考核的{len(units)}个工作机构得分和名次如下(总分相同的名次并列):")
    lead.paragraph_format.keep_with_next = True
    _ranking_table(doc, ev)
    _para(doc, _score_note(ev))

    _heading(doc, "二、评优建议")
    within, used, tied = recommended(ev, quota)
    if used is None:
        _para(doc, f"考核办法未规定评优名额。以下按名次列出全部{len(within)}个具备评优资格的单位,"
                   "供主任办公会议研究;表彰名额由主任办公会议确定。")
    elif not within:
        _para(doc, f"评优名额为{used}个,本年度没有具备评优资格的单位。")
    else:
        _para(doc, f"按照评优名额{used}个,依名次建议对以下{len(within)}个具备评优资格的单位予以表彰"
                   "(表彰名额和名单由主任办公会议确定):")
    _listed(doc, (f"{s.name}(第{s.rank}名,{two_places(s.total)}分)" for s in within))
    if tied:
        last = within[-1]
        _para(doc, f"另有{'、'.join(s.name for s in tied)}与{last.name}总分同为{two_places(last.total)}分、"
                   f"名次并列第{last.rank}名,超出名额的并列单位是否予以表彰,由主任办公会议确定。")

    _heading(doc, "三、取消评优资格的单位")
    ineligible = [s for s in units if not s.eligible]
    if not ineligible:
        _para(doc, "本年度没有取消评优资格的单位。")
    else:
        clauses = "、".join(dict.fromkeys(f"{r.clause.id} {zh(r.clause.title)}" for r in ev.policy.rules
                                          if r.rule.disqualifies))
        _para(doc, f"根据考核办法,有{clauses}所列情形的,取消当年各类评先评优资格,"
                   "其考核得分和名次照常计算。以下单位取消本年度评优资格:")
        _listed(doc, (f"{s.name}(第{s.rank}名,{two_places(s.total)}分):"
                      + ";".join(disqualifications(ev, s.unit, name_persons)) for s in ineligible), end="。")
    # The signature never stands on a page of its own: the closing line goes with it.
    _para(doc, "特此通报。").paragraph_format.keep_with_next = True

    # Signature and date (GB/T 9704 7.3.5.2, no seal): one line below the body, the date
    # under the signature starting two characters to the right of it, two characters in.
    when = chinese_date(date)
    sig_w, date_w = _width(issuer), _width(when)
    date_right = max(2.0, sig_w - date_w)      # a longer date moves the signature left instead
    sig_right = date_right + date_w + 2 - sig_w
    _para(doc, indent=False).paragraph_format.keep_with_next = True
    for text, right in ((issuer, sig_right), (when, date_right)):
        p = _para(doc, text, indent=False, align=WD_PARAGRAPH_ALIGNMENT.RIGHT)
        p.paragraph_format.right_indent = Twips(round(right * CHAR))
        p.paragraph_format.keep_with_next = text == issuer or stage == "审定稿"
    if stage == "审定稿":   # the approval line, as a 附注: under the date, two characters in
        _para(doc, f"经主任办公会议审定({zh(decision)})")

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
