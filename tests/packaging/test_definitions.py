"""Cheap checks of the packaging definitions (run in CI; nothing is built here).

What these machines cannot run (iscc, hdiutil, iconutil, codesign, PowerShell) is said in
docs/packaging.md; here: syntax, metadata and the CUDA-stub generator on a toy library.
"""

from __future__ import annotations

import configparser
import ctypes
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "packaging"
sys.path.insert(0, str(PKG))

import bundle_meta  # noqa: E402


def test_shell_scripts_parse():
    scripts = sorted(PKG.rglob("*.sh"))
    assert len(scripts) >= 5
    for s in scripts:
        r = subprocess.run(["bash", "-n", str(s)], capture_output=True, text=True)
        assert r.returncode == 0, f"{s}: {r.stderr}"


def test_python_files_compile():
    for p in [*PKG.glob("*.py"), PKG / "trim_desktop.spec"]:
        compile(p.read_text(encoding="utf-8"), str(p), "exec")


def test_desktop_entry():
    path = ROOT / "resources" / "trim-desktop.desktop"
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str
    cp.read(path, encoding="utf-8")
    e = cp["Desktop Entry"]
    assert e["Type"] == "Application"
    assert e["Name"] == "TRIM Desktop"
    assert e["Exec"].split()[0] == "trim-desktop" and "%f" in e["Exec"]
    assert e["Icon"] == "trim-desktop"
    assert e["Terminal"] == "false"
    for key in ("Categories", "MimeType", "Keywords"):
        assert e[key].endswith(";"), key
    assert "video/mp4" in e["MimeType"]
    tool = shutil.which("desktop-file-validate")
    if tool:
        r = subprocess.run([tool, str(path)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


def test_icons():
    png = (ROOT / "resources" / "icon.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (256, 256)
    root = ET.parse(ROOT / "resources" / "icon.svg").getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 256 256"


def test_info_plist_values():
    info = bundle_meta.info_plist()
    data = plistlib.dumps(info)
    back = plistlib.loads(data)
    assert back == info
    assert back["CFBundleIdentifier"] == bundle_meta.BUNDLE_ID
    assert re.fullmatch(r"[A-Za-z0-9.-]+", back["CFBundleIdentifier"])
    assert back["CFBundleShortVersionString"] == bundle_meta.version()
    assert re.fullmatch(r"\d+(\.\d+){0,2}", back["CFBundleVersion"])
    assert back["CFBundleExecutable"] == bundle_meta.GUI_EXE
    assert back["NSHighResolutionCapable"] is True


def test_version_has_one_source():
    import trim_desktop

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert bundle_meta.version() == trim_desktop.__version__
    assert 'dynamic = ["version"]' in text and "trim_desktop.__version__" in text
    assert not re.search(r'^version\s*=\s*"', text, re.M)  # not written twice


def test_inno_setup_script():
    iss = (PKG / "windows" / "trim-desktop.iss").read_text(encoding="utf-8")
    sections = re.findall(r"^\[(\w+)\]", iss, re.M)
    for s in ("Setup", "Files", "Icons", "Run", "Code"):
        assert s in sections
    setup = iss.split("[Setup]")[1].split("\n[")[0]
    keys = dict(
        line.split("=", 1)
        for line in setup.splitlines()
        if "=" in line and not line.startswith(";")
    )
    for k in (
        "AppId",
        "AppName",
        "AppVersion",
        "DefaultDirName",
        "OutputBaseFilename",
        "ArchitecturesInstallIn64BitMode",
        "SetupIconFile",
    ):
        assert k in keys, k
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", keys["AppId"])
    # the bundle folder it packs is the one the spec makes
    assert f'"..\\..\\dist\\{bundle_meta.BUNDLE_DIR}"' in iss
    # Pascal [Code]: begin/end balance
    code = iss.split("[Code]")[1]
    code = re.sub(r"'[^']*'", "", code)  # strings
    code = re.sub(r"\{[^}]*\}|//[^\n]*", "", code)  # comments
    words = re.findall(r"\b(begin|end)\b", code, re.I)
    assert words.count("begin") == words.count("end")
    iscc = shutil.which("iscc") or shutil.which("ISCC.exe")
    if iscc:  # only on Windows machines
        subprocess.run([iscc, "/Qp", str(PKG / "windows" / "trim-desktop.iss")], check=True)


def test_powershell_script():
    ps1 = PKG / "windows" / "build_windows.ps1"
    text = ps1.read_text(encoding="utf-8")
    assert text.count("{") == text.count("}")
    assert "trim_desktop.spec" in text and "trim-desktop.iss" in text
    pwsh = shutil.which("pwsh")
    if pwsh:
        cmd = (
            "$e=$null; [System.Management.Automation.Language.Parser]::ParseFile('%s', "  # noqa: UP031 - PowerShell braces
            "[ref]$null, [ref]$e) | Out-Null; if ($e) { $e; exit 1 }" % ps1
        )
        subprocess.run([pwsh, "-NoProfile", "-Command", cmd], check=True)


def test_launcher_dispatch_without_bundle(capsys):
    import launcher

    assert launcher.main(["--bundle-version"]) == 0
    assert "TRIM Desktop" in capsys.readouterr().out
    assert launcher.FROZEN is False


@pytest.mark.skipif(
    not (shutil.which("cc") and shutil.which("readelf")),
    reason="needs a C compiler and readelf (binutils)",
)
def test_cuda_stub_generator_on_a_toy_library(tmp_path):
    """A stub keeps the SONAME and symbol versions, exports only what consumers import,
    and its functions return the 'not initialized' status instead of doing anything."""
    import cuda_stubs

    (tmp_path / "real.c").write_text(
        "int cublasCreate_v2(void **h) { *h = 0; return 0; }\n"
        'const char *cublasGetStatusString(int s) { return "real"; }\n'
        "int cublasUnused(void) { return 0; }\n"
    )
    (tmp_path / "real.map").write_text("libcublas.so.13 { global: *; };\n")
    real = tmp_path / "real" / "libcublas.so.13"
    real.parent.mkdir()
    subprocess.run(
        [
            "cc",
            "-shared",
            "-fPIC",
            "-o",
            str(real),
            str(tmp_path / "real.c"),
            "-Wl,-soname,libcublas.so.13",
            "-Wl,--version-script=" + str(tmp_path / "real.map"),
        ],
        check=True,
    )
    (tmp_path / "user.c").write_text(
        "int cublasCreate_v2(void **h); const char *cublasGetStatusString(int);\n"
        "int use(void) { void *h; return cublasCreate_v2(&h) + (cublasGetStatusString(0) != 0); }\n"
    )
    user = tmp_path / "libuser.so"
    subprocess.run(
        [
            "cc",
            "-shared",
            "-fPIC",
            "-o",
            str(user),
            str(tmp_path / "user.c"),
            "-L" + str(real.parent),
            "-l:libcublas.so.13",
        ],
        check=True,
    )
    stub = tmp_path / "stub" / "libcublas.so.13"
    info = cuda_stubs.build_stub(str(real), stub, cuda_stubs.undefined(str(user)))
    assert info["soname"] == "libcublas.so.13" and info["symbols"] == 2
    assert cuda_stubs.soname(str(stub)) == "libcublas.so.13"
    names = {name: version for name, _k, _s, version in cuda_stubs.exported(str(stub))}
    assert names == {
        "cublasCreate_v2": "libcublas.so.13",
        "cublasGetStatusString": "libcublas.so.13",
    }
    lib = ctypes.CDLL(str(stub))
    assert lib.cublasCreate_v2(None) == 1  # CUBLAS_STATUS_NOT_INITIALIZED, touches nothing
    lib.cublasGetStatusString.restype = ctypes.c_char_p
    assert b"CPU-only" in lib.cublasGetStatusString(0)
    # the consumer links against the stub by SONAME + version
    ctypes.CDLL(str(stub), mode=ctypes.RTLD_GLOBAL)
    assert ctypes.CDLL(str(user)).use() == 2
