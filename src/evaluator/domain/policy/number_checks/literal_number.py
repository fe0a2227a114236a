"""(a) A number typed into a rule's title or explanation, or a ruling, instead of a placeholder.

A title or explanation names its clause's parameters (`{large_participants}`), a ruling any
clause's (`{4.3.2.5.large_participants}`) or a section's full marks (`{annual.full_marks}`):
then a changed parameter changes every sentence that quotes it. A ruling's worked example
that is no parameter (R6: 0.1 + 0.2 = 0.3) is listed in the ruling's `literal_numbers`.
"""
from __future__ import annotations

from evaluator.domain.policy.number_checks._scan import Source, compatible, context, numbers, rule_title
from evaluator.domain.policy.wording import SECTION_VALUES
from evaluator.errors import Problem
from evaluator.i18n import listing, say

CODE = "literal-number"


def check(source: Source) -> list[Problem]:
    policy = source.policy
    problems = []
    # (placeholder, value, unit, title): the placeholder is what to type, the title which number it is
    everywhere = [(f"{c.id}.{name}", abs(p.value), p.unit, p.title) for c in policy.clauses for name, p in c.parameters.items()]
    everywhere += [(f"{key}.{attr}", getattr(s, attr), "分", "") for key, s in policy.sections.items() for attr in SECTION_VALUES
                   if getattr(s, attr) is not None]
    for ci, clause in enumerate(policy.clauses):
        for ri, rule in enumerate(clause.rules):
            for key, zh, en in (("title", "标题", "title"), ("explain", "说明", "explanation")):
                text = getattr(rule, key)
                for n in numbers(text, source.ids):
                    names = [_placeholder(p, prm.title) for p, prm in clause.parameters.items()
                             if abs(prm.value) == n.value and compatible(n, prm.unit)]
                    problems.append(source.problem(CODE, _message(f"规则“{rule_title(clause, rule)}”的{zh}", f"the {en} of rule {rule.id}",
                                                                  n.shown(), context(text, n), names, clause.id),
                                                   "clauses", ci, "rules", ri, key))
    for rid, ruling in policy.rulings.items():
        for key, zh, en in (("title", "标题", "title"), ("text", "原文", "text")):
            text = getattr(ruling, key)
            for n in numbers(text, source.ids, ruling.literal_numbers):
                names = [_placeholder(k, title) for k, value, unit, title in everywhere if value == n.value and compatible(n, unit)][:3]
                problems.append(source.problem(CODE, _message(f"裁定 {rid} 的{zh}", f"the {en} of ruling {rid}",
                                                              n.shown(), context(text, n), names, None),
                                               "rulings", rid, key))
    return problems


def _placeholder(name: str, title: str) -> str:
    """`{name}`, as the file writes it, with the parameter's title in Chinese."""
    return say("{{{n}}}({t})", "{{{n}}}", n=name, t=title) if title else f"{{{name}}}"


def _message(where_zh: str, where_en: str, number: str, around: str, names: list[str], clause: str | None) -> str:
    where = say(where_zh, where_en)
    if names:
        return say("{w}写了数字 {n}(“{c}”),应写成参数占位符 {p}",
                   "{w} types the number {n} ('{c}'); write the parameter's placeholder {p}",
                   w=where, n=number, c=around, p=listing(names))
    if clause:
        return say("{w}写了数字 {n}(“{c}”),条款 {cl} 没有这个值的参数:请为它设参数,写成 {{参数名}}",
                   "{w} types the number {n} ('{c}'), and clause {cl} has no parameter of that value: "
                   "make it a parameter and write {{name}}", w=where, n=number, c=around, cl=clause)
    return say("{w}写了数字 {n}(“{c}”),没有这个值的参数:写成 {{条款.参数}},或把这句列入裁定的 literal_numbers",
               "{w} types the number {n} ('{c}'), and no parameter has that value: write {{clause.parameter}}, "
               "or list the phrase in the ruling's literal_numbers", w=where, n=number, c=around)
