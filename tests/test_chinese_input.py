"""The office's own words (facts.md): Chinese labels, unit names, 是/否 and dates in any listed
form score exactly as the coded fact set; mistakes are explained in Chinese on the right line."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import load_factset
from evaluator.domain.vocabulary import DATE_FORMS, parse_date
from evaluator.errors import FactSetError

from conftest import EXAMPLES

CODED = """\
year: 2024
units:
  - {id: office, name: 办公厅, staff: 14}
  - {id: legal, name: 法制工作委员会, staff: 6}
facts:
  - {id: L1, type: leave, unit: office, person: 张三, kind: personal, days: 10, date: 2024-03-04}
  - {id: L2, type: leave, unit: office, person: 张三, kind: sick, days: 7, date: 2024-03-12}
  - {id: P1, type: petition, unit: office, kind: visit, resolved: true, count: 3}
  - {id: D1, type: deputy_inspection, unit: legal, title: 视察, coordinators: [office]}
  - {id: T1, type: thematic_research, unit: legal, title: 调研, missing_steps: [report_written, plan_drafted]}
  - {id: A1, type: annual_target, unit: office, title: 目标一, completed: false}
  - {id: A2, type: annual_target, unit: legal, title: 目标二, completed: true}
"""

CHINESE = """\
年度: 2024
机构名册:
  - {机构编号: office, 机构名称: 办公厅, 实际工作人员人数: 14}
  - {机构编号: legal, 机构名称: 法制工作委员会, 实际工作人员人数: 6}
事实:
  - {编号: L1, 类型: 请假, 机构: 办公厅, 人员: 张 三, 类别: 事假, 天数: 10, 日期: 2024/3/4}
  - {编号: L2, 类型: 请假, 机构: 办公厅, 人员: 张三, 类别: 病假, 天数: 7, 日期: 2024年3月12日}
  - {编号: P1, 类型: 信访, 机构: 办公厅, 类别: 来访, 督促解决: 是, 数量: 3}
  - {编号: D1, 类型: 代表视察调研, 机构: 法制工作委员会, 名称: 视察, 协办机构: 办公厅}
  - {编号: T1, 类型: 专题调研, 机构: 法制工作委员会, 名称: 调研, 缺少环节: 形成专题调研报告、形成调研方案}
  - {编号: A1, 类型: 年度工作目标, 机构: 办公厅, 名称: 目标一, 是否完成: 否}
  - {编号: A2, 类型: 年度工作目标, 机构: 法制工作委员会, 名称: 目标二, 是否完成: 是}
"""


def write(tmp_path: Path, text: str, name: str = "facts.yaml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(textwrap.dedent(text).encode(encoding))
    return path


def scores(ev):
    return [(u.unit, u.total) for u in ev.scorecard.units], [(f.unit, f.clause, f.rule, f.points, f.evidence) for f in ev.findings]


def test_a_year_in_the_offices_words_scores_as_the_coded_year(tmp_path, policy):
    coded = load_factset(write(tmp_path, CODED, "coded.yaml"))
    chinese = load_factset(write(tmp_path, CHINESE, "chinese.yaml"))
    assert [r.__dict__ for r in chinese.facts] == [r.__dict__ | {"person": "张 三"} if r.id == "L1" else r.__dict__
                                                  for r in coded.facts]
    assert scores(evaluate(chinese, policy)) == scores(evaluate(coded, policy))


def test_the_same_words_are_read_from_json(tmp_path, policy):
    import json
    import yaml
    data = yaml.safe_load(CHINESE)
    text = json.dumps(data, ensure_ascii=False, default=str)
    chinese = load_factset(write(tmp_path, text, "chinese.json"))
    coded = load_factset(write(tmp_path, CODED, "coded.yaml"))
    assert scores(evaluate(chinese, policy)) == scores(evaluate(coded, policy))


@pytest.mark.parametrize("written", ["2024-03-04", "2024-3-4", "2024/3/4", "2024.3.4", "2024年3月4日", " 2024 年 3 月 4 日 "])
def test_every_listed_date_form_is_the_same_day(written):
    import datetime as dt
    assert parse_date(written) == dt.date(2024, 3, 4)
    assert len(DATE_FORMS) == 5


def test_a_date_that_is_no_day_is_reported_with_its_text(tmp_path):
    path = write(tmp_path, CODED.replace("date: 2024-03-04", "date: 2024/2/30"))
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    [p] = caught.value.problems
    assert (p.line, p.fact_id, p.field) == (6, "L1", "date")
    assert "2024/2/30" in p.message and "不是日期" in p.message


def test_an_unknown_label_lists_the_labels_in_chinese(tmp_path):
    path = write(tmp_path, CHINESE.replace("类别: 事假", "类别: 年假"))
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    [p] = caught.value.problems
    text = str(p)
    assert p.line == 6 and p.field == "kind"
    assert "“年假”不是可选值" in text and "事假、病假、因病住院、正常休假、特殊情况" in text
    assert "字段“类别”" in text and "personal" not in text


@pytest.mark.parametrize("year, said, unsaid", [
    # `sik` is close to the code `sick`: the suggestion is the label the office writes, never the code
    (CODED.replace("kind: sick", "kind: sik"), "您是不是要写“病假”", "“sick”"),
    # a unit's fields by the roster's column names
    (CHINESE.replace(", 实际工作人员人数: 6}", "}"), "缺少“实际工作人员人数”", "staff"),
    (CHINESE.replace("实际工作人员人数: 6}", "实际工作人员人数: 6, 电话: 1}"), "(可用:机构编号、机构名称、实际工作人员人数)", "staff"),
])
def test_a_mistake_is_said_in_the_offices_words_not_the_codes(tmp_path, year, said, unsaid):
    with pytest.raises(FactSetError) as caught:
        load_factset(write(tmp_path, year))
    [p] = caught.value.problems
    assert said in str(p) and unsaid not in str(p), str(p)


@pytest.mark.parametrize("text, key", [
    ("year: 2024\nfacts: []\n", "units"),                                           # no roster
    ("year: 2024\nunits: [{id: a, name: 甲, staff: 1}]\nfacts: 3\n", "facts"),      # facts not a list
    ("- 1\n", "year"),                                                               # not a mapping at all
    ("year: 2024\nunits: [{id: a, name: 甲, staff: 1}]\nfacts: []\nfoo: 1\n", "policy"),  # an unknown key: the keys listed
])
def test_the_files_own_parts_are_named_as_the_policy_labels_them(tmp_path, policy, text, key):
    """The top-level keys by the policy's labels (机构名册, 事实…), which a fact set may also be written in."""
    with pytest.raises(FactSetError) as caught:
        load_factset(write(tmp_path, text))
    [p] = caught.value.problems
    assert f"“{policy.vocabulary.document_keys[key]}”" in str(p) or policy.vocabulary.document_keys[key] in p.message, str(p)
    assert not any(word in p.message for word in ("units", "facts", "year", "policy")), str(p)


def test_an_unknown_key_is_the_only_problem_of_a_year_written_in_the_offices_words(tmp_path):
    """Naming the unknown key by the policy's labels must not settle the year's words before its year is read."""
    with pytest.raises(FactSetError) as caught:
        load_factset(write(tmp_path, CODED.replace("year: 2024\n", "year: 2024\nfoo: 1\n", 1)))
    assert [p.code for p in caught.value.problems] == ["unknown-key"], str(caught.value)
    in_words = CODED.replace("kind: personal", "kind: 事假").replace("type: petition", "type: 信访")   # codes' keys, the office's values
    with pytest.raises(FactSetError) as caught:
        load_factset(write(tmp_path, in_words.replace("year: 2024\n", "year: 2024\nfoo: 1\n", 1)))
    assert [p.code for p in caught.value.problems] == ["unknown-key"], str(caught.value)


def test_an_empty_file_is_said_empty_whatever_it_was_meant_to_hold(tmp_path):
    with pytest.raises(FactSetError) as caught:
        load_factset(write(tmp_path, "# nothing yet\n"))
    assert [p.message for p in caught.value.problems] == ["文件中没有数据"]


@pytest.mark.parametrize("text, said", [
    ("a:\n  - 1\n b: 2\n", "缩进不对"),
    ("- a\nb: 1\n", "应以“-”开始新的一项"),
    ("a: *x\n", "找不到对应的锚点"),
    ("a: b: c\n", "此处不能出现“键: 值”"),
    ("a: [1, 2\n", "方括号“[”没有闭合"),
    ("a: \"\\q\"\n", "反斜杠"),
])
def test_the_c_parsers_complaints_are_said_in_chinese(tmp_path, text, said):
    with pytest.raises(FactSetError) as caught:
        load_factset(write(tmp_path, text))
    [p] = caught.value.problems
    assert said in p.message and not any(c.isascii() and c.isalpha() for c in p.message.replace("YAML", "")), p.message


def test_a_unit_name_not_on_the_roster_is_named(tmp_path):
    path = write(tmp_path, CHINESE.replace("机构: 办公厅, 类别: 来访", "机构: 办公室, 类别: 来访"))
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    [p] = caught.value.problems
    assert p.fact_id == "P1" and p.field == "unit" and "办公室" in p.message


def test_a_full_width_colon_is_hinted_on_its_line(tmp_path):
    path = write(tmp_path, CHINESE.replace("  - {编号: P1, 类型: 信访, 机构: 办公厅, 类别: 来访, 督促解决: 是, 数量: 3}\n",
                                           "  - 编号: P1\n    类型：信访\n"))
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    hints = [p for p in caught.value.problems if p.code == "fullwidth-colon"]
    assert [p.line for p in hints] == [9]
    assert "第 9 行使用了全角冒号“：”" in hints[0].message


def test_a_full_width_indent_is_hinted(tmp_path):
    path = write(tmp_path, CODED + "\u3000- {id: X, type: lecture, unit: office, title: 讲座}\n")
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    assert any(p.code == "fullwidth-space" and p.line == 13 for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("written, read", [("002", "2"), ("off", "False"), ("yes", "True"), ("0x1A", "26")])
def test_an_unquoted_id_that_yaml_retypes_must_be_quoted(tmp_path, written, read):
    path = write(tmp_path, CODED + f"  - {{id: {written}, type: lecture, unit: office, title: 讲座}}\n")
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    [p] = [p for p in caught.value.problems if p.code == "unquoted-text"]
    assert p.line == 13 and written in p.message and read in p.message and "引号" in p.message


def test_a_quoted_id_and_a_plain_number_id_are_kept(tmp_path):
    factset = load_factset(write(tmp_path, CODED + '  - {id: "002", type: lecture, unit: office, title: 讲座}\n'
                                 "  - {id: 12, type: lecture, unit: office, title: 讲座}\n"))
    assert {"002", "12"} <= {r.id for r in factset.facts}


def test_a_gb18030_file_is_read_and_said(tmp_path, policy):
    factset = load_factset(write(tmp_path, CHINESE, encoding="gb18030"))
    assert len(factset.facts) == 7
    assert [n.code for n in factset.notices] == ["encoding"] and "GB18030" in factset.notices[0].message


def test_a_file_in_no_known_encoding_gets_advice(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_bytes(b"year: 2024\n\xff\xfe\xff\n")
    with pytest.raises(FactSetError) as caught:
        load_factset(path)
    assert "UTF-8" in caught.value.problems[0].message and "另存" in caught.value.problems[0].message


def test_every_message_of_the_broken_example_is_chinese_without_internals(tmp_path):
    out = tmp_path / "r.json"
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(EXAMPLES / "broken-2024.yaml"), "-f", "json",
                           "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 1 and not out.exists()
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == "事实集有 12 处问题;未写入任何文件"
    for line in lines:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in line), line
        assert "Decimal(" not in line and "Input should" not in line and "pydantic" not in line, line
    assert "broken-2024.yaml:59: 事实 L-004,字段“类别”:“annual”不是可选值" in done.stderr


def test_english_on_request(tmp_path):
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(EXAMPLES / "broken-2024.yaml"), "--lang", "en"],
                          capture_output=True, text=True)
    assert "12 problems in the fact set; nothing was written" in done.stderr


@pytest.mark.parametrize("edit, words", [
    (("leave.kind: {personal: 事假, sick: 病假,", "leave.kind: {personal: 事假, sick: 事假,"),
     ["事假", "personal", "sick"]),
    (("    kind: 类别\n", "    kind: 人员\n"), ["人员", "person", "kind"]),
    (("    lecture: 专题讲座\n", "    lecture: 请假\n"), ["请假", "leave", "lecture"]),
])
def test_an_ambiguous_label_is_a_policy_error(tmp_path, edit, words):
    from conftest import POLICY
    from evaluator.domain.policy import load_policy
    from evaluator.errors import PolicyError
    text = POLICY.read_text(encoding="utf-8")
    assert edit[0] in text
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert "名称有歧义" in message and all(w in message for w in words), message   # the loader's words, Chinese by default


def test_a_label_another_type_gives_the_same_value_is_understood(tmp_path):
    # The policy labels personal_leave 因私请假 for study, 因私 for party activities (as the method words them).
    factset = load_factset(write(tmp_path, CODED + "  - {id: S1, type: 支部活动缺勤, unit: office, person: 张三, 原因: 因私请假}\n"
                                 "  - {id: S2, type: 学习缺勤, unit: office, person: 张三, 原因: 因私}\n"))
    assert {r.id: r.reason for r in factset.facts if r.id in ("S1", "S2")} == {"S1": "personal_leave", "S2": "personal_leave"}


def test_a_staff_number_makes_two_spellings_one_person(tmp_path, policy):
    text = CODED.replace("person: 张三, kind: sick", "person: 张小三, person_id: '0042', kind: sick") \
                .replace("person: 张三, kind: personal", "person: 张三, person_id: '0042', kind: personal")
    ev = evaluate(load_factset(write(tmp_path, text)), policy)
    [leave] = [f for f in ev.findings if f.clause == "4.1.2"]
    assert leave.points == -1 and set(leave.evidence) == {"L1", "L2"}   # 17 days, 2 over the limit
