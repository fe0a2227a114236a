"""benchmarks/generate.py: the synthetic years it writes are valid per shared/spec/facts.md."""
import datetime
import importlib.util
import json
import pathlib
import re
import subprocess
import sys
from collections import Counter, defaultdict

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

YEAR = 2024
SEED = 20240101

# facts.md, written out independently of the generator: type -> (required, optional) fields
# beside id, type, unit, date, note; enum values; which types take `count`.
BOOL, INT, DAYS, STR, UNITS, UNIT = "bool", "int", "days", "str", "units", "unit"
SCHEMA = {
    "study_absence": ({"person": STR, "reason": ("personal_leave", "unexcused")}, {}),
    "leave": ({"person": STR, "kind": ("personal", "sick", "hospitalization", "vacation", "special"),
               "days": DAYS}, {}),
    "absenteeism": ({"person": STR, "days": DAYS}, {}),
    "conduct_violation": ({"reference": STR}, {"person": STR}),
    "party_activity_absence": ({"person": STR, "reason": ("personal_leave", "unexcused")}, {}),
    "discipline_case": ({"reference": STR}, {"person": STR}),
    "annual_target": ({"title": STR, "completed": BOOL}, {}),
    "regulation_draft": ({"regulation": STR,
                          "stage": ("first_reading", "second_reading", "submitted_to_congress")},
                         {"major_revision": BOOL}),
    "work_report": ({"title": STR, "satisfaction_vote": BOOL, "special_inquiry": BOOL,
                     "missing_steps": ("research", "initial_review", "opinions_transmitted",
                                       "rectification_supervised", "rectification_reported")}, {}),
    "major_decision": ({"title": STR, "matter": ("general", "budget_adjustment", "recall",
                                                 "removal", "coercive_measure")}, {}),
    "enforcement_inspection": ({"title": STR, "missing_steps": (
        "plan_drafted", "plan_approved", "team_formed", "inspection_conducted", "report_written",
        "report_submitted", "opinions_transmitted", "rectification_supervised",
        "rectification_reported")}, {}),
    "enforcement_research": ({"title": STR, "missing_steps": (
        "plan_drafted", "plan_approved", "research_conducted", "report_written",
        "report_discussed", "opinions_transmitted", "rectification_supervised")}, {}),
    "thematic_research": ({"title": STR, "missing_steps": (
        "plan_drafted", "research_conducted", "report_written", "report_discussed")}, {}),
    "deputy_inspection": ({"title": STR, "coordinators": UNITS}, {}),
    "personnel_matter": ({"title": STR, "kind": ("appointment", "dismissal", "recall", "removal",
                                                 "coercive_measure")}, {}),
    "other_submission": ({"title": STR, "kind": ("work_briefing", "list_or_report")}, {}),
    "standing_committee_session": ({"session": STR, "days": DAYS}, {"errors": INT}),
    "directors_meeting": ({"session": STR, "errors": INT}, {}),
    "party_group_meeting": ({"kind": ("party_group", "central_group_study", "directors_office")}, {}),
    "citywide_meeting": ({"title": STR, "coordinators": UNITS, "days": DAYS, "errors": INT}, {}),
    "training_program": ({"title": STR, "participants": INT, "days": DAYS}, {}),
    "deputy_training": ({"title": STR, "coordinators": UNITS, "participants": INT, "days": DAYS}, {}),
    "lecture": ({"title": STR}, {}),
    "study_visit": ({"title": STR, "report_written": BOOL}, {}),
    "hosted_visit": ({"title": STR, "level": ("senior", "peer"), "coordinators": UNITS}, {}),
    "leading_group_membership": ({"group": STR}, {}),
    "congress_session_service": ({"session": STR, "person_times": INT}, {}),
    "normative_document": ({"title": STR}, {"reviewed_by": UNIT, "corrected": BOOL}),
    "petition": ({"kind": ("letter", "visit"), "resolved": BOOL}, {}),
    "annual_duty": ({"duty": ("documents", "personnel", "finance"), "errors": INT}, {}),
    "information_item": ({"title": STR}, {}),
    "late_activity_information": ({"activity": STR}, {}),
    "journal_issue": ({"issue": STR}, {}),
    "publication": ({"title": STR, "level": ("national", "provincial", "municipal", "news")}, {}),
    "speech_draft": ({"title": STR, "characters": INT}, {}),
    "rule_making": ({"title": STR, "scope": ("standing_committee", "organs"),
                     "kind": ("new", "revision")}, {}),
    "innovation_award": ({"title": STR, "points": "points", "decision": STR}, {}),
}
COUNT_TYPES = {"study_absence", "party_activity_absence", "personnel_matter", "other_submission",
               "directors_meeting", "party_group_meeting", "lecture", "normative_document",
               "petition", "information_item", "late_activity_information", "journal_issue",
               "publication"}
LIST_FIELDS = {"missing_steps"}
COUNTED_LEAVE = {"personal", "sick"}


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_value(kind, v, unit, unit_ids, where):
    if kind == STR:
        assert isinstance(v, str) and v.strip(), where
    elif kind == BOOL:
        assert isinstance(v, bool), where
    elif kind == INT:
        assert isinstance(v, int) and not isinstance(v, bool) and v >= 0, where
    elif kind == DAYS:
        assert is_num(v) and v > 0 and (v * 2) == int(v * 2), where
    elif kind == "points":
        assert is_num(v) and v > 0, where
    elif kind == UNIT:
        assert v in unit_ids, where
    elif kind == UNITS:
        assert isinstance(v, list) and len(v) <= 2 and len(set(v)) == len(v), where
        assert all(c in unit_ids and c != unit for c in v), where
    elif isinstance(kind, tuple):
        if isinstance(v, list):
            assert set(v) <= set(kind) and len(set(v)) == len(v), where
        else:
            assert v in kind, where
    else:
        raise AssertionError(kind)


def validate(data, year=YEAR):
    """Every rule of facts.md the generator must keep; returns the facts."""
    assert list(data)[:2] == ["year", "policy"] and set(data) == {"year", "policy", "units", "facts"}
    assert data["year"] == year
    unit_ids = set()
    for u in data["units"]:
        assert set(u) == {"id", "name", "staff"}
        assert re.fullmatch(r"[a-z0-9_-]+", u["id"]) and u["id"] not in unit_ids
        unit_ids.add(u["id"])
        assert isinstance(u["name"], str) and u["name"]
        assert isinstance(u["staff"], int) and 2 <= u["staff"] <= 20
    ids = set()
    for f in data["facts"]:
        where = f.get("id")
        assert re.fullmatch(r"F\d{7}", f["id"]), where
        assert f["id"] not in ids, where
        ids.add(f["id"])
        assert f["type"] in SCHEMA, where
        assert f["unit"] in unit_ids, where
        required, optional = SCHEMA[f["type"]]
        extra = {"id", "type", "unit", "date", "note"} | ({"count"} if f["type"] in COUNT_TYPES else set())
        assert set(required) <= set(f), (where, set(required) - set(f))
        assert set(f) <= set(required) | set(optional) | extra, (where, set(f))
        for name, kind in {**required, **optional}.items():
            if name in f:
                check_value(kind, f[name], f["unit"], unit_ids, (where, name))
                if name in LIST_FIELDS:
                    assert isinstance(f[name], list), where
        if "count" in f:
            assert isinstance(f["count"], int) and 1 <= f["count"] <= 30, where
        if "date" in f:
            d = f["date"]
            if isinstance(d, str):
                d = datetime.date.fromisoformat(d)
            assert isinstance(d, datetime.date) and d.year == year, where
        if f["type"] == "normative_document" and "corrected" in f:
            assert "reviewed_by" in f, where
        if f["type"] == "regulation_draft" and "major_revision" in f:
            assert f["stage"] == "second_reading", where
    return data["facts"]


@pytest.fixture(scope="module")
def year_data():
    return gen.generate(2000, 12, SEED)


def test_every_fact_is_valid(year_data):
    facts = validate(year_data)
    assert len(facts) == 2000 and len(year_data["units"]) == 12
    assert [u["id"] for u in year_data["units"]] == ["u%04d" % i for i in range(12)]
    assert [f["id"] for f in facts] == ["F%07d" % i for i in range(1, 2001)]


def test_the_mix(year_data):
    types = Counter(f["type"] for f in year_data["facts"])
    assert set(types) == set(SCHEMA)            # every type at least once
    for common in ("petition", "information_item", "publication", "leave"):
        assert types[common] > types["regulation_draft"]
        assert types[common] > 100
    assert types["conduct_violation"] < 10 and types["discipline_case"] < 10
    facts = year_data["facts"]
    assert any("count" in f for f in facts) and any("date" in f for f in facts)
    assert any(f.get("coordinators") for f in facts) and any(f.get("missing_steps") for f in facts)
    assert any(f.get("corrected") for f in facts)


def test_leave_totals_sometimes_exceed_15_days(year_data):
    counted = defaultdict(float)
    for f in year_data["facts"]:
        if f["type"] == "leave" and f["kind"] in COUNTED_LEAVE:
            counted[(f["unit"], f["person"])] += f["days"]
    assert any(v > 15 for v in counted.values())
    assert any(v <= 15 for v in counted.values())


def test_regulation_readings_pair_up():
    data = gen.generate(5000, 12, SEED)
    stages = defaultdict(set)
    for f in data["facts"]:
        if f["type"] == "regulation_draft":
            stages[f["regulation"]].add(f["stage"])
    assert any({"first_reading", "second_reading"} <= s for s in stages.values())


def test_same_seed_same_output_and_other_seed_differs(year_data):
    assert gen.generate(2000, 12, SEED) == year_data
    assert gen.generate(2000, 12, SEED + 1) != year_data


def test_many_units_and_edge_sizes():
    validate(gen.generate(3000, 1000, 3))
    one = validate(gen.generate(50, 1, 3))
    assert all(not f.get("coordinators") for f in one)
    assert gen.generate(0, 3, 3)["facts"] == []


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_written_file_loads_back(tmp_path, year_data, fmt):
    path = tmp_path / ("year." + fmt)
    gen.write(year_data, str(path), fmt)
    text = path.read_text(encoding="utf-8")
    loaded = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    validate(loaded)
    if fmt == "yaml":
        assert loaded == year_data                          # dates load back as dates
        assert "办公厅" in text                               # allow_unicode
    else:
        expected = json.loads(json.dumps(year_data, default=lambda d: d.isoformat()))
        assert loaded == expected                           # dates as ISO strings


def test_big_yaml_has_no_anchors_and_loads_back(tmp_path):
    """Facts are dumped in blocks of 2048: no anchor/alias may repeat across blocks."""
    data = gen.generate(5000, 20, 11)
    path = tmp_path / "big.yaml"
    gen.write(data, str(path), "yaml")
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"(?m)^\s*(?:- )?\w+: [&*]id\d+", text)
    assert yaml.safe_load(text) == data


def test_cli_streams_the_same_data(tmp_path):
    out = tmp_path / "y.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--facts", "300",
                    "--units", "5", "--seed", "9", "--format", "json", "--output", str(out)],
                   check=True)
    loaded = json.loads(out.read_text(encoding="utf-8"))
    expected = json.loads(json.dumps(gen.generate(300, 5, 9), default=lambda d: d.isoformat()))
    assert loaded == expected
