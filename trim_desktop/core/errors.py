"""Errors a user can act on. Each has a one-line message and a documented exit code.

The CLI prints ``str(err)`` on one line and exits with ``err.exit_code``; the GUI shows
the same text in a dialog. Anything else that escapes is a bug (exit code 1).
"""

from __future__ import annotations


class TrimError(Exception):
    """Base class: a clear, user-facing failure."""

    exit_code = 1


class UsageError(TrimError):
    """The command line asks for something impossible (two outputs on one path, an
    output on an input, one side-file name for several videos)."""

    exit_code = 2


class InputVideoError(TrimError):
    """The input cannot be read as a video (missing, unreadable, corrupt, no video stream, too short)."""

    exit_code = 3


class OutputError(TrimError):
    """The output cannot be written (read-only folder, same path as the input, disk full)."""

    exit_code = 4


class WeightsError(TrimError):
    """Backbone weights are missing and cannot be downloaded (offline)."""

    exit_code = 5


class DeviceError(TrimError):
    """The requested device is not available (e.g. --device cuda without a GPU)."""

    exit_code = 6


EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130
"""Ctrl-C (SIGINT): 128 + 2, as shells report it."""


def exit_code_for_signal(signum: int) -> int:
    """128 + the signal number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + int(signum)
