"""A mistyped command line gets a short Chinese message and exit 2, never a traceback."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evaluator.commands.usage import exit_code, usage_message

from conftest import EXAMPLES, ROOT

FACTS = str(EXAMPLES / "2024.yaml")
CJK = re.compile(r"[\u4e00-\u9fff]")


def evaluator(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "evaluator", *args], capture_output=True, env=env,
                          encoding="utf-8", timeout=120)


@pytest.mark.parametrize("args, word, expected", [
    (["nosuch"], "nosuch", "没有命令“nosuch”"),
    (["rnu", FACTS], "rnu", "您是不是要输入“run”"),
    (["run", FACTS, "--nosuch"], "--nosuch", "没有选项“--nosuch”"),
    (["run", FACTS, "--fromat", "json"], "--fromat", "您是不是要输入“--format”"),
    (["run"], "FACTS", "缺少参数 FACTS"),
    (["run", FACTS, "--format", "nosuch"], "nosuch", "可选 table、json"),
    (["run", FACTS, "--format"], "--format", "需要一个值"),
    (["explain", FACTS, "--nosuch"], "--nosuch", "没有选项“--nosuch”"),
    (["explain", FACTS], "--unit", "缺少选项“--unit”"),
    (["docs", "extra", "more"], "“extra”、“more”", "多余的参数"),
    (["run", FACTS, "--strict=1"], "--strict", "不带值"),
    (["serve", "--port", "abc"], "“abc”", "应是整数"),
])
def test_a_usage_error_is_a_short_chinese_message(args, word, expected):
    done = evaluator(*args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert CJK.search(done.stderr) and word in done.stderr and expected in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) <= 5, done.stderr
    assert "--help" in done.stderr  # how to get help


def test_the_help_names_the_command_that_was_mistyped():
    assert re.search(r"evaluator --help 或 .*evaluator run --help 查看用法", evaluator("run", FACTS, "--nosuch").stderr)


def test_a_command_list_names_every_command():
    stderr = evaluator("nosuch").stderr
    assert "可用的命令:run、validate、explain、why-not" in stderr


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["explain", "--help"]])
def test_help_still_works(args):
    done = evaluator(*args)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout and "Traceback" not in done.stderr


def test_english_on_request():
    from evaluator.commands.cli import app
    with pytest.raises(Exception) as caught:
        app(["run", FACTS, "--format", "jsno"], prog_name="evaluator", standalone_mode=False)
    assert exit_code(caught.value) == 2
    assert usage_message(caught.value, lang="en") == (
        "option '--format': 'jsno' is not a valid value; choose from table, json, markdown, html, csv, xlsx; "
        "did you mean 'json'?\nsee evaluator --help or evaluator run --help for usage")


def test_exit_and_abort_keep_their_codes_and_other_exceptions_are_not_usage_errors():
    import typer
    assert exit_code(typer.Exit(3)) == 3 and usage_message(typer.Exit(3)) == ""
    assert exit_code(typer.Abort()) == 1
    assert exit_code(ValueError("a bug")) is None


def test_a_click_that_is_not_typers_own_still_gets_a_message():
    """A future typer on real click: its classes are not typer._click's, but have the same names."""
    class UsageError(Exception):
        exit_code = 2

        def __init__(self, message, ctx=None):
            super().__init__(message)
            self.message, self.ctx = message, ctx

        def format_message(self):
            return self.message

    class NoSuchOption(UsageError):
        def __init__(self, option_name):
            super().__init__(f"No such option: {option_name}")
            self.option_name, self.possibilities = option_name, ["--format"]

    assert exit_code(NoSuchOption("--fromat")) == 2
    assert usage_message(NoSuchOption("--fromat")).splitlines() == [
        "没有选项“--fromat”;您是不是要输入“--format”?", "用 evaluator --help 查看用法"]

    class Unknown(Exception):  # only the protocol every click exception has
        exit_code = 2

        def format_message(self):
            return "something odd"

    assert exit_code(Unknown()) == 2 and usage_message(Unknown()).startswith("命令行有误:something odd")


def test_no_module_imports_click():
    """typer 0.29 has no click to import: `import click` would turn every usage error into a traceback."""
    imports = re.compile(r"^\s*(import\s+click\b|from\s+click\b)", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "src" / "evaluator").rglob("*.py"))
                 if imports.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_the_documentation_commands_missing_or_broken_inputs_are_said_in_chinese(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    bad_feature = tmp_path / "features"
    bad_feature.mkdir()
    (bad_feature / "a.feature").write_text("# language: zh-CN\n功能: 甲\n  场景: 乙\n    假如 丙\n功能: 第二个功能\n", encoding="utf-8")
    for args, said in ((["--results", str(tmp_path / "none.json")], "没有场景运行结果文件"),
                       (["--results", str(broken)], "不是场景运行结果文件"),
                       (["--features", str(bad_feature)], "场景文件格式有误")):
        done = evaluator("docs", *args, "-o", str(tmp_path / "site"))
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert said in done.stderr and not (tmp_path / "site").exists(), done.stderr


def test_a_template_under_a_name_that_is_no_workbook_is_refused_and_not_written(tmp_path):
    done = evaluator("template", "-o", str(tmp_path / "台账.txt"))
    assert done.returncode == 1 and "文件名应以 .xlsx 结尾" in done.stderr and not (tmp_path / "台账.txt").exists(), done.stderr
    done = evaluator("template", "-o", str(tmp_path / "台账.xlsx"), "--year", "2024")
    assert done.returncode == 0 and (tmp_path / "台账.xlsx").read_bytes()[:2] == b"PK", done.stderr


def test_a_clause_not_in_the_policy_is_said_with_the_policys_title(policy):
    done = evaluator("why-not", FACTS, "--unit", "办公厅", "--clause", "4.1.22")
    assert done.returncode != 0 and f"《{policy.policy.title}》中没有条款“4.1.22”" in done.stderr, done.stderr


@pytest.mark.parametrize("kind, expected", [(int, "integer"), ("datetime", "datetime"), ("date", "date")])
def test_a_refused_value_is_named_by_the_kind_pydantic_expected(kind, expected):
    import datetime as dt

    from pydantic import TypeAdapter, ValidationError

    from evaluator.commands.usage import _coercion_error
    target = {"datetime": dt.datetime, "date": dt.date}.get(kind, kind)
    try:
        TypeAdapter(target).validate_python("abc")
    except ValidationError as refused:
        wrapped = ValueError("bad parameter")
        wrapped.__cause__ = refused
    assert _coercion_error(wrapped) == ("abc", expected)      # a date and time is not called a date
