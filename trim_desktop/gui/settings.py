"""Settings kept between runs (QSettings, INI format, so tests can redirect them).

Every read validates: a damaged or out-of-range value falls back to the default.
``TRIM_DESKTOP_SETTINGS=/path/file.ini`` points the app at one file (tests, portable use);
otherwise the per-user INI location is used, which ``QSettings.setPath`` can redirect.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Optional, overload

from PySide6.QtCore import QByteArray, QSettings

from ..core import api

ORG = "TRIM"
APP = "TRIM Desktop"
MAX_RECENT = 8


def make_qsettings() -> QSettings:
    path = os.environ.get("TRIM_DESKTOP_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)


class Store:
    """Typed, validating access to the app's QSettings."""

    def __init__(self, qs: Optional[QSettings] = None) -> None:
        self.qs = qs or make_qsettings()

    # -- typed getters: never raise -------------------------------------------------------
    def _raw(self, key: str):
        try:
            return self.qs.value(key)
        except Exception:  # noqa: BLE001 - a damaged file must not stop the app
            return None

    @overload
    def get_float(self, key: str, default: float, lo: float, hi: float) -> float: ...
    @overload
    def get_float(self, key: str, default: None, lo: float, hi: float) -> Optional[float]: ...

    def get_float(
        self, key: str, default: Optional[float], lo: float, hi: float
    ) -> Optional[float]:
        v = self._raw(key)
        if v is None or v == "":
            return default
        try:
            f = float(v)
        except (TypeError, ValueError):
            return default
        if not (lo <= f <= hi) or f != f:
            return default
        return f

    def get_bool(self, key: str, default: Optional[bool]) -> Optional[bool]:
        v = self._raw(key)
        if isinstance(v, bool):
            return v
        if isinstance(v, str):
            s = v.strip().lower()
            if s in ("true", "1", "yes", "on"):
                return True
            if s in ("false", "0", "no", "off"):
                return False
        if isinstance(v, int):
            return bool(v)
        return default

    def get_str(self, key: str, default: str, choices: Optional[Iterable[str]] = None) -> str:
        v = self._raw(key)
        if not isinstance(v, str) or not v:
            return default
        if choices is not None and v not in set(choices):
            return default
        return v

    def get_list(self, key: str) -> list[str]:
        v = self._raw(key)
        if v is None:
            return []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, (list, tuple)):
            return []
        return [x for x in v if isinstance(x, str) and x]

    def get_bytes(self, key: str) -> Optional[QByteArray]:
        v = self._raw(key)
        if isinstance(v, QByteArray) and not v.isEmpty():
            return v
        if isinstance(v, (bytes, bytearray)) and v:
            return QByteArray(bytes(v))
        return None

    def set(self, key: str, value) -> None:
        if value is None:
            self.qs.remove(key)
        else:
            self.qs.setValue(key, value)

    def sync(self) -> None:
        self.qs.sync()

    # -- recent files ---------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return self.get_list("recent/files")[:MAX_RECENT]

    def add_recent(self, path: str) -> list[str]:
        files = [p for p in self.recent_files() if os.path.normcase(p) != os.path.normcase(path)]
        files.insert(0, path)
        files = files[:MAX_RECENT]
        self.qs.setValue("recent/files", files)
        return files

    def clear_recent(self) -> None:
        self.qs.remove("recent/files")


# -- the window's choices -------------------------------------------------------------------
def save_choices(store: Store, panel, player=None, window=None) -> None:
    """Write the panel's choices (and, when given, the volume and window geometry).

    The one place settings are written: after every panel change (panel only) and on
    close (everything). Never raises: settings are a convenience.
    """
    from .weights_panel import PARAMS

    try:
        v = panel.values()
        store.set("weights/preset", v["preset"])
        store.set("weights/custom", panel.custom)
        for name in PARAMS:
            store.set(f"weights/{name}", float(v[name]))
        store.set("weights/stage1", bool(v["stage1"]))
        store.set("summary/budget", float(v["budget"]))
        if player is not None:
            store.set("player/volume", int(player.volume.value()))
        if window is not None:
            store.set("ui/geometry", window.saveGeometry())
            store.sync()
    except Exception:  # noqa: BLE001 - settings are a convenience
        pass


def restore_choices(store: Store, panel, player, window) -> None:
    """Put the saved choices back; anything damaged or out of range keeps its default."""
    from .weights_panel import PARAMS

    geo = store.get_bytes("ui/geometry")
    if geo is not None:
        try:
            window.restoreGeometry(geo)
        except Exception:  # noqa: BLE001
            pass
    vals: dict[str, Any] = {
        name: store.get_float(f"weights/{name}", None, 0.0, spec[3])
        for name, spec in PARAMS.items()
    }
    vals["stage1"] = store.get_bool("weights/stage1", None)
    vals["custom"] = bool(store.get_bool("weights/custom", False)) and all(
        vals[k] is not None for k in PARAMS
    )
    if not vals["custom"]:
        vals = {"stage1": None}
    vals["preset"] = store.get_str("weights/preset", "auto")
    vals["budget"] = store.get_float(
        "summary/budget", api.BUDGET_DEFAULT, api.BUDGET_MIN, api.BUDGET_MAX
    )
    panel.set_values(vals)
    player.volume.setValue(int(store.get_float("player/volume", 80.0, 0.0, 100.0)))


def show_settings(panel, st) -> None:
    """Put ``st`` (SummarizeSettings from the undo history) back into the panel, silently."""
    if st.alpha is None:  # the preset's own weights
        panel.set_values({"preset": st.preset, "budget": st.budget})
        panel._apply_preset_values(st.preset)
    else:
        panel.set_values(
            dict(
                preset=st.preset,
                budget=st.budget,
                alpha=st.alpha,
                beta=st.beta,
                gamma=st.gamma,
                nu=st.nu,
                stage1=st.stage1,
                custom=True,
            )
        )
    if getattr(st, "length_seconds", None) is not None:  # a length typed in seconds
        panel.set_length_seconds(st.length_seconds)
