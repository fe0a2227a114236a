"""Self-checks of the reference oracle (tests/oracle.py) on small years computed by hand.

Every expected value below is worked out in the comment beside it from clauses.md, never by
running the oracle.
"""
import datetime
from decimal import Decimal

from hypothesis import given, settings, HealthCheck

from oracle import oracle_score
from strategies import fact_sets, plain

D = Decimal


def year(units, facts):
    """units: {id: staff}; facts: list of dicts without ids (ids F0001.. are added)."""
    return {"year": 2024,
            "units": [{"id": uid, "name": "机构" + uid, "staff": staff} for uid, staff in units.items()],
            "facts": [dict(f, id="F%04d" % (i + 1)) for i, f in enumerate(facts)]}


def leave(unit, person, kind, days):
    return {"type": "leave", "unit": unit, "person": person, "kind": kind, "days": days}


# ---------------------------------------------------------------- 4.1.2, R3, R4

def test_leave_10_personal_plus_6_sick_is_minus_half():
    r = oracle_score(year({"a": 1}, [leave("a", "张三", "personal", 10),
                                      leave("a", "张三", "sick", 6),
                                      leave("a", "张三", "vacation", 30)]))
    a = r["units"]["a"]
    # counted = 10 + 6 = 16 (vacation not counted); 0.5 × (16 − 15) = 0.5
    assert a["common_deductions"] == D("-0.5")
    # common = 40 − 0.5 = 39.5; annual 40; daily 0 → total 79.5
    assert a["common_score"] == D("39.5")
    assert a["total"] == D("79.5")
    assert r["clause_points"] == {("a", "4.1.2"): D("-0.5")}


def test_leave_exactly_15_is_free():
    r = oracle_score(year({"a": 1}, [leave("a", "张三", "personal", 15)]))
    # 累计超过 15 天 means > 15 (R1); 15 is not over → 0, and no clause entry
    assert r["units"]["a"]["common_deductions"] == 0
    assert r["units"]["a"]["common_score"] == 40
    assert r["clause_points"] == {}


def test_leave_15_and_a_half_is_a_quarter():
    r = oracle_score(year({"a": 1}, [leave("a", "张三", "personal", 7.5),
                                      leave("a", "张三", "sick", "8")]))
    # counted = 7.5 + 8 = 15.5; 0.5 × 0.5 = 0.25
    assert r["units"]["a"]["common_deductions"] == D("-0.25")
    assert r["units"]["a"]["common_score"] == D("39.75")


def test_hospitalization_and_special_do_not_count():
    r = oracle_score(year({"a": 1}, [leave("a", "张三", "hospitalization", 30),
                                      leave("a", "张三", "special", 20),
                                      leave("a", "张三", "personal", 15)]))
    # counted = 15 (personal only) → not over 15 → 0
    assert r["units"]["a"]["common_deductions"] == 0


def test_leave_is_per_person():
    r = oracle_score(year({"a": 1}, [leave("a", "张三", "personal", 10),
                                      leave("a", "李四", "personal", 10)]))
    # 张三 10, 李四 10: neither over 15 → 0 (not 20 − 15 for the unit)
    assert r["units"]["a"]["common_deductions"] == 0


def test_absenteeism_one_point_per_day():
    r = oracle_score(year({"a": 1}, [{"type": "absenteeism", "unit": "a", "person": "张三",
                                      "days": 1.5}]))
    # 1 × 1.5 = 1.5 → common 38.5
    assert r["units"]["a"]["common_score"] == D("38.5")


# ---------------------------------------------------------------- 4.1.1/4.1.3/4.1.5, R2, R5

def test_common_floor_and_disqualification():
    facts = [{"type": "discipline_case", "unit": "a", "reference": "通报1"}] * 7 + \
            [{"type": "conduct_violation", "unit": "b", "reference": "通报2"},
             {"type": "study_absence", "unit": "c", "person": "张三", "reason": "unexcused",
              "count": 3},
             {"type": "party_activity_absence", "unit": "c", "person": "李四",
              "reason": "personal_leave", "count": 2}]
    r = oracle_score(year({"a": 1, "b": 1, "c": 1}, facts))
    # a: 7 cases × −5 = −35 → common 40 − 35 = 5
    assert r["units"]["a"]["common_deductions"] == D("-35")
    assert r["units"]["a"]["common_score"] == D("5")
    assert r["units"]["a"]["eligible"] is False
    # b: −3 → 37, ineligible
    assert r["units"]["b"]["common_score"] == D("37")
    assert r["units"]["b"]["eligible"] is False
    # c: −0.5 × 3 + −0.2 × 2 = −1.5 − 0.4 = −1.9 → 38.1, eligible
    assert r["units"]["c"]["common_deductions"] == D("-1.9")
    assert r["units"]["c"]["common_score"] == D("38.1")
    assert r["units"]["c"]["eligible"] is True


def test_common_score_never_below_zero():
    facts = [{"type": "discipline_case", "unit": "a", "reference": "通报"}] * 9
    r = oracle_score(year({"a": 1}, facts))
    # raw −45; common = max(0, 40 − 45) = 0
    assert r["units"]["a"]["common_deductions"] == D("-45")
    assert r["units"]["a"]["common_score"] == 0


# ---------------------------------------------------------------- 4.2, R2

def test_nine_missed_targets_give_annual_zero():
    facts = [{"type": "annual_target", "unit": "a", "title": "目标%d" % i, "completed": False}
             for i in range(9)] + [{"type": "annual_target", "unit": "a", "title": "完成",
                                    "completed": True}]
    r = oracle_score(year({"a": 1}, facts))
    # missed 9 → max(0, 40 − 45) = 0; total = 40 + 0 + 0 = 40
    assert r["units"]["a"]["annual_missed"] == 9
    assert r["units"]["a"]["annual_score"] == 0
    assert r["units"]["a"]["total"] == 40
    assert r["clause_points"][("a", "4.2")] == D("-45")


# ---------------------------------------------------------------- R6 daily score

def reading(unit, regulation, stage, **kw):
    return dict({"type": "regulation_draft", "unit": unit, "regulation": regulation,
                 "stage": stage}, **kw)


def test_daily_10_points_over_3_staff():
    r = oracle_score(year({"a": 3}, [reading("a", "甲条例", "first_reading")]))
    # 10 / 3 = 3.333… → 3.33; total 40 + 40 + 3.33 = 83.33
    assert r["units"]["a"]["daily_points"] == 10
    assert r["units"]["a"]["daily_score"] == D("3.33")
    assert r["units"]["a"]["total"] == D("83.33")


def test_daily_20_points_over_3_staff_rounds_up():
    r = oracle_score(year({"a": 3}, [reading("a", "甲条例", "first_reading"),
                                      reading("a", "乙条例", "first_reading")]))
    # 20 / 3 = 6.666… → 6.67
    assert r["units"]["a"]["daily_score"] == D("6.67")


def test_daily_half_rounds_up():
    r = oracle_score(year({"a": 8}, [{"type": "party_group_meeting", "unit": "a",
                                      "kind": "party_group"}]))
    # 1 / 8 = 0.125 → 0.13 (四舍五入)
    assert r["units"]["a"]["daily_score"] == D("0.13")


def test_decimal_exactness():
    facts = [{"type": "petition", "unit": "a", "kind": "letter", "count": 3},
             {"type": "innovation_award", "unit": "a", "title": "创新", "points": 0.1,
              "decision": "决定1"},
             {"type": "innovation_award", "unit": "a", "title": "创新", "points": 0.2,
              "decision": "决定2"}]
    r = oracle_score(year({"a": 1}, facts))
    # 4.3.4.4: 0.1 × 3 = 0.3 exactly; 4.3.5.3: 0.1 + 0.2 = 0.3 exactly; daily 0.6
    assert r["clause_points"][("a", "4.3.4.4")] == D("0.3")
    assert r["clause_points"][("a", "4.3.5.3")] == D("0.3")
    assert r["units"]["a"]["daily_points"] == D("0.6")


def test_daily_can_go_negative():
    r = oracle_score(year({"a": 1}, [{"type": "directors_meeting", "unit": "a",
                                      "session": "第1次", "errors": 5, "count": 1}]))
    # +2 × 1 − 5 = −3, no floor (R12); total 40 + 40 − 3 = 77
    assert r["units"]["a"]["daily_score"] == D("-3")
    assert r["units"]["a"]["total"] == D("77")


# ---------------------------------------------------------------- R17

def test_rank_1_2_2_4():
    facts = [reading("a", "甲条例", "first_reading"),                          # a: +10 → 90
             {"type": "journal_issue", "unit": "b", "issue": "1期"},            # b: +5 → 85
             {"type": "lecture", "unit": "c", "title": "讲座", "count": 2},     # c: +4
             {"type": "party_group_meeting", "unit": "c", "kind": "party_group"}]  # c: +1 → 85
    r = oracle_score(year({"a": 1, "b": 1, "c": 1, "d": 1}, facts))         # d: 80
    ranks = {u: v["rank"] for u, v in r["units"].items()}
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_ineligible_units_are_still_ranked():
    facts = [reading("a", "甲条例", "first_reading"),
             {"type": "conduct_violation", "unit": "a", "reference": "通报"}]
    r = oracle_score(year({"a": 1, "b": 1}, facts))
    # a: 37 + 40 + 10 = 87, b: 80 → a first although ineligible
    assert r["units"]["a"]["total"] == 87
    assert r["units"]["a"]["rank"] == 1 and r["units"]["b"]["rank"] == 2
    assert r["units"]["a"]["eligible"] is False


# ---------------------------------------------------------------- R7, R8

def test_r7_second_reading_withheld_for_same_unit_without_major_revision():
    facts = [reading("a", "甲条例", "first_reading"),                          # a +10
             reading("a", "甲条例", "second_reading"),                         # withheld (0)
             reading("a", "乙条例", "first_reading"),                          # a +10
             reading("a", "乙条例", "second_reading", major_revision=True),    # a +10
             reading("b", "甲条例", "second_reading", major_revision=False),   # b +10 (a did 一审)
             reading("a", "甲条例", "submitted_to_congress")]                  # a +5
    r = oracle_score(year({"a": 1, "b": 1}, facts))
    # a: 10 + 0 + 10 + 10 + 5 = 35; b: 10
    assert r["clause_points"][("a", "4.3.1.1")] == D("35")
    assert r["clause_points"][("b", "4.3.1.1")] == D("10")


def test_r7_withheld_alone_makes_no_clause_entry():
    r = oracle_score(year({"a": 1, "b": 1}, [reading("b", "甲条例", "first_reading"),
                                              reading("b", "甲条例", "second_reading")]))
    # b: +10 for 一审, 0 for 二审; a untouched
    assert r["clause_points"] == {("b", "4.3.1.1"): D("10")}


def test_r8_excluded_matters_earn_nothing():
    facts = [{"type": "major_decision", "unit": "a", "title": t, "matter": m}
             for t, m in [("预算调整", "budget_adjustment"), ("罢免", "recall"),
                          ("撤职", "removal"), ("强制措施", "coercive_measure")]]
    facts.append({"type": "major_decision", "unit": "b", "title": "重大事项", "matter": "general"})
    facts.append({"type": "personnel_matter", "unit": "a", "title": "罢免", "kind": "recall",
                  "count": 2})
    r = oracle_score(year({"a": 1, "b": 1}, facts))
    # a: 0 under 4.3.1.3; +1 × 2 under 4.3.1.8; b: +5 under 4.3.1.3
    assert ("a", "4.3.1.3") not in r["clause_points"]
    assert r["clause_points"][("a", "4.3.1.8")] == D("2")
    assert r["clause_points"][("b", "4.3.1.3")] == D("5")
    assert r["units"]["a"]["daily_points"] == 2


# ---------------------------------------------------------------- coordinators, R9-R14

def test_citywide_meeting_and_coordinators():
    facts = [{"type": "citywide_meeting", "unit": "a", "title": "大会", "coordinators": ["b", "c"],
              "days": 1, "errors": 1},
             {"type": "citywide_meeting", "unit": "b", "title": "小会", "coordinators": ["a"],
              "days": 0.5, "errors": 0}]
    r = oracle_score(year({"a": 1, "b": 1, "c": 1}, facts))
    # a: organizer of a 1-day meeting 2 + 1 − 1 error = 2; coordinator of half-day +1 → 3
    # b: coordinator of 1-day +1 + 1 = 2; organizer of half-day +2 → 4
    # c: coordinator of 1-day → 2
    assert r["clause_points"][("a", "4.3.2.4")] == D("3")
    assert r["clause_points"][("b", "4.3.2.4")] == D("4")
    assert r["clause_points"][("c", "4.3.2.4")] == D("2")


def test_tiers_and_boundaries():
    facts = [{"type": "training_program", "unit": "a", "title": "研修", "participants": 60, "days": 5},
             {"type": "training_program", "unit": "a", "title": "研修", "participants": 59, "days": 9},
             {"type": "deputy_training", "unit": "b", "title": "培训", "participants": 100,
              "days": 2, "coordinators": ["c"]},
             {"type": "deputy_training", "unit": "b", "title": "培训", "participants": 150,
              "days": 1.5, "coordinators": ["c"]},
             {"type": "standing_committee_session", "unit": "c", "session": "s", "days": 1},
             {"type": "standing_committee_session", "unit": "c", "session": "s", "days": 0.5,
              "errors": 2}]
    r = oracle_score(year({"a": 1, "b": 1, "c": 1}, facts))
    # a: 60 & 5 → upper 5; 59 → lower 3; total 8
    assert r["clause_points"][("a", "4.3.2.5")] == D("8")
    # b: 100 & 2 → 5; 1.5 days → 3; total 8. c assisting: 2 + 1 = 3
    assert r["clause_points"][("b", "4.3.2.6")] == D("8")
    assert r["clause_points"][("c", "4.3.2.6")] == D("3")
    # c sessions: 1 day → 5; half day → 3 − 2 = 1; total 6
    assert r["clause_points"][("c", "4.3.2.1")] == D("6")


def test_speech_drafts_r11():
    facts = [{"type": "speech_draft", "unit": "a", "title": "讲话", "characters": c}
             for c in (1000, 1001, 2499, 2500)]
    r = oracle_score(year({"a": 1}, facts))
    # 0 + 1 + 1 + 2 = 4
    assert r["clause_points"][("a", "4.3.4.11")] == D("4")


def test_hosted_visits_normative_documents_and_duties():
    facts = [{"type": "hosted_visit", "unit": "a", "title": "全国人大", "level": "senior",
              "coordinators": ["b"]},
             {"type": "hosted_visit", "unit": "b", "title": "兄弟地市", "level": "peer",
              "coordinators": ["a"]},
             {"type": "normative_document", "unit": "b", "title": "文件", "count": 4,
              "reviewed_by": "a", "corrected": True},
             {"type": "annual_duty", "unit": "a", "duty": "finance", "errors": 7},
             {"type": "information_item", "unit": "a", "title": "信息", "count": 3},
             {"type": "late_activity_information", "unit": "a", "activity": "视察"}]
    r = oracle_score(year({"a": 2, "b": 1}, facts))
    cp = r["clause_points"]
    # 4.3.3.1: a organizer senior +3, b coordinator +1
    assert cp[("a", "4.3.3.1")] == 3 and cp[("b", "4.3.3.1")] == 1
    # 4.3.3.2: b organizer peer +1, a coordinator +0.5
    assert cp[("b", "4.3.3.2")] == 1 and cp[("a", "4.3.3.2")] == D("0.5")
    # 4.3.4.3: b registers 0.2 × 4 = 0.8; a reviews 1 × 4 + corrected 1 × 4 = 8
    assert cp[("b", "4.3.4.3")] == D("0.8") and cp[("a", "4.3.4.3")] == 8
    # 4.3.4.7: 5 − 7 = −2 (no floor)
    assert cp[("a", "4.3.4.7")] == -2
    # 4.3.4.8: 0.5 × 3 − 0.5 = 1
    assert cp[("a", "4.3.4.8")] == 1
    # a daily: 3 + 0.5 + 8 − 2 + 1 = 10.5; / 2 staff = 5.25
    assert r["units"]["a"]["daily_points"] == D("10.5")
    assert r["units"]["a"]["daily_score"] == D("5.25")


def test_cancelling_points_keep_their_clause_entry():
    r = oracle_score(year({"a": 1}, [{"type": "work_report", "unit": "a", "title": "报告",
                                      "satisfaction_vote": False, "special_inquiry": False,
                                      "missing_steps": ["research", "initial_review",
                                                        "opinions_transmitted",
                                                        "rectification_supervised",
                                                        "rectification_reported"]}]))
    # +5 − 5 missing steps = 0, but the pair is present
    assert r["clause_points"] == {("a", "4.3.1.2"): 0}


def test_unit_without_facts():
    r = oracle_score(year({"a": 5}, []))
    # 40 + 40 + 0 = 80, rank 1, eligible
    assert r["units"]["a"] == {"common_deductions": 0, "common_score": 40, "annual_missed": 0,
                               "annual_score": 40, "daily_points": 0, "daily_score": 0,
                               "total": 80, "rank": 1, "eligible": True}


# ---------------------------------------------------------------- the strategy

STEPS = {
    "work_report": {"research", "initial_review", "opinions_transmitted",
                    "rectification_supervised", "rectification_reported"},
    "enforcement_inspection": {"plan_drafted", "plan_approved", "team_formed",
                               "inspection_conducted", "report_written", "report_submitted",
                               "opinions_transmitted", "rectification_supervised",
                               "rectification_reported"},
    "enforcement_research": {"plan_drafted", "plan_approved", "research_conducted",
                             "report_written", "report_discussed", "opinions_transmitted",
                             "rectification_supervised"},
    "thematic_research": {"plan_drafted", "research_conducted", "report_written",
                          "report_discussed"},
}
COUNTED = {"study_absence", "party_activity_absence", "personnel_matter", "other_submission",
           "directors_meeting", "party_group_meeting", "lecture", "normative_document",
           "petition", "information_item", "late_activity_information", "journal_issue",
           "publication"}
HALF_DAY_FIELDS = {"leave", "absenteeism", "standing_committee_session", "citywide_meeting",
                   "training_program", "deputy_training"}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fact_sets())
def test_strategy_generates_valid_fact_sets(data):
    assert data["year"] == 2024
    unit_ids = [u["id"] for u in data["units"]]
    assert len(set(unit_ids)) == len(unit_ids)
    assert all(isinstance(u["staff"], int) and 1 <= u["staff"] <= 20 for u in data["units"])
    ids = [f["id"] for f in data["facts"]]
    assert len(set(ids)) == len(ids)
    for f in data["facts"]:
        assert f["unit"] in unit_ids
        if "count" in f:
            assert f["type"] in COUNTED and 1 <= f["count"] <= 50
        if f["type"] in HALF_DAY_FIELDS:
            days = D(str(f["days"]))
            assert days > 0 and (days * 2) == (days * 2).to_integral_value()
        if f["type"] in STEPS:
            assert set(f["missing_steps"]) <= STEPS[f["type"]]
            assert len(set(f["missing_steps"])) == len(f["missing_steps"])
        if "coordinators" in f:
            c = f["coordinators"]
            assert len(set(c)) == len(c) and f["unit"] not in c and set(c) <= set(unit_ids)
        if "corrected" in f:
            assert "reviewed_by" in f
        if "reviewed_by" in f:
            assert f["reviewed_by"] in unit_ids
        if "date" in f:
            assert datetime.date(2024, 1, 1) <= f["date"] <= datetime.date(2024, 12, 31)
        if "major_revision" in f:
            assert f["stage"] == "second_reading"

    r = oracle_score(data)
    assert set(r["units"]) == set(unit_ids)
    for uid, s in r["units"].items():
        assert 0 <= s["common_score"] <= 40 and 0 <= s["annual_score"] <= 40
        assert s["total"] == s["common_score"] + s["annual_score"] + s["daily_score"]
        assert 1 <= s["rank"] <= len(unit_ids)
    # the same year with Decimals turned into plain numbers scores the same
    assert oracle_score(plain(data)) == r
