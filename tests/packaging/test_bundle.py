"""Tests of the built bundle in dist/TRIM-Desktop (skipped when there is none).

CI does not build the bundle (PyInstaller + torch takes 10-20 minutes on 2 cores), so these
skip there. After `bash packaging/build_linux.sh` they run the bundle offscreen with a
clean environment, as packaging/smoke_test.sh does.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(os.environ.get("TRIM_BUNDLE", ROOT / "dist" / "TRIM-Desktop"))
GUI, CLI = BUNDLE / "trim-desktop", BUNDLE / "trim-summarize"

pytestmark = pytest.mark.skipif(
    not (GUI.is_file() and CLI.is_file()),
    reason=f"no built bundle in {BUNDLE} (build it with: bash packaging/build_linux.sh; "
    "CI does not build it)",
)


def run(args, tmp_path, timeout=600):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(home),
    }
    return subprocess.run(
        [str(a) for a in args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_self_check(tmp_path):
    r = run([GUI, "--self-check"], tmp_path)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    report = json.loads(r.stdout[: r.stdout.rindex("}") + 1])
    assert report["frozen"] is True
    checks = {c["check"]: c for c in report["checks"]}
    assert (
        checks["torch"]["detail"]["cuda_available"] is False or report["build"]["variant"] == "gpu"
    )
    assert "efficientnet-lite0-" in checks["efficientnet-lite0 weights"]["detail"]["file"]


def test_gui_smoke(tmp_path):
    r = run([GUI, "--smoke"], tmp_path, timeout=300)
    assert r.returncode == 0 and "gui smoke: ok" in r.stdout, r.stdout[-3000:] + r.stderr[-3000:]


@pytest.mark.slow
def test_cli_writes_a_valid_summary(tmp_path):
    av = pytest.importorskip("av")
    sample = BUNDLE / "_internal" / "resources" / "sample.mp4"
    assert sample.is_file(), "the bundle must carry resources/sample.mp4"
    out = tmp_path / "summary.mp4"
    r = run([CLI, sample, "-o", out, "--quiet"], tmp_path, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    with av.open(str(out)) as c:
        assert any(s.type == "audio" for s in c.streams)
        assert sum(1 for _ in c.decode(video=0)) > 0


def test_missing_plugin_fails_loudly(tmp_path):
    """A copy of the bundle without Qt's FFmpeg plugin must fail the GUI smoke check."""
    broken = tmp_path / "broken"
    r = subprocess.run(["cp", "-al", str(BUNDLE), str(broken)])
    if r.returncode != 0:
        pytest.skip("cannot hard-link a copy of the bundle here")
    plugins = list(broken.rglob("libffmpegmediaplugin*"))
    assert plugins, "the bundle has no Qt Multimedia FFmpeg plugin"
    for p in plugins:
        p.unlink()
    r = run([broken / "trim-desktop", "--smoke"], tmp_path, timeout=300)
    assert r.returncode != 0
    assert "TRIM BUNDLE CHECK FAILED" in r.stderr
