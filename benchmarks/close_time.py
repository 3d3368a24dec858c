"""How long closing the window takes while a summarize runs (issue 20 item 8).

    DISPLAY=:99 QT_QPA_PLATFORM=xcb python benchmarks/close_time.py [VIDEO]

Opens VIDEO (default: the bundled sample), starts Summarize, closes the window as soon as
training has started and prints how long ``close()`` took and when the cancelled jobs
had ended behind it. Throw-away settings; features come from the usual cache.
"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ["TRIM_DESKTOP_SETTINGS"] = os.path.join(tempfile.mkdtemp(), "s.ini")
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from trim_desktop.core.pipeline import SummarizeSettings
from trim_desktop.gui import jobs as J
from trim_desktop.gui.main_window import MainWindow

app = QApplication([])
app.setStyle("Fusion")


def spin(cond, s):
    end = time.monotonic() + s
    while not cond() and time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


w = MainWindow(settings=SummarizeSettings(backbone="efficientnet-lite0", device="cpu"))
w.resize(1024, 700)
w.show()
spin(lambda: w.panel.presets_loaded, 60)
w.open_video(sys.argv[1] if len(sys.argv) > 1 else "resources/sample.mp4")
spin(lambda: w.info is not None, 30)
w.summarize()
spin(
    lambda: (
        "Learning" in w.activity.stage_label.full_text()
        or "Scoring" in w.activity.stage_label.full_text()
    ),
    120,
)
print("stage:", w.activity.stage_label.full_text())
t0 = time.monotonic()
w.close()
t1 = time.monotonic()
print(f"close() returned after {1000 * (t1 - t0):.0f} ms, visible={w.isVisible()}")
t2 = time.monotonic()
J.wait_behind()
t3 = time.monotonic()
print(f"cancelled jobs ended {1000 * (t3 - t0):.0f} ms after close")
