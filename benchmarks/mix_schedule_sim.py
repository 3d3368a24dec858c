"""How the parallel sampler shares chunks between decoders of two speeds ("mix": NVDEC
decoders beside CPU ones), with decoding replaced by sleeps (no GPU needed).

    python -m benchmarks.mix_schedule_sim

Chunks are read in order, so a slow decoder holding the next chunk to read makes the
others wait once the chunks ahead run out. Prints, for speed ratios 1.5, 3 and 10
between the kinds (10: say, eight NVDEC decoders sharing a GPU's single engine), the
time for 32 chunks with the fast decoders alone, with slow ones beside them, and the
ideal (all decoders busy to the end), under three rules: one chunk ahead per decoder;
:func:`video_chunks.chunks_ahead` (twice that for two kinds) without second copies; and
the sampler as it is (second copies of slow chunks on idle quicker decoders, and a
decoder whose chunk a second copy finished first is left out).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from trim_desktop.core import video, video_chunks as vc  # noqa: E402

FAST_S = 0.10   # seconds per chunk of a fast decoder
CHUNKS = 32
STEPS = 20      # a chunk's sleep is cut in this many steps (a stopped copy ends early)


class Fast:
    secs = FAST_S


class Slow:
    secs = FAST_S


def _fake_chunk(path, job, rate, size, cancel, source):
    for _ in range(STEPS):
        if job.stop.is_set():
            break
        time.sleep(source.secs / STEPS)
    job.samples.put((job.copy, video.SampledFrame(0, 0.0, None)))
    return vc._Done(k=job.k, count=1)


def _run(sources) -> float:
    chunks = [vc.Chunk(None, None, None, 0)] * CHUNKS
    t = time.perf_counter()
    for _ in vc.iter_chunked_samples("sim", chunks, 2.0, sources=sources):
        pass
    return time.perf_counter() - t


def _no_second_copies(self, kind, elapsed):
    return None


def main() -> int:
    real_chunk, real_ahead = vc._sample_chunk, vc.chunks_ahead
    real_quicker = vc._Decoders.take_quicker
    vc._sample_chunk = _fake_chunk
    rules = (("one ahead per decoder, no second copies", lambda s: len(s) + 1, False),
             ("chunks_ahead, no second copies", real_ahead, False),
             ("chunks_ahead + second copies, slow ones left out (as built)", real_ahead, True))
    try:
        for ratio in (1.5, 3.0, 10.0):
            Slow.secs = FAST_S * ratio
            for rule, ahead, copies in rules:
                vc.chunks_ahead = ahead
                vc._Decoders.take_quicker = real_quicker if copies else _no_second_copies
                cells = []
                for label, srcs in (("8 fast", [Fast()] * 8),
                                    ("8 slow + 8 fast", [Slow()] * 8 + [Fast()] * 8),
                                    ("1 slow + 8 fast", [Slow()] + [Fast()] * 8),
                                    ("4 fast", [Fast()] * 4),
                                    ("4 slow + 4 fast", [Slow()] * 4 + [Fast()] * 4)):
                    ideal = CHUNKS / sum(1 / s.secs for s in srcs)
                    cells.append(f"{label} {_run(srcs):.2f} s (ideal {ideal:.2f})")
                print(f"slow = {ratio}x, {rule}: " + "; ".join(cells), flush=True)
    finally:
        vc._sample_chunk, vc.chunks_ahead = real_chunk, real_ahead
        vc._Decoders.take_quicker = real_quicker
    return 0


if __name__ == "__main__":
    sys.exit(main())
