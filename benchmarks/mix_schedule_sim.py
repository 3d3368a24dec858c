"""How the parallel sampler shares chunks between decoders of two speeds ("mix": NVDEC
decoders beside CPU ones), with decoding replaced by sleeps (no GPU needed).

    python -m benchmarks.mix_schedule_sim

Chunks are read in order, so a slow decoder holding the next chunk to read makes the
others wait once the chunks ahead run out. Prints, for speed ratios 1.5 and 3 between the
kinds, the time for 32 chunks with the fast decoders alone, with slow ones beside them,
and the ideal (all decoders busy to the end), once with one chunk ahead per decoder and
once with :func:`video_chunks.chunks_ahead` (twice that for two kinds).
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


class Fast:
    secs = FAST_S


class Slow:
    secs = FAST_S


def _fake_chunk(path, job, rate, size, cancel, source):
    time.sleep(source.secs)
    job.samples.put(video.SampledFrame(0, 0.0, None))
    return vc._Done(k=job.k, count=1)


def _run(sources) -> float:
    chunks = [vc.Chunk(None, None, None, 0)] * CHUNKS
    t = time.perf_counter()
    for _ in vc.iter_chunked_samples("sim", chunks, 2.0, sources=sources):
        pass
    return time.perf_counter() - t


def main() -> int:
    real_chunk, real_ahead = vc._sample_chunk, vc.chunks_ahead
    vc._sample_chunk = _fake_chunk
    try:
        for ratio in (1.5, 3.0):
            Slow.secs = FAST_S * ratio
            for rule, ahead in (("one ahead per decoder", lambda s: len(s) + 1),
                                ("chunks_ahead", real_ahead)):
                vc.chunks_ahead = ahead
                cells = []
                for label, srcs in (("8 fast", [Fast()] * 8),
                                    ("8 slow + 8 fast", [Slow()] * 8 + [Fast()] * 8),
                                    ("1 slow + 8 fast", [Slow()] + [Fast()] * 8)):
                    ideal = CHUNKS / sum(1 / s.secs for s in srcs)
                    cells.append(f"{label} {_run(srcs):.2f} s (ideal {ideal:.2f})")
                print(f"slow = {ratio}x, {rule}: " + "; ".join(cells), flush=True)
    finally:
        vc._sample_chunk, vc.chunks_ahead = real_chunk, real_ahead
    return 0


if __name__ == "__main__":
    sys.exit(main())
