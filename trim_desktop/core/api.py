"""The core's surface for the GUI and the CLIs: everything they call, in one typed module.

Cheap to import (numpy, no torch): the window imports it before it shows. Functions that
need torch or the decoders import them when called, which the GUI does in its workers.
The CLIs import the stage modules too, but every helper they share with the core (safe
output files, one-line write errors) comes from here, never a private name.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

import numpy as np

from . import pipeline
from .errors import OutputError, TrimError
from .pipeline import Result, SummarizeSettings
from .progress import Cancelled, CancelToken, EtaEstimator, JobEta, Progress, ProgressFn
from .project import (
    SUFFIX as PROJECT_SUFFIX,
)
from .project import (
    Project,
    ProjectError,
    VideoIdentity,
    autosave_path,
    locate_video,
    video_identity,
)
from .project import (
    from_session as project_from_session,
)
from .project import (
    load as load_project,
)
from .project import (
    matches as project_matches,
)
from .project import (
    save as save_project,
)
from .session import STAGES, Extracted, Scored, Selected, Session, Update, rerun_for
from .settings import (
    BUDGET_DEFAULT,
    BUDGET_MAX,
    BUDGET_MIN,
    PRESET_LABELS,
    PRESET_WEIGHTS,
    WEIGHT_LIMITS,
    Limit,
    Weights,
    preset_for_duration,
)

if TYPE_CHECKING:  # pragma: no cover - types only (importing them loads the decoders)
    from .decode import VideoInfo
    from .feature_set import Features
    from .modelfile import ModelFile


_LAZY = {"VideoInfo": ".decode", "Features": ".feature_set", "ModelFile": ".modelfile"}


def __getattr__(name: str) -> Any:
    """``api.VideoInfo``, ``api.Features``, ``api.ModelFile``: imported on first use, so
    importing this module loads no decoder (PyAV) and no torch."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def probe(path: str | Path) -> VideoInfo:
    """What the file holds (duration, fps, size, sound); raises InputVideoError."""
    from .decode import probe as _probe

    return _probe(path)


def load_model(path: str | Path) -> ModelFile:
    """A trim-train model file, checked (raises ModelFileError with a one-line message)."""
    from .modelfile import load_model as _load

    return _load(path)


def device_label(preference: str = "auto") -> str:
    """Where training runs for ``preference``, in words ("CPU (2 threads)", a GPU's name)."""
    from .device import choose_device
    from .device import device_label as _label

    return _label(choose_device(preference))


def presets() -> tuple[dict[str, Weights], dict[str, str], Callable[[Optional[float]], str]]:
    """The presets' weights, their labels, and the rule Auto uses (by duration); no torch."""
    return PRESET_WEIGHTS, PRESET_LABELS, preset_for_duration


def summarize(
    path: str | Path,
    settings: Optional[SummarizeSettings] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> Result:
    """Every stage on one video (see core.pipeline.summarize)."""
    return pipeline.summarize(path, settings, progress, cancel)


def rescore(features: Features, settings: SummarizeSettings, **kw: Any) -> Result:
    """Train and select again from features in memory (see core.pipeline.rescore)."""
    return pipeline.rescore(features, settings, **kw)


EXPORT_MODES = ("accurate", "fast")
"""accurate: re-encoded, every cut frame-exact (the default); fast: the packets copied,
each piece starting at the keyframe at or before its cut (up to a GOP early)."""

VIDEO_ENDINGS = (".mp4", ".mov", ".mkv", ".m4v")
"""Output names the export takes; the ending picks the container."""


def export(
    path: str | Path,
    ranges: Sequence[tuple[float, float]],
    out_path: str | Path,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    replace: bool = True,
    mode: str = "accurate",
    clips: bool = False,
) -> Path:
    """Write the (start, end) second ``ranges`` of ``path`` to ``out_path`` (atomic; the
    ending picks MP4, MOV or Matroska; chapters mark the pieces); ``replace=False``
    never replaces a file, even one that appeared during the export. ``mode``: one of
    EXPORT_MODES; ``clips``: one file per range into the new folder ``out_path``."""
    chosen = SimpleNamespace(selected=[(float(a), float(b)) for a, b in ranges])
    return pipeline.export(
        path,
        chosen,
        out_path,
        progress=progress,
        cancel=cancel,
        replace=replace,
        mode=mode,
        clips=clips,
    )


def grab_frames(
    path: str | Path, times: Sequence[float], width: int = 240
) -> list[Optional[np.ndarray]]:
    """RGB thumbnails (numpy) of ``path`` at ``times`` seconds, None where no frame
    decodes (core.thumbnails)."""
    from .thumbnails import grab_frames as _grab

    return _grab(path, times, width=width)


def export_contact_sheet(
    path: str | Path, ranges: Sequence[tuple[float, float]], out_path: str | Path
) -> str:
    """A PNG grid of the (start, end) second ``ranges`` of ``path`` with their times."""
    from .thumbnails import export_contact_sheet as _sheet

    return _sheet(path, ranges, out_path)


def cutlist_formats() -> dict[str, str]:
    """The cut list endings (".edl", ".chapters.txt", ...) and their names in words."""
    from .cutlists import FORMATS

    return dict(FORMATS)


def export_cutlist(
    path: str | Path,
    ranges: Sequence[tuple[float, float]],
    out_path: str | Path,
    replace: bool = True,
) -> Path:
    """Write the (start, end) second ``ranges`` of ``path`` as a cut list; the ending of
    ``out_path`` picks the format (core.cutlists); atomic."""
    from .cutlists import write_cutlist
    from .decode import probe as _probe

    return write_cutlist(
        out_path, _probe(path), [(float(a), float(b)) for a, b in ranges], replace=replace
    )


def load_segments(path: str | Path, info: VideoInfo) -> Any:
    """A segments file (JSON of any version, its CSV, LosslessCut's CSV) as a Summary of
    the video ``info`` describes; UsageError when it does not fit that video."""
    from .segments_file import read_segments_file, summary_from_file

    return summary_from_file(read_segments_file(path), info)


def check_writable(out: str | Path) -> None:
    """Raise OutputError now, before a long run, when ``out``'s folder takes no files."""
    from .export import check_writable as _check

    _check(Path(out))


def output_error(path: str | Path, err: BaseException) -> OutputError:
    """The one-line OutputError for an OS error met while writing ``path``."""
    from .export import output_error as _error

    return _error(path, err)


def write_text_atomic(path: str | Path, text: str, replace: bool = True) -> Path:
    """Write ``text`` to ``path`` through a temporary file beside it (never half a file)."""
    from .export import write_text_atomic as _write

    return _write(path, text, replace)


def has_setting(name: str) -> bool:
    """Whether ``SummarizeSettings`` has field ``name`` (fields added by other branches)."""
    import dataclasses

    return name in {f.name for f in dataclasses.fields(SummarizeSettings)}


__all__ = [
    "BUDGET_DEFAULT",
    "BUDGET_MAX",
    "BUDGET_MIN",
    "EXPORT_MODES",
    "PRESET_LABELS",
    "PRESET_WEIGHTS",
    "PROJECT_SUFFIX",
    "STAGES",
    "VIDEO_ENDINGS",
    "WEIGHT_LIMITS",
    "CancelToken",
    "Cancelled",
    "EtaEstimator",
    "Extracted",
    "Features",
    "JobEta",
    "Limit",
    "ModelFile",
    "OutputError",
    "Progress",
    "ProgressFn",
    "Project",
    "ProjectError",
    "Result",
    "Scored",
    "Selected",
    "Session",
    "SummarizeSettings",
    "TrimError",
    "Update",
    "VideoIdentity",
    "VideoInfo",
    "Weights",
    "autosave_path",
    "check_writable",
    "cutlist_formats",
    "device_label",
    "export",
    "export_contact_sheet",
    "export_cutlist",
    "grab_frames",
    "has_setting",
    "load_model",
    "load_project",
    "load_segments",
    "locate_video",
    "output_error",
    "preset_for_duration",
    "presets",
    "probe",
    "project_from_session",
    "project_matches",
    "rerun_for",
    "rescore",
    "save_project",
    "summarize",
    "video_identity",
    "write_text_atomic",
]
