"""The field's benchmark h5 layout (DSNet / CSTA / PGL-SUM), read and written as one record per video.

Each top-level group (``video_1`` ...) holds ``features`` (n_steps, D), ``gtscore``
(n_steps,), ``user_summary`` (users, n_frames) binary, ``change_points`` (n_shots, 2)
inclusive frame ranges, ``n_frame_per_seg`` (n_shots,), ``n_frames``, ``picks`` (n_steps,)
frame indices of the samples, ``n_steps``, ``gtsummary`` (n_steps,) and, for SumMe,
``video_name``. ``user_scores`` (users, n_frames) is an optional extension holding raw
annotator scores, which the TVSum correlation protocol needs and the public files lack
(those come from ``ydata-anno.tsv``, see :func:`read_tvsum_annotations`).
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from trim_desktop.core.errors import OutputError, TrimError


class DatasetError(TrimError):
    """The dataset file is missing, not an h5 file, or lacks a field the protocol needs."""

    exit_code = 3


REQUIRED = ("features", "n_frames", "picks", "change_points")


@dataclass
class VideoRecord:
    """One video of a benchmark h5 file; optional fields are ``None`` when absent."""

    key: str
    features: np.ndarray  # (n_steps, D) float32
    picks: np.ndarray  # (n_steps,) int64 frame indices of the samples
    n_frames: int
    change_points: np.ndarray  # (n_shots, 2) int64, inclusive frame ranges
    n_frame_per_seg: Optional[np.ndarray] = None
    user_summary: Optional[np.ndarray] = None  # (users, n_frames) uint8
    gtscore: Optional[np.ndarray] = None
    gtsummary: Optional[np.ndarray] = None
    user_scores: Optional[np.ndarray] = None  # (users, n_frames) float32, raw annotations
    video_name: Optional[str] = None

    @property
    def n_steps(self) -> int:
        return int(self.features.shape[0])

    @property
    def shot_lengths(self) -> np.ndarray:
        """Shot lengths in frames; recomputed from change points so they always agree."""
        cps = self.change_points
        return (cps[:, 1] - cps[:, 0] + 1).astype(np.int64)


def natural_key(name: str):
    """Sort ``video_2`` before ``video_10``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _open(path, mode="r"):
    import h5py

    path = Path(path)
    if mode == "r":
        if not path.is_file():
            raise DatasetError(f"dataset file not found: {path}")
        try:
            return h5py.File(path, "r")
        except OSError as exc:
            raise DatasetError(f"not a readable h5 file: {path} ({exc})") from None
    return h5py.File(path, mode)


def list_keys(path) -> list[str]:
    """Group names in natural order."""
    with _open(path) as f:
        return sorted(f.keys(), key=natural_key)


def _opt(group, name, dtype=None):
    if name not in group:
        return None
    value = group[name][()]
    return np.asarray(value, dtype=dtype) if dtype is not None else value


def _decode(value) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0] if value.size else b""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _read_group(key: str, g) -> VideoRecord:
    missing = [name for name in REQUIRED if name not in g]
    if missing:
        raise DatasetError(f"video {key} lacks {', '.join(missing)} (not the field's h5 layout?)")
    features = np.asarray(g["features"][()], dtype=np.float32)
    if features.ndim != 2:
        raise DatasetError(f"video {key}: features must be 2-D (n_steps, D), got {features.shape}")
    picks = np.asarray(g["picks"][()], dtype=np.int64).reshape(-1)
    if len(picks) != len(features):
        raise DatasetError(f"video {key}: {len(picks)} picks but {len(features)} feature rows")
    cps = np.asarray(g["change_points"][()], dtype=np.int64).reshape(-1, 2)
    user_summary = _opt(g, "user_summary")
    if user_summary is not None:
        user_summary = (
            np.asarray(user_summary).reshape(-1, np.shape(user_summary)[-1]) > 0
        ).astype(np.uint8)
    user_scores = _opt(g, "user_scores", np.float32)
    return VideoRecord(
        key=key,
        features=features,
        picks=picks,
        n_frames=int(np.asarray(g["n_frames"][()]).reshape(-1)[0]),
        change_points=cps,
        n_frame_per_seg=_opt(g, "n_frame_per_seg", np.int64),
        user_summary=user_summary,
        gtscore=_opt(g, "gtscore", np.float32),
        gtsummary=_opt(g, "gtsummary", np.float32),
        user_scores=None if user_scores is None else user_scores.reshape(-1, user_scores.shape[-1]),
        video_name=_decode(_opt(g, "video_name")),
    )


def read_h5(path, keys: Optional[Iterable[str]] = None) -> dict[str, VideoRecord]:
    """Read all (or the named) videos, in natural key order."""
    with _open(path) as f:
        names = sorted(f.keys(), key=natural_key) if keys is None else list(keys)
        out = {}
        for key in names:
            if key not in f:
                raise DatasetError(f"video {key} is not in {path}")
            out[key] = _read_group(key, f[key])
    return out


def _write_group(g, rec: VideoRecord) -> None:
    g.create_dataset("features", data=np.asarray(rec.features, np.float32))
    g.create_dataset("picks", data=np.asarray(rec.picks, np.int64))
    g.create_dataset("n_frames", data=int(rec.n_frames))
    g.create_dataset("n_steps", data=int(rec.n_steps))
    g.create_dataset("change_points", data=np.asarray(rec.change_points, np.int64).reshape(-1, 2))
    nfps = rec.n_frame_per_seg if rec.n_frame_per_seg is not None else rec.shot_lengths
    g.create_dataset("n_frame_per_seg", data=np.asarray(nfps, np.int64))
    for name in ("user_summary", "gtscore", "gtsummary", "user_scores"):
        value = getattr(rec, name)
        if value is not None:
            g.create_dataset(name, data=np.asarray(value, np.float32))
    if rec.video_name is not None:
        g.create_dataset("video_name", data=rec.video_name.encode("utf-8"))


def write_h5(path, records: Sequence[VideoRecord] | dict) -> None:
    """Write records as a new h5 file; written beside the target and renamed when complete."""
    import h5py

    if isinstance(records, dict):
        records = list(records.values())
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        with h5py.File(tmp, "w") as f:
            for rec in records:
                _write_group(f.create_group(rec.key), rec)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc}") from None


def _parse_scores(text: str) -> np.ndarray:
    """Comma-separated scores; integer parsing first (TVSum's 1-5 scores, 3x faster)."""
    parts = text.split(",")
    try:
        return np.array(parts, dtype=np.int16).astype(np.float32)
    except (ValueError, OverflowError):
        return np.array(parts, dtype=np.float32)


def read_tvsum_annotations(path) -> list[tuple[str, str, np.ndarray]]:
    """``ydata-anno.tsv`` (optionally gzipped) -> [(youtube_id, category, scores (users, n_frames))].

    Videos keep the file's order, which is the order of the h5 keys: the i-th video of the
    file is ``video_i`` (CSTA's convention; the paper's Table 8 lists the same order).
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"annotation file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    rows: dict[str, list] = {}
    cats: dict[str, str] = {}
    try:
        with opener(path, "rt") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line:
                    continue
                parts = line.split("\t")
                if len(parts) != 3:
                    raise DatasetError(f"{path}:{n}: expected 3 tab-separated columns")
                vid, cat, scores = parts
                rows.setdefault(vid, []).append(_parse_scores(scores))
                cats[vid] = cat
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read annotations {path}: {exc}") from None
    out = []
    for vid, users in rows.items():
        lengths = {len(u) for u in users}
        if len(lengths) != 1:
            raise DatasetError(f"{path}: annotators of {vid} disagree on the frame count")
        out.append((vid, cats[vid], np.stack(users)))
    return out


def attach_tvsum_annotations(records: dict[str, VideoRecord], path) -> int:
    """Fill ``user_scores`` of ``video_i`` from the i-th video of ``ydata-anno.tsv``; returns how many.

    A record whose frame count differs from the annotation's by more than one frame is left
    alone (it is not the same video); small off-by-one differences are padded or cut.
    """
    annos = read_tvsum_annotations(path)
    filled = 0
    for i, (_vid, _cat, scores) in enumerate(annos, 1):
        rec = records.get(f"video_{i}")
        if rec is None:
            continue
        n = rec.n_frames
        if abs(scores.shape[1] - n) > 1:
            continue
        if scores.shape[1] < n:
            scores = np.pad(scores, ((0, 0), (0, n - scores.shape[1])), mode="edge")
        rec.user_scores = scores[:, :n]
        filled += 1
    return filled
