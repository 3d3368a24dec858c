"""``trim-summarize`` with a slowed-down encoder, for signal tests: the export then lasts
seconds, so a signal sent once it has started surely lands mid-export (when the hidden
``.NAME.partial-XXXX.mp4`` file exists). Run as ``python -m tests.robustness.slow_export_cli``."""

from __future__ import annotations

import sys
import time

from trim_desktop.cli import summarize
from trim_desktop.core import export

_encode = export._Exporter._encode_video


def _slow_encode(self, frame, out_t):
    time.sleep(0.05)
    return _encode(self, frame, out_t)


if __name__ == "__main__":
    export._Exporter._encode_video = _slow_encode
    sys.exit(summarize.main(sys.argv[1:]))
