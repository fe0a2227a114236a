"""The living documentation covers the policy, and only the policy.

Every clause of the policy and every ruling has a scenario tagged @clause-<id> /
@ruling-<id>; no scenario names a clause or ruling the policy lacks; the features are
well-formed Chinese Gherkin (the traps in notes/gherkin.md are checked here).
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from gherkin.parser import Parser
from gherkin.pickles.compiler import Compiler

FEATURES = Path(__file__).resolve().parents[1] / "features"
FILES = sorted(FEATURES.rglob("*.feature"))


def pickles():
    for path in FILES:
        document = Parser().parse(path.read_text(encoding="utf-8"))
        document["uri"] = str(path)
        for pickle in Compiler().compile(document):
            yield path, pickle


def tagged(prefix: str) -> set[str]:
    return {t["name"].removeprefix(prefix) for _, p in pickles() for t in p["tags"] if t["name"].startswith(prefix)}


def test_every_clause_has_a_scenario(policy):
    missing = sorted(set(policy.clauses) - tagged("@clause-"), key=policy.clause_order.get)
    assert not missing, f"clauses with no scenario: {missing}"


def test_no_scenario_names_an_unknown_clause(policy):
    assert not tagged("@clause-") - set(policy.clauses)


def test_every_ruling_has_a_scenario(policy):
    assert not set(policy.policy.rulings) - tagged("@ruling-"), "rulings with no scenario"
    assert not tagged("@ruling-") - set(policy.policy.rulings), "scenarios naming unknown rulings"


def test_every_scenario_names_its_clause():
    untagged = [f"{path.name}: {p['name']}" for path, p in pickles()
                if not any(t["name"].startswith("@clause-") for t in p["tags"])]
    assert not untagged


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_feature_is_well_formed_chinese_gherkin(path: Path):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0].strip() == "# language: zh-CN"
    # Full-width colons, at-signs and bars silently turn keywords, tags and tables into prose.
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        assert not stripped.startswith(("＠", "｜")), f"{path.name}:{number}: full-width tag or table bar"
        assert not re.match(r"^(功能|背景|场景|场景大纲|例子|规则)：", stripped), f"{path.name}:{number}: full-width colon"
    # pytest-bdd keeps scenarios by name: a duplicate silently drops all but one (pytest-bdd #191).
    names = Counter(m.group(1).strip() for m in re.finditer(r"^\s*(?:场景|场景大纲):(.*)$", text, re.M))
    assert not [n for n, c in names.items() if c > 1], "duplicate scenario names"
