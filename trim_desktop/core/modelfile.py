"""Model files written by ``trim-train`` and read by ``trim-summarize --model``.

A model file is ``torch.save`` of a plain dict (loadable with ``weights_only=True``, so
opening one runs no code): ``format``, ``version``, ``state_dict``, ``in_dim``,
``backbone``, ``preprocess``, ``settings`` (a dict). Scores are only meaningful on features
from the backbone the model was trained on, so loading checks the dimension and name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .errors import OutputError, TrimError

FORMAT = "trim-desktop-model"
VERSION = 1
KNOWN_DIMS = {"resnet50": 2048, "efficientnet-lite0": 1280}


class ModelFileError(TrimError):
    """The model file is missing, not a TRIM Desktop model, or does not fit the features."""

    exit_code = 3


@dataclass
class ModelFile:
    """What a model file holds."""

    state_dict: dict
    in_dim: int
    backbone: str
    preprocess: str
    settings: dict = field(default_factory=dict)
    version: int = VERSION
    extra: dict = field(default_factory=dict)


def backbone_for_dim(dim: int) -> str:
    """Name the app's backbone that makes ``dim``-d features, or ``unknown``."""
    for name, d in KNOWN_DIMS.items():
        if d == dim:
            return name
    return "unknown"


def _settings_dict(settings: Any) -> dict:
    if settings is None:
        return {}
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        settings = dataclasses.asdict(settings)
    return {
        k: v
        for k, v in dict(settings).items()
        if isinstance(v, (int, float, str, bool, type(None)))
    }


def save_model(
    path,
    state_dict: dict,
    in_dim: int,
    backbone: str,
    preprocess: str,
    settings: Any = None,
    extra: Optional[dict] = None,
    replace: bool = True,
) -> Path:
    """Write atomically (temporary file beside ``path``, then rename)."""
    import torch

    path = Path(path)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "state_dict": {k: v.detach().cpu() for k, v in state_dict.items()},
        "in_dim": int(in_dim),
        "backbone": str(backbone),
        "preprocess": str(preprocess),
        "settings": _settings_dict(settings),
        "extra": _settings_dict(extra),
    }
    from .export import place, temp_beside

    tmp = temp_beside(path, ".part")  # a name of its own: two runs never share one
    try:
        torch.save(payload, tmp)
        place(tmp, path, replace)  # replace=False: never over a file made meanwhile
    except TrimError:
        Path(tmp).unlink(missing_ok=True)
        raise
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write model file {path}: {exc.strerror or exc}") from None
    return path


def load_model(
    path, expect_dim: Optional[int] = None, expect_backbone: Optional[str] = None
) -> ModelFile:
    """Read and validate; with ``expect_*`` also check that it fits the features at hand."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a foreign file
        raise ModelFileError(
            f"not a TRIM Desktop model file: {path} ({type(exc).__name__})"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelFileError(f"not a TRIM Desktop model file (made by trim-train): {path}")
    if int(data.get("version", 0)) > VERSION:
        raise ModelFileError(
            f"model file {path} is version {data['version']}; "
            f"this TRIM Desktop reads up to version {VERSION}"
        )
    missing = [k for k in ("state_dict", "in_dim", "backbone") if k not in data]
    if missing:
        raise ModelFileError(f"model file {path} is incomplete (no {', '.join(missing)})")
    model = ModelFile(
        state_dict=data["state_dict"],
        in_dim=int(data["in_dim"]),
        backbone=str(data["backbone"]),
        preprocess=str(data.get("preprocess", "")),
        settings=dict(data.get("settings") or {}),
        version=int(data["version"]),
        extra=dict(data.get("extra") or {}),
    )
    conv = model.state_dict.get("conv.weight")
    if conv is not None and conv.shape[1] != model.in_dim:
        raise ModelFileError(
            f"model file {path} is inconsistent: in_dim {model.in_dim}, "
            f"weights expect {conv.shape[1]}"
        )
    check_fits(model, expect_dim, expect_backbone, path)
    return model


def check_fits(model: ModelFile, dim: Optional[int], backbone: Optional[str], path="model") -> None:
    """Features of another size or another backbone would give meaningless scores: refuse them."""
    if dim is not None and int(dim) != model.in_dim:
        raise ModelFileError(
            f"{path} was trained on {model.in_dim}-d features ({model.backbone}) but these features "
            f"are {dim}-d; use --backbone {model.backbone}"
            if model.backbone in KNOWN_DIMS
            else f"{path} was trained on {model.in_dim}-d features but these features are {dim}-d"
        )
    if backbone and model.backbone != "unknown" and backbone != model.backbone:
        raise ModelFileError(
            f"{path} was trained on {model.backbone} features, not {backbone}; "
            f"use --backbone {model.backbone}"
        )


def build_scorer(model: ModelFile):
    """A ``TrimScorer`` in eval mode with the file's weights."""
    from .model import TrimScorer

    net = TrimScorer(model.in_dim)
    try:
        net.load_state_dict(model.state_dict)
    except RuntimeError as exc:
        raise ModelFileError(
            f"model weights do not fit the scorer network: {str(exc).splitlines()[0]}"
        ) from None
    return net.eval()
