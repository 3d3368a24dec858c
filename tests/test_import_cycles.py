"""No module of trim_desktop imports one that imports it back, directly or round a
circle, counting imports inside functions too (docs/architecture.md: imports point one
way). A circle makes the import order matter and hides which module owns what."""

from __future__ import annotations

import ast
from pathlib import Path

import trim_desktop

PACKAGE = Path(trim_desktop.__file__).parent


def _modules() -> dict:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("trim_desktop",) + path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict) -> set:
    """The trim_desktop modules ``name`` imports (``from . import x`` names x)."""
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = here[: len(here) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            found.update(
                f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names
            )
    return {m for m in found if m in modules and m != name}


def _cycle(graph: dict):
    """One import circle as a list of modules, or None."""
    state: dict = {}
    path: list = []

    def visit(m):
        state[m] = "open"
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                return path[path.index(n) :] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        state[m] = "done"
        path.pop()
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_no_import_cycles():
    modules = _modules()
    graph = {m: _imports(m, p, modules) for m, p in modules.items()}
    assert "trim_desktop.core.decode.parallel" in graph["trim_desktop.core.decode.strategy"]
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_a_circle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_gui_reaches_the_core_only_through_api():
    """docs/architecture.md: gui -> core.api and nothing else of the core."""
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("trim_desktop.gui"):
            core = {m for m in _imports(name, path, modules) if m.startswith("trim_desktop.core")}
            assert core <= {"trim_desktop.core", "trim_desktop.core.api"}, (name, core)


def test_no_private_name_crosses_a_package():
    """The CLIs, the GUI and research use the core's public names (core.api has what they
    share), never a ``_private`` one of another package."""
    for path in PACKAGE.rglob("*.py"):
        package = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:  # from ..other import
                private = [
                    a.name
                    for a in node.names
                    if a.name.startswith("_") and not a.name.endswith("__")
                ]
                assert not private, f"{package}/{path.name} imports {private} from {node.module}"


def test_settings_load_without_the_rest_of_the_package():
    """core.settings (presets, limits) imports nothing of trim_desktop: no torch behind it."""
    modules = _modules()
    name = "trim_desktop.core.settings"
    assert _imports(name, modules[name], modules) == set()
