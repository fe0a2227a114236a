"""Completeness warnings: what is valid but probably a mistake (spec/facts.md, `warnings`).

Each check fires on a small hand-made fact set, says so in Chinese naming the unit, and
points at the record concerned; on the shipped example year every check is silent (a
mid-year run, `as_of`, is where dates to come and missing dates are worth a word).
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import re
from pathlib import Path

import pytest

from evaluator.domain import completeness
from evaluator.domain.completeness import CHECKS, run_checks
from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset, load_factset
from evaluator.errors import Notice
from evaluator.i18n import language
from evaluator.views.result import to_json

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "2024.yaml"

UNITS = [{"id": "office", "name": "办公厅", "staff": 14},
         {"id": "legal", "name": "法制工作委员会", "staff": 6}]
TARGETS = [{"id": "T-1", "type": "annual_target", "unit": "office", "title": "完成年度工作要点", "completed": True},
           {"id": "T-2", "type": "annual_target", "unit": "legal", "title": "完成立法计划", "completed": True}]
DUTIES = [{"id": f"AD-{d}", "type": "annual_duty", "unit": "office", "duty": d}
          for d in ("documents", "personnel", "finance")]


def factset(*facts: dict, units=UNITS, base=True, year=2024):
    """A valid fact set: by default every unit has a target and every duty is held."""
    return check_factset({"year": year, "units": units, "facts": [*(TARGETS + DUTIES if base else []), *facts]},
                         "facts.yaml")


def codes(notices: list[Notice]) -> list[str]:
    return [n.code for n in notices]


def only(notices: list[Notice], code: str) -> list[Notice]:
    return [n for n in notices if n.code == code]


def test_a_complete_year_has_no_warnings(policy):
    assert run_checks(factset(), policy) == []


# --- the registry ------------------------------------------------------------------------------
def test_the_registry_lists_every_check_module():
    modules = {name for _, name, _ in pkgutil.iter_modules(completeness.__path__) if not name.startswith("_")}
    assert {m.__name__.rsplit(".", 1)[1] for m in CHECKS} == modules
    for name in modules:
        module = importlib.import_module(f"evaluator.domain.completeness.{name}")
        assert module in CHECKS and callable(module.check)


def test_every_code_is_unique_kebab_case_and_names_its_module():
    found = [m.CODE for m in CHECKS]
    assert len(found) == len(set(found)) == 7
    for module in CHECKS:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", module.CODE)
        assert module.CODE.replace("-", "_") == module.__name__.rsplit(".", 1)[1]


# --- 1. no-annual-targets ----------------------------------------------------------------------
def test_a_unit_without_annual_targets_is_named(policy):
    lecture = {"id": "LE-1", "type": "lecture", "unit": "legal", "title": "民法典"}
    fs = check_factset({"year": 2024, "units": UNITS, "facts": [TARGETS[0], *DUTIES, lecture]}, "facts.yaml")
    [n] = run_checks(fs, policy)
    assert (n.code, n.unit, n.where) == ("no-annual-targets", "legal", None)
    assert "法制工作委员会" in n.message and "年度工作目标" in n.message and "40" in n.message


def test_the_annual_target_type_comes_from_the_policy(policy):
    from evaluator.domain.completeness.no_annual_targets import target_types
    annual = [c for c in policy.policy.clauses if c.section == "annual"]
    assert target_types(policy) == list(dict.fromkeys(r.fact for c in annual for r in c.rules))
    changed = policy.policy.model_copy(update={"clauses": [c for c in policy.policy.clauses if c.section != "annual"]})
    assert target_types(type(policy)(changed, "", "", policy.rules, policy.derivations, policy.type_fields)) == []


# --- 2. unheld-annual-duty ---------------------------------------------------------------------
def test_an_annual_duty_nobody_holds_is_named_with_its_clause(policy):
    fs = check_factset({"year": 2024, "units": UNITS, "facts": [*TARGETS, *DUTIES[1:]]}, "facts.yaml")
    [n] = run_checks(fs, policy)
    assert (n.code, n.unit) == ("unheld-annual-duty", None)
    documents = policy.label("annual_duty", "duty", "documents")
    clause = next(c for c in policy.policy.clauses if any(r.rule.when == {"duty": "documents"} and r.rate > 0
                                                          for r in policy.rules_of(c.id)))
    assert documents in n.message and clause.id in n.message


def test_the_duties_come_from_the_fact_model(policy):
    from evaluator.domain.completeness.unheld_annual_duty import duties
    from evaluator.domain.facts import fields_of
    assert set(duties(policy)) == set(fields_of("annual_duty")["duty"].values)


# --- 3. unit-without-records -------------------------------------------------------------------
def test_a_unit_with_staff_and_no_records_is_named(policy):
    units = [*UNITS, {"id": "research", "name": "研究室", "staff": 5}]
    notices = run_checks(factset(units=units), policy)
    assert sorted(codes(notices)) == ["no-annual-targets", "unit-without-records"]
    [n] = only(notices, "unit-without-records")
    assert n.unit == "research" and "研究室" in n.message and "5 名工作人员" in n.message


def test_a_unit_named_only_as_a_coordinator_has_records(policy):
    units = [*UNITS, {"id": "research", "name": "研究室", "staff": 5}]
    visit = {"id": "H-1", "type": "hosted_visit", "unit": "office", "title": "接待省人大", "level": "peer",
             "coordinators": ["research"]}
    assert codes(run_checks(factset(visit, units=units), policy)) == ["no-annual-targets"]


# --- 4. name-variants (R19) --------------------------------------------------------------------
def test_spellings_that_differ_in_spacing_or_width_are_one_person_and_said_so(policy):
    leave = [{"id": "L-1", "type": "leave", "unit": "office", "person": "张 三", "kind": "personal", "days": 10},
             {"id": "L-2", "type": "leave", "unit": "office", "person": "张三", "kind": "sick", "days": 7}]
    fs = factset(*leave)
    [n] = run_checks(fs, policy)
    assert (n.code, n.unit) == ("name-variants", "office")
    assert "“张 三”" in n.message and "“张三”" in n.message and "L-1" in n.message and "L-2" in n.message
    assert "同一人" in n.message and "办公厅" in n.message
    [finding] = [f for f in evaluate(fs, policy).findings if f.rule == "leave-over-limit"]
    assert sorted(finding.evidence) == ["L-1", "L-2"]       # counted together: 17 days


@pytest.mark.parametrize("spelling", ["张\u3000三", "张三 ", "\t张三"])
def test_a_full_width_space_or_a_tab_is_a_spelling_too(policy, spelling):
    leave = [{"id": "L-1", "type": "leave", "unit": "office", "person": spelling, "kind": "personal", "days": 10},
             {"id": "L-2", "type": "leave", "unit": "office", "person": "张三", "kind": "personal", "days": 6}]
    assert codes(run_checks(factset(*leave), policy)) == ["name-variants"]


def test_full_width_letters_are_a_spelling_too(policy):
    absent = [{"id": "S-1", "type": "study_absence", "unit": "legal", "person": "Ａｌｉ", "reason": "unexcused"},
              {"id": "S-2", "type": "study_absence", "unit": "legal", "person": "Ali", "reason": "unexcused"}]
    [n] = run_checks(factset(*absent), policy)
    assert (n.code, n.unit) == ("name-variants", "legal")


def test_the_same_name_in_two_units_is_not_a_variant(policy):
    leave = [{"id": "L-1", "type": "leave", "unit": "office", "person": "张 三", "kind": "personal", "days": 1},
             {"id": "L-2", "type": "leave", "unit": "legal", "person": "张三", "kind": "personal", "days": 1}]
    assert run_checks(factset(*leave), policy) == []


def test_a_staff_number_with_two_names_is_said(policy):
    leave = [{"id": "L-1", "type": "leave", "unit": "office", "person": "张三", "person_id": "0012",
              "kind": "personal", "days": 1},
             {"id": "L-2", "type": "leave", "unit": "office", "person": "张山", "person_id": "0012",
              "kind": "personal", "days": 1}]
    [n] = run_checks(factset(*leave), policy)
    assert (n.code, n.unit) == ("name-variants", "office")
    assert "0012" in n.message and "“张三”" in n.message and "“张山”" in n.message and "L-2" in n.message


def test_a_name_variant_points_at_the_line_of_the_other_spelling(policy, tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text("year: 2024\nunits:\n  - {id: office, name: 办公厅, staff: 3}\nfacts:\n"
                    "  - {id: T-1, type: annual_target, unit: office, title: 目标, completed: true}\n"
                    "  - {id: L-1, type: leave, unit: office, person: 张三, kind: personal, days: 1}\n"
                    "  - {id: L-2, type: leave, unit: office, person: 张 三, kind: personal, days: 1}\n"
                    + "".join(f"  - {{id: AD-{d}, type: annual_duty, unit: office, duty: {d}}}\n"
                              for d in ("documents", "personnel", "finance")), encoding="utf-8")
    [n] = run_checks(load_factset(path), policy)
    assert n.code == "name-variants" and n.where == f"{path}:第 7 行"
    assert "L-1(记录" not in n.message and "L-2,第 7 行" in n.message


# --- 5. future-date ----------------------------------------------------------------------------
def test_a_record_dated_after_the_as_of_day_is_named(policy):
    lecture = {"id": "LE-1", "type": "lecture", "unit": "legal", "title": "民法典", "date": "2024-09-01"}
    fs = factset(lecture)
    [n] = only(run_checks(fs, policy, dt.date(2024, 6, 30)), "future-date")
    assert n.unit == "legal" and "LE-1" in n.message and "2024-09-01" in n.message and "2024-06-30" in n.message
    assert only(run_checks(fs, policy, dt.date(2024, 9, 1)), "future-date") == []    # the day itself is fine


def test_without_as_of_a_date_after_today_is_named(policy):
    today = dt.date.today()
    lecture = {"id": "LE-1", "type": "lecture", "unit": "legal", "title": "民法典", "date": dt.date(today.year, 12, 31)}
    fs = factset(lecture, year=today.year)
    expected = ["future-date"] if today < dt.date(today.year, 12, 31) else []
    assert codes(run_checks(fs, policy)) == expected


# --- 6. duplicate-event ------------------------------------------------------------------------
def test_the_same_event_entered_twice_in_one_unit(policy):
    lectures = [{"id": f"LE-{i}", "type": "lecture", "unit": "office", "title": title, "date": "2024-03-01"}
                for i, title in ((1, "民法典讲座"), (2, "民法典 讲座"))]
    [n] = run_checks(factset(*lectures), policy)
    assert (n.code, n.unit) == ("duplicate-event", "office")
    assert "LE-1" in n.message and "LE-2" in n.message and "2024-03-01" in n.message and "专题讲座" in n.message


def test_the_same_event_entered_by_two_units_names_both(policy):
    meetings = [{"id": f"CM-{i}", "type": "citywide_meeting", "unit": unit, "title": "全市人大工作会议",
                 "days": 1, "date": "2024-05-10"} for i, unit in ((1, "office"), (2, "legal"))]
    [n] = run_checks(factset(*meetings), policy)
    assert n.code == "duplicate-event" and n.unit == "legal"
    assert "CM-1(办公厅)" in n.message and "CM-2(法制工作委员会)" in n.message and "协办机构" in n.message


@pytest.mark.parametrize("second, fires", [
    ({"date": "2024-03-02"}, False),            # another day: another lecture
    ({"title": "宪法"}, False),                  # another title
    ({"date": None}, False),                    # dated and undated do not match
])
def test_different_events_are_not_duplicates(policy, second, fires):
    first = {"id": "LE-1", "type": "lecture", "unit": "office", "title": "民法典", "date": "2024-03-01"}
    other = {**first, "id": "LE-2", **second}
    if other["date"] is None:
        del other["date"]
    assert bool(only(run_checks(factset(first, other), policy), "duplicate-event")) == fires


def test_undated_records_match_on_type_and_title(policy):
    issues = [{"id": f"J-{i}", "type": "journal_issue", "unit": "office", "issue": "第1期"} for i in (1, 2)]
    assert codes(run_checks(factset(*issues), policy)) == ["duplicate-event"]


def test_two_readings_of_one_regulation_on_one_day_are_two_events(policy):
    drafts = [{"id": f"R-{i}", "type": "regulation_draft", "unit": "legal", "regulation": "城市绿化条例",
               "stage": stage, "date": "2024-06-27"} for i, stage in ((1, "second_reading"), (2, "submitted_to_congress"))]
    assert run_checks(factset(*drafts), policy) == []


def test_units_own_parts_of_one_session_are_not_duplicates(policy):
    service = [{"id": f"CS-{i}", "type": "congress_session_service", "unit": unit, "session": "省人代会",
                "person_times": n, "date": "2024-01-22"} for i, unit, n in ((1, "office", 4), (2, "legal", 1))]
    assert run_checks(factset(*service), policy) == []
    again = {**service[0], "id": "CS-3"}
    assert codes(run_checks(factset(*service, again), policy)) == ["duplicate-event"]


# --- 7. undated-as-of --------------------------------------------------------------------------
def test_undated_records_are_flagged_only_in_an_as_of_run(policy):
    lecture = {"id": "LE-1", "type": "lecture", "unit": "legal", "title": "民法典"}
    fs = factset(lecture)
    assert only(run_checks(fs, policy), "undated-as-of") == []
    notices = only(run_checks(fs, policy, dt.date(2024, 6, 30)), "undated-as-of")
    by_unit = {n.unit: n for n in notices}
    assert set(by_unit) == {"office", "legal"}      # the targets and duties have no date either
    assert "LE-1" in by_unit["legal"].message and "T-2" in by_unit["legal"].message
    assert "2024-06-30" in by_unit["legal"].message and "法制工作委员会" in by_unit["legal"].message


# --- all of them -------------------------------------------------------------------------------
def test_warnings_are_sorted_by_unit_code_and_line(policy, tmp_path):
    path = tmp_path / "facts.yaml"
    lines = ["year: 2024", "units:", "  - {id: a, name: 甲委, staff: 2}", "  - {id: b, name: 乙委, staff: 2}", "facts:"]
    lines += [f"  - {{id: LE-{i}, type: lecture, unit: b, title: 讲座, date: 2024-0{m}-01}}" for i, m in
              ((1, 9), (2, 8))]
    lines += [f"  - {{id: X-{i}, type: lecture, unit: b, title: 讲座{i}, date: 2024-07-01}}" for i in range(3, 13)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    notices = run_checks(load_factset(path), policy, dt.date(2024, 6, 30))
    keys = [(n.unit or "", n.code) for n in notices]
    assert keys == sorted(keys) and notices[0].unit is None     # the duties nobody holds come first
    future = [int(re.search(r"第 (\d+) 行", n.where).group(1)) for n in only(notices, "future-date")]
    assert future == sorted(future) and len(future) == 12


def test_messages_are_chinese_by_default_and_english_on_request(policy):
    units = [*UNITS, {"id": "research", "name": "研究室", "staff": 5}]
    zh = run_checks(factset(units=units), policy)
    with language("en"):
        en = run_checks(factset(units=units), policy)
    assert codes(zh) == codes(en)
    assert all(re.search(r"[\u4e00-\u9fff]{4}", n.message) for n in zh)
    assert any("has 5 staff" in n.message for n in en)


def test_the_evaluation_carries_the_warnings_and_the_json_lists_them(policy):
    units = [*UNITS, {"id": "research", "name": "研究室", "staff": 5}]
    ev = evaluate(factset(units=units), policy)
    assert codes(ev.notices) == ["no-annual-targets", "unit-without-records"]
    data = json.loads(to_json(ev))
    assert data["warnings"] == [n.as_json() for n in ev.notices]
    assert set(data["warnings"][0]) == {"code", "unit", "message", "where"}
    mid_year = evaluate(factset(units=units), policy, as_of=dt.date(2024, 6, 30))
    assert "undated-as-of" in codes(mid_year.notices)


def test_the_html_report_lists_the_warnings(policy):
    from evaluator.views.reports import html
    units = [*UNITS, {"id": "research", "name": "研究室", "staff": 5}]
    page = html.render(evaluate(factset(units=units), policy)).decode("utf-8")
    section = page.split('<section id="warnings">', 1)[1].split("</section>", 1)[0]
    assert "提示" in section and "unit-without-records" in section and "研究室" in section
    assert '<section id="warnings">' not in html.render(evaluate(factset(), policy)).decode("utf-8")


# --- the example year --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def example():
    return load_factset(EXAMPLE)


def test_the_example_year_is_complete(example, policy):
    """Every unit has targets and records, every duty is held, no name is spelled two ways and
    no event is entered twice (CS-001 and CS-002 are two units' own person-times at one
    session: not a duplicate), and nothing is dated after today."""
    assert run_checks(example, policy) == []


def test_a_mid_year_run_of_the_example_flags_later_and_undated_records(example, policy):
    as_of = dt.date(2024, 6, 30)
    notices = run_checks(example, policy, as_of)
    assert set(codes(notices)) == {"future-date", "undated-as-of"}
    later = {f.id for f in example.facts if f.date and f.date > as_of}
    assert {re.search(r"记录 (\S+) 日期", n.message).group(1) for n in only(notices, "future-date")} == later
    undated = {f.unit for f in example.facts if f.date is None}
    assert {n.unit for n in only(notices, "undated-as-of")} == undated
    assert all(n.where.startswith(f"{EXAMPLE}:第 ") for n in notices)
