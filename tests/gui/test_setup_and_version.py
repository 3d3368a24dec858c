"""Quick start opens a real window: setup.sh installs every library Qt's xcb platform
plugin needs; the version is one and the same in About, trim-desktop and trim-summarize."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import trim_desktop

ROOT = Path(__file__).resolve().parents[2]
QT = Path(__import__("PySide6").__file__).parent / "Qt"
BASE = {
    "libc.so.6",
    "libm.so.6",
    "libstdc++.so.6",
    "libgcc_s.so.1",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "ld-linux-x86-64.so.2",
    "libz.so.1",
}


def needed(lib: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(lib)], capture_output=True, text=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


def setup_table() -> dict[str, str]:
    text = (ROOT / "scripts" / "setup.sh").read_text()
    block = text.split('QT_LIBS="', 1)[1].split('"', 1)[0]
    return dict(pair.split(":", 1) for pair in block.split())


@pytest.mark.skipif(
    shutil.which("readelf") is None or not (QT / "plugins/platforms/libqxcb.so").exists(),
    reason="needs readelf and PySide6's xcb plugin",
)
def test_setup_installs_every_system_library_of_the_xcb_plugin():
    """Before: libxcb-icccm4 and libxcb-keysyms1 were missing on a fresh Debian 12, so
    `bash scripts/run-sample.sh` opened no window."""
    libs = [
        QT / "plugins/platforms/libqxcb.so",
        QT / "lib/libQt6XcbQpa.so.6",
        *sorted((QT / "plugins/xcbglintegrations").glob("*.so")),
        QT / "lib/libQt6Gui.so.6",
        QT / "lib/libQt6Multimedia.so.6",
    ]
    system = set()
    for lib in libs:
        if lib.exists():
            system |= {n for n in needed(lib) if not n.startswith("libQt6") and n not in BASE}
    table = setup_table()
    missing = sorted(system - set(table))
    assert not missing, f"scripts/setup.sh does not install {missing}"
    assert table["libxcb-icccm.so.4"] == "libxcb-icccm4"
    assert table["libxcb-keysyms.so.1"] == "libxcb-keysyms1"


def test_readme_says_how_to_open_your_own_video():
    readme = (ROOT / "README.md").read_text()
    assert "trim-desktop VIDEO" in readme or "trim-desktop my-video" in readme


def test_version_flags_print_the_one_version():
    v = trim_desktop.__version__
    for mod in ("trim_desktop.gui.app", "trim_desktop.cli.summarize"):
        code = (
            f"import sys; from {mod} import {'main' if mod.endswith('app') else 'build_parser'} as f; "
            + (
                "sys.exit(f(['--version']))"
                if mod.endswith("app")
                else "f().parse_args(['--version'])"
            )
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip().endswith(v), out.stdout


def test_about_shows_the_version(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from trim_desktop.gui import dialogs

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    dialogs.show_about(None, "<b>TRIM Desktop</b><br>Self-supervised video summarization.")
    assert trim_desktop.__version__ in shown[0] and "Self-supervised" in shown[0]
