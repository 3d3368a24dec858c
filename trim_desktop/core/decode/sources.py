"""Frame sources: what a parallel chunk decodes with. A source opens the file and sets up
its video stream's decoder; the chunk then reads it like any other container, so every
source gives the same samples (:class:`CpuFrames` here, ``nvdec.NvdecFrames`` on the GPU).
"""

from __future__ import annotations

from typing import Protocol

from .stream import enable_threads, open_input


class FrameSource(Protocol):
    """Opens ``path`` for one chunk's decoder and configures its video stream."""

    def open(self, path): ...

    def configure(self, stream) -> None: ...


class CpuFrames:
    """libavcodec on the CPU with ``threads`` frame threads per decoder."""

    def __init__(self, threads: int = 1):
        self.threads = max(1, int(threads))

    def open(self, path):
        return open_input(path)

    def configure(self, stream) -> None:
        enable_threads(stream, self.threads)
