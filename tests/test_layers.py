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
    "pipeline.assemble": ("pipeline.cli", "pipeline.web", "pipeline.review", "pipeline.evaluation", "pipeline.store"),
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


def top_level_imports(path: Path) -> set[str]:
    """The modules a file imports when it is imported (module-level statements, not function bodies)."""
    out: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return {name for name in out if name.split(".")[0] in PACKAGES}


@pytest.mark.parametrize("root", ["pipeline.extract", "pipeline.nlp", "pipeline.ingest", "scrapers.clean"])
def test_layers_runtime_never_loads_evaluation_cli_or_web(root):
    """What a runtime entry point loads, transitively: never the scorer, the CLI or the web front ends."""
    graph = {module_name(p): top_level_imports(p) for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}
    seen, todo = set(), [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [d for d in graph.get(name, ()) if d in graph]
        todo += [p for p in graph if name.startswith(p + ".")]  # importing a.b runs a/__init__ first
    banned = [m for m in seen if any(under(m, b) for b in ("pipeline.evaluation", "pipeline.cli", "pipeline.web"))]
    assert not banned, f"{root} loads {banned}"


def test_layers_runtime_loads_no_evaluation_module_when_run():
    """The same, observed: building the pipeline (trained parts included, loaded by name) and extracting."""
    import subprocess
    import sys

    code = ("import sys; from pipeline.nlp import build_nlp; from pipeline.extract import extract; "
            "extract(build_nlp(), 'In a randomized trial, 40 adults took 400 mg a day or a placebo.'); "
            "print(sorted(m for m in sys.modules if m.startswith(('pipeline.evaluation', 'pipeline.cli', "
            "'pipeline.web', 'sklearn'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
