"""The policy's own sentences with the method's numbers filled in from the parameters.

A number the method states lives once, as a clause parameter (`large_participants: 60`).
Everything that quotes it names it instead of typing it:

- a rule's `title` and `explain` name the parameters of the rule's clause: `{large_participants}`;
- a ruling's `title` and `text` name any clause's parameter as `{4.3.2.5.large_participants}`,
  and a section's full marks or floor as `{common.full_marks}`, `{annual.floor}`.

A parameter is shown as the method writes it: 60, 0.5, 15 — without a sign, since the method
puts the sign in its verb (扣 0.5 分, 倒扣 0.5 分). A worked example may do one step of
arithmetic on it, `{4.1.2.leave_limit + 0.5}` (15.5) or `{4.1.2.leave_rate * 0.5}` (0.25): the
operand is the example's own number (half a day), so the example follows the parameter.
Other `{...}` (an explanation's `{person}`, `{rate_abs}`, `{first_reading.id}`) are left for the
finding to fill.

`render` is the one place this happens; `render_policy` applies it to every title, explanation
and ruling when a policy is compiled, so the site, the reports, `explain` and `why-not` all
show the same words. The policy as written (with its placeholders) stays in
`CompiledPolicy.written`, for the checks (number_checks/).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Mapping

from evaluator.domain.numbers import plain
from evaluator.domain.policy.model import Clause, Policy

# `{name}` or `{name + 0.5}` (+ − × ÷, one number), but not an escaped `{{name}}`.
PLACEHOLDER = re.compile(r"(?<!\{)\{\s*([\w.]+)\s*(?:([-+−*×/÷])\s*(\d+(?:\.\d+)?)\s*)?\}(?!\})")
SECTION_VALUES = ("full_marks", "floor")
_ARITHMETIC = {"+": Decimal.__add__, "-": Decimal.__sub__, "−": Decimal.__sub__, "*": Decimal.__mul__,
               "×": Decimal.__mul__, "/": Decimal.__truediv__, "÷": Decimal.__truediv__}


def as_written(value: Decimal) -> str:
    """A parameter as the method writes it: 60, 0.5, 15 (no sign)."""
    return plain(abs(Decimal(value)))


def clause_names(clause: Clause) -> dict[str, Decimal]:
    """What a rule's title and explanation may name: its clause's parameters."""
    return {name: p.value for name, p in clause.parameters.items()}


def policy_names(policy: Policy) -> dict[str, Decimal]:
    """What a ruling may name: `{clause}.{parameter}` of every clause, `{section}.full_marks|floor`."""
    names = {f"{c.id}.{name}": p.value for c in policy.clauses for name, p in c.parameters.items()}
    for key, section in policy.sections.items():
        for attr in SECTION_VALUES:
            value = getattr(section, attr)
            if value is not None:
                names[f"{key}.{attr}"] = value
    return names


def placeholders(text: str) -> list[str]:
    """The names a text's placeholders use, in order."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def render(text: str, names: Mapping[str, Decimal]) -> str:
    """`text` with every placeholder that `names` knows replaced by its value as the method
    writes it (after the placeholder's arithmetic, if any); the others kept as they are."""
    if "{" not in text:
        return text

    def value(m: re.Match) -> str:
        if m.group(1) not in names:
            return m.group(0)
        shown = abs(Decimal(names[m.group(1)]))
        if m.group(2):
            shown = _ARITHMETIC[m.group(2)](shown, Decimal(m.group(3)))
        return as_written(shown)
    return PLACEHOLDER.sub(value, text)


def render_policy(policy: Policy) -> Policy:
    """The policy as people read it: every rule title, explanation and ruling rendered."""
    everywhere = policy_names(policy)
    clauses = []
    for clause in policy.clauses:
        own = clause_names(clause)
        rules = [r.model_copy(update={"title": render(r.title, own), "explain": render(r.explain, own)})
                 for r in clause.rules]
        clauses.append(clause.model_copy(update={"rules": rules}))
    rulings = {rid: r.model_copy(update={"title": render(r.title, everywhere), "text": render(r.text, everywhere)})
               for rid, r in policy.rulings.items()}
    return policy.model_copy(update={"clauses": clauses, "rulings": rulings})
