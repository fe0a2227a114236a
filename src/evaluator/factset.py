"""Load a yearly fact set, check it completely, and report every problem at once.

Checking happens in three passes, each reporting everything it finds:
1. the document itself (YAML/JSON syntax, duplicate keys, top-level keys);
2. each unit and each fact against its pydantic model, in one validation call;
3. what no single fact can know: unique ids, references to units, dates in the year.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from .errors import FactSetError, Problem, allowed, did_you_mean
from .facts import FACT_TYPES, AnyFact, Fact, Record, Unit, as_records, fields_of
from .yamlio import json_fact_lines, load_document

TOP_LEVEL_KEYS = ("year", "policy", "units", "facts")
_FACTS = TypeAdapter(list[AnyFact])
_UNITS = TypeAdapter(list[Unit])


@dataclass
class FactSet:
    path: str
    year: int
    policy: str | None
    units: dict[str, Unit]            # in the order of the file
    facts: list[Record]
    lines: dict[str, int] = field(default_factory=dict)  # fact id -> line (YAML input)
    sha256: str = ""

    def line_of(self, fact_id: str) -> int | None:
        return self.lines.get(fact_id)


def load_factset(path: str | Path) -> FactSet:
    """The valid fact set at `path`, or `FactSetError` listing every problem in it."""
    path = Path(path)
    data, problems = load_document(path)
    if data is None:
        raise FactSetError(problems or [Problem(str(path), None, "the file holds no fact set", "empty")])
    return check_factset(data, str(path), problems, _digest(path), consume=True)


CHUNK = 20_000  # facts validated at a time; with `consume`, their raw data is freed as they pass


def check_factset(data: Any, name: str, problems: list[Problem] | None = None, sha256: str = "",
                  consume: bool = False) -> FactSet:
    """The valid fact set in `data`, or `FactSetError` listing every problem.

    With `consume`, each chunk of raw facts is dropped from `data` once it is checked, so
    a million raw facts and a million models never stand in memory together."""
    problems = list(problems or [])
    locate = _Locator(data, name)
    if not isinstance(data, dict):
        raise FactSetError([*problems, Problem(name, 1, "a fact set is a mapping with keys year, units and facts", "structure")])

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            problems.append(Problem(name, locate.key(key), f"unknown top-level key '{key}'{did_you_mean(key, TOP_LEVEL_KEYS)}"
                                    f" (allowed: {allowed(TOP_LEVEL_KEYS)})", "unknown-key"))
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2200:
        problems.append(Problem(name, locate.key("year"), f"'year' must be a year like 2024, got {_shown(year)}", "year"))
        year = None
    policy = data.get("policy")
    if policy is not None and not isinstance(policy, str):
        problems.append(Problem(name, locate.key("policy"), f"'policy' must be a policy id like method-2020, got {_shown(policy)}", "policy"))

    units = _check_units(data.get("units"), name, locate, problems)
    raw_facts = data.get("facts")
    if not isinstance(raw_facts, list):
        problems.append(Problem(name, locate.key("facts"), "'facts' must be a list of facts", "structure"))
        raw_facts = []
    facts: list[Record] = []
    lines: dict[str, int] = {}
    references = _References(units, year, name, locate, problems)
    for start in range(0, len(raw_facts), CHUNK):
        chunk = raw_facts[start:start + CHUNK]
        facts += as_records(_check_facts(chunk, start, name, locate, problems))
        references.check(chunk, start)
        if locate.has_lines:
            lines.update((_label(item["id"]), item.line) for item in chunk if isinstance(item, dict) and "id" in item)
        if consume:
            raw_facts[start:start + len(chunk)] = [None] * len(chunk)
    if problems:
        raise FactSetError(problems)
    return FactSet(name, year, policy, {u.id: u for u in units}, facts, lines, sha256)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Locator:
    """Lines of things in the document; JSON positions are found only when needed."""

    def __init__(self, data: Any, name: str):
        self.data, self.name = data, name
        self.has_lines = hasattr(data, "line")
        self._json_lines: dict[str, int] | None = None

    def key(self, key: str) -> int | None:
        return self.data.line_of(key) if self.has_lines else None

    def item(self, section: str, index: int, key: str | None = None) -> int | None:
        items = self.data.get(section) if isinstance(self.data, dict) else None
        item = items[index] if isinstance(items, list) and index < len(items) else None
        if hasattr(item, "line"):
            return item.line_of(key) if key else item.line
        if isinstance(item, dict) and "id" in item and section == "facts":
            return self._json_line(_label(item["id"]))
        return None

    def fact_line(self, index: int, key: str | None = None) -> int | None:
        return self.item("facts", index, key)

    def id_line(self, fact_id: str) -> int | None:
        """The line of a fact id when its raw data may be gone (JSON: a scan of the file)."""
        return self._json_line(fact_id) if not self.has_lines else None

    def _json_line(self, fact_id: str) -> int | None:
        if self._json_lines is None:
            try:
                self._json_lines = json_fact_lines(Path(self.name).read_text(encoding="utf-8"))
            except OSError:
                self._json_lines = {}
        return self._json_lines.get(fact_id)


def _check_units(raw: Any, name: str, locate: _Locator, problems: list[Problem]) -> list[Unit]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(name, locate.key("units"), "'units' must be a non-empty list of units (id, name, staff)", "structure"))
        return []
    try:
        units = _UNITS.validate_python(raw)
    except ValidationError as exc:
        for err in exc.errors():
            index = err["loc"][0] if err["loc"] and isinstance(err["loc"][0], int) else None
            fld = next((str(p) for p in err["loc"][1:] if isinstance(p, str)), None)
            item = raw[index] if index is not None else None
            uid = _label(item.get("id")) if isinstance(item, dict) and "id" in item else None
            line = locate.item("units", index, fld) if index is not None else locate.key("units")
            problems.append(Problem(name, line, _message(err, ("id", "name", "staff"), "unit"),
                                    _code(err), uid, fld, subject="unit"))
        units = [Unit.model_construct(**{k: v for k, v in u.items() if isinstance(k, str)})
                 for u in raw if isinstance(u, dict) and isinstance(u.get("id"), str)]
    seen: dict[str, int] = {}
    for index, unit in enumerate(units):
        if unit.id in seen:
            problems.append(Problem(name, locate.item("units", index, "id"),
                                    f"unit id '{unit.id}' is used twice", "duplicate-id", unit.id, "id", subject="unit"))
        seen[unit.id] = index
    return units


def _check_facts(raw: list, offset: int, name: str, locate: _Locator, problems: list[Problem]) -> list[Fact]:
    try:
        return _FACTS.validate_python(raw)  # one pass over the whole list: the fast path
    except ValidationError as exc:
        errors = exc.errors()
    for err in errors:
        loc = err["loc"]
        index = loc[0] if loc and isinstance(loc[0], int) else None
        item = raw[index] if index is not None else None
        fact_id = _label(item["id"]) if isinstance(item, dict) and "id" in item else None
        fact_type = item.get("type") if isinstance(item, dict) else None
        if not isinstance(fact_type, str):
            fact_type = None  # a list or mapping where the type name belongs: reported by the model check
        known = tuple(fields_of(fact_type)) if fact_type in FACT_TYPES else ()
        fld = _field_of(err, known)
        line = locate.fact_line(offset + index, fld) if index is not None else locate.key("facts")
        problems.append(Problem(name, line, _message(err, known, f"{fact_type} fact" if fact_type in FACT_TYPES else "fact"),
                                _code(err), fact_id, fld))
    return []


def _field_of(err: dict, known: Iterable[str]) -> str | None:
    # loc is (index, type-tag, field, list-index...) for a fact; a model-level check names
    # its field first in its message ("corrected: true needs reviewed_by").
    names = [p for p in err["loc"][2:] if isinstance(p, str)]
    if names:
        return names[0]
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return "type"
    words = err["msg"].removeprefix("Value error, ").split()
    first = words[0].rstrip(":") if words else ""
    return first if first in known else None


def _code(err: dict) -> str:
    return {"union_tag_invalid": "unknown-type", "union_tag_not_found": "missing-field",
            "extra_forbidden": "unknown-field", "missing": "missing-field",
            "literal_error": "unknown-value"}.get(err["type"], "invalid-value")


def _message(err: dict, known: Iterable[str], what: str) -> str:
    kind, ctx, got = err["type"], err.get("ctx") or {}, err.get("input")
    known = [k for k in known if k != "type"]
    if kind == "union_tag_invalid":
        return (f"unknown fact type '{ctx.get('tag')}'{did_you_mean(ctx.get('tag'), FACT_TYPES)}"
                f" (allowed: {allowed(FACT_TYPES)})")
    if kind == "union_tag_not_found":
        return "missing field 'type' (the kind of fact, e.g. leave)"
    if kind == "extra_forbidden":
        fld = str(err["loc"][-1])
        return f"unknown field '{fld}' for a {what}{did_you_mean(fld, known)} (allowed: {allowed(known)})"
    if kind == "missing":
        return f"missing field '{err['loc'][-1]}' (required for a {what})"
    if kind == "literal_error":
        options = [o.strip(" '") for o in str(ctx.get("expected", "")).replace(" or ", ",").split(",") if o.strip()]
        return f"'{_text(got)}' is not allowed{did_you_mean(got, options)} (allowed: {allowed(options)})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of fields, got {_shown(got)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {"greater_than_equal": ("at least", "ge"), "greater_than": ("greater than", "gt"),
                 "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}[kind]
        return f"must be {words[0]} {ctx.get(words[1])}, got {_shown(got)}"
    if kind == "string_pattern_mismatch":
        return f"'{_text(got)}' is not a valid unit id (lower-case letters, digits, _ and -)"
    message = err["msg"].removeprefix("Value error, ")
    return f"{message}, got {_shown(got)}" if not isinstance(got, dict) else message


class _References:
    """What no single fact can know: unique ids, units that exist, dates in the year."""

    def __init__(self, units: list[Unit], year: int | None, name: str, locate: _Locator, problems: list[Problem]):
        self.unit_ids = {u.id for u in units}
        self.year, self.name, self.locate, self.problems = year, name, locate, problems
        self.first_line_of_id: dict[str, int | None] = {}  # YAML: the line; JSON: found only for a problem

    def check(self, raw: list, offset: int) -> None:
        name, locate, problems, unit_ids, year = self.name, self.locate, self.problems, self.unit_ids, self.year
        for index, item in enumerate(raw, start=offset):
            if not isinstance(item, dict):
                continue
            fact_id = _label(item["id"]) if "id" in item else None
            line = lambda key=None: locate.fact_line(index, key)  # noqa: E731 - a short local helper
            if fact_id is not None:
                if fact_id in self.first_line_of_id:
                    first = self.first_line_of_id[fact_id] or locate.id_line(fact_id)
                    problems.append(Problem(name, line("id"), f"id '{fact_id}' is used twice (first on line "
                                            f"{first})", "duplicate-id", fact_id, "id"))
                else:
                    self.first_line_of_id[fact_id] = item.line_of("id") if locate.has_lines else None
            if not unit_ids:
                continue
            unit = item.get("unit")
            if isinstance(unit, str) and unit not in unit_ids:
                problems.append(Problem(name, line("unit"), f"unit '{unit}' is not in units{did_you_mean(unit, unit_ids)}",
                                        "unknown-unit", fact_id, "unit"))
            for key in ("coordinators", "reviewed_by"):
                value = item.get(key)
                refs = value if isinstance(value, list) else [value] if isinstance(value, str) else []
                for ref in refs:
                    if isinstance(ref, str) and ref not in unit_ids:
                        problems.append(Problem(name, line(key), f"unit '{ref}' is not in units{did_you_mean(ref, unit_ids)}",
                                                "unknown-unit", fact_id, key))
                if key == "coordinators" and isinstance(value, list):
                    if isinstance(unit, str) and unit in value:
                        problems.append(Problem(name, line(key), f"the unit '{unit}' cannot also be its own coordinator",
                                                "self-reference", fact_id, key))
                    named = [ref for ref in value if isinstance(ref, str)]
                    if len(set(named)) != len(named):
                        problems.append(Problem(name, line(key), "a unit is listed twice among the coordinators",
                                                "duplicate-reference", fact_id, key))
            when = item.get("date")
            if year is not None and isinstance(when, (dt.date, str)):
                try:
                    day = when if isinstance(when, dt.date) else dt.date.fromisoformat(when)
                except ValueError:
                    continue  # the model check reports the malformed date
                if day.year != year:
                    problems.append(Problem(name, line("date"), f"date {day.isoformat()} is outside the year {year}",
                                            "date-outside-year", fact_id, "date"))


# --- showing input in messages ---------------------------------------------------------------
# A value from the file is shown briefly: a list or mapping where a word belongs may be an
# alias bomb that a full repr would expand to millions of items.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 2, 4, 4, 80, 80
_SHORT.maxtuple, _SHORT.maxset, _SHORT.maxfrozenset, _SHORT.maxlong = 4, 4, 4, 40


def _shown(value: Any) -> str:
    return _SHORT.repr(value)


def _text(value: Any) -> str:
    """A value as text in quotes: strings as they are (shortened), anything else briefly."""
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "..."
    return _shown(value)


def _label(value: Any) -> str:
    """A fact or unit id as the user wrote it: a scalar as text (in full: ids are compared),
    anything else briefly."""
    if isinstance(value, (str, int, float)) or value is None or hasattr(value, "as_tuple"):
        return str(value)
    return _shown(value)
