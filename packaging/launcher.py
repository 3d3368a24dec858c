"""Entry script of the frozen TRIM Desktop bundle (PyInstaller); also runs from source.

One program, several modes, chosen by the executable's name or the first argument:

    trim-desktop [VIDEO] [--sample]          the desktop app (trim_desktop.gui.app:main)
    trim-summarize VIDEO [options]           the command line (trim_desktop.cli.summarize)
    trim-desktop --summarize VIDEO [options] the same, from the GUI executable
    trim-desktop --smoke [VIDEO]             start the GUI offscreen, load VIDEO (default:
                                             the bundled sample), check Qt Multimedia's
                                             FFmpeg backend plays it, quit; exit 0 or 1
    trim-desktop --self-check                import and exercise every bundled dependency
                                             (torch, weights, PyAV codecs, OpenCV, Qt
                                             plugins); print a JSON report; exit 0 or 1
    trim-desktop --pipeline-check VIDEO OUT  core pipeline + MP4 export, as the GUI runs it
    trim-desktop --startup-time              window shown -> print the time, quit
    trim-desktop --version

A CPU-only bundle (build_info.json: "variant": "cpu") carries stub CUDA libraries
(packaging/cuda_stubs.py): it hides every GPU from torch before torch is imported, so the
stubs are never called.
"""

from __future__ import annotations

import json
import os
import sys
import time

_T0 = time.monotonic()
FROZEN = bool(getattr(sys, "frozen", False))
BASE = getattr(sys, "_MEIPASS", os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))


def build_info() -> dict:
    try:
        with open(os.path.join(BASE, "build_info.json"), encoding="utf-8") as f:
            return json.load(f)
    except OSError:
        return {"variant": "source", "version": "dev"}


INFO = build_info()


def fail(msg: str, code: int = 1) -> int:
    """A loud, one-block failure message (the smoke test greps for it)."""
    bar = "!" * 72
    sys.stderr.write(f"\n{bar}\nTRIM BUNDLE CHECK FAILED: {msg}\n{bar}\n")
    sys.stderr.flush()
    return code


def prepare_environment() -> None:
    if INFO.get("variant") == "cpu":
        # stub CUDA libraries inside: torch must see no GPU (it then never calls them)
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
        os.environ.setdefault("TRIM_CPU_ONLY_BUNDLE", "1")
    if FROZEN:
        weights = os.path.join(BASE, "weights")
        if os.path.isdir(weights):
            os.environ.setdefault("TRIM_BUNDLED_WEIGHTS", weights)
    # Qt Multimedia: the FFmpeg backend is the only one shipped
    os.environ.setdefault("QT_MEDIA_BACKEND", "ffmpeg")


def install_bundled_resnet50() -> None:
    """Let the ResNet-50 lookup find weights shipped inside the bundle.

    trim_desktop.core.backbones looks in the torch hub cache only. Until it also looks in
    the bundle (see docs/packaging.md, "Weights in a frozen app"), wrap its lookup when
    that module is first imported (not now: it imports torch, which the GUI loads only
    after its window shows). The user's own hub cache or --weights file still win.
    """
    weights = os.environ.get("TRIM_BUNDLED_WEIGHTS")
    if not weights or not os.path.isdir(weights):
        return
    import importlib.abc
    import importlib.util

    def patch(bb) -> None:
        if getattr(bb, "BUNDLED_WEIGHTS_AWARE", False):
            return
        bundled = os.path.join(weights, bb.RESNET50_FILE)
        if not os.path.isfile(bundled):
            return
        from pathlib import Path

        original_local, original_id = bb.resnet50_weights_local, bb.resnet50_weights_id

        def resnet50_weights_local(weights_path=None):
            found = original_local(weights_path)
            return found if found is not None else Path(bundled)

        def resnet50_weights_id(weights_file):
            if weights_file is not None and os.path.abspath(str(weights_file)) == bundled:
                return f"resnet50-{bb.RESNET50_HASH_PREFIX}"  # the hub file: same name, hash
            return original_id(weights_file)

        bb.resnet50_weights_local = resnet50_weights_local
        bb.resnet50_weights_id = resnet50_weights_id

    class Loader(importlib.abc.Loader):
        def __init__(self, inner):
            self.inner = inner

        def create_module(self, spec):
            return self.inner.create_module(spec)

        def exec_module(self, module):
            self.inner.exec_module(module)
            patch(module)

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name != "trim_desktop.core.backbones":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.loader is not None:
                spec.loader = Loader(spec.loader)
            return spec

    sys.meta_path.insert(0, Finder())


# ---------------------------------------------------------------- self-check


def self_check() -> int:
    """Import and exercise everything the app needs; a report line per item."""
    results: list[dict] = []

    def item(name, fn):
        t = time.monotonic()
        try:
            detail = fn()
            results.append(
                {"check": name, "ok": True, "detail": detail, "s": round(time.monotonic() - t, 2)}
            )
        except BaseException as err:  # noqa: BLE001
            results.append({"check": name, "ok": False, "detail": f"{type(err).__name__}: {err}"})

    def torch_cpu():
        import torch

        x = torch.randn(64, 64)
        y = torch.nn.functional.conv2d(torch.randn(1, 3, 32, 32), torch.randn(4, 3, 3, 3))
        assert y.shape == (1, 4, 30, 30)
        return {
            "version": torch.__version__,
            "cuda_build": torch.version.cuda,
            "cuda_available": torch.cuda.is_available(),
            "sum": float((x @ x).sum()),
        }

    def lite0():
        from trim_desktop.core.backbones import lite0_weights_file, load_backbone

        path = lite0_weights_file()
        assert path.is_file(), f"missing {path}"
        import numpy as np

        bb = load_backbone("efficientnet-lite0", "cpu")
        import torch

        with torch.no_grad():
            out = bb.module(bb.preprocess(np.zeros((1, 240, 320, 3), np.uint8), "crop"))
        return {"file": str(path), "dim": bb.dim, "out": list(out.shape)}

    def resnet50():
        from trim_desktop.core.backbones import resnet50_weights_local

        p = resnet50_weights_local()
        return {
            "file": str(p) if p else None,
            "note": None if p else "not bundled: auto uses efficientnet-lite0 offline",
        }

    def pyav():
        import av

        codecs = {}
        for name, mode in (("libx264", "w"), ("aac", "w"), ("h264", "r"), ("aac", "r")):
            codecs[f"{name}:{mode}"] = av.codec.Codec(name, mode).name
        return {"version": av.__version__, "codecs": codecs}

    def scientific():
        import geomloss  # noqa: F401
        import h5py
        import numpy
        import scipy

        return {"numpy": numpy.__version__, "scipy": scipy.__version__, "h5py": h5py.__version__}

    def app_modules():
        import importlib

        names = [
            "trim_desktop.core.pipeline",
            "trim_desktop.core.features",
            "trim_desktop.core.export",
            "trim_desktop.cli.summarize",
            "trim_desktop.gui.app",
            "trim_desktop.gui.main_window",
        ]
        for n in names:
            importlib.import_module(n)
        return names

    def qt():
        return qt_multimedia_check(None)

    item("torch", torch_cpu)
    item("app modules", app_modules)
    item("efficientnet-lite0 weights", lite0)
    item("resnet50 weights", resnet50)
    item("pyav", pyav)
    item("numpy/scipy/geomloss/h5py", scientific)
    item("qt multimedia", qt)
    report = {"build": INFO, "frozen": FROZEN, "checks": results}
    print(json.dumps(report, indent=1, default=str))
    bad = [r for r in results if not r["ok"]]
    if bad:
        return fail("; ".join(f"{r['check']}: {r['detail']}" for r in bad))
    print(f"self-check: all {len(results)} checks passed")
    return 0


def qt_multimedia_check(video) -> dict:
    """Qt platform + multimedia backend + (with ``video``) load it with QMediaPlayer."""
    from PySide6.QtCore import QCoreApplication, QTimer, QUrl
    from PySide6.QtMultimedia import QMediaFormat, QMediaPlayer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    player = QMediaPlayer()
    if not player.isAvailable():
        raise RuntimeError(
            "QMediaPlayer is not available: the Qt Multimedia FFmpeg backend "
            "(plugins/multimedia/libffmpegmediaplugin.so) did not load"
        )
    decoders = QMediaFormat().supportedVideoCodecs(QMediaFormat.ConversionMode.Decode)
    if not decoders:
        raise RuntimeError("the multimedia backend reports no video decoders")
    out = {
        "platform": app.platformName(),
        "decoders": len(decoders),
        "plugin_paths": QCoreApplication.libraryPaths(),
    }
    if video:
        state = {"done": False}
        player.setSource(QUrl.fromLocalFile(os.path.abspath(video)))

        def poll():  # runs inside app.exec() below, long before `del player`
            st = player.mediaStatus()  # noqa: F821
            if (
                st in (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.InvalidMedia)
                or player.error() != QMediaPlayer.Error.NoError  # noqa: F821
            ):
                state["done"] = True
                app.quit()

        timer = QTimer()
        timer.timeout.connect(poll)
        timer.start(50)
        QTimer.singleShot(15000, app.quit)
        app.exec()
        timer.stop()
        if (
            player.error() != QMediaPlayer.Error.NoError
            or player.mediaStatus() != QMediaPlayer.MediaStatus.LoadedMedia
        ):
            raise RuntimeError(
                f"QMediaPlayer could not load {video}: status "
                f"{player.mediaStatus().name}, error {player.errorString()!r}"
            )
        out.update(
            duration_ms=player.duration(), has_video=player.hasVideo(), has_audio=player.hasAudio()
        )
        if player.duration() <= 0 or not player.hasVideo():
            raise RuntimeError(f"QMediaPlayer loaded {video} without video or duration")
        player.setSource(QUrl())
    # free the player (and its FFmpeg threads) before anything tears Qt down
    player.deleteLater()
    del player
    app.processEvents()
    return out


# ---------------------------------------------------------------- GUI smoke


def gui_smoke(argv: list[str]) -> int:
    """Open the real main window offscreen with a video; exit 0 once it plays."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    video = argv[0] if argv else os.path.join(BASE, "resources", "sample.mp4")
    if not os.path.isfile(video):
        return fail(f"smoke video not found: {video}")
    try:
        mm = qt_multimedia_check(video)
    except Exception as err:  # noqa: BLE001
        return fail(f"Qt Multimedia: {err}")
    print("qt multimedia:", json.dumps({k: v for k, v in mm.items() if k != "plugin_paths"}))
    errors: list[str] = []
    try:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from trim_desktop.core.pipeline import SummarizeSettings
        from trim_desktop.gui.main_window import MainWindow
    except Exception as err:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        return fail(f"cannot import the GUI: {type(err).__name__}: {err}")

    app = QApplication.instance()
    previous_hook = sys.excepthook

    def hook(etype, value, tb):
        errors.append(f"{etype.__name__}: {value}")
        previous_hook(etype, value, tb)

    sys.excepthook = hook
    win = MainWindow(settings=SummarizeSettings())
    # an error dialog would block an offscreen run: record it instead
    win.show_error = lambda text, details=None, *a, **k: errors.append(str(text))
    win.show()
    shown = time.monotonic() - _T0
    seen = {"duration": 0.0}
    win.player.durationChanged.connect(lambda s: seen.__setitem__("duration", s))
    QTimer.singleShot(0, lambda: win.open_video(video))
    QTimer.singleShot(4000, app.quit)
    app.exec()
    print(f"gui smoke: window shown after {shown:.2f} s; player duration {seen['duration']:.2f} s")
    win.close()
    if errors:
        return fail("GUI reported: " + " | ".join(errors))
    if seen["duration"] <= 0:
        return fail("the main window's player never reported a duration for " + video)
    print("gui smoke: ok")
    return 0


# ---------------------------------------------------------------- pipeline check


def pipeline_check(argv: list[str]) -> int:
    """``--pipeline-check VIDEO OUT.mp4``: the core pipeline as the GUI calls it (not the
    CLI), then the MP4 export; proves torch, the weights, PyAV and the export work frozen."""
    if len(argv) != 2:
        return fail("usage: --pipeline-check VIDEO OUT.mp4", 2)
    try:
        from trim_desktop.core import pipeline

        t = time.monotonic()
        result = pipeline.summarize(argv[0], pipeline.SummarizeSettings(use_cache=False))
        pipeline.export(argv[0], result, argv[1])
    except Exception as err:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        return fail(f"pipeline: {type(err).__name__}: {err}")
    s = result.summary
    print(
        f"pipeline check: {len(s.selected)} segments, {s.selected_duration:.1f} s of "
        f"{result.info.duration:.1f} s on {result.device} in {time.monotonic() - t:.1f} s "
        f"-> {argv[1]}"
    )
    return 0


# ---------------------------------------------------------------- dispatch


def run_cli(argv: list[str]) -> int:
    try:
        from trim_desktop.cli import summarize
    except Exception as err:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        return fail(f"cannot import the command line: {type(err).__name__}: {err}")
    try:
        return summarize.main(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    except Exception:  # noqa: BLE001 - a bug: keep the traceback, say so
        import traceback

        traceback.print_exc()
        print(
            "error: unexpected failure (a bug); please report it with the lines above.",
            file=sys.stderr,
        )
        return 1


def run_gui(argv: list[str]) -> int:
    try:
        from trim_desktop.gui import app
    except Exception as err:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        return fail(f"cannot import the GUI: {type(err).__name__}: {err}")
    return app.main(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = os.path.basename(sys.argv[0]).lower()
    prepare_environment()
    install_bundled_resnet50()
    # the bundle checks work from either executable (on Windows and macOS only
    # trim-summarize has a console to print to)
    if argv[:1] == ["--self-check"]:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return self_check()
    if argv[:1] == ["--smoke"]:
        return gui_smoke(argv[1:])
    if argv[:1] == ["--pipeline-check"]:
        return pipeline_check(argv[1:])
    if argv[:1] == ["--bundle-version"] or (
        argv[:1] == ["--version"] and not prog.startswith("trim-summarize")
    ):
        print(
            f"TRIM Desktop {INFO.get('version')} ({INFO.get('variant')} build, "
            f"{INFO.get('built', '')})"
        )
        return 0
    if prog.startswith("trim-summarize"):
        return run_cli(argv)
    if argv[:1] == ["--summarize"]:
        return run_cli(argv[1:])
    return run_gui(argv)


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main())
