"""The Chinese features as read: scenarios, steps, tables and Examples rows, with their tags.

The Gherkin parser's AST is kept (descriptions, data tables, doc strings, Examples tables
with their own tags) so that the site can show a scenario as policy staff wrote it, and
`@clause-<id>` / `@ruling-<id>` tags tie each scenario to the method.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from evaluator.errors import UsageError
from evaluator.i18n import say

CLAUSE_TAG = "@clause-"
RULING_TAG = "@ruling-"
STATUS_LABELS = {"passed": "通过", "failed": "失败", "skipped": "跳过", "mixed": "部分运行", None: "未运行"}


# --- the features, as read ---------------------------------------------------------------------
@dataclass
class Step:
    keyword: str
    text: str
    table: list[list[str]] | None = None
    doc_string: str | None = None
    media_type: str | None = None


@dataclass
class Case:
    """One test of a scenario: the scenario itself, or one row of an outline's Examples."""
    values: list[str]
    status: str | None = None          # passed | failed | skipped | None (not run)
    message: str = ""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class ExamplesTable:
    keyword: str
    name: str
    description: str
    tags: list[str]
    header: list[str]
    rows: list[Case]


@dataclass
class Scenario:
    feature: "Feature"
    keyword: str
    name: str
    description: str
    line: int
    tags: list[str]                    # its own tags
    inherited: list[str]               # the feature's and the rule's
    rule: str | None
    background: list[Step]
    steps: list[Step]
    examples: list[ExamplesTable]
    single: Case | None = None         # a scenario without Examples is one case
    anchor: str = ""

    @property
    def all_tags(self) -> list[str]:
        tags = [*self.inherited, *self.tags]
        for ex in self.examples:
            tags += ex.tags
        return list(dict.fromkeys(tags))

    @property
    def clauses(self) -> list[str]:
        return [t.removeprefix(CLAUSE_TAG) for t in self.all_tags if t.startswith(CLAUSE_TAG)]

    @property
    def rulings(self) -> list[str]:
        return [t.removeprefix(RULING_TAG) for t in self.all_tags if t.startswith(RULING_TAG)]

    @property
    def cases(self) -> list[Case]:
        if self.examples:
            return [row for ex in self.examples for row in ex.rows]
        return [self.single] if self.single else []

    @property
    def status(self) -> str | None:
        return overall(self.cases)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def source(self) -> str:
        return f"{self.feature.path}:{self.line}"


@dataclass
class Feature:
    path: str                          # relative to the features folder
    name: str
    keyword: str
    description: str
    tags: list[str]
    background: list[Step]
    scenarios: list[Scenario] = field(default_factory=list)

    @property
    def stem_number(self) -> str:
        """`4.3.1` of `4.3.1-依法履职.feature` (the layout of features/), else ''."""
        head = Path(self.path).stem.split("-", 1)[0]
        return head if re.fullmatch(r"\d+(\.\d+)*", head) else ""

    @property
    def cases(self) -> list[Case]:
        return [c for s in self.scenarios for c in s.cases]


def overall(cases: Iterable[Case]) -> str | None:
    statuses = {c.status for c in cases}
    if not statuses:
        return None
    if "failed" in statuses:
        return "failed"
    if len(statuses) == 1:
        return next(iter(statuses))
    return "mixed"


def _steps(node: dict[str, Any]) -> list[Step]:
    steps = []
    for s in node.get("steps", []):
        table = [[c["value"] for c in row["cells"]] for row in s["dataTable"]["rows"]] if s.get("dataTable") else None
        doc = s.get("docString")
        steps.append(Step(s["keyword"].strip(), s["text"], table,
                          doc["content"] if doc else None, (doc.get("mediaType") or None) if doc else None))
    return steps


def _tags(node: dict[str, Any]) -> list[str]:
    return [t["name"] for t in node.get("tags", [])]


def _description(node: dict[str, Any]) -> str:
    lines = (node.get("description") or "").splitlines()
    return "\n".join(line.strip() for line in lines).strip()


def read_features(folder: Path) -> list[Feature]:
    """Every *.feature under `folder`, parsed with the official Gherkin parser, in file-name order.
    A folder that is not there is the user's mistake (a mistyped --features), not an empty one."""
    from gherkin.errors import ParserError
    from gherkin.parser import Parser
    if not Path(folder).is_dir():
        raise UsageError(say("没有场景文件夹“{f}”", "no features folder '{f}'", f=folder))
    features = []
    for number, path in enumerate(sorted(folder.rglob("*.feature"))):
        try:
            document = Parser().parse(path.read_text(encoding="utf-8"))
        except ParserError as exc:
            raise UsageError(say("{p}:场景文件格式有误:{e}", "{p}: {e}", p=path, e=exc)) from None
        node = document.get("feature")
        if not node:
            continue
        background: list[Step] = []
        feature = Feature(path.relative_to(folder).as_posix(), node["name"], node["keyword"],
                          _description(node), _tags(node), background)
        _children(feature, node["children"], background, list(feature.tags), None, number)
        features.append(feature)
    return features


def _children(feature: Feature, children: list[dict[str, Any]], background: list[Step], inherited: list[str],
              rule: str | None, number: int) -> None:
    background = list(background)
    for child in children:
        if "background" in child:
            background += _steps(child["background"])
            if rule is None:
                feature.background[:] = background
        elif "rule" in child:
            node = child["rule"]
            _children(feature, node["children"], background, inherited + _tags(node), node["name"], number)
        elif "scenario" in child:
            node = child["scenario"]
            examples = [ExamplesTable(ex["keyword"], ex["name"], _description(ex), _tags(ex),
                                      [c["value"] for c in ex["tableHeader"]["cells"]] if ex.get("tableHeader") else [],
                                      [Case([c["value"] for c in row["cells"]]) for row in ex.get("tableBody", [])])
                        for ex in node.get("examples", [])]
            line = node["location"]["line"]
            scenario = Scenario(feature, node["keyword"], node["name"], _description(node), line, _tags(node),
                                list(inherited), rule, background, _steps(node), examples,
                                None if examples else Case([]), anchor=f"f{number}-{line}")
            feature.scenarios.append(scenario)


