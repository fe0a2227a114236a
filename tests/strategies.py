"""Hypothesis strategies: random valid fact sets (shared/spec/facts.md) for differential tests.

    fact_sets(min_units=1, max_units=6, max_facts=60) -> dict as loaded from YAML
    plain(data) -> the same data with Decimals turned into int/float, ready for yaml.safe_dump

Values are drawn around the thresholds of the rulings: leave totals around 15 days (R3),
meeting days around 1, 2 and 5 (R9, R10), participants around 60 and 100 (R10),
characters around 1000 and 2500 (R11); regulation names come from a small pool so that
the same unit's first and second reading meet (R7).
"""
import datetime
from decimal import Decimal

from hypothesis import strategies as st

YEAR = 2024

UNIT_NAMES = ["办公厅", "法制工作委员会", "财政经济工作委员会", "教育科学文化卫生工作委员会",
              "城乡建设环境保护工作委员会", "农业农村工作委员会", "人事代表工作委员会",
              "监察和司法工作委员会", "民族宗教侨务外事工作委员会", "研究室"]
PERSONS = ["张三", "李四", "王五", "赵六"]
REGULATIONS = ["城市绿化条例", "物业管理条例", "文明行为促进条例"]
TITLES = ["关于优化营商环境的报告", "大气污染防治", "食品安全", "乡村振兴", "养老服务",
          "全市人大工作会议", "代表履职培训班", "法治讲座"]

WORK_REPORT_STEPS = ["research", "initial_review", "opinions_transmitted",
                     "rectification_supervised", "rectification_reported"]
INSPECTION_STEPS = ["plan_drafted", "plan_approved", "team_formed", "inspection_conducted",
                    "report_written", "report_submitted", "opinions_transmitted",
                    "rectification_supervised", "rectification_reported"]
ENF_RESEARCH_STEPS = ["plan_drafted", "plan_approved", "research_conducted", "report_written",
                      "report_discussed", "opinions_transmitted", "rectification_supervised"]
THEMATIC_STEPS = ["plan_drafted", "research_conducted", "report_written", "report_discussed"]

# facts.md: the types whose per-item points may be multiplied by `count` (✓)
COUNT_TYPES = {"study_absence", "party_activity_absence", "personnel_matter", "other_submission",
               "directors_meeting", "party_group_meeting", "lecture", "normative_document",
               "petition", "information_item", "late_activity_information", "journal_issue",
               "publication"}

ALL_TYPES = ["study_absence", "leave", "absenteeism", "conduct_violation",
             "party_activity_absence", "discipline_case", "annual_target", "regulation_draft",
             "work_report", "major_decision", "enforcement_inspection", "enforcement_research",
             "thematic_research", "deputy_inspection", "personnel_matter", "other_submission",
             "standing_committee_session", "directors_meeting", "party_group_meeting",
             "citywide_meeting", "training_program", "deputy_training", "lecture",
             "study_visit", "hosted_visit", "leading_group_membership",
             "congress_session_service", "normative_document", "petition", "annual_duty",
             "information_item", "late_activity_information", "journal_issue", "publication",
             "speech_draft", "rule_making", "innovation_award"]

# leave and regulation drafts weigh more, so R3 totals cross 15 days and R7 joins happen
TYPE_WEIGHTS = ALL_TYPES + ["leave"] * 6 + ["regulation_draft"] * 3


def _as_number(halves):
    """A number of half days, written as int, float or Decimal (all as YAML may load them)."""
    value = Decimal(halves) / 2
    options = [st.just(float(value)), st.just(value)]
    if halves % 2 == 0:
        options.append(st.just(int(value)))
    return st.one_of(options)


def days(max_halves=40, near=()):
    """Days > 0 in halves; with `near`, often right at or beside those thresholds."""
    halves = st.integers(min_value=1, max_value=max_halves)
    if near:
        around = sorted({h for n in near for h in (2 * n - 1, 2 * n, 2 * n + 1) if h >= 1})
        halves = st.one_of(st.sampled_from(around), halves)
    return halves.flatmap(_as_number)


def around(*thresholds, lo=1, hi=5000):
    values = sorted({v for t in thresholds for v in (t - 1, t, t + 1) if v >= lo})
    return st.one_of(st.sampled_from(values), st.integers(min_value=lo, max_value=hi))


def steps(allowed):
    return st.lists(st.sampled_from(allowed), unique=True, max_size=len(allowed))


def other_units(unit, unit_ids):
    others = [u for u in unit_ids if u != unit]
    if not others:
        return st.just([])
    return st.lists(st.sampled_from(others), unique=True, max_size=len(others))


def titles():
    return st.sampled_from(TITLES)


def fields_for(draw, t, unit, unit_ids):
    """The type-specific fields of one fact, every value valid per facts.md."""
    if t in ("study_absence", "party_activity_absence"):
        return {"person": draw(st.sampled_from(PERSONS)),
                "reason": draw(st.sampled_from(["personal_leave", "unexcused"]))}
    if t == "leave":
        return {"person": draw(st.sampled_from(PERSONS)),
                "kind": draw(st.sampled_from(["personal", "sick", "hospitalization",
                                              "vacation", "special"])),
                "days": draw(days(max_halves=34, near=(15,)))}
    if t == "absenteeism":
        return {"person": draw(st.sampled_from(PERSONS)), "days": draw(days(max_halves=10))}
    if t in ("conduct_violation", "discipline_case"):
        f = {"reference": draw(st.sampled_from(["市纪委通报〔2024〕1号", "机关党委通报〔2024〕7号"]))}
        if draw(st.booleans()):
            f["person"] = draw(st.sampled_from(PERSONS))
        return f
    if t == "annual_target":
        return {"title": draw(titles()), "completed": draw(st.booleans())}
    if t == "regulation_draft":
        f = {"regulation": draw(st.sampled_from(REGULATIONS)),
             "stage": draw(st.sampled_from(["first_reading", "second_reading",
                                            "submitted_to_congress"]))}
        if f["stage"] == "second_reading" and draw(st.booleans()):
            f["major_revision"] = draw(st.booleans())
        return f
    if t == "work_report":
        return {"title": draw(titles()), "satisfaction_vote": draw(st.booleans()),
                "special_inquiry": draw(st.booleans()),
                "missing_steps": draw(steps(WORK_REPORT_STEPS))}
    if t == "major_decision":
        return {"title": draw(titles()),
                "matter": draw(st.sampled_from(["general", "budget_adjustment", "recall",
                                                "removal", "coercive_measure"]))}
    if t == "enforcement_inspection":
        return {"title": draw(titles()), "missing_steps": draw(steps(INSPECTION_STEPS))}
    if t == "enforcement_research":
        return {"title": draw(titles()), "missing_steps": draw(steps(ENF_RESEARCH_STEPS))}
    if t == "thematic_research":
        return {"title": draw(titles()), "missing_steps": draw(steps(THEMATIC_STEPS))}
    if t == "deputy_inspection":
        return {"title": draw(titles()), "coordinators": draw(other_units(unit, unit_ids))}
    if t == "personnel_matter":
        return {"title": draw(titles()),
                "kind": draw(st.sampled_from(["appointment", "dismissal", "recall", "removal",
                                              "coercive_measure"]))}
    if t == "other_submission":
        return {"title": draw(titles()),
                "kind": draw(st.sampled_from(["work_briefing", "list_or_report"]))}
    if t == "standing_committee_session":
        f = {"session": draw(st.sampled_from(["第十六届第十二次会议", "第十六届第十三次会议"])),
             "days": draw(days(max_halves=8, near=(1,)))}
        if draw(st.booleans()):
            f["errors"] = draw(st.integers(min_value=0, max_value=6))
        return f
    if t == "directors_meeting":
        return {"session": draw(st.sampled_from(["第三十次主任会议", "第三十一次主任会议"])),
                "errors": draw(st.integers(min_value=0, max_value=4))}
    if t == "party_group_meeting":
        return {"kind": draw(st.sampled_from(["party_group", "central_group_study",
                                              "directors_office"]))}
    if t == "citywide_meeting":
        return {"title": draw(titles()), "coordinators": draw(other_units(unit, unit_ids)),
                "days": draw(days(max_halves=8, near=(1,))),
                "errors": draw(st.integers(min_value=0, max_value=4))}
    if t == "training_program":
        return {"title": draw(titles()), "participants": draw(around(60, hi=150)),
                "days": draw(days(max_halves=20, near=(5,)))}
    if t == "deputy_training":
        return {"title": draw(titles()), "coordinators": draw(other_units(unit, unit_ids)),
                "participants": draw(around(100, hi=200)),
                "days": draw(days(max_halves=10, near=(2,)))}
    if t == "lecture":
        return {"title": draw(titles())}
    if t == "study_visit":
        return {"title": draw(titles()), "report_written": draw(st.booleans())}
    if t == "hosted_visit":
        return {"title": draw(titles()), "level": draw(st.sampled_from(["senior", "peer"])),
                "coordinators": draw(other_units(unit, unit_ids))}
    if t == "leading_group_membership":
        return {"group": draw(st.sampled_from(["全市创建文明城市领导小组", "全市河长制领导小组"]))}
    if t == "congress_session_service":
        return {"session": draw(st.sampled_from(["十四届全国人大二次会议", "省十四届人大二次会议"])),
                "person_times": draw(st.integers(min_value=1, max_value=30))}
    if t == "normative_document":
        f = {"title": draw(titles())}
        if draw(st.booleans()):
            f["reviewed_by"] = draw(st.sampled_from(unit_ids))
            if draw(st.booleans()):
                f["corrected"] = draw(st.booleans())
        return f
    if t == "petition":
        return {"kind": draw(st.sampled_from(["letter", "visit"])), "resolved": draw(st.booleans())}
    if t == "annual_duty":
        return {"duty": draw(st.sampled_from(["documents", "personnel", "finance"])),
                "errors": draw(st.integers(min_value=0, max_value=7))}
    if t == "information_item":
        return {"title": draw(titles())}
    if t == "late_activity_information":
        return {"activity": draw(titles())}
    if t == "journal_issue":
        return {"issue": draw(st.sampled_from(["2024年第1期", "2024年第2期", "2024年第3期"]))}
    if t == "publication":
        return {"title": draw(titles()),
                "level": draw(st.sampled_from(["national", "provincial", "municipal", "news"]))}
    if t == "speech_draft":
        return {"title": draw(titles()), "characters": draw(around(1000, 2500, hi=6000))}
    if t == "rule_making":
        return {"title": draw(titles()),
                "scope": draw(st.sampled_from(["standing_committee", "organs"])),
                "kind": draw(st.sampled_from(["new", "revision"]))}
    if t == "innovation_award":
        tenths = draw(st.integers(min_value=1, max_value=100))
        return {"title": draw(titles()),
                "points": draw(st.sampled_from([Decimal(tenths) / 10, float(Decimal(tenths) / 10)])),
                "decision": draw(st.sampled_from(["主任会议决定〔2024〕3号", "主任会议纪要〔2024〕12号"]))}
    raise AssertionError("no generator for fact type %r" % (t,))


@st.composite
def fact_sets(draw, min_units=1, max_units=6, max_facts=60):
    n_units = draw(st.integers(min_value=min_units, max_value=max_units))
    names = draw(st.permutations(UNIT_NAMES))
    units = [{"id": "u%d" % i, "name": names[i % len(names)] + ("" if i < len(names) else str(i)),
              "staff": draw(st.integers(min_value=1, max_value=20))}
             for i in range(n_units)]
    unit_ids = [u["id"] for u in units]

    n_facts = draw(st.integers(min_value=0, max_value=max_facts))
    facts = []
    duties = set()  # R20: one annual_duty record per unit and duty
    for i in range(n_facts):
        t = draw(st.sampled_from(TYPE_WEIGHTS))
        unit = draw(st.sampled_from(unit_ids))
        fields = fields_for(draw, t, unit, unit_ids)
        if t == "annual_duty":
            if (unit, fields["duty"]) in duties:
                t, fields = "lecture", fields_for(draw, "lecture", unit, unit_ids)
            else:
                duties.add((unit, fields["duty"]))
        fact = {"id": "F%04d" % (i + 1), "type": t, "unit": unit}
        fact.update(fields)
        if t in COUNT_TYPES and draw(st.booleans()):
            fact["count"] = draw(st.integers(min_value=1, max_value=50))
        if draw(st.booleans()):
            fact["date"] = draw(st.dates(min_value=datetime.date(YEAR, 1, 1),
                                         max_value=datetime.date(YEAR, 12, 31)))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            fact["note"] = "备注"
        facts.append(fact)

    data = {"year": YEAR, "units": units, "facts": facts}
    if draw(st.booleans()):
        data["policy"] = "method-2020"
    return data


def plain(data):
    """Decimals -> int or float (exact for halves and tenths' str()), so yaml.safe_dump works."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, Decimal):
        return int(data) if data == data.to_integral_value() else float(data)
    return data
