"""Names, version and macOS Info.plist values shared by the spec, the installers and tests."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "TRIM Desktop"
BUNDLE_DIR = "TRIM-Desktop"  # dist/<BUNDLE_DIR>/ (one-folder bundle)
GUI_EXE = "trim-desktop"
CLI_EXE = "trim-summarize"
BUNDLE_ID = "org.trimdesktop.TRIMDesktop"
PUBLISHER = "TRIM Desktop contributors"
URL = "https://github.com/trim-desktop/trim-desktop"


def version() -> str:
    """``trim_desktop.__version__``, read as text (no import: the spec runs without torch)."""
    text = (ROOT / "trim_desktop" / "__init__.py").read_text(encoding="utf-8")
    m = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    return m.group(1) if m else "0.0.0"


def info_plist() -> dict:
    """Info.plist entries for the macOS .app (PyInstaller BUNDLE(info_plist=...))."""
    v = version()
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": v,
        "CFBundleVersion": v,
        "CFBundlePackageType": "APPL",
        "CFBundleExecutable": GUI_EXE,
        "LSMinimumSystemVersion": "12.0",
        "LSApplicationCategoryType": "public.app-category.video",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,
        "NSHumanReadableCopyright": "MIT licence. TRIM: Mishra, Ballester, Karatzas.",
        "CFBundleDocumentTypes": [
            {
                "CFBundleTypeName": "Video",
                "CFBundleTypeRole": "Viewer",
                "LSHandlerRank": "Alternate",
                "LSItemContentTypes": [
                    "public.movie",
                    "public.mpeg-4",
                    "com.apple.quicktime-movie",
                ],
            }
        ],
    }
