"""Which policy a fact set is assessed under.

`policies/` may hold several versions of the method. A fact set's `policy` field names
one by id; otherwise its `year` picks the version in force (effective_from ..
effective_until). `--policy FILE` overrides both.

A version may be a delta that amends another (policy/amend.py). An adopted one (`status:
in_force`) supersedes the version it amends from its `effective_from`: a year is scored
under the base with every in-force amendment effective by then, i.e. the last link of the
chain of amendments in force that year.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from evaluator.domain.policy.load import CompiledPolicy, load_policy
from evaluator.errors import UsageError
from evaluator.i18n import say
from evaluator.paths import POLICIES

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def policies_dir() -> Path:
    """EVALUATOR_POLICIES, else the checkout's policies/, else ./policies."""
    if os.environ.get("EVALUATOR_POLICIES"):
        return Path(os.environ["EVALUATOR_POLICIES"])
    bundled = POLICIES
    return bundled if bundled.is_dir() else Path.cwd() / "policies"


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    effective_from: int
    effective_until: int | None
    path: Path
    draft: bool = False
    amends: str | None = None     # a delta: the id of the version it amends (amend.py)
    title: str | None = None      # as written; a delta without one carries its base's (amend.py)

    def covers(self, year: int) -> bool:
        return self.effective_from <= year and (self.effective_until is None or year <= self.effective_until)


def versions(folder: Path | None = None) -> list[PolicyVersion]:
    folder = folder or policies_dir()
    found = []
    for path in sorted(folder.glob("*.yaml")):
        version = _version_of(path)
        if version is not None:
            found.append(version)
    return found


def _version_of(path: Path) -> PolicyVersion | None:
    """The head of one policy file, parsed again only when its content changed: a command
    asks twice (for the fact set's words, then for its scoring) and the workbench on every
    page; hashing the 2020 method takes 0.1 ms, parsing it for its head 30 ms."""
    try:
        content = path.read_bytes()
    except OSError:
        return None
    where, digest = str(path.resolve()), hashlib.sha256(content).hexdigest()
    known = _HEADS.get(where)
    if known is None or known[0] != digest:   # one entry per file: an edited file replaces its old head
        known = _HEADS[where] = (digest, _read_head(path, content))
    return known[1]


HEAD_KEYS = ("id", "effective_from", "effective_until", "status", "amends", "title")


def _read_head(path: Path, content: bytes) -> PolicyVersion | None:
    try:
        head = _top_level_scalars(content.decode("utf-8"))
        return PolicyVersion(str(head["id"]), int(head["effective_from"]),
                             int(head["effective_until"]) if head.get("effective_until") else None, path,
                             head.get("status") == "draft", str(head["amends"]) if head.get("amends") else None,
                             str(head["title"]) if head.get("title") else None)
    except (UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, ValueError):
        return None  # a broken file is reported when it is actually chosen and loaded


def _top_level_scalars(text: str) -> dict[str, object]:
    """The head keys of a policy document, from the parser's events: the clauses below them
    are scanned, not built (5 ms for the 2020 method instead of 15 ms for a full load).
    A value is resolved as a full load resolves it (`2020` an int, `"2020"` text)."""
    head: dict[str, object] = {}
    depth = 0                # collections open; the document's own mapping is depth 1
    key: str | None = None   # at depth 1, the key whose value comes next
    expecting_key = True
    anchored: dict[str, object] = {}   # a scalar's anchor, for a head value written as an alias
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.ScalarEvent) and event.anchor:
            anchored[event.anchor] = _scalar(event)
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            continue
        if not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            continue             # stream and document boundaries
        if depth == 1:           # a node of the top-level mapping: a key, then its value, in turn
            if expecting_key:
                key = event.value if isinstance(event, yaml.ScalarEvent) else None
            elif key in HEAD_KEYS and isinstance(event, yaml.ScalarEvent):
                head[key] = _scalar(event)
            elif key in HEAD_KEYS and isinstance(event, yaml.AliasEvent) and event.anchor in anchored:
                head[key] = anchored[event.anchor]
            expecting_key = not expecting_key
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
    return head


def _scalar(event: "yaml.ScalarEvent") -> object:
    """A plain scalar as the safe loader resolves it (int, bool, null, ...); a quoted one is text."""
    if event.style:   # quoted or block: always text
        return event.value
    return yaml.load(event.value, Loader=_Loader)


_HEADS: dict[str, tuple[str, PolicyVersion | None]] = {}   # file -> (its content's SHA-256, its head)


def _listed(known: list[PolicyVersion]) -> str:
    """The versions as a message lists them: id, the years it covers or that it is a draft, its file."""
    def years(v: PolicyVersion) -> str:
        if v.draft:
            return say("草案", "draft")
        if v.effective_until is None:
            return say("{a} 年起施行", "from {a}", a=v.effective_from)
        return say("{a}—{b} 年施行", "{a}–{b}", a=v.effective_from, b=v.effective_until)
    return say("、", ", ").join(say("{i}({y},{f})", "{i} ({y}, {f})", i=v.id, y=years(v), f=v.path.name)
                                for v in known) or say("无", "none")


def choose_policy(year: int, policy_id: str | None, override: str | Path | None = None,
                  folder: Path | None = None) -> CompiledPolicy:
    if override:
        return load_policy(override)
    known = versions(folder)
    if policy_id:
        match = [v for v in known if v.id == policy_id]
        if not match:
            raise UsageError(say("事实集写明的考核办法“{p}”不在考核办法目录 {d} 中(目录中有:{there})",
                                 "the fact set names policy '{p}', which is not in {d} (there: {there})",
                                 p=policy_id, d=folder or policies_dir(), there=_listed(known)))
        return load_policy(match[0].path)
    in_force = [v for v in known if v.covers(year) and not v.draft]
    amended = {v.amends for v in in_force if v.amends}
    covering = [v for v in in_force if v.id not in amended]   # an adopted amendment supersedes its base
    if not covering:
        raise UsageError(say("考核办法目录 {d} 中没有在 {y} 年施行的考核办法(目录中有:{there})",
                             "no policy in {d} is in force in {y} (there: {there})", d=folder or policies_dir(), y=year,
                             there=_listed(known)))
    if len(covering) > 1 and len({v.amends for v in covering}) == 1 and covering[0].amends:
        raise UsageError(say("{n} 项已施行的修订都修改 {b},并且都在 {y} 年施行:{v};后一项修订应修改前一项(amends 写前一项的 id)",
                             "{n} adopted amendments all amend {b} and are in force in {y}: {v}; the later one should amend the earlier "
                             "(amends: its id)", n=len(covering), b=covering[0].amends, y=year,
                             v=", ".join(f"{v.id} ({v.path.name})" for v in covering)))
    if len(covering) > 1:
        raise UsageError(say("有 {n} 个考核办法都在 {y} 年施行:{v};请用 --policy 指定一个",
                             "{n} policies claim the year {y}: {v}; give --policy", n=len(covering), y=year,
                             v=_listed(covering)))
    return load_policy(covering[0].path)


def titles(folder: Path | None = None) -> dict[str, str]:
    """Each version's title by its id: pages name a policy as staff know it (《…考核办法(试行)》),
    its id being a key of the files. Read from the heads `versions` parses anyway, not by compiling
    every policy for a page: a delta without a title has its base's, as amend.py gives it one; a
    version whose title cannot be found keeps its id."""
    known = {v.id: v for v in versions(folder)}

    def title(version: PolicyVersion, seen: frozenset[str]) -> str:
        if version.title:
            return version.title
        base = known.get(version.amends) if version.amends not in seen else None
        return title(base, seen | {version.id}) if base is not None else version.id

    return {v.id: title(v, frozenset()) for v in known.values()}
