#!/usr/bin/env python3
"""Generate a valid synthetic assessment year (fact set) for benchmarks.

The output follows the contract in ``shared/spec/facts.md``: top-level keys ``year``, ``policy``,
``units`` and ``facts``; every fact type and field name exactly as written there.

    python benchmarks/generate.py --facts 1000000 --units 1000 --seed 1 \
        --format json --output /tmp/year.json

Importable as well::

    data = generate(n_facts=2000, n_units=12, seed=7)   # a plain dict
    write(data, "year.yaml", "yaml")

Output is deterministic for a given (n_facts, n_units, seed, year). Facts are produced
one at a time, so the CLI streams them to disk without holding the whole year in memory.
Dates are ``datetime.date`` objects in the dict: written as ISO strings in JSON and as
YAML dates in YAML.
"""
from __future__ import annotations

import argparse
import datetime
import itertools
import json
import random
import sys
from typing import Callable, Dict, Iterable, Iterator, List

import_yaml_error = None
try:
    import yaml
except ImportError as exc:  # JSON output does not need PyYAML
    yaml = None
    import_yaml_error = exc

POLICY = "method-2020"
DEFAULT_YEAR = 2024

# ---------------------------------------------------------------------------
# The mix: relative weights of every fact type in facts.md.
# ---------------------------------------------------------------------------
WEIGHTS: Dict[str, float] = {
    # lots
    "petition": 14,
    "information_item": 12,
    "publication": 10,
    "leave": 10,
    "normative_document": 6,
    "study_absence": 6,
    "directors_meeting": 5,
    "lecture": 5,
    # moderate
    "party_activity_absence": 3,
    "party_group_meeting": 3,
    "personnel_matter": 2.5,
    "speech_draft": 2.5,
    "other_submission": 2,
    "hosted_visit": 2,
    "annual_target": 1.5,
    "late_activity_information": 1.5,
    "absenteeism": 1,
    "journal_issue": 1,
    "standing_committee_session": 1,
    "citywide_meeting": 1,
    "training_program": 1,
    "study_visit": 1,
    "deputy_inspection": 1,
    "thematic_research": 1,
    "work_report": 0.8,
    "major_decision": 0.8,
    "deputy_training": 0.6,
    "enforcement_inspection": 0.6,
    "enforcement_research": 0.6,
    "congress_session_service": 0.6,
    "leading_group_membership": 0.5,
    "rule_making": 0.5,
    # few
    "regulation_draft": 0.5,
    "innovation_award": 0.2,
    "annual_duty": 0.2,
    # very rare
    "conduct_violation": 0.02,
    "discipline_case": 0.01,
}

# Types that may carry `count` (✓ in facts.md).
COUNT_TYPES = frozenset({
    "study_absence", "party_activity_absence", "personnel_matter", "other_submission",
    "directors_meeting", "party_group_meeting", "lecture", "normative_document", "petition",
    "information_item", "late_activity_information", "journal_issue", "publication",
})

# Steps that can be missing, per clause (facts.md), in the method's order.
WORK_REPORT_STEPS = ("research", "initial_review", "opinions_transmitted",
                     "rectification_supervised", "rectification_reported")
INSPECTION_STEPS = ("plan_drafted", "plan_approved", "team_formed", "inspection_conducted",
                    "report_written", "report_submitted", "opinions_transmitted",
                    "rectification_supervised", "rectification_reported")
RESEARCH_STEPS = ("plan_drafted", "plan_approved", "research_conducted", "report_written",
                  "report_discussed", "opinions_transmitted", "rectification_supervised")
THEMATIC_STEPS = ("plan_drafted", "research_conducted", "report_written", "report_discussed")

# ---------------------------------------------------------------------------
# Vocabulary pools (Chinese, plausible for a city people's congress).
# ---------------------------------------------------------------------------
UNIT_NAMES = [
    "办公厅", "研究室", "法制工作委员会", "财政经济工作委员会", "监察和司法工作委员会",
    "教育科学文化卫生工作委员会", "城乡建设环境保护工作委员会", "农业农村工作委员会",
    "社会建设工作委员会", "人事代表选举工作委员会", "预算工作委员会", "信访局",
    "机关党委", "民族宗教侨务外事工作委员会",
]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
            "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉鹏宇浩然欣怡婷雪琳斌波宁"
         "红梅兰凤志勇海燕晓东亮新春玉珍晨阳思远嘉博俊峰子涵雨萱一鸣振华立群德胜永红")
TOPICS = [
    "大气污染防治", "营商环境优化", "乡村振兴", "城市更新", "义务教育均衡发展", "公共卫生应急",
    "安全生产", "养老服务体系建设", "河湖长制落实", "国有资产管理",
    "预算执行", "审计查出问题整改", "食品安全", "科技创新", "文化旅游融合", "就业创业",
    "住房保障", "交通综合治理", "生态环境保护", "民营经济发展", "法治政府建设", "未成年人保护",
    "医疗保障", "物业管理", "垃圾分类", "历史文化名城保护", "水资源管理", "民生实事项目",
    "社区治理", "知识产权保护", "农村人居环境整治", "中小学校园安全",
]
LAWS = [
    "大气污染防治法", "水污染防治法", "食品安全法", "安全生产法", "义务教育法", "消防法",
    "道路交通安全法", "野生动物保护法", "传染病防治法", "土壤污染防治法", "乡村振兴促进法",
    "未成年人保护法", "中小企业促进法", "农产品质量安全法", "老年人权益保障法", "固体废物污染环境防治法",
]
REGULATIONS = [
    "城市绿化条例", "物业管理条例", "文明行为促进条例", "历史文化名城保护条例", "烟花爆竹燃放管理条例",
    "养犬管理条例", "城市市容和环境卫生管理条例", "饮用水水源保护条例", "电动自行车管理条例",
    "生活垃圾分类管理条例", "河道管理条例", "湿地保护条例", "城乡规划条例", "停车场管理条例",
    "地方立法条例", "优化营商环境条例", "社会信用条例", "公园管理条例", "供热管理条例",
    "扬尘污染防治条例", "农村饮水安全条例", "古树名木保护条例", "数据条例", "燃气管理条例",
]
ROLES = ["副市长", "市中级人民法院审判员", "市人民检察院检察员", "市政府组成部门负责人",
         "市中级人民法院庭长", "常委会副秘书长", "市人民检察院副检察长", "专门委员会委员"]
LECTURE_SUBJECTS = ["宪法精神", "新修订的立法法", "人大预算审查监督", "全过程人民民主", "代表工作实务",
                    "备案审查制度", "地方立法技术规范", "监督法实施", "党史学习教育", "保密工作"]
PLACES = ["深圳", "杭州", "苏州", "成都", "厦门", "青岛", "宁波", "武汉", "长沙", "合肥",
          "济南", "南京", "郑州", "西安", "昆明", "贵阳"]
SCHOOLS = ["清华大学", "北京大学", "中国人民大学", "浙江大学", "复旦大学", "全国人大培训中心",
           "中央党校", "延安干部学院", "井冈山干部学院", "中山大学"]
JOURNALS = ["中国人大", "人民之友", "人大研究", "民主与法制", "人民日报", "法治日报", "本市日报",
            "人大新闻网", "省人大网站", "市人大公众号"]
NOTES = ["据台账补录", "经考核工作组核实", "年中督查时发现", "附件见档案室", "由主管副秘书长确认",
         "材料已归档", "补报"]
LEADING_GROUPS = ["全面依法治市委员会", "乡村振兴领导小组", "文明城市创建指挥部", "扫黑除恶专项斗争领导小组",
                  "河湖长制工作领导小组", "营商环境建设领导小组", "安全生产委员会", "疫情防控领导小组",
                  "国土绿化委员会", "平安建设领导小组"]

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 105 -> 一百零五, 1000 -> 一千; Arabic digits from 10000 on."""
    if n >= 10000:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    out, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero:
                out.append("零")
                zero = False
            out.append(_CN_DIGITS[d] + unit)
        elif out:
            zero = True
    return "".join(out)


def _halves(rng: random.Random, lo: float, hi: float):
    """A day count in halves within [lo, hi]: int when whole, float x.5 otherwise."""
    h = rng.randint(int(lo * 2), int(hi * 2))
    return h // 2 if h % 2 == 0 else h / 2


def _weighted(pairs):
    """(values, cum_weights) for rng.choices."""
    values = [v for v, _ in pairs]
    cum = list(itertools.accumulate(w for _, w in pairs))
    return values, cum


# ---------------------------------------------------------------------------
# The generator.
# ---------------------------------------------------------------------------
class _Year:
    """All state needed to emit facts one at a time, deterministically."""

    def __init__(self, n_facts: int, n_units: int, seed: int, year: int):
        if n_units < 1:
            raise ValueError("need at least one unit")
        if n_facts < 0:
            raise ValueError("n_facts must be >= 0")
        self.n_facts = n_facts
        self.n_units = n_units
        self.year = year
        self.rng = rng = random.Random(seed)

        # Units: ids u0000.., names, staff 2..20.
        self.unit_ids = [("u%04d" % i) for i in range(n_units)]
        self.units = []
        for i, uid in enumerate(self.unit_ids):
            name = UNIT_NAMES[i] if i < len(UNIT_NAMES) else \
                "第%s工作委员会" % chinese_number(i - len(UNIT_NAMES) + 1)
            self.units.append({"id": uid, "name": name, "staff": rng.randint(2, 20)})

        # People: a globally unique name per staff member, pool per unit.
        used = set()
        self.people: List[List[str]] = []
        for u in self.units:
            pool = []
            while len(pool) < u["staff"]:
                name = rng.choice(SURNAMES) + "".join(
                    rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
                if name not in used:
                    used.add(name)
                    pool.append(name)
            self.people.append(pool)

        # Facts are credited to units roughly in proportion to their staff.
        self.unit_cum = list(itertools.accumulate(u["staff"] for u in self.units))

        start = datetime.date(year, 1, 1)
        n_days = (datetime.date(year + 1, 1, 1) - start).days
        self.dates = [start + datetime.timedelta(days=d) for d in range(n_days)]

        # Counters for sessions, issues, references.
        self.counters: Dict[str, int] = {}
        # Regulation slots: each slot walks a regulation through its stages.
        self.reg_slots: List[list] = []      # [name_index, next_stage, drafting_unit]
        self.reg_names_used = 0
        self.duty_cycle = 0
        self.duties_held: dict = {}

        self.types, self.type_cum = _weighted(WEIGHTS.items())
        # Guarantee every type at least once when there is room: fixed random positions.
        self.forced: Dict[int, str] = {}
        if n_facts >= len(self.types):
            order = sorted(self.types)
            rng.shuffle(order)
            for pos, t in zip(sorted(rng.sample(range(n_facts), len(order))), order):
                self.forced[pos] = t

        self.makers: Dict[str, Callable[[int], dict]] = {
            t: getattr(self, "_" + t) for t in self.types}

        # Pools of titles, prebuilt so a fact costs one choice.
        self.title_pools = {
            "annual_target": ["完成%s年度工作任务" % t for t in TOPICS]
                             + ["按期完成%s专项监督" % t for t in TOPICS],
            "work_report": ["关于%s工作情况的报告" % t for t in TOPICS],
            "major_decision": ["关于%s的决定" % t for t in TOPICS]
                              + ["关于%s的决议" % t for t in TOPICS],
            "enforcement_inspection": ["检查《中华人民共和国%s》实施情况" % l for l in LAWS],
            "enforcement_research": ["《中华人民共和国%s》贯彻实施情况调研" % l for l in LAWS],
            "thematic_research": ["%s专题调研" % t for t in TOPICS],
            "deputy_inspection": ["代表视察%s工作" % t for t in TOPICS],
            "personnel_matter": ["关于提请任免%s的议案" % r for r in ROLES],
            "other_submission": ["关于%s工作的汇报" % t for t in TOPICS]
                                + ["%s工作情况说明" % t for t in TOPICS],
            "citywide_meeting": ["全市%s工作推进会" % t for t in TOPICS]
                                + ["全市人大%s工作座谈会" % t for t in TOPICS],
            "training_program": ["赴%s%s专题研修班" % (s, t) for s in SCHOOLS for t in TOPICS[:6]],
            "deputy_training": ["市人大代表%s履职培训班" % t for t in TOPICS],
            "lecture": ["%s专题讲座" % s for s in LECTURE_SUBJECTS],
            "study_visit": ["赴%s考察学习%s经验" % (p, t) for p in PLACES for t in TOPICS[:8]],
            "hosted_visit": ["接待%s人大%s考察" % (p, t) for p in PLACES for t in TOPICS[:8]],
            "normative_document": ["市人民政府关于%s的规定" % t for t in TOPICS]
                                  + ["市人民政府办公室关于加强%s的意见" % t for t in TOPICS],
            "information_item": ["常委会%s工作动态" % t for t in TOPICS]
                                + ["主任会议成员调研%s" % t for t in TOPICS],
            "late_activity_information": ["主任会议成员调研%s" % t for t in TOPICS],
            "publication": ["关于%s的几点思考" % t for t in TOPICS]
                           + ["市人大常委会推进%s" % t for t in TOPICS],
            "speech_draft": ["在%s工作会议上的讲话" % t for t in TOPICS]
                            + ["关于%s的工作报告" % t for t in TOPICS],
            "rule_making": ["常委会%s工作规则" % t for t in ("议事", "立法", "监督", "代表联络", "备案审查")]
                           + ["机关%s管理办法" % t for t in ("公文", "财务", "考勤", "保密", "车辆", "档案")],
            "innovation_award": ["%s工作创新" % t for t in TOPICS],
        }

    # -- helpers ------------------------------------------------------------
    def _count(self, key: str) -> int:
        v = self.counters.get(key, 0) + 1
        self.counters[key] = v
        return v

    def _title(self, t: str) -> str:
        return self.rng.choice(self.title_pools[t])

    def _person(self, u: int) -> str:
        pool = self.people[u]
        # Skewed: a few people account for much of the leave/absence.
        return pool[int(len(pool) * self.rng.random() ** 2)]

    def _other_unit(self, u: int) -> str:
        i = self.rng.randrange(self.n_units - 1)
        return self.unit_ids[i + 1 if i >= u else i]

    def _coordinators(self, u: int) -> List[str]:
        r = self.rng.random()
        k = 0 if r < 0.5 else (1 if r < 0.85 else 2)
        k = min(k, self.n_units - 1)
        if k == 0:
            return []
        others = self.rng.sample(range(self.n_units - 1), k)
        return [self.unit_ids[i + 1 if i >= u else i] for i in others]

    def _missing(self, steps) -> List[str]:
        r = self.rng.random()
        if r < 0.7:
            return []
        k = 1 if r < 0.91 else (2 if r < 0.985 else 3)
        picked = set(self.rng.sample(range(len(steps)), k))
        return [s for i, s in enumerate(steps) if i in picked]

    def _errors(self) -> int:
        r = self.rng.random()
        return 0 if r < 0.88 else (1 if r < 0.98 else 2)

    def _ref(self, key: str, fmt: str) -> str:
        return fmt % (self.year, self._count(key))

    # -- one function per fact type: the fields beside id/type/unit/date/note --
    def _study_absence(self, u):
        return {"person": self._person(u),
                "reason": "personal_leave" if self.rng.random() < 0.8 else "unexcused"}

    _party_activity_absence = _study_absence

    _LEAVE_KINDS = _weighted([("personal", 40), ("sick", 25), ("vacation", 25),
                              ("hospitalization", 5), ("special", 5)])

    def _leave(self, u):
        rng = self.rng
        kind = rng.choices(self._LEAVE_KINDS[0], cum_weights=self._LEAVE_KINDS[1])[0]
        r = rng.random()
        if kind in ("personal", "sick"):
            days = _halves(rng, 0.5, 2) if r < 0.7 else (
                _halves(rng, 2, 5) if r < 0.95 else _halves(rng, 5, 12))
        elif kind == "vacation":
            days = 98 if r < 0.01 else _halves(rng, 1, 15)     # maternity leave, now and then
        elif kind == "hospitalization":
            days = _halves(rng, 3, 30)
        else:
            days = _halves(rng, 1, 10)
        return {"person": self._person(u), "kind": kind, "days": days}

    def _absenteeism(self, u):
        return {"person": self._person(u), "days": _halves(self.rng, 0.5, 3)}

    def _conduct_violation(self, u):
        f = {"reference": self._ref("conduct", "市纪委通报〔%d〕%d号")}
        if self.rng.random() < 0.7:
            f["person"] = self._person(u)
        return f

    def _discipline_case(self, u):
        f = {"reference": self._ref("discipline", "市纪委监委处分决定〔%d〕%d号")}
        if self.rng.random() < 0.8:
            f["person"] = self._person(u)
        return f

    def _annual_target(self, u):
        return {"title": self._title("annual_target"), "completed": self.rng.random() < 0.85}

    _STAGES = ("first_reading", "second_reading", "submitted_to_congress")

    def _regulation_draft(self, u):
        rng = self.rng
        # Reuse an unfinished regulation most of the time, so readings pair up.
        open_slots = self.reg_slots
        if open_slots and rng.random() < 0.75:
            slot = open_slots[rng.randrange(len(open_slots))]
        else:
            slot = [self.reg_names_used, 0, u]
            self.reg_names_used += 1
            open_slots.append(slot)
        name_i, stage_i, drafter = slot
        base = REGULATIONS[name_i % len(REGULATIONS)]
        lap = name_i // len(REGULATIONS)
        name = base if lap == 0 else "%s(修订%s)" % (base, chinese_number(lap))
        stage = self._STAGES[stage_i]
        # The drafting unit handles later stages too, most of the time.
        unit = drafter if (stage_i == 0 or self.n_units == 1 or rng.random() < 0.85) \
            else self.rng.randrange(self.n_units)
        f = {"regulation": name, "stage": stage}
        if stage == "second_reading":
            f["major_revision"] = rng.random() < 0.3
        slot[1] += 1
        if slot[1] == len(self._STAGES):
            open_slots.remove(slot)
        return f, unit

    def _work_report(self, u):
        r = self.rng
        return {"title": self._title("work_report"), "satisfaction_vote": r.random() < 0.3,
                "special_inquiry": r.random() < 0.1, "missing_steps": self._missing(WORK_REPORT_STEPS)}

    _MATTERS = _weighted([("general", 70), ("budget_adjustment", 15), ("recall", 5),
                          ("removal", 5), ("coercive_measure", 5)])

    def _major_decision(self, u):
        return {"title": self._title("major_decision"),
                "matter": self.rng.choices(self._MATTERS[0], cum_weights=self._MATTERS[1])[0]}

    def _enforcement_inspection(self, u):
        return {"title": self._title("enforcement_inspection"),
                "missing_steps": self._missing(INSPECTION_STEPS)}

    def _enforcement_research(self, u):
        return {"title": self._title("enforcement_research"),
                "missing_steps": self._missing(RESEARCH_STEPS)}

    def _thematic_research(self, u):
        return {"title": self._title("thematic_research"),
                "missing_steps": self._missing(THEMATIC_STEPS)}

    def _deputy_inspection(self, u):
        return {"title": self._title("deputy_inspection"), "coordinators": self._coordinators(u)}

    _PERSONNEL = _weighted([("appointment", 60), ("dismissal", 25), ("recall", 5),
                            ("removal", 5), ("coercive_measure", 5)])

    def _personnel_matter(self, u):
        return {"title": self._title("personnel_matter"),
                "kind": self.rng.choices(self._PERSONNEL[0], cum_weights=self._PERSONNEL[1])[0]}

    def _other_submission(self, u):
        return {"title": self._title("other_submission"),
                "kind": "work_briefing" if self.rng.random() < 0.5 else "list_or_report"}

    def _standing_committee_session(self, u):
        n = self._count("session")
        return {"session": "第十六届常委会第%s次会议" % chinese_number(n),
                "days": self.rng.choice((0.5, 1, 1, 1.5, 2)), "errors": self._errors()}

    def _directors_meeting(self, u):
        n = self._count("directors")
        return {"session": "第十六届第%s次主任会议" % chinese_number(n), "errors": self._errors()}

    def _party_group_meeting(self, u):
        r = self.rng.random()
        return {"kind": "party_group" if r < 0.4 else (
            "central_group_study" if r < 0.7 else "directors_office")}

    def _citywide_meeting(self, u):
        return {"title": self._title("citywide_meeting"), "coordinators": self._coordinators(u),
                "days": self.rng.choice((0.5, 0.5, 1, 1.5, 2)), "errors": self._errors()}

    def _training_program(self, u):
        r = self.rng
        return {"title": self._title("training_program"), "participants": r.randint(20, 120),
                "days": _halves(r, 2, 8)}

    def _deputy_training(self, u):
        r = self.rng
        return {"title": self._title("deputy_training"), "coordinators": self._coordinators(u),
                "participants": r.randint(40, 250), "days": _halves(r, 0.5, 4)}

    def _lecture(self, u):
        return {"title": self._title("lecture")}

    def _study_visit(self, u):
        return {"title": self._title("study_visit"), "report_written": self.rng.random() < 0.6}

    def _hosted_visit(self, u):
        return {"title": self._title("hosted_visit"),
                "level": "senior" if self.rng.random() < 0.3 else "peer",
                "coordinators": self._coordinators(u)}

    def _leading_group_membership(self, u):
        return {"group": self.rng.choice(LEADING_GROUPS)}

    def _congress_session_service(self, u):
        which = self.rng.choice(("第十四届全国人民代表大会第二次会议", "省第十四届人民代表大会第二次会议"))
        return {"session": which, "person_times": self.rng.randint(1, 12)}

    def _normative_document(self, u):
        f = {"title": self._title("normative_document")}
        r = self.rng.random()
        if r < 0.4:
            f["reviewed_by"] = self._other_unit(u) if self.n_units > 1 else self.unit_ids[u]
            f["corrected"] = r < 0.06        # `corrected` only ever beside `reviewed_by`
        return f

    def _petition(self, u):
        return {"kind": "letter" if self.rng.random() < 0.75 else "visit",
                "resolved": self.rng.random() < 0.2}

    _DUTIES = ("documents", "personnel", "finance")

    def _annual_duty(self, u):
        # R20: a unit holds each duty once a year; a unit that holds all three gets a lecture instead.
        held = self.duties_held.setdefault(u, set())
        free = [d for d in self._DUTIES if d not in held]
        if not free:
            return None
        duty = free[self.duty_cycle % len(free)]
        self.duty_cycle += 1
        held.add(duty)
        return {"duty": duty, "errors": self._errors()}

    def _information_item(self, u):
        return {"title": self._title("information_item")}

    def _late_activity_information(self, u):
        return {"activity": self._title("late_activity_information")}

    def _journal_issue(self, u):
        return {"issue": "《XX人大》%d年第%d期" % (self.year, self._count("journal"))}

    _PUB_LEVELS = _weighted([("national", 5), ("provincial", 15), ("municipal", 35), ("news", 45)])

    def _publication(self, u):
        return {"title": self._title("publication") + "(" + self.rng.choice(JOURNALS) + ")",
                "level": self.rng.choices(self._PUB_LEVELS[0], cum_weights=self._PUB_LEVELS[1])[0]}

    def _speech_draft(self, u):
        r = self.rng
        x = r.random()
        # Boundaries of R11 now and then: exactly 1000 and 2500 characters.
        chars = 1000 if x < 0.02 else (2500 if x < 0.04 else r.randint(300, 6000))
        return {"title": self._title("speech_draft"), "characters": chars}

    def _rule_making(self, u):
        r = self.rng
        return {"title": self._title("rule_making"),
                "scope": "standing_committee" if r.random() < 0.4 else "organs",
                "kind": "new" if r.random() < 0.4 else "revision"}

    def _innovation_award(self, u):
        return {"title": self._title("innovation_award"),
                "points": self.rng.choice((0.5, 1, 1, 2, 2, 3, 5)),
                "decision": self._ref("innovation", "主任会议决定〔%d〕%d号")}

    # -- the stream ---------------------------------------------------------
    def facts(self) -> Iterator[dict]:
        rng = self.rng
        unit_ids, dates, makers = self.unit_ids, self.dates, self.makers
        n_dates = len(dates)
        forced = self.forced
        chunk = 8192
        i = 0
        while i < self.n_facts:
            k = min(chunk, self.n_facts - i)
            types = rng.choices(self.types, cum_weights=self.type_cum, k=k)
            units = rng.choices(range(self.n_units), cum_weights=self.unit_cum, k=k)
            for t, u in zip(types, units):
                if i in forced:
                    t = forced[i]
                i += 1
                fields = makers[t](u)
                if fields is None:
                    t = "lecture"
                    fields = makers[t](u)
                if t == "regulation_draft":
                    fields, u = fields
                fact = {"id": "F%07d" % i, "type": t, "unit": unit_ids[u]}
                fact.update(fields)
                if t in COUNT_TYPES and rng.random() < 0.4:
                    # Ledger lines: mostly small, sometimes up to 30.
                    fact["count"] = min(30, 1 + int(rng.expovariate(0.2)))
                if rng.random() < 0.7:
                    fact["date"] = dates[int(rng.random() * n_dates)]
                if rng.random() < 0.02:
                    fact["note"] = rng.choice(NOTES)
                yield fact


def generate_stream(n_facts: int, n_units: int, seed: int, year: int = DEFAULT_YEAR) -> dict:
    """Like generate(), but `facts` is an iterator (for streaming writes)."""
    y = _Year(n_facts, n_units, seed, year)
    return {"year": year, "policy": POLICY, "units": y.units, "facts": y.facts()}


def generate(n_facts: int, n_units: int, seed: int, year: int = DEFAULT_YEAR) -> dict:
    """A whole synthetic year as a plain dict (facts as a list)."""
    data = generate_stream(n_facts, n_units, seed, year)
    data["facts"] = list(data["facts"])
    return data


# ---------------------------------------------------------------------------
# Writing.
# ---------------------------------------------------------------------------
def _json_default(o):
    if isinstance(o, datetime.date):
        return o.isoformat()
    raise TypeError("not JSON serializable: %r" % (o,))


def _chunks(it: Iterable, size: int):
    it = iter(it)
    while True:
        block = list(itertools.islice(it, size))
        if not block:
            return
        yield block


def write_json(data: dict, fp) -> None:
    """One unit / one fact per line (C encoder per line; fast and line-addressable)."""
    enc = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    fp.write("{\n")
    for key, value in data.items():
        if key not in ("units", "facts"):
            fp.write("%s: %s,\n" % (enc(key), enc(value)))
    fp.write('"units": [\n')
    fp.write(",\n".join(enc(u) for u in data["units"]))
    fp.write('\n],\n"facts": [\n')
    first = True
    for block in _chunks(data["facts"], 4096):
        if not first:
            fp.write(",\n")
        fp.write(",\n".join([enc(f) for f in block]))
        first = False
    fp.write("\n]\n}\n")


_DUMPER = None


def _yaml_dumper():
    """CSafeDumper (if built with libyaml) that never writes anchors/aliases: dates are shared
    objects, and facts are dumped in blocks, so aliases would repeat anchors across blocks."""
    global _DUMPER
    if _DUMPER is None:
        base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        _DUMPER = type("NoAliasDumper", (base,), {"ignore_aliases": lambda self, data: True})
    return _DUMPER


def write_yaml(data: dict, fp) -> None:
    if yaml is None:
        raise RuntimeError("PyYAML is needed for --format yaml: %s" % import_yaml_error)
    opts = dict(Dumper=_yaml_dumper(), allow_unicode=True, sort_keys=False, default_flow_style=False,
                width=1000)
    head = {k: v for k, v in data.items() if k != "facts"}
    fp.write(yaml.dump(head, **opts))
    it = iter(data["facts"])
    block = list(itertools.islice(it, 2048))
    if not block:
        fp.write("facts: []\n")
        return
    fp.write("facts:\n")
    while block:
        # A top-level block sequence at column 0 is valid as the value of `facts:`.
        fp.write(yaml.dump(block, **opts))
        block = list(itertools.islice(it, 2048))


def write(data: dict, path: str, fmt: str) -> None:
    """Write `data` (from generate() or generate_stream()) to `path` as 'json' or 'yaml'.
    path '-' writes to stdout."""
    if fmt not in ("json", "yaml"):
        raise ValueError("format must be json or yaml, not %r" % fmt)
    writer = write_json if fmt == "json" else write_yaml
    if path == "-":
        writer(data, sys.stdout)
        return
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fp:
        writer(data, fp)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Generate a valid synthetic assessment year (facts.md format).")
    p.add_argument("--facts", type=int, required=True, help="number of facts")
    p.add_argument("--units", type=int, default=12, help="number of units (1..10000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--year", type=int, default=DEFAULT_YEAR)
    p.add_argument("--format", choices=("yaml", "json"), default=None,
                   help="default: from the output's extension, else yaml")
    p.add_argument("--output", "-o", default="-", help="path, or - for stdout")
    a = p.parse_args(argv)
    if a.facts < 0:
        p.error("--facts must be >= 0")
    if not 1 <= a.units <= 10000:
        p.error("--units must be within 1..10000")
    fmt = a.format or ("json" if a.output.endswith(".json") else "yaml")
    write(generate_stream(a.facts, a.units, a.seed, a.year), a.output, fmt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
