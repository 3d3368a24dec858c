"""Qt binding quirks the suite must avoid: a leak of references to None (PySide6 6.12 +
Python 3.11), and a crash when Qt's message handler is swapped during playback."""

import subprocess
import sys
import textwrap


def test_void_qt_calls_keep_none_alive():
    code = textwrap.dedent("""
        import sys
        from PySide6.QtWidgets import QApplication, QLabel
        app = QApplication([])
        label = QLabel()
        before = sys.getrefcount(None)
        for i in range(20000):
            label.setText(str(i))
            app.processEvents()
        print(sys.getrefcount(None) - before)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    assert abs(int(proc.stdout.strip().splitlines()[-1])) < 100


def test_qt_message_capture_is_off(request):
    """pyproject's ``--no-qt-log``: pytest-qt would swap Qt's message handler after each
    test, and a media thread logging at that moment crashes PySide6 (see pyproject.toml)."""
    assert request.config.getoption("qt_log") is False
