"""Start-up stays cheap: the command line imports only what the command it runs needs.

Checked by what a fresh interpreter has imported, not by the clock (a wall-clock limit
would fail on a busy machine and pass on a fast one; benchmarks/run.py times start-up).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT

# The evaluator's own machinery and the libraries behind it; none is needed to list the
# commands or to say that one was mistyped.
MACHINERY = ("evaluator.domain.evaluate", "evaluator.domain.factset", "evaluator.domain.facts", "evaluator.domain.policy",
             "evaluator.domain.engine", "evaluator.domain.vocabulary", "evaluator.inputs.yamlio",
             "durable_rules_engine", "durable", "openpyxl", "python_calamine", "jinja2", "yaml", "docx")
HEAVY_LIBRARIES = ("pydantic", "rich.console")   # typer itself pulls these in for some commands, not at import

PROBE = """
import json, sys
sys.argv = ["evaluator", *json.loads(sys.argv[1])]
code = None
if sys.argv[1:]:
    from evaluator.commands.cli import main
    try:
        main()
    except SystemExit as exc:
        code = exc.code
else:
    import evaluator.commands.cli
with open(OUT, "w") as fh:
    json.dump({"modules": sorted(sys.modules), "code": code}, fh)
"""


def _imported(tmp_path, *args: str) -> tuple[set[str], object, subprocess.CompletedProcess]:
    """The modules a fresh interpreter holds after `evaluator ARGS` (or, with none, `import evaluator.commands.cli`)."""
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("EVALUATOR_LANG", None)
    done = subprocess.run([sys.executable, "-c", PROBE.replace("OUT", repr(str(out))), json.dumps(list(args))],
                          capture_output=True, encoding="utf-8", env=env, cwd=ROOT, timeout=120)
    assert out.exists(), done.stderr
    record = json.loads(out.read_text(encoding="utf-8"))
    return set(record["modules"]), record["code"], done


def _loaded(modules: set[str], names) -> list[str]:
    return sorted(name for name in names if name in modules)


def test_importing_the_command_line_imports_no_machinery(tmp_path):
    modules, _, _ = _imported(tmp_path)
    assert "typer" in modules and "evaluator.commands.cli" in modules   # the probe really imported it
    assert _loaded(modules, (*MACHINERY, *HEAVY_LIBRARIES)) == []


def test_the_help_lists_the_commands_without_the_machinery(tmp_path):
    modules, code, done = _imported(tmp_path, "--help")
    assert code in (0, None), done.stderr
    assert re.search(r"\brun\b", done.stdout) and "check-policy" in done.stdout
    assert _loaded(modules, (*MACHINERY, "pydantic")) == []
    assert _loaded(modules, ("rich", "markdown_it")) == []   # plain help: rich's Markdown alone was 0.15 s


@pytest.mark.parametrize("args", [["nosuch"], ["rnu", str(EXAMPLES / "2024.yaml")]])
def test_a_mistyped_command_is_told_in_chinese_without_the_machinery(tmp_path, args):
    modules, code, done = _imported(tmp_path, *args)
    assert code == 2, done.stderr
    assert "Traceback" not in done.stderr and re.search(r"[\u4e00-\u9fff]", done.stderr), done.stderr
    assert _loaded(modules, MACHINERY) == []


def test_a_command_still_loads_what_it_needs(tmp_path):
    """The other side of lazy imports: `validate` reaches the machinery and does its work."""
    modules, code, done = _imported(tmp_path, "validate", str(EXAMPLES / "2024.yaml"))
    assert code in (0, None), done.stderr
    assert {"evaluator.domain.factset", "evaluator.domain.policy"} <= modules
    assert "无误" in done.stdout


def test_the_lazy_names_are_the_real_functions_results():
    """cli's stand-ins for load_year, evaluate, choose_policy and parse_date do what the originals do."""
    import datetime

    from evaluator.commands import cli
    from evaluator.domain.evaluate import evaluate, load_year
    from evaluator.domain.policy.registry import choose_policy
    from evaluator.domain.vocabulary import parse_date

    factset, compiled = cli.load_year(EXAMPLES / "small-2024.yaml")
    real_factset, real_compiled = load_year(EXAMPLES / "small-2024.yaml")
    assert compiled.id == real_compiled.id and len(factset.facts) == len(real_factset.facts)
    assert [f.id for f in cli.evaluate(factset, compiled).findings] == [f.id for f in evaluate(factset, compiled).findings]
    assert cli.choose_policy(factset.year, None, None).id == choose_policy(factset.year, None, None).id
    assert cli.parse_date("2024-06-30") == parse_date("2024-06-30") == datetime.date(2024, 6, 30)


def test_the_stand_in_consoles_work_where_a_console_is_entered(tmp_path):
    """Several fact sets run with a progress bar, which enters the (lazily made) console as a context."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("EVALUATOR_LANG", None)
    done = subprocess.run([sys.executable, "-m", "evaluator", "run", str(EXAMPLES / "2024.yaml"),
                           str(EXAMPLES / "small-2024.yaml"), "--output", str(tmp_path / "out")],
                          capture_output=True, encoding="utf-8", env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2024.result.json", "small-2024.result.json"]
