"""`evaluator convert` is lossless: YAML -> workbook -> facts gives the same fact set and the
same result, for random years (hypothesis) and for the bundled example; so do YAML and JSON."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from evaluator.domain.evaluate import evaluate
from evaluator.domain.factset import check_factset, load_factset
from evaluator.domain.policy.registry import choose_policy
from evaluator.inputs.convert import convert
from evaluator.views.result import to_json
from strategies import fact_sets

from conftest import EXAMPLES


def result(factset, policy) -> dict:
    """The JSON result without the run record (which names the file and its hash)."""
    out = json.loads(to_json(evaluate(factset, policy)))
    out.pop("run", None)
    # Warnings name where a record was written (a line, or a sheet and row): compare what they say of whom.
    out["warnings"] = sorted((w["code"], w["unit"] or "") for w in out.get("warnings", []))
    return out


def roundtrip(factset, policy, folder: Path, suffix: str):
    path = folder / f"converted{suffix}"
    path.write_bytes(convert(factset, policy, path))
    return load_factset(path)


def by_id(factset) -> list[dict]:
    # A workbook keeps each kind of record on its own sheet, so the file order changes; the
    # result does not depend on it (tests/test_properties.py), the fact set as a set must not.
    return sorted((r.__dict__ for r in factset.facts), key=lambda fields: fields["id"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=fact_sets(max_units=5, max_facts=40))
def test_random_years_survive_a_workbook_and_back(tmp_path_factory, data):
    policy = choose_policy(2024, None)
    factset = check_factset(data, "generated.yaml")
    folder = tmp_path_factory.mktemp("convert")
    for suffix in (".xlsx", ".yaml", ".json"):
        back = roundtrip(factset, policy, folder, suffix)
        assert by_id(back) == by_id(factset), suffix
        assert [u.model_dump() for u in back.units.values()] == [u.model_dump() for u in factset.units.values()]
        assert back.year == factset.year
        assert result(back, policy) == result(factset, policy), suffix


def test_the_bundled_workbook_is_the_converted_example(tmp_path, policy):
    yaml_year = load_factset(EXAMPLES / "2024.yaml")
    workbook_year = load_factset(EXAMPLES / "2024.xlsx")
    assert by_id(workbook_year) == by_id(yaml_year)
    assert result(workbook_year, policy) == result(yaml_year, policy)
    assert "!" in workbook_year.where(workbook_year.facts[0].id)


def test_the_convert_command_writes_every_form(tmp_path):
    for suffix in (".xlsx", ".yaml", ".json"):
        out = tmp_path / f"year{suffix}"
        done = subprocess.run([sys.executable, "-m", "evaluator", "convert", str(EXAMPLES / "2024.yaml"), "-o", str(out)],
                              capture_output=True, text=True)
        assert done.returncode == 0 and out.stat().st_size > 0, done.stderr
        assert "262 条记录" in done.stdout
    done = subprocess.run([sys.executable, "-m", "evaluator", "convert", str(EXAMPLES / "2024.yaml"), "-o", str(tmp_path / "x.docx")],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr and ".xlsx" in done.stderr


@pytest.mark.parametrize("command", [["template", "--year", "2024"], ["template", "--year", "2024", "--roster", str(EXAMPLES / "2024.yaml")]])
def test_the_template_command_writes_a_ledger_that_reads_as_an_empty_year(tmp_path, command):
    out = tmp_path / "ledger.xlsx"
    done = subprocess.run([sys.executable, "-m", "evaluator", *command, "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    if "--roster" in command:
        factset = load_factset(out)
        assert factset.facts == [] and len(factset.units) == 10
