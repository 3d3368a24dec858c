"""The core's surface for the GUI (and the CLI): everything they call, in one module.

Cheap to import (numpy, no torch): the window imports it before it shows. Functions that
need torch or the decoders import them when called, which the GUI does in its workers.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from . import pipeline
from .errors import TrimError
from .pipeline import Result, SummarizeSettings
from .project import (SUFFIX as PROJECT_SUFFIX, Project, ProjectError, VideoIdentity,
                      autosave_path, from_session as project_from_session,
                      load as load_project, locate_video, matches as project_matches,
                      save as save_project, video_identity)
from .progress import Cancelled, CancelToken, EtaEstimator, JobEta, Progress, ProgressFn
from .session import STAGES, Extracted, Scored, Selected, Session, Update, rerun_for

if TYPE_CHECKING:  # pragma: no cover - types only
    from ..research.modelfile import ModelFile
    from .decode import VideoInfo


def probe(path: str | Path) -> "VideoInfo":
    """What the file holds (duration, fps, size, sound); raises InputVideoError."""
    from .decode import probe as _probe

    return _probe(path)


def load_model(path: str | Path) -> "ModelFile":
    """A trim-train model file, checked (raises ModelFileError with a one-line message)."""
    from ..research.modelfile import load_model as _load

    return _load(path)


def device_label(preference: str = "auto") -> str:
    """Where training runs for ``preference``, in words ("CPU (2 threads)", a GPU's name)."""
    from .device import choose_device, device_label as _label

    return _label(choose_device(preference))


def presets() -> tuple[dict, dict, Callable[[float], str]]:
    """The training presets, their labels, and the rule Auto uses (by duration)."""
    from . import train

    return train.PRESETS, train.PRESET_LABELS, train.preset_for_duration


def summarize(path: str | Path, settings: Optional[SummarizeSettings] = None,
              progress: Optional[ProgressFn] = None,
              cancel: Optional[CancelToken] = None) -> Result:
    """Every stage on one video (see core.pipeline.summarize)."""
    return pipeline.summarize(path, settings, progress, cancel)


def rescore(features: Any, settings: SummarizeSettings, **kw: Any) -> Result:
    """Train and select again from features in memory (see core.pipeline.rescore)."""
    return pipeline.rescore(features, settings, **kw)


EXPORT_MODES = ("accurate", "fast")
"""accurate: re-encoded, every cut frame-exact (the default); fast: the packets copied,
each piece starting at the keyframe at or before its cut (up to a GOP early)."""

VIDEO_ENDINGS = (".mp4", ".mov", ".mkv", ".m4v")
"""Output names the export takes; the ending picks the container."""


def export(path: str | Path, ranges: Sequence[tuple[float, float]], out_path: str | Path,
           progress: Optional[ProgressFn] = None,
           cancel: Optional[CancelToken] = None, replace: bool = True,
           mode: str = "accurate", clips: bool = False) -> Path:
    """Write the (start, end) second ``ranges`` of ``path`` to ``out_path`` (atomic; the
    ending picks MP4, MOV or Matroska; chapters mark the pieces); ``replace=False``
    never replaces a file, even one that appeared during the export. ``mode``: one of
    EXPORT_MODES; ``clips``: one file per range into the new folder ``out_path``."""
    chosen = SimpleNamespace(selected=[(float(a), float(b)) for a, b in ranges])
    return pipeline.export(path, chosen, out_path, progress=progress, cancel=cancel,
                           replace=replace, mode=mode, clips=clips)


def grab_frames(path: str | Path, times: Sequence[float], width: int = 240) -> list:
    """RGB thumbnails (numpy) of ``path`` at ``times`` seconds (core.thumbnails)."""
    from .thumbnails import grab_frames as _grab

    return _grab(path, times, width=width)


def export_contact_sheet(path: str | Path, ranges: Sequence[tuple[float, float]],
                         out_path: str | Path) -> str:
    """A PNG grid of the (start, end) second ``ranges`` of ``path`` with their times."""
    from .thumbnails import export_contact_sheet as _sheet

    return _sheet(path, ranges, out_path)


def cutlist_formats() -> dict[str, str]:
    """The cut list endings (".edl", ".chapters.txt", ...) and their names in words."""
    from .cutlists import FORMATS

    return dict(FORMATS)


def export_cutlist(path: str | Path, ranges: Sequence[tuple[float, float]],
                   out_path: str | Path, replace: bool = True) -> Path:
    """Write the (start, end) second ``ranges`` of ``path`` as a cut list; the ending of
    ``out_path`` picks the format (core.cutlists); atomic."""
    from .cutlists import write_cutlist
    from .decode import probe as _probe

    return write_cutlist(out_path, _probe(path), [(float(a), float(b)) for a, b in ranges],
                         replace=replace)


def load_segments(path: str | Path, info: "VideoInfo") -> Any:
    """A segments file (JSON of any version, its CSV, LosslessCut's CSV) as a Summary of
    the video ``info`` describes; UsageError when it does not fit that video."""
    from .segments_file import read_segments_file, summary_from_file

    return summary_from_file(read_segments_file(path), info)


def has_setting(name: str) -> bool:
    """Whether ``SummarizeSettings`` has field ``name`` (fields added by other branches)."""
    import dataclasses

    return name in {f.name for f in dataclasses.fields(SummarizeSettings)}


__all__ = ["PROJECT_SUFFIX", "Project", "ProjectError", "VideoIdentity", "autosave_path",
           "project_from_session", "load_project", "locate_video", "project_matches",
           "save_project", "video_identity",
           "EXPORT_MODES", "STAGES", "VIDEO_ENDINGS", "Cancelled", "CancelToken", "EtaEstimator", "Extracted", "JobEta", "Progress",
           "ProgressFn", "Result", "Scored", "Selected", "Session", "SummarizeSettings",
           "TrimError", "Update", "cutlist_formats", "device_label", "export", "export_contact_sheet",
           "export_cutlist", "grab_frames", "has_setting", "load_model", "load_segments",
           "presets", "probe",
           "rerun_for", "rescore", "summarize"]
