"""``-v`` / ``--log FILE`` for every CLI: where the core's log lines go.

The core logs what it decides (backbone fallbacks, decoding strategy, cache misses) with
``logging``; without these options only warnings reach stderr (Python's default).
``-v`` shows INFO on stderr, ``-vv`` DEBUG; ``--log FILE`` appends everything (DEBUG)
to FILE, for a bug report, whatever ``-v`` says.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional

PACKAGE = "trim_desktop"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_installed: list[logging.Handler] = []
"""The handlers the last setup_logging() added (a second call replaces them: tests run
several mains in one process)."""


def add_log_options(parser: argparse.ArgumentParser) -> None:
    """Add ``-v/--verbose`` (counted) and ``--log FILE`` to ``parser``."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="show what each stage does on stderr (-v: info, -vv: debug)",
    )
    parser.add_argument("--log", metavar="FILE", help="append a detailed (debug) log to FILE")


def setup_logging(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Optional[Path]:
    """Configure the ``trim_desktop`` loggers from ``args.verbose`` and ``args.log``.

    Returns the log file's path (None without ``--log``). A log file that cannot be
    opened ends the run as a bad command line (``parser.error``: one line, exit 2).
    """
    verbose = int(getattr(args, "verbose", 0) or 0)
    log_path = Path(args.log) if getattr(args, "log", None) else None
    logger = logging.getLogger(PACKAGE)
    for handler in _installed:
        logger.removeHandler(handler)
        handler.close()
    _installed.clear()
    if not verbose and log_path is None:
        logger.setLevel(logging.NOTSET)
        return None
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(
        logging.WARNING if not verbose else logging.INFO if verbose == 1 else logging.DEBUG
    )
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [console]
    if log_path is not None:
        try:
            file = logging.FileHandler(log_path, encoding="utf-8")
        except OSError as err:
            parser.error(f"--log: cannot write '{log_path}': {err.strerror or err}")
        file.setLevel(logging.DEBUG)
        file.setFormatter(logging.Formatter(FORMAT))
        handlers.append(file)
    logger.setLevel(min(h.level for h in handlers))
    for handler in handlers:
        logger.addHandler(handler)
    _installed.extend(handlers)
    return log_path
