"""``trim-desktop [VIDEO] [--sample]``: start the desktop app.

Only Qt, numpy and pyqtgraph load before the window shows; torch and the models load in
a background thread afterwards (see MainWindow._start_warmup).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from typing import Optional, Sequence

from .. import __version__

_T0 = time.monotonic()


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="trim-desktop",
        description="TRIM Desktop: summarize a video into its important moments.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("video", nargs="?", help="a video to open")
    p.add_argument("--sample", action="store_true", help="open the bundled sample video")
    p.add_argument(
        "--backbone", default=None, help="feature backbone: auto, resnet50 or efficientnet-lite0"
    )
    p.add_argument("--device", default=None, help="auto, cpu, cuda or cuda:N")
    p.add_argument("--model", default=None, help="a model file from trim-train")
    p.add_argument(
        "--model-mode",
        choices=["as-is", "finetune"],
        default="as-is",
        help="with --model: use it as it is (instant scores) or fine-tune it on each video",
    )
    p.add_argument(
        "--theme",
        choices=["auto", "light", "dark"],
        default=None,
        help="colours: auto (follow the system, the default), light or dark",
    )
    p.add_argument("--startup-time", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(list(argv))


def _install_excepthook(window_getter) -> None:
    """Unexpected exceptions in slots: show a short message with details; keep running."""
    previous = sys.excepthook

    def hook(etype, value, tb):
        details = "".join(traceback.format_exception(etype, value, tb))
        sys.stderr.write(details)
        win = window_getter()
        if win is None or issubclass(etype, (KeyboardInterrupt, SystemExit)):
            previous(etype, value, tb)
            return
        try:
            win.show_error(f"Something went wrong: {value or etype.__name__}", details)
        except Exception:  # noqa: BLE001
            previous(etype, value, tb)

    sys.excepthook = hook


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)

    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .settings import APP, ORG

    QCoreApplication.setOrganizationName(ORG)
    QCoreApplication.setApplicationName(APP)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QApplication.setApplicationDisplayName(APP)
    QApplication.setStyle("Fusion")
    from . import theme

    theme.apply(app, args.theme)

    from ..core.api import SummarizeSettings
    from .main_window import ICON, MainWindow

    if ICON.exists():
        QApplication.setWindowIcon(QIcon(str(ICON)))
    settings = SummarizeSettings()
    if args.backbone:
        settings = settings.replace(backbone=args.backbone)
    if args.device:
        settings = settings.replace(device=args.device)
    win = MainWindow(settings=settings)
    if args.model:
        win.use_model(args.model, args.model_mode)
    _install_excepthook(lambda: win)
    win.show()
    if args.startup_time:

        def report():
            print(f"window shown after {time.monotonic() - _T0:.2f} s", flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    elif args.sample:
        QTimer.singleShot(0, win.open_sample)
    elif args.video:
        QTimer.singleShot(0, lambda: win.open_video(args.video))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
