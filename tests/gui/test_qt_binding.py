"""The pinned Qt binding must not leak references to None (PySide6 6.12 + Python 3.11 did)."""
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
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-500:]
    assert abs(int(proc.stdout.strip().splitlines()[-1])) < 100
