"""The layers point down: scrapers/ and models/ never import pipeline/; runtime modules never import the
CLI, the web front ends or the evaluation tools; no import cycles between packages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("scrapers", "models", "pipeline")

# module prefix -> prefixes it must never import
FORBIDDEN = {
    "scrapers": ("pipeline",),
    "models": ("pipeline", "scrapers"),
    "pipeline.components": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.evaluation", "pipeline.store",
                            "pipeline.ingest"),
    "pipeline.learn": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.store", "pipeline.ingest"),
    "pipeline.store": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.evaluation", "pipeline.ingest"),
    "pipeline.review": ("pipeline.cli", "pipeline.web", "pipeline.evaluation"),
    "pipeline.web": ("pipeline.cli", "pipeline.evaluation"),
    "pipeline.workers": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.evaluation", "pipeline.ingest"),
    "pipeline.ingest": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.evaluation"),
    "pipeline.extract": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.evaluation", "pipeline.store"),
    "pipeline.records": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.evaluation", "pipeline.store"),
    "pipeline.nlp": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.evaluation", "pipeline.store"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at top level or inside functions."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return {name for name in out if name.split(".")[0] in PACKAGES}


def all_modules() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("module,imported", [
    (m, i) for m, imps in sorted(all_modules().items()) for i in sorted(imps)
])
def test_layers_no_import_points_up(module, imported):
    for owner, banned in FORBIDDEN.items():
        if under(module, owner):
            assert not any(under(imported, b) for b in banned), f"{module} imports {imported}, a layer above it"


def test_layers_no_import_cycles_between_modules():
    graph = all_modules()
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in graph.get(node, ()):
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*stack, node, dep]))
            if dep not in state:
                visit(dep, [*stack, node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_layers_checker_sees_a_violation(tmp_path):
    """The checker is not vacuous: a scrapers module importing pipeline is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from pipeline.nlp import build_nlp\n", encoding="utf-8")
    assert imports_of(bad) == {"pipeline.nlp"}
    assert any(under("pipeline.nlp", b) for b in FORBIDDEN["scrapers"])
