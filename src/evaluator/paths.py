"""Where the project's own files are, when the evaluator runs from its checkout."""
from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]   # src/evaluator/paths.py -> the checkout
POLICIES = CHECKOUT / "policies"                 # the bundled policies
EXAMPLES = CHECKOUT / "examples"                 # the bundled example years
FEATURES = CHECKOUT / "features"                 # the method's scenarios (Chinese Gherkin)
