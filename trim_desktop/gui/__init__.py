"""Desktop application (PySide6). Widgets render state; workers only call the core."""
