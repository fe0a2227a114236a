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

from .errors import Problem

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


class _LineLoader(_BaseLoader):
    def __init__(self, stream, filename: str):
        super().__init__(stream)
        self.filename = filename
        self.problems: list[Problem] = []

    def construct_line_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)  # merge keys (<<) as the safe loader does
        mapping = LineDict(line=node.start_mark.line + 1)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                self.problems.append(Problem(self.filename, line, "a mapping key must be a plain value", "yaml-key"))
                continue
            if key in mapping:
                first = mapping.key_lines.get(key)
                self.problems.append(Problem(
                    self.filename, line,
                    f"key '{key}' is given twice in one mapping (first on line {first})", "duplicate-key"))
                continue
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
                                         f"'{text}' is not a finite number", "yaml-number"))
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


def read_text(path: Path) -> tuple[str | None, list[Problem]]:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(name, None, f"the file is {size} bytes; at most {MAX_FILE_BYTES} are read", "too-large")]
        return path.read_text(encoding="utf-8"), []
    except FileNotFoundError:
        return None, [Problem(name, None, "no such file", "file")]
    except IsADirectoryError:
        return None, [Problem(name, None, "is a folder, not a file", "file")]
    except UnicodeDecodeError as exc:
        return None, [Problem(name, None, f"is not UTF-8 text (byte {exc.start})", "encoding")]
    except OSError as exc:
        return None, [Problem(name, None, f"cannot be read: {exc.strerror}", "file")]


def load_document(path: Path) -> tuple[Any, list[Problem]]:
    """Parse a YAML or JSON file; return its data and every problem found."""
    text, problems = read_text(path)
    if text is None:
        return None, problems
    if path.suffix.lower() == ".json":
        return _load_json(text, str(path))
    return _load_yaml(text, str(path))


def _load_yaml(text: str, name: str) -> tuple[Any, list[Problem]]:
    loader = _LineLoader(text, name)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(name, None, "the file holds no data (a fact set has year, units and facts)", "empty")]
        deepest = _node_depth(node)
        if deepest > MAX_DEPTH:
            return None, [Problem(name, deepest.line, f"values are nested more than {MAX_DEPTH} levels deep", "too-deep")]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = (exc.problem or str(exc)).strip()
        if "could not determine a constructor" in str(exc):
            message = f"the tag {exc.problem.split('tag ')[-1]} is not allowed (only plain YAML data is read)"
        return None, [*loader.problems, Problem(name, line, message, "yaml-syntax")]
    except yaml.YAMLError as exc:
        return None, [*loader.problems, Problem(name, None, str(exc).strip(), "yaml-syntax")]
    finally:
        loader.dispose()
    problems = list(loader.problems)
    if _expanded_size(data) > MAX_EXPANDED_NODES:
        problems.append(Problem(name, None, f"expands (through aliases) to more than {MAX_EXPANDED_NODES} values", "too-large"))
        data = None
    return data, problems


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
    problems: list[Problem] = []

    def pairs(items: list[tuple[str, Any]]) -> dict:
        seen: dict = {}
        for key, value in items:
            if key in seen:
                problems.append(Problem(name, None, f"key '{key}' is given twice in one object", "duplicate-key"))
            seen[key] = value
        return seen

    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        return None, [Problem(name, exc.lineno, f"{exc.msg} (column {exc.colno})", "json-syntax")]
    except RecursionError:
        return None, [Problem(name, None, f"values are nested more than {MAX_DEPTH} levels deep", "too-deep")]
    if _data_depth(data) > MAX_DEPTH:
        return None, [Problem(name, None, f"values are nested more than {MAX_DEPTH} levels deep", "too-deep")]
    if data is None:
        return None, [Problem(name, None, "the file holds no data (a fact set has year, units and facts)", "empty")]
    return data, problems


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
