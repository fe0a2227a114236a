"""The policy comparison as a terminal table, JSON, Markdown or one self-contained HTML page."""
from __future__ import annotations

import json
from decimal import Decimal

from jinja2 import Environment
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evaluator.domain.compare import TOTAL
from evaluator.domain.diff import ClauseDelta, Diff, StaffChange, UnitDelta, comparing, facts_compared, to_dict
from evaluator.domain.numbers import signed_two_places, two_places
from evaluator.i18n import current, listing, say
from evaluator.views.reports.columns import BRIEF, columns
from evaluator.views.result import json_number


def section_headers(d: Diff) -> list[tuple[str, str]]:
    """(score key, short heading) of the scores compared: the policy's sections' short names, then the total."""
    headings = {TOTAL: say("总分", "Total")}
    for ev in (d.old, d.new):   # the new version's names win where both have the section
        headings.update({c.key: c.short for c in columns(ev.policy.policy.sections, current(), BRIEF)
                         if c.role == "score"})
    return [(key, headings[key]) for key in d.fields]


def staff_line(c: StaffChange) -> str:
    """研究室 实际工作人员 4 → 5 人:日常工作指标 12.50 → 10.00,其中人数变化 −2.50(按原 4 人计为 12.50)"""
    effects = [say("{title} {a} → {b},其中人数变化 {by}(按原 {staff} 人计为 {at})",
                   "{title} {a} → {b}, of which the staff change {by} (at the old {staff} staff: {at})",
                   title=e.title, a=two_places(e.old), b=two_places(e.new), by=signed_two_places(e.by_staff),
                   staff=c.old, at=two_places(e.at_old_staff)) for e in c.effects]
    head = say("{name} 实际工作人员 {a} → {b} 人", "{name} staff {a} → {b}", name=c.name, a=c.old, b=c.new)
    return head + (say(":", ": ") + say(";", "; ").join(effects) if effects else "")


def presence_lines(d: Diff) -> list[str]:
    """The units scored on one side only, as sentences (none when both sides have the same units)."""
    lines = []
    for units, side in ((d.only_old, d.old), (d.only_new, d.new)):
        if units:
            lines.append(say("只在 {facts}({year} 年)中的机构:{names}", "Units only in {facts} ({year}): {names}",
                             facts=side.factset.path, year=side.factset.year, names=listing(u.name for u in units)))
    return lines



def score_cell(new: Decimal, delta: Decimal) -> str:
    """A unit's score under the new version, with its move when it moved: 39.30 (+1.50), 40.00."""
    return f"{two_places(new)} ({signed_two_places(delta)})" if delta else two_places(new)


def rank_cell(u: UnitDelta) -> str:
    return f"{u.old_rank} → {u.new_rank}" if u.old_rank != u.new_rank else str(u.new_rank)


def eligible_cell(u: UnitDelta) -> str:
    words = {True: say("具备", "eligible"), False: say("取消", "not eligible")}
    return f"{words[u.old_eligible]} → {words[u.new_eligible]}" if u.old_eligible != u.new_eligible else words[u.new_eligible]


def clause_cells(c: ClauseDelta) -> tuple[str, str, str]:
    """A clause's old points, new points and move, as every view of the diff shows them."""
    return two_places(c.old), two_places(c.new), signed_two_places(c.delta)


def _names(d: Diff) -> dict[str, str]:
    return {u.unit: u.name for u in (*d.units, *d.only_old, *d.only_new)}


def amendment_heading(d: Diff) -> str:
    """What the new version's delta changes, and in which version."""
    base = d.old.policy.named if d.amendment_of_old else _named(d.amends)
    heading = say("{new}对{base}的 {n} 处修改", "{new}: {n} change(s) to {base}", new=d.new.policy.named, base=base,
                  n=len(d.amendment))
    if not d.amendment_of_old:
        heading += say("(本次对照的是{old},不是它所修订的版本)", " (compared here with {old}, not the version it amends)",
                       old=d.old.policy.named)
    return heading


def _named(policy_id: str) -> str:
    """A version by its id, named as CompiledPolicy.named names one (《title》), when it is in policies/."""
    from evaluator.domain.policy.load import policy_named
    from evaluator.domain.policy.registry import titles
    title = titles().get(policy_id)
    return policy_named(title, policy_id) if title else policy_id


def _compared(d: Diff) -> str:
    """比较:the two sides;事实:the files read — the line under every view's heading."""
    return say("比较:{c};{f}", "Comparing: {c}; {f}", c=comparing(d), f=facts_compared(d))


def _title(d: Diff) -> str:
    return say("{new}对照{old}", "{new} against {old}", new=d.new.policy.named, old=d.old.policy.named)


def amendment_lines(d: Diff) -> list[tuple[str | None, str]]:
    """(clause, change) for each change of the new version's delta, rules named by their titles."""
    return [(e.clause, e.sentence(d.new.policy)) for e in d.amendment]


def print_diff(d: Diff, console: Console) -> None:
    if d.amendment:
        console.print(escape("修订内容:" + amendment_heading(d)))
        for clause, change in amendment_lines(d):
            console.print(f"  {escape(f'{clause} {change}' if clause else change)}")
    console.print(escape(_compared(d)))
    if not d.amendment_of_old:  # otherwise the amendment above already says what changed
        for c in d.changes:
            console.print(f"  办法变化 {c.clause} {escape(c.sentence)}")
    headers = section_headers(d)
    table = Table(title="各机构得分变化(新 − 旧)", title_justify="left")
    table.add_column("机构", min_width=8)
    for header in (*(h for _, h in headers), "名次", "评优资格"):
        table.add_column(escape(header), no_wrap=True)
    for u in d.units:
        table.add_row(escape(u.name), *(score_cell(u.new[k], u.delta[k]) for k, _ in headers),
                      rank_cell(u), escape(eligible_cell(u)))
    console.print(table)
    names = _names(d)
    for c in d.clauses:
        old, new, moved = clause_cells(c)
        console.print(f"  {escape(names.get(c.unit, c.unit))} {c.clause}:{old} → {new}({moved}),"
                      f"因为 {escape(';'.join(c.because))}")
    if not d.clauses:
        console.print("  没有条款的分值发生变化。")
    if d.staff_changes:
        console.print(escape(say("人数变化(影响按人均计分的部分):", "Staff changes (they move the per-staff sections):")))
        for c in d.staff_changes:
            console.print("  " + escape(staff_line(c)))
    for line in presence_lines(d):
        console.print(escape(line))


def render_json(d: Diff) -> str:
    return json.dumps(to_dict(d), ensure_ascii=False, indent=2, default=json_number) + "\n"


def render_markdown(d: Diff) -> str:
    names = _names(d)
    headers = section_headers(d)
    lines = [f"# {_title(d)}", "", _compared(d), ""]
    if d.amendment:
        lines += ["## 修订内容", "", amendment_heading(d), "", "| 条款 | 修改 |", "|---|---|"]
        lines += [f"| {clause or '—'} | {_cell(change)} |" for clause, change in amendment_lines(d)]
        lines.append("")
    if not d.amendment_of_old:
        lines += ["## 办法变化", ""]
        lines += [f"- {c.clause} {c.sentence}" for c in d.changes] or ["- 无"]
    lines += ["", "## 各机构得分(新 − 旧)", "",
              "| 机构 | " + " | ".join(_cell(h) for _, h in headers) + " | 名次 | 评优资格 |",
              "|---|" + "---|" * len(headers) + "---|---|"]
    for u in d.units:
        cells = [score_cell(u.new[k], u.delta[k]) for k, _ in headers]
        lines.append(f"| {_cell(u.name)} | {' | '.join(cells)} | {rank_cell(u)} | {eligible_cell(u)} |")
    lines += ["", "## 分值变化的条款", "", "| 机构 | 条款 | 旧 | 新 | 变化 | 原因 |", "|---|---|---|---|---|---|"]
    lines += [f"| {_cell(names.get(c.unit, c.unit))} | {c.clause} | {' | '.join(clause_cells(c))} | {_cell('; '.join(c.because))} |"
              for c in d.clauses]
    if d.staff_changes:
        lines += ["", "## " + say("人数变化", "Staff changes"), ""]
        lines += [f"- {_cell(staff_line(c))}" for c in d.staff_changes]
    presence = presence_lines(d)
    if presence:
        lines += ["", "## " + say("只在一方的机构", "Units on one side only"), ""]
        lines += [f"- {_cell(line)}" for line in presence]
    return "\n".join(lines) + "\n"


def _direction(delta: Decimal) -> str:
    return "up" if delta > 0 else "down" if delta < 0 else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_HTML = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px}
.up{color:#060}.down{color:#a00}.num{text-align:right}@media print{@page{size:A4;margin:15mm}body{margin:0}}</style></head>
<body><h1>{{ title }}</h1><p>{{ comparing }}</p>
{% if amendment %}<h2>修订内容</h2><p>{{ amendment_heading }}</p><table><tr><th>条款</th><th>修改</th></tr>
{% for clause, change in amendment %}<tr><td>{{ clause or '—' }}</td><td>{{ change }}</td></tr>{% endfor %}</table>{% endif %}
{% if not amendment_of_old %}<h2>办法变化</h2><ul>{% for c in changes %}<li>{{ c.clause }} {{ c.change }}</li>{% else %}<li>无</li>{% endfor %}</ul>{% endif %}
<h2>各机构得分(新 − 旧)</h2><table><tr><th>机构</th>{% for h in headings %}<th>{{ h }}</th>{% endfor %}<th>名次</th><th>评优资格</th></tr>
{% for u in units %}<tr><td>{{ u.name }}</td>{% for k in keys %}<td class="num {{ direction(u.delta[k]) }}">{{ score_cell(u.new[k], u.delta[k]) }}</td>{% endfor %}
<td>{{ rank_cell(u) }}</td><td>{{ eligible_cell(u) }}</td></tr>{% endfor %}</table>
<h2>分值变化的条款</h2><table><tr><th>机构</th><th>条款</th><th>旧</th><th>新</th><th>变化</th><th>原因</th></tr>
{% for c in clauses %}{% set was, now, moved = clause_cells(c) %}<tr><td>{{ names.get(c.unit, c.unit) }}</td><td>{{ c.clause }}</td><td class="num">{{ was }}</td><td class="num">{{ now }}</td><td class="num {{ direction(c.delta) }}">{{ moved }}</td><td>{{ c.because|join('; ') }}</td></tr>{% else %}<tr><td colspan="6">没有条款的分值发生变化。</td></tr>{% endfor %}</table>
{% if staff %}<h2>{{ staff_title }}</h2><ul>{% for line in staff %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
{% if presence %}<h2>{{ presence_title }}</h2><ul>{% for line in presence %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
</body></html>
""")


def render_html(d: Diff) -> str:
    data = to_dict(d)
    return _HTML.render(title=_title(d), changes=data["policy_changes"], units=d.units,
                        clauses=d.clauses, keys=[k for k, _ in section_headers(d)],
                        score_cell=score_cell, rank_cell=rank_cell, eligible_cell=eligible_cell,
                        clause_cells=clause_cells, direction=_direction,
                        headings=[h for _, h in section_headers(d)], names=_names(d), comparing=_compared(d),
                        staff=[staff_line(c) for c in d.staff_changes], staff_title=say("人数变化", "Staff changes"),
                        presence=presence_lines(d), presence_title=say("只在一方的机构", "Units on one side only"),
                        amendment=amendment_lines(d), amendment_of_old=d.amendment_of_old,
                        amendment_heading=amendment_heading(d) if d.amendment else "")
