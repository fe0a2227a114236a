"""Pytest plugin: records the outcome of every Gherkin scenario for the living-documentation site.

For each pytest-bdd scenario test (one per outline row) it keeps the feature file (relative to
the repository's features/), the scenario name, the outline row's values and the outcome, and
at the end of the session writes them as JSON to $EVALUATOR_SCENARIO_RESULTS, or else to
build/scenario-results.json under the rootdir. Nothing is written when no scenario ran, so
`pytest tests/test_site.py` leaves the last full run's results alone.

`evaluator docs` (src/evaluator/site.py) matches these records to the features' Examples rows
on feature file + scenario name + row values.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

RESULTS_ENV = "EVALUATOR_SCENARIO_RESULTS"
DEFAULT_RESULTS = Path("build") / "scenario-results.json"
EXAMPLE_PARAM = "_pytest_bdd_example"   # the fixture pytest-bdd 9 parametrizes outline rows with
FORMAT = 1

_records = pytest.StashKey[dict[str, dict[str, Any]]]()


def _template(item: pytest.Item):
    """The pytest-bdd ScenarioTemplate behind a test item, or None for an ordinary test.

    pytest-bdd 9 marks its scenario functions in a registry (there is no `__scenario__`
    attribute any more); pytest-bdd's own `--generate-missing` looks them up the same way.
    """
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry
    except ImportError:  # pragma: no cover - another pytest-bdd layout
        return None
    function = getattr(item, "obj", None)
    if function is None:
        return None
    try:
        return scenario_wrapper_template_registry.get(function)
    except TypeError:  # not weak-referenceable, so not a scenario
        return None


def _feature_path(config: pytest.Config, feature) -> str:
    features = Path(config.rootpath) / "features"
    try:
        return Path(feature.filename).resolve().relative_to(features.resolve()).as_posix()
    except ValueError:
        return Path(feature.rel_filename).as_posix()


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr or "")
    return text if len(text) <= 600 else text[:600] + "…"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    template = _template(item)
    if template is None:
        return report
    records = item.config.stash.setdefault(_records, {})
    record = records.get(item.nodeid)
    if record is None:
        callspec = getattr(item, "callspec", None)
        example = callspec.params.get(EXAMPLE_PARAM) if callspec is not None else None
        record = records[item.nodeid] = {
            "feature": _feature_path(item.config, template.feature),
            "scenario": template.name,
            "line": template.line_number,
            "example": dict(example) if example else None,
            "outcome": None,
            "nodeid": item.nodeid,
        }
    # The call phase decides; a setup error or skip stands for the scenario when there is no call.
    if report.when == "call" or (report.when == "setup" and not report.passed):
        record["outcome"] = "skipped" if report.skipped else "failed" if report.failed else "passed"
        record["duration"] = round(report.duration, 4)
        if report.failed:
            record["message"] = _message(report)
    elif report.when == "teardown" and report.failed and record["outcome"] == "passed":
        record["outcome"] = "failed"
        record["message"] = _message(report)
    return report


def _policy_ran() -> Path | None:
    """The policy file the scenarios ran against: the project's tests' own (conftest.POLICY)."""
    try:
        from conftest import POLICY
    except ImportError:     # another project using this plugin (its own tests do)
        return None
    return Path(POLICY) if Path(POLICY).is_file() else None


def results_path(config: pytest.Config) -> Path:
    configured = os.environ.get(RESULTS_ENV)
    if configured:
        return Path(configured)
    return Path(config.rootpath) / DEFAULT_RESULTS


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller has no records to merge
        return
    records = [r for r in session.config.stash.get(_records, {}).values() if r["outcome"] is not None]
    if not records:
        return
    counts: dict[str, int] = {}
    for r in records:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    features = Path(session.config.rootpath) / "features"
    policy = _policy_ran()
    document = {
        "format": FORMAT,
        "generated": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "pytest": pytest.__version__,
        "summary": counts,
        # what the outcomes are outcomes of: a site built for another policy, or from a feature
        # file changed since, shows those scenarios as not run (views/livingdoc/results.py)
        **({"policy": {"file": policy.name, "sha256": hashlib.sha256(policy.read_bytes()).hexdigest()}} if policy else {}),
        "features": {f.relative_to(features).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
                     for f in sorted(features.rglob("*.feature"))},
        "scenarios": records,
    }
    from evaluator.views.output import write_atomically
    write_atomically(results_path(session.config),
                     json.dumps(document, ensure_ascii=False, indent=1) + "\n")
