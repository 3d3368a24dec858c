"""On-disk feature cache, so re-summarising a video (new budget, new loss weights)
skips the expensive decode + CNN pass.

Keys come from the file's identity (size, mtime_ns, a hash of its first and last MiB:
a re-encoded file under the same name must miss) and every setting that changes the
features. Entries are .npz files written atomically and carrying a checksum: a damaged
entry is deleted and treated as a miss, and a cache that cannot be written (read-only,
disk full) only logs a warning. The cache is an optimisation; it must never break a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from platformdirs import user_cache_dir

from . import quality

log = logging.getLogger(__name__)

FEATURE_VERSION = 2
"""Bump when extraction changes what an entry holds (2: the picture measures of core.quality)."""
ENV_VAR = "TRIM_DESKTOP_CACHE"
APP_NAME = "trim-desktop"
_CHUNK = 1 << 20


def default_cache_root() -> Path:
    """The per-user cache folder for features ($TRIM_DESKTOP_CACHE overrides): the
    platform's own (platformdirs: ~/.cache/trim-desktop on Linux, ~/Library/Caches on
    macOS, %LOCALAPPDATA% on Windows), subfolder ``features``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(user_cache_dir(APP_NAME, appauthor=False)) / "features"


def legacy_cache_roots() -> list[Path]:
    """Where earlier versions (hand-written per-OS paths) kept features, when that
    differs from :func:`default_cache_root` (macOS and Windows; on Linux it is the same
    folder). Entries found there are still read, and moved to the new folder on use."""
    if os.environ.get(ENV_VAR):
        return []
    platform = sys.platform  # (a variable: type checkers skip other platforms' branches)
    if platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        old = Path(base) / "TRIM Desktop" / "cache" / "features"
    elif platform == "darwin":
        old = Path.home() / "Library" / "Caches" / "TRIM Desktop" / "features"
    else:
        return []
    return [old] if old != default_cache_root() else []


def file_identity(path) -> dict:
    """Size, mtime_ns and sha256 of the first and last MiB: cheap even for 10 GB files,
    and it changes when the content is replaced even if the name does not."""
    p = Path(path)
    st = p.stat()
    h = hashlib.sha256()
    with open(p, "rb") as f:
        h.update(f.read(_CHUNK))
        if st.st_size > _CHUNK:
            f.seek(max(_CHUNK, st.st_size - _CHUNK))
            h.update(f.read(_CHUNK))
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "head_tail_sha256": h.hexdigest()}


def _arrays_checksum(arrays: dict) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _jsonable(value):
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


class FeatureCache:
    """Features on disk under ``root`` (default: :func:`default_cache_root`)."""

    def __init__(self, root: Optional[str | Path] = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_root()
        self.legacy_roots: list[Path] = legacy_cache_roots() if root is None else []
        """Older default folders, read when an entry is not in ``root`` (then moved)."""
        self.last_problem: str = ""
        """Why the last get() missed on a bad entry or put() failed ("" if neither)."""

    # ------------------------------------------------------------ keys
    def key(self, path, **settings) -> str:
        """A hex key for ``path`` with ``settings`` (backbone, weights, preprocess, rate...).

        Raises OSError if the video cannot be read (the caller reports it as an input error).
        """
        payload = {
            "file": file_identity(path),
            "settings": {k: _jsonable(v) for k, v in sorted(settings.items())},
            "feature_version": FEATURE_VERSION,
        }
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:40]

    def entry_path(self, key: str) -> Path:
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.root / f"{key}.npz"

    # ------------------------------------------------------------ read
    def get(self, key: str):
        """The cached :class:`~trim_desktop.core.feature_set.Features`, or None.

        Anything wrong with the entry (truncated, bit flip, other key, old format) makes
        it a miss, and the entry is deleted so the next put() rebuilds it. An entry found
        only in a legacy folder is read and moved to ``root``.
        """
        path = self.entry_path(key)
        if path.is_file():
            features = self._read(path, key)
            log.info("feature cache: %s %s", "hit" if features is not None else "miss", path)
            return features
        for old_root in self.legacy_roots:
            old = old_root / path.name
            if old.is_file():
                features = self._read(old, key)
                if features is not None and self.put(key, features):
                    log.info("feature cache: moved %s to %s", old, self.root)
                    self._remove(old)
                return features
        log.debug("feature cache: no entry %s", path)
        return None

    def _read(self, path: Path, key: str):
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode("utf-8"))
                arrays = {n: z[n] for n in ("values", "frame_indices", "timestamps", "quality")}
            if meta.get("key") != key or meta.get("feature_version") != FEATURE_VERSION:
                raise ValueError("entry belongs to another key or version")
            if meta.get("checksum") != _arrays_checksum(arrays):
                raise ValueError("checksum mismatch")
            n = len(arrays["values"])
            if (
                arrays["values"].ndim != 2
                or len(arrays["frame_indices"]) != n
                or len(arrays["timestamps"]) != n
                or len(arrays["quality"]) != n
            ):
                raise ValueError("inconsistent array shapes")
            return self._features(meta, arrays)
        except Exception as err:  # noqa: BLE001 - any damage at all means "rebuild"
            self.last_problem = f"damaged cache entry {path.name} ({err}); rebuilding"
            log.warning("feature cache: %s", self.last_problem)
            self._remove(path)
            return None

    @staticmethod
    def _features(meta: dict, arrays: dict):
        from .decode.info import VideoInfo
        from .feature_set import Features  # (on the first hit: the cache needs only numpy)

        info_d = meta["info"]
        names = {f.name for f in fields(VideoInfo)}
        if set(info_d) != names:
            raise ValueError("stored video info has another format")
        return Features(
            values=arrays["values"].astype(np.float32, copy=False),
            frame_indices=arrays["frame_indices"].astype(np.int64, copy=False),
            timestamps=arrays["timestamps"].astype(np.float64, copy=False),
            backbone=meta["backbone"],
            preprocess=meta["preprocess"],
            rate=float(meta["rate"]),
            info=VideoInfo(**info_d),
            from_cache=True,
            backbone_reason=meta.get("backbone_reason", ""),
            quality=arrays["quality"].astype(np.float32, copy=False),
        )

    # ------------------------------------------------------------ write
    def put(self, key: str, features) -> bool:
        """Store ``features`` under ``key``; False (with a warning) if it cannot be written."""
        arrays: dict[str, np.ndarray] = {
            "values": np.ascontiguousarray(features.values, dtype=np.float32),
            "frame_indices": np.ascontiguousarray(features.frame_indices, dtype=np.int64),
            "timestamps": np.ascontiguousarray(features.timestamps, dtype=np.float64),
            "quality": np.ascontiguousarray(
                features.quality
                if features.quality is not None
                else np.zeros((len(features.values), len(quality.COLUMNS))),
                dtype=np.float32,
            ),
        }
        info = features.info
        info_d = (
            asdict(info) if is_dataclass(info) and not isinstance(info, type) else dict(info or {})
        )
        meta = {
            "key": key,
            "feature_version": FEATURE_VERSION,
            "backbone": features.backbone,
            "preprocess": features.preprocess,
            "rate": float(features.rate),
            "info": {k: _jsonable(v) for k, v in info_d.items()},
            "backbone_reason": getattr(features, "backbone_reason", ""),
            "checksum": _arrays_checksum(arrays),
        }
        meta_arr = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        path = self.entry_path(key)
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=self.root)
            with os.fdopen(fd, "wb") as f:
                # numpy's stub cannot tell **arrays from its allow_pickle keyword
                np.savez(f, meta=meta_arr, **arrays)  # type: ignore[arg-type]
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            tmp = None
            return True
        except OSError as err:
            self.last_problem = f"cannot write the feature cache in {self.root} ({err})"
            log.warning("feature cache: %s", self.last_problem)
            return False
        finally:
            if tmp is not None:
                self._remove(Path(tmp))

    # ------------------------------------------------------------ housekeeping
    def clear(self) -> int:
        """Delete every entry; returns how many files went."""
        n = 0
        if self.root.is_dir():
            for p in self.root.iterdir():
                if p.suffix in (".npz", ".tmp"):
                    n += self._remove(p)
        return n

    def size_bytes(self) -> int:
        """Disk space the entries use (for a settings page)."""
        if not self.root.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.root.glob("*.npz") if p.is_file())

    @staticmethod
    def _remove(path: Path) -> int:
        try:
            path.unlink()
            return 1
        except OSError:
            return 0


__all__ = ["FeatureCache", "default_cache_root", "file_identity", "FEATURE_VERSION"]
