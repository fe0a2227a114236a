"""Shared fixtures: the shipped policy, compiled once per test session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "method-2020.yaml"
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(Path(__file__).parent))  # tests import their helpers (oracle, strategies)


@pytest.fixture(scope="session")
def policy():
    from evaluator.policy import load_policy
    return load_policy(POLICY)
