"""Every kind of bad input in spec/facts.md gets a precise message, all at once, exit 1, nothing written."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evaluator.domain.factset import load_factset
from evaluator.errors import FactSetError

from conftest import ENGLISH_ENV, EXAMPLES

# These tests check the English wording (--lang en); test_chinese_input.py checks the Chinese default.
pytestmark = pytest.mark.usefixtures("english")

HEADER = """\
year: 2024
units:
  - {id: office, name: 办公厅, staff: 14}
  - {id: legal, name: 法制工作委员会, staff: 6}
facts:
"""


def problems_of(tmp_path: Path, facts: str, header: str = HEADER, suffix: str = ".yaml"):
    path = tmp_path / f"facts{suffix}"
    path.write_text(header + textwrap.dedent(facts), encoding="utf-8")
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    return caught.value.problems


CASES = {
    "unknown type with a suggestion": ("  - {id: F1, type: leaev, unit: office, person: 张三, kind: personal, days: 2}\n",
                                       6, "F1", "type", ["unknown fact type 'leaev'", "did you mean 'leave'"]),
    "unknown field": ("  - {id: F1, type: lecture, unit: office, title: 讲座, speaker: 王}\n",
                      6, "F1", "speaker", ["unknown field 'speaker'", "allowed:"]),
    "unknown enum value lists the allowed ones": (
        "  - {id: F1, type: leave, unit: office, person: 张三, kind: holiday, days: 2}\n",
        6, "F1", "kind", ["'holiday' is not allowed", "hospitalization, personal, sick, special, vacation"]),
    "missing field": ("  - {id: F1, type: leave, unit: office, person: 张三, kind: sick}\n",
                      6, "F1", "days", ["missing field 'days'"]),
    "unit not in units": ("  - {id: F1, type: lecture, unit: ofice, title: 讲座}\n",
                          6, "F1", "unit", ["unit 'ofice' is not in units", "did you mean 'office'"]),
    "coordinator not in units": ("  - {id: F1, type: deputy_inspection, unit: office, title: 视察, coordinators: [lgal]}\n",
                                 6, "F1", "coordinators", ["unit 'lgal' is not in units"]),
    "own unit as coordinator": ("  - {id: F1, type: deputy_inspection, unit: office, title: 视察, coordinators: [office]}\n",
                                6, "F1", "coordinators", ["cannot also be its own coordinator"]),
    "coordinator listed twice": ("  - {id: F1, type: deputy_inspection, unit: office, title: 视察, coordinators: [legal, legal]}\n",
                                 6, "F1", "coordinators", ["listed twice among the coordinators"]),
    "reviewer not in units": ("  - {id: F1, type: normative_document, unit: office, title: 办法, corrected: true, reviewed_by: lgal}\n",
                              6, "F1", "reviewed_by", ["unit 'lgal' is not in units", "did you mean 'legal'"]),
    "date outside the year": ("  - {id: F1, type: lecture, unit: office, title: 讲座, date: 2023-12-31}\n",
                              6, "F1", "date", ["outside the year 2024"]),
    "zero count": ("  - {id: F1, type: lecture, unit: office, title: 讲座, count: 0}\n", 6, "F1", "count", ["at least 1"]),
    "negative days": ("  - {id: F1, type: absenteeism, unit: office, person: 张三, days: -1}\n",
                      6, "F1", "days", ["greater than 0"]),
    "days not in halves": ("  - {id: F1, type: absenteeism, unit: office, person: 张三, days: 1.3}\n",
                           6, "F1", "days", ["half"]),
    "unknown step": ("  - {id: F1, type: thematic_research, unit: office, title: 调研, missing_steps: [report_writen]}\n",
                     6, "F1", "missing_steps", ["'report_writen' is not allowed", "did you mean 'report_written'"]),
    "corrected without reviewer": ("  - {id: F1, type: normative_document, unit: legal, title: 办法, corrected: true}\n",
                                   6, "F1", "corrected", ["needs reviewed_by"]),
    "count on a type that has none": ("  - {id: F1, type: leave, unit: office, person: 张三, kind: sick, days: 1, count: 2}\n",
                                      6, "F1", "count", ["unknown field 'count'"]),
    "boolean that is neither yes nor no": ("  - {id: F1, type: annual_target, unit: office, title: 目标, completed: '也许'}\n",
                                           6, "F1", "completed", ["must be true or false", "也许"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_kind_of_bad_fact_is_named_precisely(tmp_path, case):
    facts, line, fact_id, field, words = CASES[case]
    problems = problems_of(tmp_path, facts)
    assert len(problems) == 1, problems
    p = problems[0]
    assert (p.file.endswith("facts.yaml"), p.line, p.fact_id, p.field) == (True, line, fact_id, field)
    for word in words:
        assert word in p.message, p.message


def test_an_id_used_twice_names_both_lines(tmp_path):
    problems = problems_of(tmp_path, """\
      - {id: F1, type: lecture, unit: office, title: 一}
      - {id: F1, type: lecture, unit: office, title: 二}
    """)
    assert [(p.line, p.fact_id, p.field) for p in problems] == [(7, "F1", "id")]
    assert "first on line 6" in problems[0].message


def test_bad_units_are_reported(tmp_path):
    problems = problems_of(tmp_path, "", header="year: 2024\nunits:\n  - {id: office, name: 办公厅, staff: 0}\n"
                                                  "  - {id: Office, name: 办公厅, staff: 2.5}\nfacts: []\n")
    text = "\n".join(map(str, problems))
    assert "unit office, field 'staff': must be at least 1" in text
    assert "not a valid unit id" in text and "staff" in text


def test_all_problems_are_reported_at_once(tmp_path):
    problems = problems_of(tmp_path, """\
      - {id: F1, type: leaev, unit: office}
      - {id: F2, type: lecture, unit: nowhere, title: 讲座}
      - {id: F3, type: petition, unit: office, kind: email}
    """)
    assert [p.fact_id for p in problems] == ["F1", "F2", "F3"]


def test_yaml_syntax_error_names_the_line(tmp_path):
    problems = problems_of(tmp_path, "  - {id: F1, type: lecture, unit: office, title: [unclosed\n")
    assert problems[0].line is not None and problems[0].code == "yaml-syntax"


def test_duplicate_keys_are_rejected(tmp_path):
    problems = problems_of(tmp_path, """\
      - id: F1
        type: lecture
        unit: office
        title: 一
        title: 二
    """)
    assert any(p.code == "duplicate-key" and p.line == 10 for p in problems), problems


def json_problems(tmp_path: Path, text: str):
    path = tmp_path / "facts.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    return caught.value.problems


def test_a_key_given_twice_in_json_is_reported_at_its_record_and_line(tmp_path):
    problems = json_problems(tmp_path, '{"year": 2024, "units": [{"id": "office", "name": "办公厅", "staff": 2}], "facts": [\n'
                             '  {"id": "F1", "type": "lecture", "unit": "office", "title": "一", "title": "二", "title": "三"},\n'
                             '  {"id": "F2", "type": "lecture", "unit": "office", "title": "四"}\n]}\n')
    [repeated] = [p for p in problems if p.code == "duplicate-key"]   # one problem, however often
    assert (repeated.line, repeated.fact_id, repeated.field) == (2, "F1", "title")
    assert "'title' is given twice" in repeated.message


def test_json_input_problems_name_the_fact_line(tmp_path):
    [p] = json_problems(tmp_path, '{"year": 2024,\n "units": [{"id": "office", "name": "办公厅", "staff": 3}],\n "facts": [\n'
                        '  {"id": "F1", "type": "lecture", "unit": "office", "title": "讲座"},\n'
                        '  {"id": "F2", "type": "lecture", "unit": "office"}\n]}\n')
    assert (p.line, p.fact_id, p.field) == (5, "F2", "title")


def test_the_broken_example_gets_every_promised_error(tmp_path):
    with pytest.raises(FactSetError) as caught:
        load_factset(EXAMPLES / "broken-2024.yaml")
    codes = {p.code for p in caught.value.problems}
    assert {"unknown-type", "unknown-field", "unknown-value", "missing-field", "duplicate-id",
            "unknown-unit", "date-outside-year", "invalid-value"} <= codes
    assert len(caught.value.problems) == 12


def test_cli_reports_errors_without_a_traceback_and_writes_nothing(tmp_path):
    out = tmp_path / "result.json"
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(EXAMPLES / "broken-2024.yaml"),
                           "--format", "json", "--output", str(out)], capture_output=True, text=True, env=ENGLISH_ENV)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "broken-2024.yaml:43: fact L-002, field 'type'" in done.stderr
    assert "12 problems in the fact set; nothing was written" in done.stderr
    assert not out.exists()


def test_cli_validate_accepts_the_example():
    done = subprocess.run([sys.executable, "-m", "evaluator", "validate", str(EXAMPLES / "2024.yaml")],
                          capture_output=True, text=True, env=ENGLISH_ENV)
    assert done.returncode == 0 and "valid" in done.stdout


def test_cli_missing_file_is_a_clean_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(tmp_path / "nope.yaml")],
                          capture_output=True, text=True, env=ENGLISH_ENV)
    assert done.returncode == 1 and "no such file" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("text, words", [('{"year": 2024, "units": [}', "此处应有一个值"),
                                         ('{"year": 2024 "units": []}', "此处缺少逗号"),
                                         ('{"year": 2024, "units": [], "facts": [{"a": "\\q"}]}', "反斜杠转义无效")])
def test_a_json_syntax_error_is_said_in_chinese(tmp_path, text, words):
    from evaluator.i18n import language
    path = tmp_path / "facts.json"
    path.write_text(text, encoding="utf-8")
    with language("zh"), pytest.raises(FactSetError) as caught:
        load_factset(path)
    [p] = caught.value.problems
    assert p.code == "json-syntax" and p.line == 1 and words in p.message and "Expecting" not in p.message
