"""Merging the units' own submissions: who submitted each file, only their own records (or the
ones they coordinate), one event counted once, ids kept traceable, every problem at once, and
the same scores as the same records written as one fact set."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.errors import Cell, FactSetError
from evaluator.inputs.ledger.merge import SOURCES_HEADERS, SOURCES_SHEET, merge_submissions, write_merged

from ledgers import NAME, UNITS, layout, unit_ledger  # noqa: E402  (tests/ is on the path: conftest)

LAYOUT = layout()


def roster(path: Path, facts: list[dict] | None = None) -> Path:
    path.write_text(yaml.safe_dump({"year": 2024, "units": [{"id": i, "name": n, "staff": s} for i, n, s in UNITS],
                                    "facts": facts or []}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def ledger(path: Path, units: list[str], sheets: dict[str, list[dict]]) -> Path:
    """A unit's own ledger at `path` (tests/ledgers.py)."""
    path.write_bytes(unit_ledger(units, sheets))
    return path


def leave(unit: str, person: str, days: float, **more) -> dict:
    return {"unit": NAME[unit], "person": person, "kind": "事假", "days": days, "date": dt.date(2024, 3, 4), **more}


MEETING = {"unit": "办公厅", "title": "全市人大工作会议", "coordinators": "法制工作委员会", "days": 1, "errors": 0,
           "date": dt.date(2024, 5, 10)}
INSPECTION = {"unit": "办公厅", "title": "代表视察城市绿化", "coordinators": "法制工作委员会", "date": dt.date(2024, 6, 3)}


def office_file(tmp_path: Path) -> Path:
    return ledger(tmp_path / "office.xlsx", ["office"], {
        "leave": [leave("office", "张三", 17)],                       # 请假-2
        "citywide_meeting": [{"id": "M-1", **MEETING}]})


def legal_file(tmp_path: Path, *more_meetings: dict, inspections: list[dict] = ()) -> Path:
    sheets = {"leave": [leave("legal", "李四", 16)]}                   # 请假-2 again
    if more_meetings:
        sheets["citywide_meeting"] = list(more_meetings)
    if inspections:
        sheets["deputy_inspection"] = list(inspections)
    return ledger(tmp_path / "legal.xlsx", ["legal"], sheets)


def research_file(tmp_path: Path) -> Path:
    return ledger(tmp_path / "research.xlsx", ["research"], {
        "information_item": [{"id": "I-1", "unit": "研究室", "title": "人大工作信息", "count": 12}]})


def problems_of(*args) -> list:
    with pytest.raises(FactSetError) as caught:
        merge_submissions(*args)
    return caught.value.problems


# --- a clean merge ------------------------------------------------------------------------------
def test_a_clean_merge_holds_every_units_records_with_their_sources(tmp_path):
    files = [office_file(tmp_path), legal_file(tmp_path), research_file(tmp_path)]
    merged = merge_submissions(files, roster(tmp_path / "roster.yaml"))
    fs = merged.factset
    assert fs.year == 2024 and merged.policy.id == "method-2020"
    assert list(fs.units) == ["office", "legal", "research"] and fs.units["legal"].staff == 6
    assert [(s.path.name, s.unit, s.kept) for s in merged.submissions] == [
        ("roster.yaml", None, 0), ("office.xlsx", "office", 2), ("legal.xlsx", "legal", 1), ("research.xlsx", "research", 1)]
    assert sorted(r.id for r in fs.facts) == ["I-1", "M-1", "legal:请假-2", "office:请假-2"]
    assert fs.sources is merged.sources
    assert fs.sources == {"office:请假-2": "office.xlsx:请假!2", "M-1": "office.xlsx:全市性大型会议!2",
                          "legal:请假-2": "legal.xlsx:请假!2", "I-1": "research.xlsx:信息!2"}
    by_id = {r.id: r for r in fs.facts}
    assert by_id["I-1"].count == 12 and by_id["M-1"].coordinators == ["legal"] and by_id["legal:请假-2"].unit == "legal"
    assert [n.code for n in merged.notices] == []


def test_the_rosters_own_records_are_the_offices_submission(tmp_path):
    own = [{"id": "D-1", "type": "annual_duty", "unit": "legal", "duty": "documents", "errors": 1}]
    merged = merge_submissions([research_file(tmp_path)], roster(tmp_path / "roster.yaml", own))
    assert [r.id for r in merged.factset.facts] == ["D-1", "I-1"]
    assert merged.sources["D-1"].startswith("roster.yaml:")


# --- whose records ------------------------------------------------------------------------------
def test_a_record_of_another_unit_is_a_problem_in_its_cell(tmp_path):
    bad = ledger(tmp_path / "legal.xlsx", ["legal"], {"leave": [leave("legal", "李四", 2), leave("office", "张三", 3, id="L-9")]})
    [problem] = problems_of([office_file(tmp_path), bad], roster(tmp_path / "roster.yaml"))
    assert problem.file == str(bad) and problem.code == "other-unit" and problem.fact_id == "L-9"
    assert problem.line == Cell("请假", 3, 2, "机构", problem.line.sheet_index)
    assert "法制工作委员会" in problem.message and "办公厅" in problem.message
    assert not (tmp_path / "merged.yaml").exists()


def test_a_coordinators_record_is_kept_and_the_owning_unit_asked_to_confirm(tmp_path):
    legal = legal_file(tmp_path, inspections=[{"id": "V-1", **INSPECTION}])
    merged = merge_submissions([office_file(tmp_path), legal], roster(tmp_path / "roster.yaml"))
    [record] = [r for r in merged.factset.facts if r.id == "V-1"]
    assert record.unit == "office" and record.coordinators == ["legal"]
    [notice] = [n for n in merged.notices if n.code == "coordinator-record"]
    assert notice.unit == "office" and notice.where == "legal.xlsx:代表视察调研!2" and "V-1" in notice.message


def test_one_event_entered_by_two_units_is_counted_once_as_the_owning_units(tmp_path):
    # legal (the coordinator) enters the office's meeting too, in a different spelling of its title
    legal = legal_file(tmp_path, {**MEETING, "title": "全市人大工作会议 "})
    files = [legal, office_file(tmp_path)]     # the coordinator's file first: the owner's record is kept anyway
    merged = merge_submissions(files, roster(tmp_path / "roster.yaml"))
    meetings = [r for r in merged.factset.facts if r.type == "citywide_meeting"]
    assert [m.id for m in meetings] == ["M-1"] and merged.sources["M-1"] == "office.xlsx:全市性大型会议!2"
    [notice] = [n for n in merged.notices if n.code == "duplicate-submission"]
    assert "office.xlsx:全市性大型会议!2" in notice.message and "legal.xlsx:全市性大型会议!2" in notice.message
    assert notice.where == "legal.xlsx:全市性大型会议!2"
    assert [(o.file, o.id, kept) for o, kept in merged.dropped] == [("legal.xlsx", "全市性大型会议-2", "M-1")]
    assert not any(n.code == "coordinator-record" for n in merged.notices)   # the dropped record asks nothing


def test_files_named_in_words_are_said_in_words_with_their_sheet_and_row(tmp_path):
    """The workbench merges scratch copies: it names each file (办公厅提交的台账), and the places follow in words."""
    legal = legal_file(tmp_path, {**MEETING, "title": "全市人大工作会议 "})
    office = office_file(tmp_path)
    merged = merge_submissions([legal, office], roster(tmp_path / "roster.yaml"),
                               labels={office: "办公厅提交的台账", legal: "法工委提交的台账"})
    sheet = layout().by_type["citywide_meeting"].name
    assert merged.sources["M-1"] == f"办公厅提交的台账“{sheet}”表第 2 行"
    [notice] = [n for n in merged.notices if n.code == "duplicate-submission"]
    assert f"办公厅提交的台账“{sheet}”表第 2 行" in notice.message and f"法工委提交的台账“{sheet}”表第 2 行" in notice.message
    assert "office.xlsx" not in notice.message and "legal.xlsx" not in notice.message


def test_a_readers_notice_about_a_file_named_in_words_is_placed_in_words(tmp_path):
    """A column the sheet does not have, in a file the workbench names 办公厅提交的台账: not its scratch path."""
    office = ledger(tmp_path / "office.xlsx", ["office"], {"leave": [leave("office", "张三", 2)]})
    sheet = layout().by_type["leave"].name
    book = load_workbook(office)
    book[sheet].cell(row=1, column=book[sheet].max_column + 1, value="备注甲")
    book[sheet].cell(row=2, column=book[sheet].max_column, value="说明")
    book.save(office)
    merged = merge_submissions([office], roster(tmp_path / "roster.yaml"), labels={office: "办公厅提交的台账"})
    [notice] = [n for n in merged.notices if n.code == "extra-column"]
    assert notice.where.startswith(f"办公厅提交的台账“{sheet}”表第 1 行") and str(tmp_path) not in notice.where


def test_a_merged_records_warning_is_placed_in_the_submission_it_came_from(tmp_path):
    """A completeness check's place for a merged record is its source, not the roster the merged set is named by."""
    office = ledger(tmp_path / "office.xlsx", ["office"], {"leave": [leave("office", "张三", 2)]})
    merged = merge_submissions([office], roster(tmp_path / "roster.yaml"))
    ev = evaluate(merged.factset, merged.policy, as_of=dt.date(2024, 3, 1))    # the leave (3-4) is after it
    [notice] = [n for n in ev.notices if n.code == "future-date"]
    [fact] = [f for f in merged.factset.facts if f.type == "leave"]
    assert notice.where == merged.sources[fact.id] and notice.where.startswith("office.xlsx:")


def test_events_without_a_date_are_never_dropped_only_pointed_out(tmp_path):
    undated = {k: v for k, v in MEETING.items() if k != "date"}
    office = ledger(tmp_path / "office.xlsx", ["office"], {"citywide_meeting": [undated]})
    legal = legal_file(tmp_path, undated)
    merged = merge_submissions([office, legal], roster(tmp_path / "roster.yaml"))
    assert len([r for r in merged.factset.facts if r.type == "citywide_meeting"]) == 2
    assert [n.code for n in merged.notices if "duplicate" in n.code] == ["possible-duplicate"]


def test_a_unit_may_submit_yaml_or_json_in_its_own_words(tmp_path):
    legal = tmp_path / "legal.yaml"
    legal.write_text("""年度: 2024
units:
  - {id: legal, name: 法制工作委员会, staff: 6}
facts:
  - {id: L-1, type: 请假, unit: 法制工作委员会, person: 李四, kind: 事假, days: 2}
  - {id: V-1, type: 代表视察调研, unit: 办公厅, title: 代表视察城市绿化, coordinators: [法制工作委员会], date: 2024-06-03}
""", encoding="utf-8")
    research = tmp_path / "research.json"
    research.write_text('{"year": 2024, "units": [{"id": "research", "name": "研究室", "staff": 5}],\n'
                        ' "facts": [\n  {"id": "I-1", "type": "information_item", "unit": "research", "title": "信息", "count": 2}]}',
                        encoding="utf-8")
    merged = merge_submissions([legal, research], roster(tmp_path / "roster.yaml"))
    assert merged.sources == {"L-1": "legal.yaml:5", "V-1": "legal.yaml:6", "I-1": "research.json:3"}
    assert [n.code for n in merged.notices] == ["coordinator-record"]
    assert {r.id: r.unit for r in merged.factset.facts} == {"L-1": "legal", "V-1": "office", "I-1": "research"}


def test_a_record_a_unit_reviewed_is_kept_as_a_coordinators(tmp_path):
    legal = ledger(tmp_path / "legal.xlsx", ["legal"], {"normative_document": [
        {"unit": "办公厅", "title": "关于规范性文件备案的规定", "reviewed_by": "法制工作委员会", "corrected": "是"}]})
    merged = merge_submissions([legal], roster(tmp_path / "roster.yaml"))
    assert [r.reviewed_by for r in merged.factset.facts] == ["legal"]
    assert [n.code for n in merged.notices] == ["coordinator-record"]


def test_the_same_file_given_twice_is_a_problem(tmp_path):
    office = office_file(tmp_path)
    [problem] = problems_of([office, tmp_path / "." / "office.xlsx"], roster(tmp_path / "roster.yaml"))
    assert problem.code == "duplicate-file"


# --- ids ----------------------------------------------------------------------------------------
def test_an_id_two_files_use_is_prefixed_with_each_submitting_unit(tmp_path):
    merged = merge_submissions([office_file(tmp_path), legal_file(tmp_path)], roster(tmp_path / "roster.yaml"))
    assert merged.renamed == {"office:请假-2": "请假-2", "legal:请假-2": "请假-2"}
    assert merged.sources["legal:请假-2"] == "legal.xlsx:请假!2"
    assert merged.factset.where("legal:请假-2") == "请假!2"
    assert "M-1" not in merged.renamed      # unique ids are kept as written


# --- who submitted ------------------------------------------------------------------------------
def test_a_file_of_a_unit_not_in_the_roster_is_a_problem(tmp_path):
    stranger = ledger(tmp_path / "press.xlsx", ["宣传处"], {"lecture": [{"unit": "宣传处", "title": "讲座"}]})
    found = problems_of([office_file(tmp_path), stranger], roster(tmp_path / "roster.yaml"))
    assert {p.code for p in found} == {"unknown-submitter", "unknown-unit"} and {p.file for p in found} == {str(stranger)}
    [who] = [p for p in found if p.code == "unknown-submitter"]
    assert "宣传处" in who.message and who.line.sheet == "机构"


def test_a_file_listing_several_units_is_taken_as_the_one_its_records_name(tmp_path):
    legal = ledger(tmp_path / "legal.xlsx", ["office", "legal"], {"leave": [leave("legal", "李四", 2)]})
    merged = merge_submissions([legal], roster(tmp_path / "roster.yaml"))
    assert merged.submissions[1].unit == "legal"
    assert [n.code for n in merged.notices] == ["submitter-inferred"]


def test_a_file_that_cannot_tell_its_unit_asks_for_only_its_own_on_the_units_sheet(tmp_path):
    both = ledger(tmp_path / "both.xlsx", ["office", "legal"], {"leave": [leave("legal", "李四", 2), leave("office", "张三", 1)]})
    [problem] = problems_of([both], roster(tmp_path / "roster.yaml"))
    assert problem.code == "submitter-unknown" and problem.file == str(both) and "机构" in problem.message


def test_every_problem_of_every_file_at_once(tmp_path):
    bad_legal = ledger(tmp_path / "legal.xlsx", ["legal"], {"leave": [leave("legal", "李四", 0), leave("office", "张三", 3)]})
    stranger = ledger(tmp_path / "press.xlsx", ["宣传处"], {})
    found = problems_of([bad_legal, stranger, research_file(tmp_path)], roster(tmp_path / "roster.yaml"))
    assert {(Path(p.file).name, p.code) for p in found} == {
        ("legal.xlsx", "invalid-value"), ("legal.xlsx", "other-unit"), ("press.xlsx", "unknown-submitter")}


def test_one_annual_duty_in_two_files_is_a_problem(tmp_path):
    own = [{"id": "D-1", "type": "annual_duty", "unit": "legal", "duty": "documents", "errors": 0}]
    legal = ledger(tmp_path / "legal.xlsx", ["legal"], {"annual_duty": [{"unit": "法制工作委员会", "duty": "文件管理", "errors": 1}]})
    [problem] = problems_of([legal], roster(tmp_path / "roster.yaml", own))
    assert problem.code == "duplicate-duty" and problem.file == str(legal) and "roster.yaml" in problem.message


def test_a_ledger_of_another_year_is_a_problem(tmp_path):
    path = office_file(tmp_path)
    wb = load_workbook(path)
    wb["说明"]["B2"] = 2023
    wb["全市性大型会议"]["G2"] = dt.date(2023, 5, 10)
    wb["请假"]["G2"] = dt.date(2023, 3, 4)
    wb.save(path)
    assert [p.code for p in problems_of([path], roster(tmp_path / "roster.yaml"))] == ["year"]


# --- the same scores ----------------------------------------------------------------------------
def test_the_merged_fact_set_scores_as_the_same_records_in_one_file(tmp_path, policy):
    legal = legal_file(tmp_path, {**MEETING}, inspections=[{"id": "V-1", **INSPECTION}])
    files = [office_file(tmp_path), legal, research_file(tmp_path)]
    merged = merge_submissions(files, roster(tmp_path / "roster.yaml"))
    units = [{"id": i, "name": n, "staff": s} for i, n, s in UNITS]
    day = lambda m, d: dt.date(2024, m, d)  # noqa: E731
    direct = {"year": 2024, "units": units, "facts": [
        {"id": "office:请假-2", "type": "leave", "unit": "office", "person": "张三", "kind": "personal", "days": 17, "date": day(3, 4)},
        {"id": "M-1", "type": "citywide_meeting", "unit": "office", "title": "全市人大工作会议", "coordinators": ["legal"],
         "days": 1, "errors": 0, "date": day(5, 10)},
        {"id": "legal:请假-2", "type": "leave", "unit": "legal", "person": "李四", "kind": "personal", "days": 16, "date": day(3, 4)},
        {"id": "V-1", "type": "deputy_inspection", "unit": "office", "title": "代表视察城市绿化", "coordinators": ["legal"],
         "date": day(6, 3)},
        {"id": "I-1", "type": "information_item", "unit": "research", "title": "人大工作信息", "count": 12}]}
    path = tmp_path / "direct.yaml"
    path.write_text(yaml.safe_dump(direct, allow_unicode=True, sort_keys=False), encoding="utf-8")
    one, many = evaluate(load_factset(path), policy), evaluate(merged.factset, policy)
    totals = lambda ev: [(u.unit, u.total, u.rank, u.eligible) for u in ev.scorecard.units]  # noqa: E731
    findings = lambda ev: sorted((f.unit, f.clause, f.rule, f.points, tuple(sorted(f.evidence))) for f in ev.findings)  # noqa: E731
    assert totals(many) == totals(one)
    assert findings(many) == findings(one)
    assert any(f.points for f in many.findings)          # the comparison is not of nothing


# --- writing ------------------------------------------------------------------------------------
def test_yaml_output_reads_back_with_a_sources_sidecar(tmp_path, policy):
    merged = merge_submissions([office_file(tmp_path), legal_file(tmp_path)], roster(tmp_path / "roster.yaml"))
    out = tmp_path / "merged.yaml"
    written = write_merged(merged, out)
    assert written == [out, tmp_path / "merged.yaml.sources.csv"]
    again = load_factset(out)
    assert [r.__dict__ for r in again.facts] == [r.__dict__ for r in merged.factset.facts]
    raw = written[1].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(SOURCES_HEADERS)
    assert rows[1:] == [["office:请假-2", "office.xlsx", "请假!2"], ["M-1", "office.xlsx", "全市性大型会议!2"],
                        ["legal:请假-2", "legal.xlsx", "请假!2"]]


def test_json_output_gets_the_sidecar_too(tmp_path):
    merged = merge_submissions([research_file(tmp_path)], roster(tmp_path / "roster.yaml"))
    written = write_merged(merged, tmp_path / "merged.json")
    assert [p.name for p in written] == ["merged.json", "merged.json.sources.csv"]
    assert [r.id for r in load_factset(written[0]).facts] == ["I-1"]


def test_workbook_output_lists_every_records_source_on_a_sheet(tmp_path):
    pytest.importorskip("evaluator.inputs.ledger.write")
    merged = merge_submissions([office_file(tmp_path), legal_file(tmp_path)], roster(tmp_path / "roster.yaml"))
    out = tmp_path / "merged.xlsx"
    assert write_merged(merged, out) == [out]
    ws = load_workbook(out)[SOURCES_SHEET]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        list(SOURCES_HEADERS), ["office:请假-2", "office.xlsx", "请假!2"], ["M-1", "office.xlsx", "全市性大型会议!2"],
        ["legal:请假-2", "legal.xlsx", "请假!2"]]


def test_a_merged_workbook_reads_back_as_the_merged_fact_set(tmp_path):
    pytest.importorskip("evaluator.inputs.ledger.write")
    merged = merge_submissions([office_file(tmp_path), legal_file(tmp_path)], roster(tmp_path / "roster.yaml"))
    [out] = write_merged(merged, tmp_path / "merged.xlsx")
    back = load_factset(out)
    assert sorted(map(repr, back.facts)) == sorted(map(repr, merged.factset.facts))
    assert back.sources == merged.factset.sources  # evidence keeps which submission each record came from


def test_a_duplicate_events_records_are_each_named_in_the_submission_they_came_from(tmp_path):
    """One file's records are that file's business: the same meeting entered twice in 办公厅's own ledger
    is a duplicate-event warning, and each record it lists is placed in that ledger, not the roster."""
    office = ledger(tmp_path / "office.xlsx", ["office"], {"citywide_meeting": [MEETING, MEETING]})
    merged = merge_submissions([office], roster(tmp_path / "roster.yaml"))
    ev = evaluate(merged.factset, merged.policy)
    [notice] = [n for n in ev.notices if n.code == "duplicate-event"]
    meetings = [f for f in merged.factset.facts if f.type == "citywide_meeting"]
    assert len(meetings) == 2 and all(merged.sources[f.id].startswith("office.xlsx:") for f in meetings)
    for f in meetings:
        assert f"{f.id}(办公厅,{merged.sources[f.id]})" in notice.message, notice.message
