"""The ledger workbook: the empty template (ledger/template.py) and a filled one (ledger/write.py)."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from conftest import EXAMPLES
from evaluator.domain.facts import FACT_TYPES
from evaluator.domain.factset import load_factset
from evaluator.domain.policy.registry import choose_policy
from evaluator.domain.vocabulary import UnitNames, number
from evaluator.inputs.ledger.layout import REVIEW_SHEET, GUIDE_SHEET, POLICY_LABEL, UNITS_SHEET, YEAR_LABEL, LedgerLayout
from evaluator.inputs.ledger.template import CHOICES_SHEET, clauses_fed, write_template
from evaluator.inputs.ledger.write import write_ledger

YEAR = 2024


@pytest.fixture(scope="module")
def compiled():
    return choose_policy(YEAR, None)


@pytest.fixture(scope="module")
def layout(compiled):
    return LedgerLayout(compiled.vocabulary)


@pytest.fixture(scope="module")
def factset():
    return load_factset(EXAMPLES / "2024.yaml")


@pytest.fixture(scope="module")
def template_bytes(compiled):
    return write_template(compiled, YEAR, [{"id": "office", "name": "办公厅", "staff": 14},
                                           {"id": "legal", "name": "法制工作委员会", "staff": 6}])


@pytest.fixture(scope="module")
def template(template_bytes):
    return load_workbook(io.BytesIO(template_bytes))


@pytest.fixture(scope="module")
def filled_bytes(factset, compiled):
    return write_ledger(factset, compiled)


@pytest.fixture(scope="module")
def filled(filled_bytes):
    return load_workbook(io.BytesIO(filled_bytes))


def _values(wb, ref: str) -> list:
    """The values of a range such as '选项'!$B$2:$B$6 (or 机构!$B$2:$B$500), blanks left out."""
    sheet, cells = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    return [c.value for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)
            for c in row if c.value is not None]


def _validations(ws) -> dict[str, object]:
    """Column letter -> the data validation over it (each column has at most one)."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cells in str(dv.sqref).split():
            letter = "".join(ch for ch in cells.split(":")[0] if ch.isalpha())
            assert letter not in found, f"{ws.title}!{letter} has two validations"
            found[letter] = dv
    return found


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index)


# --- the template ---------------------------------------------------------------------------
def test_sheets_in_order_one_per_fact_type(template, layout):
    names = template.sheetnames
    assert names[:2] == [GUIDE_SHEET, UNITS_SHEET]
    assert names[-1] == CHOICES_SHEET and template[CHOICES_SHEET].sheet_state == "hidden"
    assert names[-2] == REVIEW_SHEET   # the working group's adjustments, apart from the records
    fact_sheets = names[2:-2]
    assert len(fact_sheets) == len(FACT_TYPES)
    assert fact_sheets == [s.name for s in layout.sheets]
    assert all(template[n].sheet_state == "visible" for n in names[:-1])


def test_guide_carries_year_and_policy_and_the_clause_table(template, compiled, layout):
    ws = template[GUIDE_SHEET]
    pairs = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(1, 11)}
    assert pairs[YEAR_LABEL] == YEAR
    assert pairs[POLICY_LABEL] == compiled.id
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0] in {s.name for s in layout.sheets}}
    assert len(rows) == len(FACT_TYPES)
    fed = clauses_fed(compiled)
    leave = rows[layout.by_type["leave"].name]
    assert leave[1] == compiled.vocabulary.type_label("leave")
    assert "4.1.2" in leave[2] and compiled.clauses["4.1.2"].text in leave[3]   # via the derived person_leave
    for sheet in layout.sheets:
        for clause in fed[sheet.fact_type]:
            assert f"{clause.id} {clause.title}" in rows[sheet.name][2]
            assert clause.text in rows[sheet.name][3]
    every_rule_fact = {r.fact for c in compiled.policy.clauses for r in c.rules}
    derived = {d.type for d in compiled.policy.derivations}
    assert {t for t, cs in fed.items() if cs} >= every_rule_fact - derived


def test_template_without_year_leaves_the_year_blank(compiled):
    wb = load_workbook(io.BytesIO(write_template(compiled, None)))
    ws = wb[GUIDE_SHEET]
    row = next(r for r in range(1, 11) if ws.cell(row=r, column=1).value == YEAR_LABEL)
    assert ws.cell(row=row, column=2).value is None
    assert wb[UNITS_SHEET].max_row == 1


def test_roster_headers_and_units(template, layout):
    ws = template[UNITS_SHEET]
    assert [c.value for c in ws[1]] == [c.header for c in layout.units.columns]
    assert [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True)] == [
        ("office", "办公厅", 14), ("legal", "法制工作委员会", 6)]
    assert all(c.comment for c in ws[1])


def test_fact_sheet_headers_are_the_layouts(template, layout):
    for sheet in layout.sheets:
        ws = template[sheet.name]
        assert [c.value for c in ws[1]] == [c.header for c in sheet.columns], sheet.name
        assert ws.max_row == 1
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
        assert ws.print_title_rows == "$1:$1"
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        for cell in ws[1]:
            assert cell.font.b and cell.fill.fgColor.rgb not in (None, "00000000")
            assert cell.comment and cell.comment.text.startswith(cell.value), (sheet.name, cell.value)


def test_header_comments_say_what_a_column_takes(template, layout, compiled):
    v = compiled.vocabulary
    leave = layout.by_type["leave"]
    ws = template[leave.name]
    comments = {c.value: c.comment.text for c in ws[1]}
    kind = v.types["leave"].fields["kind"]
    assert "必填" in comments[kind.label] and all(choice in comments[kind.label] for choice in kind.choices)
    days = comments[v.field_label("leave", "days")]
    assert "大于 0" in days and "366" in days and "半天" in days
    assert "选填" in comments[v.field_label("leave", "note")]
    count = template[layout.by_type["petition"].name]
    counts = {c.value: c.comment.text for c in count[1]}[v.field_label("petition", "count")]
    assert "整数" in counts and "不小于 1" in counts
    inspection = template[layout.by_type["deputy_inspection"].name]
    coordinators = {c.value: c.comment.text for c in inspection[1]}[v.field_label("deputy_inspection", "coordinators")]
    assert "、" in coordinators and UNITS_SHEET in coordinators


def test_every_column_is_validated_as_its_kind(template, layout, compiled):
    v = compiled.vocabulary
    kinds = Counter()
    for sheet in layout.sheets:
        ws = template[sheet.name]
        checks = _validations(ws)
        for index, column in enumerate(sheet.columns, start=1):
            kind = column.spec.kind
            dv = checks.get(_letter(index))
            where = f"{sheet.name}!{column.header}"
            kinds[kind] += 1
            if kind in ("text",):
                continue
            assert dv is not None, where
            assert str(dv.sqref).endswith("5000"), where
            if kind == "list":   # several values joined with 、: free text, with a hint
                assert dv.type is None and dv.showInputMessage and "、" in dv.prompt, where
                continue
            assert dv.showErrorMessage and dv.error and dv.errorStyle == "stop", where
            assert any("\u4e00" <= ch <= "\u9fff" for ch in dv.error), where   # the message is Chinese
            if kind == "enum":
                assert dv.type == "list" and dv.formula1.startswith(f"'{CHOICES_SHEET}'!"), where
                assert _values(template, dv.formula1) == list(v.types[sheet.fact_type].fields[column.field].choices), where
            elif kind == "bool":
                assert dv.type == "list" and _values(template, dv.formula1) == [v.yes[0], v.no[0]], where
            elif kind == "unit":
                assert dv.type == "list" and dv.formula1 == f"'{UNITS_SHEET}'!$B$2:$B$500", where
                assert _values(template, dv.formula1) == ["办公厅", "法制工作委员会"]
            elif kind == "number":
                assert dv.type in ("whole", "decimal", "custom"), where
            elif kind == "date":
                assert dv.type == "date" and dv.operator == "between", where
                assert (int(dv.formula1), int(dv.formula2)) == (45292, 45657), where   # 2024-01-01 .. 2024-12-31
    assert {"enum", "bool", "unit", "list", "number", "date", "text"} <= set(kinds)


def test_number_validations_state_the_limits(template, layout):
    def check(fact_type, field):
        sheet = layout.by_type[fact_type]
        index = next(i for i, c in enumerate(sheet.columns, start=1) if c.field == field)
        return _validations(template[sheet.name])[_letter(index)]

    days = check("leave", "days")
    assert days.type == "custom" and "MOD(" in days.formula1 and "<=366" in days.formula1
    count = check("petition", "count")
    assert (count.type, count.operator, count.formula1, count.formula2) == ("whole", "between", "1", "1000000")
    errors = check("directors_meeting", "errors")
    assert (errors.type, errors.formula1) == ("whole", "0")
    points = check("innovation_award", "points")
    assert points.type == "custom" and ">0" in points.formula1 and "<=1000" in points.formula1


def test_choice_lists_are_not_inline(template):
    """Excel allows 255 characters in a list formula: every list lives in the 选项 sheet."""
    for ws in template.worksheets:
        for dv in ws.data_validations.dataValidation:
            if dv.type == "list":
                assert "!" in dv.formula1 and not dv.formula1.startswith('"'), ws.title


# --- the filled ledger ------------------------------------------------------------------------
def test_filled_ledger_one_row_per_fact(filled, factset, layout, compiled):
    per_type = Counter(f.type for f in factset.facts)
    assert filled.sheetnames == load_workbook(io.BytesIO(write_template(compiled, YEAR))).sheetnames
    for sheet in layout.sheets:
        ws = filled[sheet.name]
        assert ws.max_row - 1 == per_type.get(sheet.fact_type, 0), sheet.name
        ids = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
        assert ids == [f.id for f in factset.facts if f.type == sheet.fact_type]   # the fact set's order
    guide = filled[GUIDE_SHEET]
    pairs = {guide.cell(row=r, column=1).value: guide.cell(row=r, column=2).value for r in range(1, 11)}
    assert pairs[YEAR_LABEL] == factset.year and pairs[POLICY_LABEL] == (factset.policy or compiled.id)
    roster = [tuple(r) for r in filled[UNITS_SHEET].iter_rows(min_row=2, values_only=True)]
    assert roster == [(u.id, u.name, u.staff) for u in factset.units.values()]


def test_filled_values_are_the_office_words_and_read_back_as_the_facts(filled, factset, layout, compiled):
    """Every cell, read with the vocabulary, is the fact's value: nothing is lost on the way."""
    v = compiled.vocabulary
    units = UnitNames.of([u.model_dump() for u in factset.units.values()])
    records = {f.id: f.__dict__ for f in factset.facts}
    seen = Counter()
    for sheet in layout.sheets:
        ws = filled[sheet.name]
        for row in ws.iter_rows(min_row=2):
            fact = records[row[0].value]
            for column, cell in zip(sheet.columns, row):
                value, want = cell.value, fact.get(column.field)
                kind = column.spec.kind
                if value is None:
                    assert want in (None, [], ""), (fact["id"], column.field)
                    continue
                if isinstance(value, str) and kind in ("enum", "bool", "unit", "list"):
                    assert not value.isascii() or kind == "unit" and value in units.ids, (fact["id"], value)
                if isinstance(value, dt.datetime):
                    assert cell.number_format == "yyyy-mm-dd"
                    value = value.date()
                value = number(value) if isinstance(value, float) else value
                got = v.value(sheet.fact_type, column.field, value, units)
                if isinstance(want, Decimal):
                    assert not isinstance(got, str) and Decimal(got) == want, (fact["id"], column.field)
                else:
                    assert got == want, (fact["id"], column.field, got, want)
                seen[kind] += 1
    assert {"enum", "bool", "unit", "number", "date", "text"} <= set(seen)


def test_written_numbers_are_numbers(filled, layout):
    leave = layout.by_type["leave"]
    days = next(i for i, c in enumerate(leave.columns) if c.field == "days")
    values = [r[days] for r in filled[leave.name].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values)
    assert 4.5 in values and any(isinstance(x, int) for x in values)


def test_text_that_looks_like_a_formula_stays_text(compiled):
    from evaluator.domain.factset import check_factset
    data = {"year": YEAR, "units": [{"id": "office", "name": "办公厅", "staff": 3}],
            "facts": [{"id": "X-1", "type": "lecture", "unit": "office", "title": "=1+1", "note": "001"}]}
    wb = load_workbook(io.BytesIO(write_ledger(check_factset(data, "inline"), compiled)))
    ws = wb[LedgerLayout(compiled.vocabulary).by_type["lecture"].name]
    row = {c.value: ws.cell(row=2, column=i).value for i, c in enumerate(ws[1], start=1)}
    assert row["名称"] == "=1+1" and row["备注"] == "001" and row["编号"] == "X-1"
    assert row["数量"] == 1


def test_a_unit_name_that_would_read_back_wrong_is_written_as_the_id(compiled):
    """Two units of one name: the name would read back as the first; the second is written by id."""
    from evaluator.domain.factset import check_factset
    data = {"year": YEAR, "units": [{"id": "a", "name": "综合科", "staff": 3}, {"id": "b", "name": "综合科", "staff": 2},
                                    {"id": "c", "name": "研究室", "staff": 2}],
            "facts": [{"id": f"X-{u}", "type": "lecture", "unit": u, "title": "讲座"} for u in "abc"]}
    wb = load_workbook(io.BytesIO(write_ledger(check_factset(data, "inline"), compiled)))
    ws = wb[LedgerLayout(compiled.vocabulary).by_type["lecture"].name]
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == ["综合科", "b", "研究室"]


def test_filled_ledger_reads_back_as_the_same_fact_set(tmp_path, filled_bytes, factset):
    pytest.importorskip("evaluator.inputs.ledger.read", reason="the ledger reader (ledger/read.py) is not there yet")
    path = tmp_path / "2024.xlsx"
    path.write_bytes(filled_bytes)
    again = load_factset(path)
    assert again.year == factset.year
    assert list(again.units.values()) == list(factset.units.values())
    assert [f.__dict__ for f in again.facts] == [f.__dict__ for f in factset.facts]


# --- opens cleanly in LibreOffice -------------------------------------------------------------
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (soffice/libreoffice not on PATH; "
                                            "apt-get install libreoffice-calc-nogui)")
def test_template_and_filled_ledger_convert_to_pdf(tmp_path, template_bytes, filled_bytes):
    for name, content in (("template.xlsx", template_bytes), ("filled.xlsx", filled_bytes)):
        (tmp_path / name).write_bytes(content)
    result = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                             "--convert-to", "pdf", "--outdir", str(tmp_path),
                             str(tmp_path / "template.xlsx"), str(tmp_path / "filled.xlsx")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for name in ("template.pdf", "filled.pdf"):
        pdf = tmp_path / name
        assert pdf.exists() and pdf.stat().st_size > 1000, (name, result.stdout, result.stderr)
        assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):   # the 请假 sheet renders to a page (one page per sheet that has rows)
        subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-png", "-r", "40", str(tmp_path / "filled.pdf"),
                        str(tmp_path / "page")], check=True, timeout=120)
        assert any(Path(tmp_path).glob("page*.png"))
