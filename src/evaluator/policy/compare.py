"""What changed between two versions of the method, clause by clause and rule by rule."""
from __future__ import annotations

from dataclasses import dataclass

from ..numbers import plain
from .load import CompiledPolicy


@dataclass(frozen=True)
class Change:
    clause: str
    rule: str | None          # None: a change to the clause itself (a parameter, the wording)
    what: str                 # in Chinese, e.g. "参数 leave_limit:15 → 10"


def policy_changes(old: CompiledPolicy, new: CompiledPolicy) -> list[Change]:
    changes: list[Change] = []
    old_clauses, new_clauses = old.clauses, new.clauses
    for cid in [*old_clauses, *(c for c in new_clauses if c not in old_clauses)]:
        if cid not in new_clauses:
            changes.append(Change(cid, None, "条款删除"))
            continue
        if cid not in old_clauses:
            changes.append(Change(cid, None, "新增条款"))
            continue
        a, b = old_clauses[cid], new_clauses[cid]
        for name in sorted(set(a.parameters) | set(b.parameters)):
            pa, pb = a.parameters.get(name), b.parameters.get(name)
            if pa is None or pb is None or pa.value != pb.value:
                changes.append(Change(cid, None, f"参数 {name}:{_v(pa)} → {_v(pb)}"))
        if a.text != b.text:
            changes.append(Change(cid, None, "办法原文修改"))
        rules_a = {r.id: r for r in old.rules_of(cid)}
        rules_b = {r.id: r for r in new.rules_of(cid)}
        for rid in [*rules_a, *(r for r in rules_b if r not in rules_a)]:
            ra, rb = rules_a.get(rid), rules_b.get(rid)
            if rb is None:
                changes.append(Change(cid, rid, "规则删除"))
            elif ra is None:
                changes.append(Change(cid, rid, "新增规则"))
            else:
                # Compared as written: a rule that reads a changed $parameter is explained by
                # the parameter's own change above, not reported again here.
                if ra.rule.points != rb.rule.points:
                    changes.append(Change(cid, rid, f"分值 {plain(ra.rate)} → {plain(rb.rate)}"))
                if ra.rule.when != rb.rule.when or ra.rule.joins != rb.rule.joins:
                    changes.append(Change(cid, rid, f"条件 {_cond(ra)} → {_cond(rb)}"))
                if ra.rule.per != rb.rule.per:
                    changes.append(Change(cid, rid, "计量方式修改"))
                if ra.rule.credit != rb.rule.credit:
                    changes.append(Change(cid, rid, f"记分对象 {ra.rule.credit} → {rb.rule.credit}"))
    return changes


def _v(parameter) -> str:
    return "无" if parameter is None else plain(parameter.value)


def _cond(rule) -> str:
    parts = [t.describe() for t in rule.condition.tests]
    parts += ["或".join("、".join(t.describe() for t in alt.tests) for alt in rule.condition.any_of)] if rule.condition.any_of else []
    return "、".join(parts) or "(无条件)"
