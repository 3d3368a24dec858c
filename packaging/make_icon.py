"""Draw the TRIM Desktop icon: resources/icon.svg (source) and icon.png (256x256).

A film strip with one highlighted (kept) segment and an importance curve above it.
    python packaging/make_icon.py [--ico build/icon.ico] [--icns-dir build/icon.iconset]
The PNG is rendered from the SVG with QtSvg (offscreen), so the two always match.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BG, STRIP, FRAME, HOLE, KEEP, CURVE = (
    "#1d2633",
    "#2f3b4c",
    "#5b6b80",
    "#1d2633",
    "#ff9f1c",
    "#7fd1ff",
)


def svg() -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">',
        "<title>TRIM Desktop</title>",
        f'<rect x="8" y="8" width="240" height="240" rx="48" fill="{BG}"/>',
        # importance curve
        f'<path d="M28 92 C52 88 60 104 76 100 S104 60 124 58 S150 70 160 84 S196 100 228 90" '
        f'fill="none" stroke="{CURVE}" stroke-width="8" stroke-linecap="round"/>',
        # the film strip
        f'<rect x="20" y="120" width="216" height="92" rx="10" fill="{STRIP}"/>',
    ]
    for i in range(11):  # sprocket holes, top and bottom
        x = 27 + i * 19.6
        parts.append(f'<rect x="{x:.1f}" y="126" width="10" height="10" rx="2" fill="{HOLE}"/>')
        parts.append(f'<rect x="{x:.1f}" y="196" width="10" height="10" rx="2" fill="{HOLE}"/>')
    for i in range(5):  # frames
        x = 26 + i * 41.6
        fill = KEEP if i in (2, 3) else FRAME
        parts.append(f'<rect x="{x:.1f}" y="142" width="36" height="48" rx="4" fill="{fill}"/>')
    # the kept segment's bracket
    parts.append(
        f'<rect x="105" y="114" width="88" height="104" rx="8" fill="none" '
        f'stroke="{KEEP}" stroke-width="6"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def render_png(svg_path: Path, png_path: Path, size: int = 256) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg_path)).render(painter)
    painter.end()
    if not img.save(str(png_path)):
        raise SystemExit(f"could not write {png_path}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ico", help="also write a Windows .ico (16..256 px)")
    ap.add_argument("--iconset", help="also write a macOS .iconset folder (iconutil -c icns)")
    args = ap.parse_args()
    res = ROOT / "resources"
    (res / "icon.svg").write_text(svg(), encoding="utf-8")
    render_png(res / "icon.svg", res / "icon.png", 256)
    if args.ico:  # Pillow writes multi-size ICO from the 256 px PNG
        from PIL import Image

        Path(args.ico).parent.mkdir(parents=True, exist_ok=True)
        Image.open(res / "icon.png").save(
            args.ico, sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
        )
    if args.iconset:
        out = Path(args.iconset)
        out.mkdir(parents=True, exist_ok=True)
        for s in (16, 32, 128, 256, 512):
            render_png(res / "icon.svg", out / f"icon_{s}x{s}.png", s)
            render_png(res / "icon.svg", out / f"icon_{s}x{s}@2x.png", 2 * s)
    print(f"wrote {res / 'icon.svg'} and {res / 'icon.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
