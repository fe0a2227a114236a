"""The package's layout is its architecture: each layer imports only the layers below it.

domain decides, inputs read files, views render what the domain decided, commands and the web
are the ways in. Read from the source (every import statement, lazy ones inside functions
included), so a shortcut across layers fails here before anyone has to notice it in review.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "evaluator"
SHARED = {"errors", "i18n", "timing", "paths", "collector", "parallel"}

# layer -> the layers (or single modules) it may import, besides itself and the shared modules
MAY_IMPORT = {
    "domain": {"inputs.yamlio", "inputs.ledger.read"},  # the loaders read files through the inputs' readers
    "inputs": {"domain", "views.reports.xlsx"},         # records into facts; the workbooks share the reports' header style
    "views": {"domain", "inputs"},
    "commands": {"domain", "inputs", "views", "web"},
    "web": {"domain", "inputs", "views"},
}
# A documented exception, one module each: an approval snapshot freezes the JSON result itself.
EXCEPTIONS = {"domain/stages.py": {"views.result", "views.output"}}


def imports(path: Path) -> set[str]:
    """Every module a file imports, by its absolute name (the package uses no relative imports)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: a relative import"
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def imported(path: Path) -> set[str]:
    """The evaluator's own modules a file imports, without the `evaluator.` prefix."""
    return {n.removeprefix("evaluator.") for n in imports(path) if n.startswith("evaluator.")}


def allowed(target: str, layer: str, extra: set[str]) -> bool:
    top = target.split(".")[0]
    if top in SHARED or top == layer:
        return True
    return any(target == rule or target.startswith(rule + ".") for rule in MAY_IMPORT[layer] | extra)


MODULES = sorted(p for layer in MAY_IMPORT for p in (PACKAGE / layer).rglob("*.py"))


def test_every_module_lives_in_a_layer_or_is_shared():
    top_level = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert top_level == SHARED
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(MAY_IMPORT)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_the_layers_below_it(path):
    relative = str(path.relative_to(PACKAGE))
    layer = relative.split("/")[0]
    crossing = sorted(t for t in imported(path) if not allowed(t, layer, EXCEPTIONS.get(relative, set())))
    assert not crossing, f"{relative} ({layer}) imports {crossing}"


def test_only_the_engine_imports_durable_rules():
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if any(n.split(".")[0] in {"durable", "durable_rules_engine"} for n in imports(p)))
    assert users == ["domain/engine.py"]

