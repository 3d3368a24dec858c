"""Small pictures of a video's pieces: one frame per piece, and a contact sheet (PNG grid).

Qt-free so the app (hover thumbnails, File > Export contact sheet) and scripts share it.
Frames come from PyAV with a seek to the keyframe before each time, so a thumbnail costs
one short decode, not a pass over the video. The PNG is written to a temporary name and
renamed when complete, so no partial file is left behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable, Optional, Sequence

import av
import cv2
import numpy as np

from .errors import InputVideoError


def _seconds(seconds: float) -> str:
    whole = int(round(max(0.0, seconds)))
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _rotation(frame) -> int:
    try:
        return int(getattr(frame, "rotation", 0) or 0) % 360
    except (TypeError, ValueError):
        return 0


def grab_frames(path, times: Sequence[float], width: int = 240) -> list[Optional[np.ndarray]]:
    """RGB frames (h, ``width``, 3) uint8 at ``times`` seconds (None where none decodes).

    Times are in the pipeline's convention: seconds from the first frame.
    """
    out: list[Optional[np.ndarray]] = [None] * len(times)
    try:
        container = av.open(os.fspath(path))
    except (av.FFmpegError, OSError) as err:
        raise InputVideoError(f"Cannot read '{Path(path).name}': {err}") from err
    with container:
        if not container.streams.video:
            raise InputVideoError(f"'{Path(path).name}' has no video stream")
        vs = container.streams.video[0]
        tb = vs.time_base
        start = vs.start_time or 0
        for k in np.argsort(np.asarray(times, dtype=np.float64)):
            t = max(0.0, float(times[k]))
            try:
                container.seek(int(start + t / tb), stream=vs, backward=True, any_frame=False)
                best = None
                for frame in container.decode(vs):
                    if frame.pts is None:
                        continue
                    ft = float((frame.pts - start) * tb)
                    if best is None or ft <= t + 1e-3:
                        best = frame
                    if ft >= t - 1e-3:
                        break
            except (av.FFmpegError, OSError):
                continue
            if best is None:
                continue
            h = max(2, int(round(best.height * width / max(1, best.width))) // 2 * 2)
            rot = _rotation(best)
            if rot in (90, 270):
                h = max(2, int(round(best.width * width / max(1, best.height))) // 2 * 2)
                img = best.to_ndarray(format="rgb24", width=h, height=width)
            else:
                img = best.to_ndarray(format="rgb24", width=width, height=h)
            if rot:
                img = np.ascontiguousarray(np.rot90(img, k=-rot // 90))
            out[k] = np.ascontiguousarray(img)
    return out


def contact_sheet(
    images: Sequence[Optional[np.ndarray]],
    labels: Sequence[str],
    columns: int = 4,
    gap: int = 8,
    label_h: int = 24,
) -> np.ndarray:
    """One RGB image: ``images`` in a grid of ``columns``, each with its label under it."""
    if not images:
        raise ValueError("no pieces to show")
    tw = max((im.shape[1] for im in images if im is not None), default=240)
    th = max((im.shape[0] for im in images if im is not None), default=tw * 9 // 16)
    cols = max(1, min(columns, len(images)))
    rows = (len(images) + cols - 1) // cols
    cell_w, cell_h = tw + gap, th + label_h + gap
    sheet = np.full((rows * cell_h + gap, cols * cell_w + gap, 3), 24, np.uint8)
    for i, (im, label) in enumerate(zip(images, labels)):
        r, c = divmod(i, cols)
        x, y = gap + c * cell_w, gap + r * cell_h
        if im is not None:
            ih, iw = im.shape[:2]
            oy, ox = (th - ih) // 2, (tw - iw) // 2
            sheet[y + oy : y + oy + ih, x + ox : x + ox + iw] = im
        else:
            sheet[y : y + th, x : x + tw] = 60
        cv2.putText(
            sheet,
            label,
            (x + 2, y + th + label_h - 8),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (235, 235, 235),
            1,
            cv2.LINE_AA,
        )
    return sheet


def piece_labels(ranges: Iterable[tuple[float, float]]) -> list[str]:
    """``"3  0:12-0:20"``: the piece's place in the summary and its times."""
    return [f"{i + 1}  {_seconds(a)}-{_seconds(b)}" for i, (a, b) in enumerate(ranges)]


def write_png(path, image: np.ndarray) -> str:
    """Write an RGB image as PNG: temporary name in the same folder, then rename."""
    path = os.path.abspath(os.fspath(path))
    ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError("could not encode the PNG")
    fd, tmp = tempfile.mkstemp(prefix=".trim-sheet-", suffix=".png", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.tobytes())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def export_contact_sheet(
    video, ranges: Sequence[tuple[float, float]], out, columns: int = 4, width: int = 240
) -> str:
    """PNG grid of the pieces ``ranges`` (seconds) of ``video``: a frame from each
    piece's middle, labelled with its times. Returns the written path."""
    ranges = [(float(a), float(b)) for a, b in ranges]
    if not ranges:
        raise ValueError("no pieces to show")
    if os.path.abspath(os.fspath(out)) == os.path.abspath(os.fspath(video)):
        raise ValueError("the contact sheet cannot replace the video")
    frames = grab_frames(video, [(a + b) / 2 for a, b in ranges], width=width)
    return write_png(out, contact_sheet(frames, piece_labels(ranges), columns=columns))
