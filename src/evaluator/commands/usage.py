"""A mistyped command line, told to office staff in one or two short lines instead of a traceback.

typer 0.29 vendors click privately (`typer._click`); older and perhaps later typers use click
itself. Neither is imported by name here: the exception classes come from typer's vendored
module when it exists, else they are recognised by their class names (click's and typer's are
the same), else by the `exit_code` / `format_message()` that every such exception carries.
"""
from __future__ import annotations

import difflib
import re
from enum import Enum
from typing import Any, Optional

import typer

try:  # typer >= 0.29; absent when typer uses click itself
    from typer._click import exceptions as _vendored
except ImportError:  # pragma: no cover - depends on the installed typer
    _vendored = None

try:
    from typer.exceptions import TyperException as _TyperException
except ImportError:  # pragma: no cover - typer < 0.29
    _TyperException = None

MESSAGES = {
    "zh": {
        "no_command": "没有命令{name}", "missing_command": "缺少命令", "commands": "可用的命令:{names}",
        "no_option": "没有选项{name}", "missing_argument": "缺少参数 {name}", "missing_option": "缺少选项{name}",
        "bad_value": "{what}的值{value}无效", "bad_value_unnamed": "{what}的值无效:{detail}", "choices": "可选 {names}",
        "option": "选项{name}", "argument": "参数 {name}", "needs_value": "选项{name}需要一个值",
        "bad_option": "选项{name}用法有误:{detail}", "file": "无法打开文件{name}:{detail}",
        "other": "命令行有误:{detail}", "extra": "多余的参数 {names}:本命令不接受这些参数",
        "takes_no_value": "选项{name}不带值,只写选项本身即可", "expected": "应是{kind}", "integer": "整数", "number": "数字",
        "yes_no": "是或否(true/false)", "date": "日期(如 2024-06-30)", "datetime": "日期和时间(如 2024-06-30T09:00)", "text": "文字", "did_you_mean": "您是不是要输入{name}?",
        "help": "用 {commands} 查看用法", "or": " 或 ", "abort": "已中止", "sep": ";", "colon": ":", "list": "、",
        "quote": "“{}”",
    },
    "en": {
        "no_command": "no command {name}", "missing_command": "missing command", "commands": "the commands: {names}",
        "no_option": "no option {name}", "missing_argument": "missing argument {name}",
        "missing_option": "missing option {name}",
        "bad_value": "{what}: {value} is not a valid value", "bad_value_unnamed": "{what}: {detail}",
        "choices": "choose from {names}", "option": "option {name}", "argument": "argument {name}",
        "needs_value": "option {name} needs a value", "bad_option": "option {name}: {detail}",
        "file": "cannot open file {name}: {detail}", "other": "bad command line: {detail}",
        "extra": "unexpected extra arguments {names}", "takes_no_value": "option {name} takes no value",
        "expected": "expected {kind}", "integer": "a whole number", "number": "a number", "yes_no": "true or false",
        "date": "a date (like 2024-06-30)", "datetime": "a date and time (like 2024-06-30T09:00)", "text": "text",
        "did_you_mean": "did you mean {name}?", "help": "see {commands} for usage", "or": " or ",
        "abort": "aborted", "sep": "; ", "colon": "; ", "list": ", ", "quote": "'{}'",
    },
}

# Most specific first: MissingParameter is a BadParameter, every one of them a UsageError.
_KINDS = ("NoArgsIsHelpError", "NoSuchOption", "MissingParameter", "BadParameter", "BadOptionUsage",
          "BadArgumentUsage", "UsageError", "FileError", "ClickException")
_QUOTED = r"""(['"])(.*?)\1"""


def _kind(exc: BaseException) -> Optional[str]:
    names = {cls.__name__ for cls in type(exc).__mro__}
    for kind in _KINDS:
        cls = getattr(_vendored, kind, None)
        if (cls is not None and isinstance(exc, cls)) or kind in names:
            return kind
    return None


def _is_cli_exception(exc: BaseException) -> bool:
    if _kind(exc) or (_TyperException is not None and isinstance(exc, _TyperException)):
        return True
    return isinstance(getattr(exc, "exit_code", None), int) and callable(getattr(exc, "format_message", None))


def exit_code(exc: BaseException) -> Optional[int]:
    """The exit code for a command-line exception (2 for a usage error), None for anything else."""
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, typer.Abort):
        return 1
    return exc.exit_code if _is_cli_exception(exc) else None


def usage_message(exc: BaseException, lang: str = "zh") -> str:
    """What went wrong on the command line and how to get help, in a line or two ('' if nothing to say)."""
    m = MESSAGES[lang]
    if isinstance(exc, typer.Exit):
        return ""
    if isinstance(exc, typer.Abort):
        return m["abort"]
    kind = _kind(exc)
    if kind == "NoArgsIsHelpError":  # the help itself: typer 0.29 has printed it already, click returns it
        return exc.format_message().strip()
    q = m["quote"].format
    ctx = getattr(exc, "ctx", None)
    text = getattr(exc, "message", None) or str(exc)
    parts: list[str] = []
    choices: list[str] = []
    word = None
    if kind == "NoSuchOption":
        word = exc.option_name
        parts.append(m["no_option"].format(name=q(word)))
        choices = list(getattr(exc, "possibilities", None) or _option_names(ctx))
    elif kind == "MissingParameter":
        param = getattr(exc, "param", None)
        if param is not None and param.param_type_name == "argument":
            parts.append(m["missing_argument"].format(name=_name(param)))
        else:
            parts.append(m["missing_option"].format(name=q(_name(param) if param else _hint(exc))))
        if param is not None and _choices(param):
            parts.append(m["choices"].format(names=m["list"].join(_choices(param))))
    elif kind == "BadParameter":
        param = getattr(exc, "param", None)
        name = _name(param) if param else _hint(exc)
        what = m["argument"].format(name=name) if param is not None and param.param_type_name == "argument" \
            else m["option"].format(name=q(name))
        found = re.search(_QUOTED + r" is not one of", text)
        word = found.group(2) if found else None
        choices = _choices(param) if param is not None else []
        if word is not None:
            allowed = m["colon"] + m["choices"].format(names=m["list"].join(choices)) if choices else ""
            parts.append(m["bad_value"].format(what=what, value=q(word)) + allowed)
        elif (coerced := _coercion_error(exc)) is not None:  # typer checks a value with pydantic: its English stays out
            value, expected = coerced
            parts.append(m["bad_value"].format(what=what, value=q(value)) + m["colon"] + m["expected"].format(kind=m[expected]))
        else:
            parts.append(m["bad_value_unnamed"].format(what=what, detail=text))
    elif kind == "BadOptionUsage":
        name = q(exc.option_name)
        needs = re.search(r"requires (an|\d+) arguments?", text)
        if needs:
            parts.append(m["needs_value"].format(name=name))
        elif "does not take a value" in text:
            parts.append(m["takes_no_value"].format(name=name))
        else:
            parts.append(m["bad_option"].format(name=name, detail=text))
    elif kind == "UsageError" and _is_group(ctx):
        found = re.search(r"No such command " + _QUOTED, text)
        word = found.group(2) if found else None
        if word is None and not text.startswith("Missing command"):
            parts.append(m["other"].format(detail=text))
        else:
            choices = _command_names(ctx)
            parts.append(m["no_command"].format(name=q(word)) if word is not None else m["missing_command"])
            if choices:
                parts.append(m["commands"].format(names=m["list"].join(choices)))
    elif extra := re.search(r"unexpected extra arguments?(?:\(s\))? \((.*)\)", text):
        parts.append(m["extra"].format(names=m["list"].join(q(w) for w in extra.group(1).split())))
    elif kind == "FileError":
        parts.append(m["file"].format(name=q(getattr(exc, "filename", "")), detail=text))
    else:
        parts.append(m["other"].format(detail=exc.format_message() if callable(getattr(exc, "format_message", None))
                                       else text))
    close = difflib.get_close_matches(word, choices, n=1) if word is not None else []
    if close:
        parts.append(m["did_you_mean"].format(name=q(close[0])))
    return m["sep"].join(parts) + "\n" + _help_line(ctx, m)


def _coercion_error(exc: BaseException) -> tuple[str, str] | None:
    """(the value given, what was expected) when typer's pydantic coercion refused a value."""
    errors = getattr(exc.__cause__, "errors", None)
    if not callable(errors):
        return None
    try:
        first = errors()[0]
    except (IndexError, TypeError, ValueError):
        return None
    kind = str(first.get("type", ""))
    expected = next((word for prefix, word in (("int", "integer"), ("float", "number"), ("decimal", "number"),
                                               ("bool", "yes_no"), ("datetime", "datetime"), ("date", "date"),
                                               ("string", "text"))
                     if kind.startswith(prefix)), None)
    return (str(first.get("input", "")), expected) if expected else None


def _name(param: Any) -> str:
    """FACTS for an argument, --format for an option."""
    if param.param_type_name == "argument":
        return (param.metavar or param.name or "").upper()
    opts = list(getattr(param, "opts", None) or [])
    return max(opts, key=lambda o: (o.startswith("--"), len(o))) if opts else param.name


def _hint(exc: Any) -> str:
    hint = getattr(exc, "param_hint", None) or ""
    return hint if isinstance(hint, str) else " / ".join(hint)


def _choices(param: Any) -> list[str]:
    """The allowed values of a choice parameter: typer 0.29 keeps them on type_descriptor, click on type."""
    for holder in (getattr(param, "type_descriptor", None), getattr(param, "type", None)):
        choices = getattr(holder, "choices", None)
        if choices:
            return [c.value if isinstance(c, Enum) else str(c) for c in choices]
    return []


def _is_group(ctx: Any) -> bool:
    return ctx is not None and callable(getattr(ctx.command, "list_commands", None))


def _command_names(ctx: Any) -> list[str]:
    group = ctx.command
    return [name for name in group.list_commands(ctx)
            if not getattr(group.get_command(ctx, name), "hidden", False)]


def _option_names(ctx: Any) -> list[str]:
    if ctx is None:
        return []
    return [o for p in ctx.command.params if not getattr(p, "hidden", False)
            for o in (*p.opts, *getattr(p, "secondary_opts", ())) if o.startswith("--")]


def _help_line(ctx: Any, m: dict[str, str]) -> str:
    """'用 evaluator --help 或 evaluator run --help 查看用法': the program's help and the command's."""
    commands = []
    if ctx is not None:
        root = ctx.find_root()
        commands.append(f"{root.info_name} --help")
        if ctx is not root:
            commands.append(f"{ctx.command_path} --help")
    else:
        commands.append("evaluator --help")
    return m["help"].format(commands=m["or"].join(commands))
