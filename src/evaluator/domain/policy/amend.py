"""Amendments as deltas: a policy file that says only what it changes in another version.

    id: my-draft
    title: …(2025 年修订草案)       # optional; default: the title of the version it amends
    amends: method-2020             # the id of the version it changes (looked up by the registry)
    status: draft                   # draft | in_force: required, so no amendment is adopted by omission
    effective_from: 2025
    effective_until: 2027           # optional; a delta never inherits its base's years
    source: …                       # optional
    changes:
      - {clause: 4.3.2.5, parameter: large_participants, value: 50}
      - {clause: 4.1.2, parameter: leave_limit, value: 10, text: "每名工作人员全年请假累计不得超过 10 天"}
      - {clause: 4.1.2, parameter: leave_limit, title: 全年请假上限}   # its name in Chinese output
      - {clause: 4.1.2, text: "…新的条文…"}                      # the wording; also title, requirements
      - {clause: 4.3.4.8, rule: information-item, points: 1}    # a rule's points, title, explain
      - {ruling: R3, text: "…"}                                   # a ruling's text or title
      - {awards: quota, value: 5}                                 # how many units may be recommended; null: no limit
      - {label: values.leave.kind.personal, value: 事假}            # types.T, fields.F, values.T.F.V, units.K, document.K

Each change names one thing (a clause, a clause's parameter, a rule, a ruling, the awards
quota or a label) and one or more of its fields. `clause` is required with `parameter`
(parameter names repeat across clauses) and optional with `rule` (rule ids are unique; if
given it is checked). A change may not add or remove clauses or rules: that is a new full
version of the method, not an amendment.

Resolving a delta (`resolve`, called by `load_policy` for any document with `amends`):
the registry finds the version named by `amends` in the delta's own folder, else in the
policies folder; that version is loaded (and so checked, and may itself be a delta); its raw
data is deep-copied, every change is checked against it and applied (`derive`), and the
result is compiled by the ordinary compiler with the delta's `id`, `title`, `status` and
years. Every problem is reported at once, at the delta's line, with a did-you-mean. A
problem the compiler finds in an edited field (an explanation that names an unknown field)
is reported at the line of the change; the copied base keeps no lines of its own, since
they are lines of another file. The compiled policy (`AmendedPolicy`) remembers the version
it amends (`amends`, `base`) and what it changed (`changes`, one `Edit` per field), which
`evaluator diff` lists before the effect on the units.

Dated values (OpenFisca's parameters with dated values, in the simplest form that fits
yearly assessment): an adopted amendment (`status: in_force`) supersedes the version it
amends from its `effective_from` year. For a year the registry takes the versions in force
that year (drafts never) and drops every version that an amendment in force that year
amends; the one left is the answer, i.e. the base with every in-force amendment effective
by that year applied in order. So with method-2020 and an adopted `amends: method-2020,
effective_from: 2025` that sets leave_limit to 10, the year 2024 is scored with 15 days and
2025 on with 10. Successive adoptions form a chain (the 2026 amendment amends the 2025
one); two adopted amendments of the same version in force in the same year are an error
that says so, rather than an order guessed between them. `dated_values` lists each
parameter's values by year as the registry answers them.
"""
from __future__ import annotations

import difflib
import hashlib
import threading
from dataclasses import dataclass, field as dataclass_field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

from evaluator.domain.numbers import plain
from evaluator.domain.policy.load import CompiledPolicy, compile_policy, load_policy
from evaluator.domain.policy.render import points_change, rule_name, value_change
from evaluator.errors import PolicyError, Problem, UsageError, did_you_mean
from evaluator.i18n import listing, say
from evaluator.inputs.yamlio import LineDict, load_document

CODE = "amendment"

# What a change names, and the fields of it a change may set.
TARGETS = ("parameter", "rule", "ruling", "awards", "label", "section")
FIELDS: dict[str, tuple[str, ...]] = {
    "clause": ("text", "title", "requirements"),
    "parameter": ("value", "text", "title"),
    "rule": ("points", "title", "explain"),
    "ruling": ("text", "title"),
    "awards": ("value",),
    "label": ("value",),
    "section": ("full_marks", "floor", "round_places"),   # a part's own numbers: {section: annual, full_marks: 50}
}
# A section's own numbers as the office says them (the diff, messages, the amendment workbook's 项目 column).
SECTION_WORDS = {"full_marks": "满分", "floor": "最低分", "round_places": "保留小数位数"}


def section_value_ok(field: str, value: Any) -> bool:
    """A section's full marks or floor is a number (a floor may be null: none); its rounding a whole number ≥ 0."""
    if field == "round_places":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return _is_number(value) or (field == "floor" and value is None)
LABEL_GROUPS = ("types", "fields", "values", "booleans", "units", "document")
HEAD_REQUIRED = ("id", "amends", "status", "effective_from", "changes")
HEAD_OPTIONAL = ("title", "effective_until", "source")
STATUSES = ("draft", "in_force")

# The head's keys as the office says them. The amendment workbook's 说明 sheet labels its cells with
# these words, and a problem with a delta's head names the key by its word: the key itself goes
# beside it, since a delta is YAML and its writer types the key (施行年度(effective_from)).
HEAD_WORDS = {"id": "修订编号", "amends": "考核办法", "status": "状态", "effective_from": "施行年度",
              "effective_until": "施行截止年度", "changes": "修改之处", "title": "标题", "source": "原文文件"}


def head_key(key: str) -> str:
    """A head key as a message names it: 施行年度(effective_from) in Chinese, effective_from in English."""
    return say("{w}({k})", "{k}", w=HEAD_WORDS[key], k=key) if key in HEAD_WORDS else key

# How a field is named in Chinese, in the diff and in messages.
_FIELD_WORDS = {
    ("clause", "text"): "办法原文", ("clause", "title"): "条款标题", ("clause", "requirements"): "考核要求",
    ("parameter", "value"): "", ("parameter", "text"): "的原文", ("parameter", "title"): "的名称",
    ("rule", "points"): "分值", ("rule", "title"): "标题", ("rule", "explain"): "说明文字",
    ("ruling", "text"): "原文", ("ruling", "title"): "标题",
    **{("section", field): word for field, word in SECTION_WORDS.items()},
}


@dataclass(frozen=True)
class Edit:
    """One field one amendment changes, with its value before and after."""
    kind: str                 # clause | parameter | rule | ruling | awards | label
    clause: str | None        # the clause it belongs to (None: a ruling, the awards, a label)
    name: str | None          # the parameter, rule, ruling or label path; None for the clause itself
    field: str                # value | text | title | requirements | points | explain
    old: Any
    new: Any
    line: int | None = None   # the line of the change in the delta file
    policy: str = ""          # the id of the amendment that makes it
    title: str = ""           # a parameter's Chinese name (全年请假限额): staff read it, not the id
    unit: str = ""            # a parameter's unit, shown with its old and new value

    @property
    def what(self) -> str:
        """In Chinese, without the clause: “全年请假限额:15 天 → 10 天”, “办法原文:“…15 天…” → “…10 天…””."""
        return self.sentence()

    def sentence(self, policy: CompiledPolicy | None = None) -> str:
        """`what`, a rule named by its title as `policy` (a CompiledPolicy) renders it, never by
        its id: the one wording of a change, for the diff and the what-if alike."""
        word = _FIELD_WORDS.get((self.kind, self.field), self.field)
        made = _made_by(policy, self.policy)
        rule = _rule_title(made, self.name) if self.kind == "rule" else ""
        if self.kind == "parameter" and self.field == "value":
            unit = f" {self.unit}" if self.unit else ""
            return value_change(self.title or self.name, _shown(self.old) + unit, _shown(self.new) + unit, self.name)
        if self.kind == "parameter":
            return say("{t}{w}:{p}", "parameter {n} {f}: {p}", t=self.title or self.name, w=word, n=self.name,
                       f=self.field, p=passages(self.old, self.new))
        if self.kind == "clause":
            return f"{word}:{passages(self.old, self.new)}"
        if self.kind == "rule" and self.field == "points":
            # A `$parameter` reads as its value: the old one in the version amended, the new in the amendment.
            before = made.base if isinstance(made, AmendedPolicy) and made.base is not None else made
            return rule + points_change(_points(before, self.clause, self.old), _points(made, self.clause, self.new))
        if self.kind == "rule":
            return f"{rule}{word}:{passages(self.old, self.new)}"
        if self.kind == "ruling":
            return f"裁定 {self.name} {word}:{passages(self.old, self.new)}"
        if self.kind == "awards":
            return f"评优名额:{'不限' if self.old is None else self.old} → {'不限' if self.new is None else self.new}"
        if self.kind == "section":
            unit = " 位" if self.field == "round_places" else " 分"
            shown = [say("无", "none") if v is None else _shown(v) + unit for v in (self.old, self.new)]
            return value_change(f"{self.title or self.name}{word}", *shown, f"{self.name}.{self.field}")
        return f"标签 {self.name}:{_shown(self.old)} → {_shown(self.new)}"

    def __str__(self) -> str:
        return f"{self.clause} {self.what}" if self.clause else self.what

    def where(self, policy: CompiledPolicy) -> str:
        """`4.3.2.5 参加学习培训:` — the clause a change belongs to, as `policy` names it."""
        clause = policy.clauses.get(self.clause) if self.clause else None
        return f"{clause.id} {clause.title}:" if clause else ""

    def as_json(self, policy: CompiledPolicy | None = None) -> dict:
        return {"policy": self.policy, "clause": self.clause, "target": self.kind, "name": self.name,
                "field": self.field, "old": self.old, "new": self.new, "change": self.sentence(policy), "line": self.line}


def _points(policy: CompiledPolicy | None, clause: str | None, value: Any) -> str:
    """A rule's points as staff read them: a `$parameter` reference shows the parameter's value."""
    if isinstance(value, str) and value.startswith("$") and policy is not None and clause in policy.clauses:
        parameter = policy.clauses[clause].parameters.get(value[1:])
        if parameter is not None:
            return _shown(parameter.value)
    return _shown(value)


def _made_by(policy: CompiledPolicy | None, amendment: str) -> CompiledPolicy | None:
    """The version along `policy`'s chain of amendments that made an edit (`policy` when none did)."""
    version = policy
    while isinstance(version, AmendedPolicy):
        if version.id == amendment:
            return version
        version = version.base
    return policy


def _rule_title(policy: CompiledPolicy | None, rule_id: str | None) -> str:
    """`规则“因私请假不参加学习”`, as the compiled policy renders the rule's title; “一条规则” without it."""
    compiled = next((r for r in policy.rules if r.id == rule_id), None) if policy is not None else None
    return rule_name(compiled.rule.title) if compiled is not None else "一条规则"


def _shown(value: Any) -> str:
    if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return plain(value)
    if isinstance(value, list):
        return "、".join(map(str, value))
    return "无" if value is None else str(value)


def passages(old: Any, new: Any, context: int = 6) -> str:
    """The passages of a wording that changed, each with a few characters around it:
    “不得超过 15 天(正常” → “不得超过 10 天(正常”."""
    old, new = str(old or ""), str(new or "")
    if not old or not new:
        return f"“{old}” → “{new}”"
    shown = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        before, after = ("…" if i1 > 0 else ""), ("…" if i2 < len(old) else "")
        shown.append(f"“{before}{old[i1:i2]}{after}” → “{'…' if j1 > 0 else ''}{new[j1:j2]}{'…' if j2 < len(new) else ''}”")
    return ";".join(shown) or "未改动"


@dataclass
class AmendedPolicy(CompiledPolicy):
    """A compiled policy that a delta file made from another version."""
    amends: str = ""                                  # the id of the version it amends
    changes: tuple[Edit, ...] = ()                    # what it changed, in the order written
    base: CompiledPolicy | None = dataclass_field(default=None, repr=False)
    data: Any = dataclass_field(default=None, repr=False)   # the resolved raw data (what a further delta copies)


def amendments_between(old: CompiledPolicy, new: CompiledPolicy) -> tuple[str | None, list[Edit]]:
    """The edits that lead from `old` to `new` along `new`'s chain of amendments: (the id of the
    version they start from, the edits in order). When `new` is not an amendment of `old`
    (directly or through other amendments), its own edits against its own base."""
    chain, policy = [], new
    while isinstance(policy, AmendedPolicy):
        chain.append(policy)
        if policy.amends == old.id or policy.base is None:
            break
        policy = policy.base
    if not chain:
        return None, []
    if chain[-1].amends != old.id:
        return new.amends, list(new.changes)
    return old.id, [e for p in reversed(chain) for e in p.changes]


# --- deriving -----------------------------------------------------------------------------
class Derived(NamedTuple):
    data: Any              # the new raw policy data (the base is left as it was)
    edits: list[Edit]


def derive(base_data: Any, changes: Iterable[Mapping[str, Any]], file: str = "<changes>", policy: str = "") -> Derived:
    """The policy data `changes` make of `base_data`: the one way a policy is derived from
    another, by a delta file or by a scenario of the living documentation.

    `base_data` is deep-copied, never changed. Every change is checked against the copy as
    it stands (a later change sees an earlier one); all problems are raised together as a
    PolicyError located in `file` at the change's line (when the changes come from a file)."""
    data = _fresh(base_data)
    applier = _Applier(data, file, policy)
    for change in changes:
        applier.apply(change)
    if applier.problems:
        raise PolicyError(applier.problems)
    return Derived(data, applier.edits)


def _fresh(node: Any) -> Any:
    """A deep copy whose mappings remember no line: the lines of the base are not lines of the
    derived policy; `_Applier` gives each changed field the line of its change."""
    if isinstance(node, dict):
        copy = LineDict(line=None)
        for key, value in node.items():
            copy[key] = _fresh(value)
        return copy
    if isinstance(node, list):
        return [_fresh(item) for item in node]
    return node


def _line(node: Any, key: str | None = None) -> int | None:
    if key is not None and hasattr(node, "line_of"):
        return node.line_of(key)
    return getattr(node, "line", None)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


class _Applier:
    def __init__(self, data: Any, file: str, policy: str):
        self.data, self.file, self.policy = data, file, policy
        self.problems: list[Problem] = []
        self.edits: list[Edit] = []
        self.seen: dict[tuple, int | None] = {}

    def report(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.file, line, message, CODE))

    # --- finding what a change names --------------------------------------------------------
    def clauses(self) -> dict[str, Any]:
        return {str(c.get("id")): c for c in self.data.get("clauses", []) if isinstance(c, dict)}

    def clause(self, change: Mapping, required: bool) -> tuple[str | None, Any]:
        if "clause" not in change:
            if required:
                self.report(_line(change), say("修改参数须写明所属条款(clause),因为各条款的参数可以同名",
                                               "a parameter change needs its clause (clause): parameter names repeat across clauses"))
            return None, None
        cid = str(change["clause"])
        clauses = self.clauses()
        if cid not in clauses:
            self.report(_line(change, "clause"), say("考核办法中没有条款“{c}”{d}", "the policy has no clause '{c}'{d}",
                                                     c=cid, d=did_you_mean(cid, clauses)))
            return cid, None
        return cid, clauses[cid]

    def parameter(self, change: Mapping) -> tuple[str | None, str | None, Any]:
        cid, clause = self.clause(change, required=True)
        name = str(change["parameter"])
        if clause is None:
            return cid, name, None
        params = clause.get("parameters") or {}
        if name in params:
            return cid, name, params[name]
        elsewhere = [c for c, data in self.clauses().items() if name in (data.get("parameters") or {})]
        hint = did_you_mean(name, params)
        if elsewhere:
            hint += say("(条款 {w} 有这个参数)", " (clause {w} has one)", w=listing(elsewhere))
        elif not hint:
            hint = (say("(本条款的参数:{p})", " (its parameters: {p})", p=listing(params)) if params
                    else say("(本条款没有参数)", " (it has no parameters)"))
        self.report(_line(change, "parameter"), say("条款 {c} 没有参数“{n}”{h}", "clause {c} has no parameter '{n}'{h}",
                                                    c=cid, n=name, h=hint))
        return cid, name, None

    def rule(self, change: Mapping) -> tuple[str | None, str, Any, Any]:
        rid = str(change["rule"])
        cid, clause = self.clause(change, required=False)
        if "clause" in change and clause is None:
            return cid, rid, None, None
        owners = {str(r.get("id")): c for c in self.clauses().values() for r in c.get("rules", []) if isinstance(r, dict)}
        if rid in owners and (clause is None or owners[rid] is clause):
            owner = owners[rid]
            return str(owner.get("id")), rid, owner, next(r for r in owner["rules"] if str(r.get("id")) == rid)
        if rid in owners:
            self.report(_line(change, "rule"), say("规则“{r}”属于条款 {o},不属于条款 {c}", "rule '{r}' is in clause {o}, not in clause {c}",
                                                   r=rid, o=owners[rid].get("id"), c=cid))
        else:
            choices = [str(r.get("id")) for r in clause.get("rules", [])] if clause is not None else owners
            where = say("条款 {c} 中", "clause {c} has ", c=cid) if clause is not None else say("考核办法中", "the policy has ")
            self.report(_line(change, "rule"), say("{w}没有规则“{r}”{d}", "{w}no rule '{r}'{d}", w=where, r=rid,
                                                   d=did_you_mean(rid, choices)))
        return cid, rid, None, None

    def ruling(self, change: Mapping) -> tuple[str, Any]:
        rid = str(change["ruling"])
        rulings = self.data.get("rulings") or {}
        if rid not in rulings:
            self.report(_line(change, "ruling"), say("考核办法中没有裁定“{r}”{d}", "the policy has no ruling '{r}'{d}",
                                                     r=rid, d=did_you_mean(rid, rulings)))
            return rid, None
        return rid, rulings[rid]

    def awards(self, change: Mapping) -> Any:
        if change["awards"] != "quota":
            self.report(_line(change, "awards"), say("awards 只能修改 quota(评优名额)", "awards: only the quota can be changed"))
            return None
        if not isinstance(self.data.get("awards"), dict):
            self.data["awards"] = LineDict(line=None)
        return self.data["awards"]

    def section(self, change: Mapping) -> "_Target":
        sections = self.data.get("sections") if isinstance(self.data.get("sections"), dict) else {}
        sid = str(change["section"])
        if sid not in sections:
            self.report(_line(change, "section"), say("考核办法中没有部分“{s}”(有:{a}){d}", "the policy has no section '{s}' (it has: {a}){d}",
                                                      s=sid, a=listing(sections), d=did_you_mean(sid, sections)))
            return _Target("section", None, sid, None)
        return _Target("section", str(sections[sid].get("clause") or "") or None, sid, sections[sid])

    def label(self, change: Mapping) -> tuple[str, Any, str | None]:
        """The mapping that holds the label a path names, and its key there."""
        path = str(change["label"])
        line = _line(change, "label")
        group, _, rest = path.partition(".")
        labels = self.data.get("labels") or {}
        if group not in LABEL_GROUPS or not rest:
            self.report(line, say("标签路径“{p}”应以 {g} 之一开头,如 types.leave、values.leave.kind.personal{d}",
                                  "the label path '{p}' starts with one of {g}, as types.leave or values.leave.kind.personal{d}",
                                  p=path, g=listing(LABEL_GROUPS), d=did_you_mean(group, LABEL_GROUPS)))
            return path, None, None
        holder, key = labels.get(group) or {}, rest
        if group == "values":
            fact_type, _, rest = rest.partition(".")
            name, _, key = rest.partition(".")
            holder = (labels.get("values") or {}).get(f"{fact_type}.{name}")
            if holder is None:
                self.report(line, say("labels.values 中没有“{k}”{d}", "labels.values has no '{k}'{d}", k=f"{fact_type}.{name}",
                                      d=did_you_mean(f"{fact_type}.{name}", labels.get("values") or {})))
                return path, None, None
        if key not in holder:
            self.report(line, say("labels.{g} 中没有“{k}”{d}", "labels.{g} has no '{k}'{d}", g=path.rpartition(".")[0], k=key,
                                  d=did_you_mean(key, holder)))
            return path, None, None
        return path, holder, key

    # --- one change -----------------------------------------------------------------------
    def apply(self, change: Any) -> None:
        if not isinstance(change, Mapping):
            self.report(_line(self.data), say("每项修改应是一个映射,如 {{clause: 4.1.2, parameter: leave_limit, value: 10}},而不是“{c}”",
                                              "each change is a mapping like {{clause: 4.1.2, parameter: leave_limit, value: 10}}, not '{c}'",
                                              c=change))
            return
        targets = [k for k in TARGETS if k in change]
        if len(targets) > 1:
            self.report(_line(change), say("一项修改只能针对一个对象,这一项同时写了 {t}", "one change names one thing; this one names {t}",
                                           t=listing(targets)))
            return
        kind = targets[0] if targets else "clause"
        allowed = {kind, *FIELDS[kind]} | ({"clause"} if kind in ("clause", "parameter", "rule") else set())
        bad = [k for k in change if k not in allowed]
        for key in bad:
            self.report(_line(change, key), say("修改项中不能写“{k}”(可写:{a}){d}", "a change cannot set '{k}' (it may have: {a}){d}",
                                                k=key, a=listing(sorted(allowed)), d=did_you_mean(str(key), allowed)))
        wanted = [f for f in FIELDS[kind] if f in change]
        if not wanted:
            if kind == "clause" and "clause" not in change:
                self.report(_line(change), say("这项修改没有写明针对什么:clause、parameter、rule、ruling、awards、label 或 section",
                                               "this change names nothing: clause, parameter, rule, ruling, awards, label or section"))
            elif not bad:
                self.report(_line(change), say("这项修改没有写明改什么(可写:{f})", "this change sets nothing (it may set: {f})",
                                               f=listing(FIELDS[kind])))
            return
        if bad:
            return
        target = self.target(kind, change)
        if target.node is None:
            return
        for key in wanted:
            if self.valid(target, key, change[key], _line(change, key)):
                self.set(target, key, change)

    def target(self, kind: str, change: Mapping) -> "_Target":
        if kind == "clause":
            cid, node = self.clause(change, required=True)
            return _Target(kind, cid, None, node)
        if kind == "parameter":
            return _Target(kind, *self.parameter(change))
        if kind == "rule":
            cid, rid, owner, node = self.rule(change)
            return _Target(kind, cid, rid, node, owner=owner)
        if kind == "ruling":
            return _Target(kind, None, *self.ruling(change))
        if kind == "awards":
            return _Target(kind, None, "quota", self.awards(change), slot="quota")
        if kind == "section":
            return self.section(change)
        path, holder, key = self.label(change)
        return _Target(kind, None, path, holder, slot=key)

    def valid(self, target: "_Target", key: str, value: Any, line: int | None) -> bool:
        kind = target.kind
        if kind == "parameter" and key == "value":
            if not _is_number(value):
                self.report(line, say("参数的值应是数字,而不是“{v}”", "a parameter's value is a number, not '{v}'", v=value))
                return False
            return True
        if kind == "rule" and key == "points":
            if isinstance(value, str) and value.startswith("$"):
                params = target.owner.get("parameters") or {}
                if value[1:] not in params:
                    self.report(line, say("条款 {c} 没有参数“{n}”{d}", "clause {c} has no parameter '{n}'{d}",
                                          c=target.clause, n=value[1:], d=did_you_mean(value[1:], params)))
                    return False
                return True
            if not _is_number(value):
                self.report(line, say("分值应是数字或 $参数,而不是“{v}”", "points are a number or a $parameter, not '{v}'", v=value))
                return False
            return True
        if kind == "awards":
            if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                self.report(line, say("评优名额应是不小于 1 的整数,或 null(不限),而不是“{v}”",
                                      "the quota is a whole number of at least 1, or null (no limit), not '{v}'", v=value))
                return False
            return True
        if kind == "section":
            ok = section_value_ok(key, value)
            if not ok:
                self.report(line, say("{w}应是{k},而不是“{v}”", "{f} must be {k_en}, not '{v}'", w=_FIELD_WORDS[kind, key], f=key, v=value,
                                      k="不小于 0 的整数" if key == "round_places" else "数字",
                                      k_en="a whole number of at least 0" if key == "round_places" else "a number"))
            return ok
        if kind == "label" and isinstance(target.node.get(target.slot), list):
            if not (isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)):
                self.report(line, say("这个标签是一组写法,如 [是, 有]", "this label is a list of words, like [是, 有]"))
                return False
            return True
        if not isinstance(value, str) or not value.strip():
            self.report(line, say("应是非空的文字,而不是“{v}”", "must be non-empty text, not '{v}'", v=value))
            return False
        return True

    def set(self, target: "_Target", key: str, change: Mapping) -> None:
        kind, clause, name, node = target.kind, target.clause, target.name, target.node
        slot = target.slot or key
        seen_key = (kind, clause, name, slot)
        line = _line(change, key)
        if seen_key in self.seen:
            self.report(line, say("同一项已在第 {n} 行修改过", "the same thing is already changed on line {n}", n=self.seen[seen_key]))
            return
        self.seen[seen_key] = line
        old, new = node.get(slot), change[key]
        named = node if kind in ("parameter", "section") else {}   # shown by its title (as it was) and unit
        title, unit = str(named.get("title") or ""), str(named.get("unit") or "")
        node[slot] = new
        if isinstance(node, LineDict):
            node.key_lines[slot] = line
        clause_node = self.clauses().get(clause) if clause else None
        if isinstance(clause_node, LineDict) and clause_node.line is None:
            clause_node.line = _line(change)   # the policy's `lines` point at the first change of the clause
        self.edits.append(Edit(kind, clause, name, "quota" if kind == "awards" else key, old, new, line, self.policy, title, unit))


@dataclass
class _Target:
    """What one change names: the mapping it edits (None: not found, already reported)."""
    kind: str
    clause: str | None
    name: str | None
    node: Any
    owner: Any = None          # a rule's clause (its parameters are what `points: $name` may use)
    slot: str | None = None    # the key edited in `node` when it is not the change's own key (a label, the quota)


# --- resolving a delta file ------------------------------------------------------------------
_RESOLVED: dict[tuple, AmendedPolicy] = {}
_RAW: dict[tuple[str, str], Any] = {}
_resolving = threading.local()


def resolve(document: Any, path: str | Path, sha256: str) -> AmendedPolicy:
    """The compiled policy a delta file (`document`, read from `path`) makes of its base."""
    path = Path(path)
    name = str(path)
    head = _head(document, name)
    stack: list[str] = getattr(_resolving, "stack", [])
    me = str(path.resolve())
    if me in stack:
        raise PolicyError([Problem(name, _line(document, "amends"), say(
            "修订循环:{c}", "amendments amend each other in a circle: {c}", c=" → ".join(Path(p).name for p in [*stack, me])), CODE)])
    base_path = _base_path(head["amends"], path, _line(document, "amends"))
    _resolving.stack = [*stack, me]
    try:
        base = load_policy(base_path)
    finally:
        _resolving.stack = stack
    key = (me, sha256, base.sha256)
    if key in _RESOLVED:
        return _RESOLVED[key]
    derived = derive(_raw_of(base), document["changes"], name, head["id"])
    data = derived.data
    data["id"], data["status"], data["effective_from"] = head["id"], head["status"], head["effective_from"]
    data["effective_until"] = head.get("effective_until")
    data["title"] = head.get("title") or data.get("title")
    data["source"] = head.get("source") or data.get("source", "")
    data.key_lines.update({k: _line(document, k) for k in ("id", "title", "status", "effective_from", "effective_until", "source")})
    compiled = compile_policy(data, name, hashlib.sha256(f"{sha256}+{base.sha256}".encode()).hexdigest())
    amended = AmendedPolicy(**{f.name: getattr(compiled, f.name) for f in fields(CompiledPolicy)},
                            amends=head["amends"], changes=tuple(derived.edits), base=base, data=data)
    _RESOLVED[key] = amended
    return amended


def _raw_of(base: CompiledPolicy) -> Any:
    """The raw data a delta copies: a delta base's resolved data, or a full file's document."""
    if isinstance(base, AmendedPolicy):
        return base.data
    key = (base.path, base.sha256)
    if key not in _RAW:
        data, problems = load_document(Path(base.path))
        if problems or data is None:  # changed since it was compiled: report it as loading it would
            raise PolicyError(problems or [Problem(base.path, None, say("考核办法文件是空的", "the policy file is empty"), "structure")])
        _RAW[key] = data
    return _RAW[key]


def _head(document: Any, name: str) -> Mapping[str, Any]:
    """The delta's own keys, checked: every problem at once."""
    problems: list[Problem] = []

    def report(key: str | None, message: str) -> None:
        problems.append(Problem(name, _line(document, key) if key else _line(document), message, CODE))

    if not isinstance(document, Mapping):
        raise PolicyError([Problem(name, None, say("修订文件应是一个映射({a})", "an amendment file is a mapping ({a})",
                                                   a=listing(map(head_key, HEAD_REQUIRED))), CODE)])
    known = (*HEAD_REQUIRED, *HEAD_OPTIONAL)
    for key in document:
        if key not in known:
            report(key, say("修订文件中不能写“{k}”(修订的内容都写在{c}中;可写:{a}){d}",
                            "an amendment file cannot have '{k}' (it says what it changes under {c}; keys: {a}){d}",
                            k=key, c=head_key("changes"), a=listing(map(head_key, known)), d=did_you_mean(str(key), known)))
    for key in HEAD_REQUIRED:
        if key not in document:
            report(None, say("修订文件缺少“{k}”", "the amendment file has no '{k}'", k=head_key(key)))
    for key in ("id", "amends", "title", "source"):
        value = document.get(key)
        if key in document and not (isinstance(value, str) and value.strip()):
            report(key, say("“{k}”应是非空的文字", "'{k}' must be non-empty text", k=head_key(key)))
    if "status" in document and document["status"] not in STATUSES:
        report("status", say("{k}应是 draft(草案)或 in_force(已通过施行),而不是“{v}”",
                             "{k} is draft or in_force, not '{v}'", k=head_key("status"), v=document["status"]))
    for key in ("effective_from", "effective_until"):
        value = document.get(key)
        if key in document and not (value is None and key == "effective_until") and \
                not (isinstance(value, int) and not isinstance(value, bool)):
            report(key, say("“{k}”应是年份,如 2025", "'{k}' must be a year, like 2025", k=head_key(key)))
    until, start = document.get("effective_until"), document.get("effective_from")
    if isinstance(until, int) and isinstance(start, int) and until < start:
        report("effective_until", say("{ku} {u} 早于{kf} {f}", "{ku} {u} is before {kf} {f}",
                                      ku=head_key("effective_until"), u=until, kf=head_key("effective_from"), f=start))
    changes = document.get("changes")
    if "changes" in document and not (isinstance(changes, list) and changes):
        report("changes", say("{k}应是修改的列表,至少一项", "{k} is a list of at least one change", k=head_key("changes")))
    if "amends" in document and document.get("amends") == document.get("id"):
        report("amends", say("修订不能修改它自己", "an amendment cannot amend itself"))
    if problems:
        raise PolicyError(problems)
    return document


def _base_path(base_id: str, path: Path, line: int | None) -> Path:
    """The file of the version `base_id`: in the delta's own folder, else in the policies folder."""
    from evaluator.domain.policy.registry import policies_dir, versions
    folders = [path.parent]
    if policies_dir().resolve() != path.parent.resolve():
        folders.append(policies_dir())
    known: list[str] = []
    for folder in folders:
        found = versions(folder)
        match = [v for v in found if v.id == base_id and v.path.resolve() != path.resolve()]
        if match:
            return match[0].path
        known += [v.id for v in found if v.id not in known and v.path.resolve() != path.resolve()]   # not the delta itself
    # The versions by id, not the folders looked in: on the workbench's what-if page those are the
    # server's (a scratch folder and its policies/), and the id is what the writer corrects.
    raise PolicyError([Problem(str(path), line, say(
        "{a}所指的“{b}”不存在(可修订的考核办法:{k}){d}", "{a} names the policy '{b}', which is not in {f} (there: {k}){d}",
        a=head_key("amends"), b=base_id, f=listing(map(str, folders)), k=listing(known) or "—", d=did_you_mean(base_id, known)), CODE)])


# --- dated values ----------------------------------------------------------------------------
def dated_values(folder: Path | None = None) -> dict[tuple[str, str], list[tuple[int, Decimal, str]]]:
    """Each clause parameter's values over the years, as the registry answers for each year:
    (clause, parameter) -> [(from year, value, policy id), ...], a new entry where the value
    changes (OpenFisca's dated values, read off the versions and adopted amendments)."""
    from evaluator.domain.policy.registry import choose_policy, versions
    known = [v for v in versions(folder) if not v.draft]
    years = sorted({v.effective_from for v in known} | {v.effective_until + 1 for v in known if v.effective_until})
    history: dict[tuple[str, str], list[tuple[int, Decimal, str]]] = {}
    for year in years:
        try:
            policy = choose_policy(year, None, folder=folder)
        except UsageError:
            continue
        for clause in policy.policy.clauses:
            for name, parameter in clause.parameters.items():
                values = history.setdefault((clause.id, name), [])
                if not values or values[-1][1] != parameter.value:
                    values.append((year, parameter.value, policy.id))
    return history
