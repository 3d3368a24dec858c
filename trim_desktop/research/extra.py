"""Research mode's own packages (the ``research`` extra: scipy, h5py).

The app and trim-summarize never need them, so a plain install leaves them out; a
research CLI that meets one missing says in one line which extra to install.
"""

from __future__ import annotations

import importlib

from ..core.errors import UsageError

INSTALL = "pip install 'trim-desktop[research]'"


class MissingExtraError(UsageError):
    """A research package is not installed (exit code 2: fix the setup, then rerun)."""


def require(*modules: str, tool: str) -> None:
    """Raise MissingExtraError naming the extra when any of ``modules`` cannot be imported."""
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingExtraError(
            f"{tool} needs {' and '.join(missing)}, which come with the research extra: {INSTALL}"
        )
