"""Desktop application (PySide6). Widgets render state; workers only call the core.

PySide6 is pinned below 6.12: shiboken6 6.12 drops a reference to ``None`` on every void
Qt call under Python 3.11 and the interpreter aborts ("none_dealloc") after a few
thousand calls; 6.11.3 does not (measured, see tests/gui/test_qt_binding.py).
"""
