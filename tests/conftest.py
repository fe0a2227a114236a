"""Shared fixtures: the shipped policy, compiled once per test session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "method-2020.yaml"
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(Path(__file__).parent))  # tests import their helpers (oracle, strategies)

pytest_plugins = ["scenario_results"]  # records each scenario's outcome for the living-documentation site


@pytest.fixture
def english():
    """Messages in English, for tests written against the English wording (Chinese is the default)."""
    from evaluator.i18n import language
    with language("en"):
        yield


ENGLISH_ENV = {**__import__("os").environ, "EVALUATOR_LANG": "en"}


@pytest.fixture(scope="session")
def policy():
    from evaluator.domain.policy import load_policy
    return load_policy(POLICY)


def pytest_configure(config):
    """Register every tag used in features/ as a marker (pytest runs with --strict-markers)."""
    for path in sorted((ROOT / "features").rglob("*.feature")):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("@"):
                for tag in stripped.split():
                    config.addinivalue_line("markers", f"{tag.lstrip('@')}: a tag of the living documentation")
