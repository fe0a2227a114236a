"""What changed between two versions of the method, clause by clause and rule by rule.

A changed condition reads as the old words → the new ones, in the one rendering of a condition
(render.py) that the site and why-not use, each in the words of its own version's labels."""
from __future__ import annotations

from dataclasses import dataclass

from evaluator.domain.numbers import plain
from evaluator.domain.policy.load import CompiledPolicy, CompiledRule
from evaluator.domain.policy.render import condition_text, field_name, points_change, rule_name, type_name, value_change
from evaluator.i18n import say


@dataclass(frozen=True)
class Change:
    clause: str
    rule: str | None          # None: a change to the clause itself (a parameter, the wording)
    what: str                 # in Chinese, e.g. "全年请假限额:N 天 → M 天" (a parameter by its title)
    rule_title: str = ""      # the rule as staff read it (its title in the newer version): ids are keys of the file
    wording: tuple[str, str] | None = None   # a parameter's method words, old and new, when they differ

    @property
    def sentence(self) -> str:
        """`规则“无故不参加学习”分值 −0.5 → −1`: the change without its clause, never by an id."""
        return rule_name(self.rule_title) + self.what if self.rule else self.what

    @property
    def quoted(self) -> str:
        """The sentence with the method's own words where they changed, for a reader weighing a
        draft (the what-if): `全年请假限额:15 天 → 10 天(原文“…不得超过 15 天”改为“…不得超过 10 天”)`."""
        if self.wording is None:
            return self.sentence
        return self.sentence + say("(原文“{a}”改为“{b}”)", " (the method's words '{a}' → '{b}')",
                                   a=self.wording[0], b=self.wording[1])


def policy_changes(old: CompiledPolicy, new: CompiledPolicy) -> list[Change]:
    changes: list[Change] = []
    old_clauses, new_clauses = old.clauses, new.clauses
    for cid in [*old_clauses, *(c for c in new_clauses if c not in old_clauses)]:
        if cid not in new_clauses:
            changes.append(Change(cid, None, say("条款删除", "clause removed")))
            continue
        if cid not in old_clauses:
            changes.append(Change(cid, None, say("新增条款", "clause added")))
            continue
        a, b = old_clauses[cid], new_clauses[cid]
        for name in sorted(set(a.parameters) | set(b.parameters)):
            pa, pb = a.parameters.get(name), b.parameters.get(name)
            if pa is None or pb is None or pa.value != pb.value:
                title = (pb or pa).title   # staff read the parameter's name; the id is a key of the file
                wording = (pa.text, pb.text) if pa is not None and pb is not None and pa.text != pb.text else None
                changes.append(Change(cid, None, value_change(title, _v(pa), _v(pb), name), wording=wording))
        if a.text != b.text:
            changes.append(Change(cid, None, say("办法原文修改", "the method's wording changed")))
        rules_a = {r.id: r for r in old.rules_of(cid)}
        rules_b = {r.id: r for r in new.rules_of(cid)}
        for rid in [*rules_a, *(r for r in rules_b if r not in rules_a)]:
            ra, rb = rules_a.get(rid), rules_b.get(rid)
            title = (rb or ra).rule.title
            if rb is None:
                changes.append(Change(cid, rid, say("删除", "removed"), title))
            elif ra is None:
                changes.append(Change(cid, rid, say("新增", "added"), title))
            else:
                # Compared as written: a rule that reads a changed $parameter is explained by
                # the parameter's own change above, not reported again here.
                if ra.rule.points != rb.rule.points:
                    changes.append(Change(cid, rid, points_change(plain(ra.rate), plain(rb.rate)), title))
                if ra.rule.when != rb.rule.when or ra.rule.joins != rb.rule.joins:
                    changes.append(Change(cid, rid, say("条件 {a} → {b}", "condition {a} → {b}", a=_cond(old, ra), b=_cond(new, rb)), title))
                if ra.rule.per != rb.rule.per:
                    changes.append(Change(cid, rid, say("计量方式修改", "what is counted changed"), title))
                if ra.rule.credit != rb.rule.credit:
                    changes.append(Change(cid, rid, say("记分对象 {a} → {b}", "credit {a} → {b}",
                                                        a=_credit(old, ra), b=_credit(new, rb)), title))
    return changes


def _v(parameter) -> str:
    if parameter is None:
        return say("无", "none")
    return plain(parameter.value) + (f" {parameter.unit}" if parameter.unit else "")


def _cond(policy: CompiledPolicy, rule: CompiledRule) -> str:
    text = condition_text(rule.condition, rule.rule.fact, policy) or say("(无条件)", "(no condition)")
    for join in rule.joins:
        partner = type_name(policy, join.fact)
        shown = condition_text(join.condition, join.fact, policy)
        text += say(",并且有同{s}的{t}{c}", "; with a {t} of the same {s}{c}",
                    s="、".join(field_name(policy, f) for f in join.same), t=partner,
                    c=f"({shown})" if shown else "")
    return text


def _credit(policy: CompiledPolicy, rule: CompiledRule) -> str:
    credit = rule.rule.credit
    if credit == "unit":
        return say("本机构", "the unit")
    return field_name(policy, credit)
