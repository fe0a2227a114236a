"""Safe reading of YAML and JSON input, keeping the line of every mapping and key.

- Only the safe loader is used: `!!python/...` tags are refused, never executed.
- A key given twice in one mapping is a problem (PyYAML would silently keep the last).
- Floats are read as exact `Decimal`s straight from their text (9.5, 0.1), never as
  binary floats, so no point value ever passes through float arithmetic.
- The size of a file and of its data once aliases are expanded are bounded, so a
  "billion laughs" document gets a clear error instead of exhausting memory; so is
  the nesting depth, so a deeply nested document is an error, not a RecursionError.
- A scalar that looks like a date but is not one (2024-02-30) stays text, so the
  field check reports it with its fact id and field.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from evaluator.errors import Problem
from evaluator.i18n import current, say

try:  # the C parser is several times faster; the constructors below stay in Python
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_EXPANDED_NODES = 50_000_000
MAX_DEPTH = 64  # a fact set nests 5 deep (facts > fact > coordinators > unit id)


class LineDict(dict):
    """A mapping that remembers where it stood: `line` and the line of each key (1-based)."""

    __slots__ = ("line", "key_lines")

    def __init__(self, *args, line: int | None = None, key_lines: dict | None = None):
        super().__init__(*args)
        self.line = line
        self.key_lines = key_lines or {}

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)

    def empty_like(self) -> "LineDict":
        return LineDict(line=self.line)


_RETYPED_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:float"}


class _LineLoader(_BaseLoader):
    def __init__(self, stream, filename: str, text_keys: frozenset[str] = frozenset()):
        super().__init__(stream)
        self.filename = filename
        self.text_keys = text_keys
        self.problems: list[Problem] = []

    def check_unquoted(self, key: Any, value_node: yaml.Node) -> None:
        """`id: 002` or `person: off` would silently become 2 or false: a name must be quoted."""
        nodes = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for node in nodes:
            if isinstance(node, yaml.ScalarNode) and not node.style and node.tag in _RETYPED_TAGS:
                read = self.construct_object(node)
                if str(read) != node.value:
                    self.problems.append(Problem(self.filename, node.start_mark.line + 1, say(
                        "“{key}: {text}”没有加引号,YAML 会把它读成 {read};请写成 {key}: \"{text}\"",
                        "'{key}: {text}' is not quoted, so YAML reads it as {read}; write {key}: \"{text}\"",
                        key=key, text=node.value, read=read), "unquoted-text"))

    def construct_line_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)  # merge keys (<<) as the safe loader does
        mapping = LineDict(line=node.start_mark.line + 1)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                self.problems.append(Problem(self.filename, line, say("映射的键必须是简单值", "a mapping key must be a plain value"), "yaml-key"))
                continue
            if key in mapping:
                first = mapping.key_lines.get(key)
                self.problems.append(Problem(
                    self.filename, line,
                    say("键“{key}”在同一映射中出现两次(第一次在第 {first} 行)", "key '{key}' is given twice in one mapping (first on line {first})", key=key, first=first), "duplicate-key"))
                continue
            if key in self.text_keys:
                self.check_unquoted(key, value_node)
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[key] = line
        return mapping

    def construct_exact_float(self, node: yaml.ScalarNode):
        text = self.construct_scalar(node).replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.problems.append(Problem(self.filename, node.start_mark.line + 1,
                                         say("“{text}”不是有限的数字", "'{text}' is not a finite number", text=text), "yaml-number"))
            return text
        return value


    def construct_checked_timestamp(self, node: yaml.ScalarNode):
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)  # not a real date: text, reported by the field check


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_line_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _LineLoader.construct_exact_float)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_checked_timestamp)


def read_text(path: Path) -> tuple[str | None, list[Problem], str]:
    """The file's text, what is wrong with it, and the encoding it was read in.

    Files saved by Chinese Windows tools are often GBK/GB18030 rather than UTF-8: such a file
    is read (GB18030 contains GBK), and the encoding is returned so the caller can say so."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(name, None, say("文件有 {size} 字节,最多读取 {most} 字节", "the file is {size} bytes; at most {most} are read",
                                                  size=size, most=MAX_FILE_BYTES), "too-large")], ""
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(name, None, say("没有这个文件", "no such file"), "file")], ""
    except IsADirectoryError:
        return None, [Problem(name, None, say("这是一个文件夹,不是文件", "is a folder, not a file"), "file")], ""
    except OSError as exc:
        return None, [Problem(name, None, say("无法读取:{why}", "cannot be read: {why}", why=exc.strerror), "file")], ""
    try:
        return raw.decode("utf-8"), [], "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return raw.decode("gb18030"), [], "gb18030"
    except UnicodeDecodeError:
        return None, [Problem(name, None, say("不是 UTF-8 文本(第 {byte} 字节),也不是 GBK/GB18030 文本;请在编辑器中以 UTF-8 编码另存",
                                              "is not UTF-8 text (byte {byte}) nor GBK/GB18030; save it as UTF-8",
                                              byte=first_bad), "encoding")], ""


def load_document(path: Path, text_keys: frozenset[str] = frozenset()) -> tuple[Any, list[Problem]]:
    """Parse a YAML or JSON file; return its data and every problem found."""
    text, problems, _ = read_text(path)
    if text is None:
        return None, problems
    return parse_text(text, path, text_keys)


def parse_text(text: str, path: Path, text_keys: frozenset[str] = frozenset()) -> tuple[Any, list[Problem]]:
    if path.suffix.lower() == ".json":
        return _load_json(text, str(path))
    data, problems = _load_yaml(text, str(path), text_keys)
    if problems or data is None:
        problems += fullwidth_hints(text, str(path))
    return data, problems


# A key written with a full-width colon (类别：事假) or a line indented with full-width spaces:
# what a Chinese input method types, and what YAML cannot read as meant.
_FULLWIDTH_KEY = re.compile(r"^[ \t]*(?:-[ \t]+)?[^\s'\"#:：{}\[\],]+[ \t]*：|[{,][ \t]*[^\s'\"#:：{}\[\],]+[ \t]*：")


def fullwidth_hints(text: str, name: str) -> list[Problem]:
    """Problems that say, on the right line, that a full-width colon or indent was used."""
    if "：" not in text and "\u3000" not in text:
        return []
    hints = []
    for number, line in enumerate(text.splitlines(), start=1):
        if _FULLWIDTH_KEY.search(line):
            hints.append(Problem(name, number, say("第 {n} 行使用了全角冒号“：”;键与值之间应是半角冒号“:”加一个空格",
                                                   "line {n} uses a full-width colon '：'; write a half-width ': ' between key and value",
                                                   n=number), "fullwidth-colon"))
        if line.lstrip(" \t").startswith("\u3000"):
            hints.append(Problem(name, number, say("第 {n} 行用全角空格缩进;请改用半角空格",
                                                   "line {n} is indented with full-width spaces; indent with half-width spaces",
                                                   n=number), "fullwidth-space"))
    return hints


def _load_yaml(text: str, name: str, text_keys: frozenset[str] = frozenset()) -> tuple[Any, list[Problem]]:
    loader = _LineLoader(text, name, text_keys)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(name, None, say("文件中没有数据", "the file holds no data"), "empty")]
        deepest = _node_depth(node)
        if deepest > MAX_DEPTH:
            return None, [Problem(name, deepest.line, say("数据嵌套超过 {n} 层", "values are nested more than {n} levels deep", n=MAX_DEPTH), "too-deep")]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = (exc.problem or str(exc)).strip()
        if "could not determine a constructor" in str(exc):
            message = say("不允许使用标签 {tag}(只读取普通 YAML 数据)", "the tag {tag} is not allowed (only plain YAML data is read)",
                          tag=exc.problem.split('tag ')[-1])
        else:
            message = say("YAML 格式错误:{m}", "{m}", m=_yaml_words(message))
        return None, [*loader.problems, Problem(name, line, message, "yaml-syntax")]
    except yaml.YAMLError as exc:
        return None, [*loader.problems, Problem(name, None, str(exc).strip(), "yaml-syntax")]
    finally:
        loader.dispose()
    problems = list(loader.problems)
    if _expanded_size(data) > MAX_EXPANDED_NODES:
        problems.append(Problem(name, None, say("经别名展开后超过 {n} 个值", "expands (through aliases) to more than {n} values", n=MAX_EXPANDED_NODES), "too-large"))
        data = None
    return data, problems


# PyYAML's commonest complaints, in the words of the office (the English stays for --lang en).
_YAML_WORDS = {
    "mapping values are not allowed here": "此处不能出现“键: 值”(可能是缩进不对,或值中含有未加引号的冒号)",
    "could not find expected ':'": "找不到应有的冒号“:”",
    "found character that cannot start any token": "出现了不能开始一个值的字符(如全角空格或制表符)",
    "expected ',' or '}', but got '<stream end>'": "花括号“{”没有闭合",
    "expected ',' or ']', but got '<stream end>'": "方括号“[”没有闭合",
    "found unexpected end of stream": "文件意外结束(引号或括号没有闭合)",
    "expected <block end>, but found '-'": "列表项“-”的缩进不对",
    "expected <block end>, but found '<block sequence start>'": "列表的缩进不对",
    "expected <block end>, but found '<block mapping start>'": "缩进不对",
    "found a tab character that violates indentation": "用了制表符缩进;请改用空格",
    # the same complaints as the C parser (libyaml, which reads the files) words them
    "mapping values are not allowed in this context": "此处不能出现“键: 值”(可能是缩进不对,或值中含有未加引号的冒号)",
    "did not find expected key": "缩进不对:这一行既不是上一项的键,也不是新的一项",
    "did not find expected '-' indicator": "列表中应以“-”开始新的一项(可能是缩进不对)",
    "did not find expected ',' or ']'": "方括号“[”没有闭合,或列表项之间缺少逗号",
    "did not find expected ',' or '}'": "花括号“{”没有闭合,或键值之间缺少逗号",
    "did not find expected node content": "这里缺少值",
    "found undefined alias": "引用(*名称)找不到对应的锚点(&名称)",
    "found unknown escape character": "引号内的反斜杠“\\”后面是无效字符(要写反斜杠本身请写“\\\\”,或改用单引号)",
    "found a tab character where an indentation space is expected": "用了制表符缩进;请改用空格",
    "block sequence entries are not allowed in this context": "此处不能开始列表项“-”(可能是缩进不对)",
}


def _yaml_words(message: str) -> str:
    return _YAML_WORDS.get(message, message) if current() == "zh" else message


class _Depth(int):
    line: int | None = None


def _node_depth(root: yaml.Node) -> _Depth:
    """How deep the node graph nests (aliases followed once), without recursion."""
    depth: dict[int, int] = {}
    deepest, where = 0, None
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if depth.get(id(node), 0) >= level:
            continue  # reached before at this depth or deeper
        depth[id(node)] = level
        if level > deepest:
            deepest, where = level, node.start_mark.line + 1
            if deepest > MAX_DEPTH:
                break
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, level + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((child, level + 1) for pair in node.value for child in pair)
    out = _Depth(deepest)
    out.line = where
    return out


def _data_depth(root: Any) -> int:
    """How deep parsed data nests, level by level and without recursion."""
    level, items = 0, [root]
    while items and level <= MAX_DEPTH:
        level += 1
        # Only containers go to the next level: a year of a million facts is mostly scalars.
        items = [child for obj in items if isinstance(obj, (dict, list))
                 for child in (obj.values() if isinstance(obj, dict) else obj) if isinstance(child, (dict, list))]
    return level


def _expanded_size(data: Any) -> int:
    """Values the document holds once every alias is expanded, counted without expanding."""
    memo: dict[int, int] = {}

    def size(obj: Any) -> int:
        if isinstance(obj, dict):
            children = obj.values()
        elif isinstance(obj, list):
            children = obj
        else:
            return 1
        key = id(obj)
        if key not in memo:
            memo[key] = 0  # a cycle counts once
            memo[key] = 1 + sum(size(child) for child in children)
        return memo[key]

    return size(data)


def _load_json(text: str, name: str) -> tuple[Any, list[Problem]]:
    repeated: list[tuple[dict, str]] = []   # (the object, a key it gives twice)

    def pairs(items: list[tuple[str, Any]]) -> dict:
        seen = dict(items)          # in C; a key given twice is the rare case, looked for only then
        if len(seen) != len(items):
            first: set = set()
            for key, _ in items:
                if key in first:
                    repeated.append((seen, key))
                first.add(key)
        return seen

    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        return None, [Problem(name, exc.lineno, say("JSON 格式错误:{msg}(第 {col} 列)", "{msg} (column {col})", msg=json_error_words(exc.msg),
                                                     col=exc.colno), "json-syntax")]
    except RecursionError:
        return None, [Problem(name, None, say("数据嵌套超过 {n} 层", "values are nested more than {n} levels deep", n=MAX_DEPTH), "too-deep")]
    if _data_depth(data) > MAX_DEPTH:
        return None, [Problem(name, None, say("数据嵌套超过 {n} 层", "values are nested more than {n} levels deep", n=MAX_DEPTH), "too-deep")]
    if data is None:
        return None, [Problem(name, None, say("文件中没有数据", "the file holds no data"), "empty")]
    return data, _repeated_keys(text, name, repeated) if repeated else []


def _repeated_keys(text: str, name: str, repeated: list[tuple[dict, str]]) -> list[Problem]:
    """A key given twice in one JSON object, at the line where it is given again: the standard
    parser keeps no positions, so a record's (one with an id) is found after the line of its id."""
    ids = json_fact_lines(text)
    lines = text.splitlines()
    problems = []
    for obj, key in repeated:
        fact_id = str(obj["id"]) if isinstance(obj.get("id"), (str, int)) else None
        line = None
        if fact_id is not None and fact_id in ids:
            given = re.compile(r'"' + re.escape(key) + r'"\s*:')
            found = [n for n in range(ids[fact_id], min(len(lines), ids[fact_id] + 200) + 1)
                     for _ in given.finditer(lines[n - 1])][:2]
            line = found[1] if len(found) == 2 else None
        problems.append(Problem(name, line, say("键“{key}”在同一对象中出现两次", "key '{key}' is given twice in one object", key=key),
                                "duplicate-key", fact_id, key if fact_id is not None else None))
    return problems


# The standard JSON parser's messages (json/decoder.py, json/scanner), as a reader of the file says them.
_JSON_WORDS = {
    "Expecting value": ("此处应有一个值", "Expecting value"),
    "Expecting property name enclosed in double quotes": ("此处应是用双引号括起的键名", "Expecting property name enclosed in double quotes"),
    "Expecting ',' delimiter": ("此处缺少逗号", "Expecting ',' delimiter"),
    "Expecting ':' delimiter": ("此处缺少冒号", "Expecting ':' delimiter"),
    "Unterminated string starting at": ("字符串缺少结尾的双引号", "Unterminated string starting at"),
    "Invalid control character at": ("字符串中有不可见的控制字符", "Invalid control character at"),
    "Invalid \\escape": ("反斜杠转义无效", "Invalid \\escape"),
    "Invalid \\uXXXX escape": ("\\u 转义无效", "Invalid \\uXXXX escape"),
    "Extra data": ("数据结束后还有多余内容", "Extra data"),
}


def json_error_words(message: str) -> str:
    """A JSON syntax error's message in the reader's words (the parser's own are English)."""
    words = _JSON_WORDS.get(message)
    return say(*words) if words else message


_JSON_ID = re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.)*)"')


def json_fact_lines(text: str) -> dict[str, int]:
    """Lines of fact ids in a JSON file, found only when a problem needs reporting.

    JSON input is parsed with the fast standard parser, which keeps no positions; the
    first line on which `"id": "<value>"` stands is where a reader will look.
    """
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _JSON_ID.finditer(line):
            lines.setdefault(match.group(1), number)
    return lines
