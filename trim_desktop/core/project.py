"""Project files (``.trimproj``): one video's whole session as a small versioned JSON file.

A project holds the video's identity, the settings, the machine's summary (its pieces,
with the per-sample scores, frames and times it was chosen from), the user's cuts and
edits (core.edits) and the flags on screen. Opening one needs no training: the scores
and pieces come from the file, the edits are laid over them (``Session.restore``), and
only the features are loaded again (from the cache when they are there).

The video is known by its identity, not only its path: size and a digest of its first
and last MiB (plus the path and mtime, for the message), so a moved or renamed file is
still recognised and another file at the same path is refused.

Files are written atomically (a hidden temporary file beside the target, fsynced, then
``os.replace``, as core.export does); a failed write leaves no temporary file. Reading
validates everything: a damaged, foreign or newer-version file, or one whose video is
not found, raises :class:`ProjectError` with a one-line message. No Qt, no torch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from .edits import Edit
from .errors import OutputError, TrimError
from .pipeline import SummarizeSettings
from .select import Summary

FORMAT = "trim-desktop-project"
VERSION = 1
"""The project format this version writes and the newest it reads."""
SUFFIX = ".trimproj"
DIGEST_BYTES = 1 << 20
"""Bytes read from each end of the video for its digest (two reads: instant)."""
MAX_BYTES = 64 << 20
"""A larger file is not a project (a 3-hour video's project is a few MB)."""
LOCAL_FIELDS = ("device", "use_cache")
"""Settings that belong to this computer, not to the project: never taken from a file."""


class ProjectError(TrimError):
    """A project file cannot be read or used (damaged, foreign, newer, its video missing)."""

    exit_code = 3


@dataclass(frozen=True)
class VideoIdentity:
    """Which video a project belongs to: ``key`` (size + digest) decides, the rest says."""

    path: str
    size: int
    mtime: float
    digest: str

    @property
    def key(self) -> str:
        """Short stable name for this content (the autosave file's name)."""
        return hashlib.sha256(f"{self.size}:{self.digest}".encode()).hexdigest()[:24]

    def same_content(self, other: VideoIdentity) -> bool:
        return self.size == other.size and self.digest == other.digest


def video_identity(path: str | os.PathLike) -> VideoIdentity:
    """The identity of the file at ``path``: resolved path, size, mtime, and a SHA-256
    of its size and its first and last MiB. Raises ProjectError if it cannot be read."""
    p = Path(path).resolve()
    try:
        st = p.stat()
        h = hashlib.sha256(str(st.st_size).encode())
        with open(p, "rb") as f:
            h.update(f.read(DIGEST_BYTES))
            if st.st_size > DIGEST_BYTES:
                f.seek(max(DIGEST_BYTES, st.st_size - DIGEST_BYTES))
                h.update(f.read(DIGEST_BYTES))
    except OSError as err:
        raise ProjectError(f"Cannot read '{p.name}': {err.strerror or err}") from None
    return VideoIdentity(str(p), int(st.st_size), float(st.st_mtime), "sha256:" + h.hexdigest())


@dataclass
class Project:
    """One saved session; see the module docstring."""

    video: VideoIdentity
    settings: SummarizeSettings
    summary: Summary  # the machine's summary: uncut, its own flags
    edits: list[Edit] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)
    flags: list[bool] = field(default_factory=list)  # the flags on screen (after cuts)
    device: Optional[str] = None
    messages: list[str] = field(default_factory=list)
    saved_at: float = 0.0  # seconds since the epoch


def from_session(session: Any, settings: SummarizeSettings, video: VideoIdentity) -> Project:
    """A snapshot of ``session`` (a core.session.Session with a summary) for saving."""
    if session.machine_summary is None or session.summary is None:
        raise ProjectError("Nothing to save yet: summarize the video first.")
    return Project(
        video=video,
        settings=settings,
        summary=session.machine_summary,
        edits=list(session.edits),
        cuts=list(session.cuts),
        flags=[bool(s.selected) for s in session.summary.segments],
        device=session.device,
        messages=[str(m) for m in session.messages],
        saved_at=time.time(),
    )


# ---------------------------------------------------------------- dict <-> Project


def to_dict(project: Project) -> dict[str, Any]:
    """JSON-safe dict of ``project`` (format and version first)."""
    from .. import __version__

    settings = {
        k: v for k, v in dataclasses.asdict(project.settings).items() if k not in LOCAL_FIELDS
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "app_version": __version__,
        "saved_at": float(project.saved_at or time.time()),
        "video": dataclasses.asdict(project.video),
        "settings": settings,
        "summary": project.summary.to_dict(),
        "cuts": [round(float(c), 6) for c in project.cuts],
        "edits": [[float(e.start), float(e.end), bool(e.kept)] for e in project.edits],
        "flags": [bool(f) for f in project.flags],
        "device": project.device,
        "messages": list(project.messages),
    }


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise ValueError(what)


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x


def _settings(d: Any) -> SummarizeSettings:
    _need(isinstance(d, dict), "settings")
    fields = {f.name: f for f in dataclasses.fields(SummarizeSettings)}
    base = SummarizeSettings()
    values: dict[str, Any] = {}
    for k, v in d.items():
        if k not in fields or k in LOCAL_FIELDS:
            continue  # a field of another build: its default
        kind = str(fields[k].type)
        if v is None:
            ok = "Optional" in kind or "None" in kind
        elif "bool" in kind:
            ok = isinstance(v, bool)
        elif "float" in kind or "int" in kind:
            ok = _number(v) and ("float" in kind or isinstance(v, int))
        else:
            ok = isinstance(v, str)
        _need(ok, f"settings.{k}")
        values[k] = v
    out = dataclasses.replace(base, **values)
    _need(_number(out.budget) and 0 < out.budget <= 1, "settings.budget")
    return out


def _video(d: Any) -> VideoIdentity:
    _need(isinstance(d, dict), "video")
    _need(isinstance(d.get("path"), str) and d["path"], "video.path")
    _need(isinstance(d.get("size"), int) and d["size"] >= 0, "video.size")
    _need(isinstance(d.get("digest"), str) and d["digest"], "video.digest")
    mtime = d.get("mtime", 0.0)
    return VideoIdentity(d["path"], d["size"], float(mtime) if _number(mtime) else 0.0, d["digest"])


def _summary(d: Any) -> Summary:
    _need(isinstance(d, dict), "summary")
    try:
        s = Summary.from_dict(d)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValueError("summary") from None
    _need(len(s.sample_scores) == len(s.timestamps) == len(s.frame_indices), "summary.scores")
    _need(bool(s.segments) and s.duration > 0, "summary.segments")
    for a, b in zip(s.segments, s.segments[1:]):
        _need(a.start_time < a.end_time <= b.start_time + 1e-6, "summary.segments")
    return s


def from_dict(d: Any, name: str = "project") -> Project:
    """Validate and read a project dict; ProjectError (one line, naming ``name``) if not."""
    where = f"Cannot open project '{name}'"
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise ProjectError(f"{where}: it is not a TRIM Desktop project file.")
    version = d.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"{where}: it is damaged (no valid format version).")
    if version > VERSION:
        raise ProjectError(
            f"{where}: it was saved by a newer TRIM Desktop (project format "
            f"{version}; this version reads up to {VERSION}). Update the app "
            "to open it."
        )
    try:
        summary = _summary(d.get("summary"))
        edits = d.get("edits", [])
        _need(isinstance(edits, list), "edits")
        for e in edits:
            _need(
                isinstance(e, list)
                and len(e) == 3
                and _number(e[0])
                and _number(e[1])
                and isinstance(e[2], bool)
                and e[0] < e[1],
                "edits",
            )
        cuts = d.get("cuts", [])
        _need(isinstance(cuts, list) and all(_number(c) for c in cuts), "cuts")
        flags = d.get("flags", [])
        _need(isinstance(flags, list) and all(isinstance(f, bool) for f in flags), "flags")
        messages = d.get("messages") or []
        _need(isinstance(messages, list), "messages")
        device = d.get("device")
        saved = d.get("saved_at", 0.0)
        return Project(
            video=_video(d.get("video")),
            settings=_settings(d.get("settings")),
            summary=summary,
            edits=[Edit(float(a), float(b), k) for a, b, k in edits],
            cuts=[float(c) for c in cuts],
            flags=list(flags),
            device=device if isinstance(device, str) else None,
            messages=[str(m) for m in messages],
            saved_at=float(saved) if _number(saved) else 0.0,
        )
    except ValueError as err:
        raise ProjectError(f"{where}: it is damaged (bad or missing '{err}').") from None


# ---------------------------------------------------------------- files


def save(project: Project, path: str | os.PathLike) -> Path:
    """Write ``project`` to ``path`` atomically (replacing a file there); OutputError."""
    path = Path(path)
    text = json.dumps(to_dict(project), separators=(",", ":"), allow_nan=False) + "\n"
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.stem}.partial-", suffix=SUFFIX, dir=str(path.parent)
        )
    except OSError as err:
        raise OutputError(f"Cannot save project '{path}': {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"Cannot save project '{path}': {err.strerror or err}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path: str | os.PathLike) -> Project:
    """Read and validate the project at ``path``; ProjectError with a one-line message."""
    p = Path(path)
    where = f"Cannot open project '{p.name}'"
    try:
        if p.stat().st_size > MAX_BYTES:
            raise ProjectError(f"{where}: it is too large to be a project file.")
        raw = p.read_bytes()
    except OSError as err:
        raise ProjectError(f"{where}: {err.strerror or err}.") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectError(f"{where}: it is not a TRIM Desktop project file.") from None
    except json.JSONDecodeError as err:
        raise ProjectError(
            f"{where}: it is damaged (not valid JSON at line {err.lineno}, column {err.colno})."
        ) from None
    return from_dict(data, p.name)


def locate_video(
    project: Project,
    project_path: Optional[str | os.PathLike] = None,
    candidates: Sequence[str] = (),
) -> str:
    """The video file ``project`` belongs to: its saved path, or one of ``candidates``,
    or a file of the same name beside the project file, whose content matches (a moved
    video is found). ProjectError when none does, saying why."""
    saved = Path(project.video.path)
    where = f"Cannot open project '{Path(project_path).name if project_path else saved.name}'"
    places = [saved, *map(Path, candidates)]
    if project_path is not None:
        places.append(Path(project_path).resolve().parent / saved.name)
    seen: set[str] = set()
    for p in places:
        if str(p) in seen or not p.is_file():
            continue
        seen.add(str(p))
        with contextlib.suppress(ProjectError):
            if video_identity(p).same_content(project.video):
                return str(p.resolve())
    if saved.is_file():
        raise ProjectError(
            f"{where}: '{saved.name}' is not the video it was made from "
            "(the file changed since the project was saved)."
        )
    raise ProjectError(
        f"{where}: its video '{saved}' was not found (moved or deleted); put "
        "it back or beside the project file."
    )


def matches(project: Project, identity: VideoIdentity) -> bool:
    """Whether ``project`` belongs to the video with ``identity``."""
    return project.video.same_content(identity)


def autosave_path(folder: str | os.PathLike, identity: VideoIdentity) -> Path:
    """The autosave file of the video with ``identity`` in ``folder`` (per content)."""
    return Path(folder) / f"{identity.key}{SUFFIX}"


__all__ = [
    "FORMAT",
    "VERSION",
    "SUFFIX",
    "Project",
    "ProjectError",
    "VideoIdentity",
    "autosave_path",
    "from_dict",
    "from_session",
    "load",
    "locate_video",
    "matches",
    "save",
    "to_dict",
    "video_identity",
]
