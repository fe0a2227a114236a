"""The one format registry (views/formats.py): what `--format` offers is what the registry
holds, every registered format is written through it by the command, and a batch run's file
names come from it."""
from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from evaluator.commands.cli import CompareFormat, DiffFormat, Format, app
from evaluator.views import formats

from conftest import EXAMPLES

SMALL = EXAMPLES / "small-2024.yaml"
runner = CliRunner()


@pytest.mark.parametrize("choices, registry", [(Format, formats.RUN), (DiffFormat, formats.DIFF),
                                                (CompareFormat, formats.COMPARE)])
def test_the_commands_offer_exactly_the_registered_formats(choices, registry):
    assert [c.value for c in choices] == [formats.TABLE, *registry]


@pytest.mark.parametrize("name", sorted(formats.RUN))
def test_run_writes_every_registered_format(tmp_path, name):
    target = tmp_path / f"out.{name}"
    result = runner.invoke(app, ["run", str(SMALL), "--format", name, "--output", str(target)])
    assert result.exit_code == 0, result.output
    document = target.read_bytes()
    if formats.RUN[name].binary:
        assert document.startswith(b"PK")                     # a zip: the workbook
    else:
        expected = _as_bytes(formats.RUN[name].rendered(_evaluation(), "zh"))
        assert _without_run_time(document) == _without_run_time(expected)
        assert "办公厅" in document.decode("utf-8")


def test_a_binary_format_needs_an_output_file():
    binary = [name for name, f in formats.RUN.items() if f.binary]
    assert binary
    result = runner.invoke(app, ["run", str(SMALL), "--format", binary[0]])
    assert "需要用 --output 指定文件" in str(result.exception)   # main() prints it as one line, exit 1


@pytest.mark.parametrize("name", sorted(formats.DIFF))
def test_diff_writes_every_registered_format(tmp_path, name):
    target = tmp_path / f"diff.{name}"
    result = runner.invoke(app, ["diff", str(SMALL), "--against-facts", str(SMALL), "--format", name,
                                 "--output", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    if name == "json":
        document = json.loads(text)
        assert document["units"] and all(u["delta"] == {k: 0 for k in u["delta"]} for u in document["units"])
        assert document["clauses"] == []           # the same year against itself: no clause moved


@pytest.mark.parametrize("name", sorted(formats.COMPARE))
def test_compare_prints_every_registered_format(name):
    result = runner.invoke(app, ["compare", str(SMALL), str(SMALL), "--format", name])
    assert result.exit_code == 0, result.output
    if name == "json":
        assert json.loads(result.stdout)


def test_a_batch_run_names_its_outputs_from_the_registry(tmp_path):
    from evaluator.commands.batch import fact_files, run_batch
    folder = tmp_path / "years"
    folder.mkdir()
    (folder / "a.yaml").write_bytes(SMALL.read_bytes())
    outcomes = run_batch(fact_files([folder]), None, "json", "zh", None, workers=1)
    assert [o.output for o in outcomes] == [str(folder / ("a" + formats.RUN["json"].suffix))]
    assert fact_files([folder]) == [folder / "a.yaml"]   # its own output is never read back as a fact set


def test_two_fact_sets_of_one_name_keep_a_result_each(tmp_path):
    """2024.xlsx and 2024.yaml of one folder: each its own result file, never one overwriting the other."""
    from evaluator.commands.batch import fact_files, run_batch
    import shutil
    for name in ("2024.yaml", "2024.xlsx"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    outcomes = run_batch(fact_files([tmp_path]), None, "json", "zh", None, workers=1)
    suffix = formats.RUN["json"].suffix
    assert sorted(o.output for o in outcomes) == [str(tmp_path / f"2024.xlsx{suffix}"), str(tmp_path / f"2024.yaml{suffix}")]
    assert all(o.error is None for o in outcomes) and sorted(p.name for p in fact_files([tmp_path])) == ["2024.xlsx", "2024.yaml"]


def _without_run_time(document: bytes) -> bytes:
    """The run record's clock time blanked: the command and the test's own evaluation are written
    moments apart, and a second boundary between them is not a difference in the result."""
    return re.sub(rb'"time": "[^"]*"', b'"time": ""', document)


def _as_bytes(document: bytes | str) -> bytes:
    return document if isinstance(document, bytes) else document.encode("utf-8")


def _evaluation():
    from evaluator.domain.evaluate import evaluate, load_year
    return evaluate(*load_year(SMALL))
