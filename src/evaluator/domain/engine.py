"""The only module that touches durable-rules.

The policy's rules become one durable-rules ruleset; the facts a join reads are asserted
into their unit's own state, the rest into pooled states (below), and every queued action
is drained synchronously before the next state. What the engine returns is *matches*
(rule, fact, joined facts) and the facts no rule matched; the points are computed from
the policy afterwards, so nothing here knows a clause.

How the known failure modes of durable-rules 2.0.28 are closed (notes/durable-rules.md):
- No `Host`, so no timer threads can steal or drop actions: we call the C engine's
  `start_action` / `complete_and_start_action` ourselves until nothing is queued.
- Actions are our own loop, so an exception is an ordinary Python exception.
- Fact identity is a 32-bit FNV hash of `id`: engine ids are small sequential numbers
  per state, checked to be collision-free; the real fact ids never enter the engine.
- One state per unit for the facts a join reads, deleted as soon as the unit is done:
  memory stays bounded and a ruleset's 1,024-state limit is never reached however many
  units a year has.
- Facts that are identical in every field the rules read are asserted once; a match
  on that engine fact stands for each of them, and each is named as evidence. A fact no
  join reads is decided by its own fields alone, so alike facts of *all* units are one
  engine fact: 92k facts of a 100k-fact year are 17k engine facts unit by unit, 4k pooled.
  The pool is asserted in states of at most `POOL_STATE` facts (a state's message index
  has 512 buckets: its cost grows as n² within one state).
- Every condition starts with a `type` equality, so the state fact never matches.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

import durable_rules_engine as _dre

from evaluator.domain.conditions import engine_value
from evaluator.domain.derive import DerivedFact
from evaluator.domain.nearmiss import has_threshold, lowered
from evaluator.domain.policy.load import CompiledPolicy, CompiledRule
from evaluator.errors import EngineError

_PRIMARY = "m"
POOL_STATE = 512                  # engine facts per state of the pool
_POOL = "pool-"                   # the pool's state ids: asserted after every unit's state is deleted
_POOLED = "the pooled facts"      # what an engine error calls them
_names = itertools.count(1)


@dataclass(frozen=True)
class Match:
    """A rule matched each of `facts` (facts alike in every field the rules read, asserted as
    one engine fact), and for a join, `joined`: name -> the facts they were seen with.
    `near`: it was the rule with its thresholds lowered (nearmiss.py) that matched."""
    rule: CompiledRule
    facts: tuple[Any, ...]
    joined: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    near: bool = False


def ruleset_definition(policy: CompiledPolicy) -> dict:
    """The durable-rules JSON of a policy: one engine rule per policy rule, and one more for each
    rule with a threshold to be reached, lowered to find near misses in the same pass."""
    rules = {}
    for r in policy.rules:
        terms = []
        for i, j in enumerate(r.joins):
            terms.append({f"j{i}": _and([{"type": j.fact}, *j.condition.to_engine()])})
        same = [{f: {f"j{i}": f}} for i, j in enumerate(r.joins) for f in j.same]
        terms.append({_PRIMARY: _and([{"type": r.rule.fact}, *r.condition.to_engine(), *same])})
        rules[_action_name(r)] = {"all": terms}
        if _near_rule(r):
            rules[_action_name(r, near=True)] = {"all": [{_PRIMARY: _and([{"type": r.rule.fact},
                                                                           *lowered(r.condition).to_engine()])}]}
    return rules


def _near_rule(rule: CompiledRule) -> bool:
    return not rule.joins and not rule.rule.silent and has_threshold(rule.condition)


def _action_name(rule: CompiledRule, near: bool = False) -> str:
    return f"{'n' if near else 'r'}{rule.order}"


def _and(terms: list[dict]) -> dict:
    return terms[0] if len(terms) == 1 else {"$and": terms}


class RuleEngine:
    """One compiled ruleset; `run` evaluates units one state at a time, then the pooled facts."""

    def __init__(self, policy: CompiledPolicy):
        self.policy = policy
        self._rules = {_action_name(r): r for r in policy.rules}
        self._near = {_action_name(r, near=True): r for r in policy.rules if _near_rule(r)}
        self._fields = policy.engine_fields
        self._joined = {t for r in policy.rules if r.joins for t in (r.rule.fact, *(j.fact for j in r.joins))}
        definition = json.dumps(ruleset_definition(policy), ensure_ascii=False)
        try:
            self._handle = _dre.create_ruleset(f"evaluator-{policy.id}-{next(_names)}", definition)
        except Exception as exc:  # the C engine rejects what it cannot compile
            raise EngineError(f"durable-rules refused the compiled policy {policy.id}: {exc}") from exc

    def close(self) -> None:
        if self._handle is not None:
            _dre.delete_ruleset(self._handle)
            self._handle = None

    def __enter__(self) -> "RuleEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, facts: Sequence[Any]) -> tuple[list[Match], list[Any]]:
        """All matches for these facts, and the facts no rule matched (the caller refuses them:
        every fact must be decided by some rule)."""
        matches: list[Match] = []
        unmatched: list[Any] = []
        joined = self._joined
        by_unit: dict[str, list[Any]] = {}
        for fact in (f for f in facts if f.type in joined) if joined else ():
            by_unit.setdefault(fact.unit, []).append(fact)
        for unit in sorted(by_unit):
            self._run_state(unit, f"unit {unit}", self._grouped(by_unit[unit], f"unit {unit}", unmatched), matches, unmatched)
        pooled = [f for f in facts if f.type not in joined] if joined else facts
        groups = self._grouped(pooled, _POOLED, unmatched)
        for start in range(0, len(groups), POOL_STATE):
            self._run_state(f"{_POOL}{start // POOL_STATE}", _POOLED, groups[start:start + POOL_STATE], matches, unmatched)
        return matches, unmatched

    def _grouped(self, facts: Sequence[Any], whose: str, unread: list[Any]) -> list[tuple[dict, tuple[Any, ...]]]:
        try:
            return self._group(facts, unread)
        except ValueError as exc:
            raise EngineError(f"{whose}: {exc}") from None

    def _run_state(self, sid: str, whose: str, groups: list[tuple[dict, tuple[Any, ...]]], matches: list[Match],
                   unmatched: list[Any]) -> None:
        """Assert these engine facts into state `sid`, drain its actions, delete it; the members
        of the engine facts no rule matched (as the fact or as a join's partner) go to `unmatched`."""
        if not groups:
            return
        ids = _engine_ids(len(groups))
        batch = [dict(projection, id=engine_id, sid=sid) for engine_id, (projection, _) in zip(ids, groups)]
        members = {engine_id: group for engine_id, (_, group) in zip(ids, groups)}
        decided: set[str] = set()
        try:
            code = _dre.assert_facts(self._handle, json.dumps(batch, ensure_ascii=False))
            if code and code[0] == 2:
                raise EngineError(f"durable-rules took two facts of {whose} for one (identity clash)")
            self._drain(members, matches, decided)
        except EngineError:
            self._forget(sid)
            raise
        except Exception as exc:
            self._forget(sid)
            raise EngineError(f"durable-rules failed on {whose}: {exc}") from exc
        _dre.delete_state(self._handle, sid)
        if len(decided) < len(members):
            unmatched += [fact for engine_id, group in members.items() if engine_id not in decided for fact in group]

    def _forget(self, sid: str) -> None:
        """Delete a failed state without hiding the error that stopped it."""
        try:
            _dre.delete_state(self._handle, sid)
        except Exception:  # the ruleset is deleted with the engine anyway
            pass

    def _group(self, facts: Iterable[Any], unread: list[Any]) -> list[tuple[dict, tuple[Any, ...]]]:
        """Facts identical in every field the rules read become one engine fact. A group is
        keyed by its projection's items; the projection is made once per group, not per fact.
        A fact of a type no rule reads goes to `unread`."""
        groups: dict[tuple, list[Any]] = {}
        fields = self._fields
        for fact in facts:
            names = fields.get(fact.type)
            if names is None:
                unread.append(fact)
                continue
            if not names:
                key: tuple = (("type", fact.type),)   # the rules read its type alone (most types)
            else:
                values = _values(fact)
                items = [("type", fact.type)]
                for name in names:
                    value = values.get(name)
                    if value is not None:
                        items.append((name, _engine_value(fact, name, value) if type(value) is Decimal else value))
                key = tuple(items)
            group = groups.get(key)
            if group is None:
                group = groups[key] = []
            group.append(fact)
        return [(dict(key), tuple(groups[key])) for key in sorted(groups, key=repr)]

    def _drain(self, members: Mapping[str, list[Any]], matches: list[Match], decided: set[str]) -> None:
        fired: set[tuple] = set()
        result = _dre.start_action(self._handle)
        while result:
            _, message, state_handle = result
            try:
                self._record(json.loads(message), members, matches, decided, fired)
            except Exception as exc:  # name the rule and facts: never a bare traceback, never lost work
                raise EngineError(f"action failed: {self._describe(message)}: {type(exc).__name__}: {exc}") from exc
            following = _dre.complete_and_start_action(self._handle, state_handle)
            result = (None, following, state_handle) if following else None

    def _describe(self, message: str) -> str:
        try:
            frames = json.loads(message)
            return "; ".join(f"rule {(self._rules.get(a) or self._near[a]).key} on engine facts "
                             f"{', '.join(str(f.get('id')) for f in fs.values())}" for a, fs in frames.items())
        except Exception:  # the message itself is what failed: show it as it came
            return message[:200]

    def _record(self, message: dict, members: Mapping[str, list[Any]], matches: list[Match], decided: set[str],
                fired: set[tuple]) -> None:
        for action, frames in message.items():
            # A condition with `any` alternatives fires once for each alternative that holds;
            # the method decides once per rule and fact (and join partner).
            key = (action, *sorted((name, frame["id"]) for name, frame in frames.items()))
            if key in fired:
                continue
            fired.add(key)
            primary = members[frames[_PRIMARY]["id"]]
            if action in self._near:   # not a decision: a fact it matches is decided by the real rules
                matches.append(Match(self._near[action], primary, near=True))
                continue
            rule = self._rules[action]
            joined = tuple((j.name, members[frames[f"j{i}"]["id"]]) for i, j in enumerate(rule.joins))
            matches.append(Match(rule, primary, joined))
            decided.update(frame["id"] for frame in frames.values())   # the engine facts, partners too


def _engine_value(fact: Any, name: str, value: Decimal) -> int | float:
    try:
        return engine_value(value)
    except ValueError as exc:
        raise ValueError(f"fact {fact.id}, field '{name}': {exc}") from None


def _values(fact: Any) -> Mapping[str, Any]:
    # A pydantic model's fields are its __dict__; asking it for a missing attribute is slow.
    return fact.values if isinstance(fact, DerivedFact) else fact.__dict__


# --- engine ids ---------------------------------------------------------------------------
# durable-rules identifies a fact by a 32-bit FNV hash of its id within a state; two ids
# with one hash would be taken as the same fact. Sequential numbers are checked once
# against both FNV-1 and FNV-1a and any that would clash are skipped.
_issued: list[str] = []
_seen_fnv1a: set[int] = set()
_seen_fnv1: set[int] = set()


def _fnv(text: str, variant_a: bool) -> int:
    h = 0x811C9DC5
    for byte in text.encode():
        if variant_a:
            h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
        else:
            h = ((h * 0x01000193) & 0xFFFFFFFF) ^ byte
    return h


def _engine_ids(n: int) -> list[str]:
    """The first n collision-free engine ids; computed once and reused by every state."""
    number = int(_issued[-1]) + 1 if _issued else 1
    while len(_issued) < n:
        text = str(number)
        a, b = _fnv(text, True), _fnv(text, False)
        if a not in _seen_fnv1a and b not in _seen_fnv1:
            _seen_fnv1a.add(a)
            _seen_fnv1.add(b)
            _issued.append(text)
        number += 1
    return _issued[:n]
