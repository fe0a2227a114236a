"""Which policy a fact set is assessed under.

`policies/` may hold several versions of the method. A fact set's `policy` field names
one by id; otherwise its `year` picks the version in force (effective_from ..
effective_until). `--policy FILE` overrides both.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import UsageError
from .load import CompiledPolicy, load_policy

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def policies_dir() -> Path:
    """EVALUATOR_POLICIES, else the checkout's policies/, else ./policies."""
    if os.environ.get("EVALUATOR_POLICIES"):
        return Path(os.environ["EVALUATOR_POLICIES"])
    bundled = Path(__file__).resolve().parents[3] / "policies"
    return bundled if bundled.is_dir() else Path.cwd() / "policies"


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    effective_from: int
    effective_until: int | None
    path: Path
    draft: bool = False

    def covers(self, year: int) -> bool:
        return self.effective_from <= year and (self.effective_until is None or year <= self.effective_until)


def versions(folder: Path | None = None) -> list[PolicyVersion]:
    folder = folder or policies_dir()
    found = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            head = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
            found.append(PolicyVersion(str(head["id"]), int(head["effective_from"]),
                                       int(head["effective_until"]) if head.get("effective_until") else None, path,
                                       head.get("status") == "draft"))
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError):
            continue  # a broken file is reported when it is actually chosen and loaded
    return found


def choose_policy(year: int, policy_id: str | None, override: str | Path | None = None,
                  folder: Path | None = None) -> CompiledPolicy:
    if override:
        return load_policy(override)
    known = versions(folder)
    if policy_id:
        match = [v for v in known if v.id == policy_id]
        if not match:
            raise UsageError(f"the fact set names policy '{policy_id}', which is not in {folder or policies_dir()} "
                             f"(there: {', '.join(v.id for v in known) or 'none'})")
        return load_policy(match[0].path)
    covering = [v for v in known if v.covers(year) and not v.draft]
    if not covering:
        raise UsageError(f"no policy in {folder or policies_dir()} is in force in {year}")
    if len(covering) > 1:
        raise UsageError(f"{len(covering)} policies claim the year {year}: "
                         f"{', '.join(f'{v.id} ({v.path.name})' for v in covering)}; give --policy")
    return load_policy(covering[0].path)
