"""The side panel: budget, preset, and the loss weights of eq. (10) with plain-words help.

The panel knows nothing about training. It emits ``weightsChanged`` when anything that
needs re-training changed (alpha, beta, gamma, nu, stage 1, preset) and ``budgetChanged``
when only the summary length changed. ``values()`` gives what a run should use;
``select_overrides()`` the summary-length fields of ``SummarizeSettings``.

The summary length is a percent slider and a seconds field kept in step: moving the
slider sets a share of the video, typing seconds sets a length in seconds
(``length_seconds``), and each shows what the other means for this video.

Nothing in the panel changes size when its texts change (notes have a fixed height, the
reset button is always there), so a slider never moves away from under the pointer; the
contents scroll when the window is too low to show them all.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ..core import api

# name: (label, loss, what it favours, max, step, decimals); the limits come from core.settings
_TEXTS = {
    "alpha": ("α", "L_PTRIM", "Moments unlike the one just before: cuts, flashes, sudden action."),
    "beta": ("β", "L_PCTRIM", "What is new against everything before: a scene's first appearance."),
    "gamma": ("γ", "L_REP", "Moments whose picture stands out from the rest of the video."),
    "nu": ("ν", "stage 1", "Weight of the spread terms while pre-training (stage 1)."),
}
PARAMS = {
    name: (
        *text,
        api.WEIGHT_LIMITS[name].maximum,
        api.WEIGHT_LIMITS[name].step,
        api.WEIGHT_LIMITS[name].decimals,
    )
    for name, text in _TEXTS.items()
}


class FloatSlider(QWidget):
    """A horizontal slider over [0, max] in ``step`` units, with its value shown."""

    valueChanged = Signal(float)

    def __init__(
        self, maximum: float, step: float, decimals: int, parent: Optional[QWidget] = None
    ) -> None:
        super().__init__(parent)
        self.step, self.decimals = step, decimals
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, int(round(maximum / step)))
        self.slider.setPageStep(max(1, self.slider.maximum() // 10))
        self.label = QLabel()
        self.label.setFixedWidth(52)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self._changed(self.slider.value(), emit=False)

    def value(self) -> float:
        return round(self.slider.value() * self.step, self.decimals + 2)

    def setValue(self, v: float, emit: bool = True) -> None:  # noqa: N802 - Qt style
        ticks = int(round(float(v) / self.step))
        ticks = max(self.slider.minimum(), min(self.slider.maximum(), ticks))
        self.slider.blockSignals(not emit)
        self.slider.setValue(ticks)
        self.slider.blockSignals(False)
        self._changed(ticks, emit=False)

    def _changed(self, ticks: int, emit: bool = True) -> None:
        self.label.setText(f"{ticks * self.step:.{self.decimals}f}")
        if emit:
            self.valueChanged.emit(self.value())


class WeightsPanel(QWidget):
    weightsChanged = Signal()
    budgetChanged = Signal(float)  # fraction of the duration

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.presets: dict[str, dict] = {}
        self.labels: dict[str, str] = {}
        self._preset_for_duration: Callable[[Optional[float]], str] = lambda d: "auto"
        self.duration: Optional[float] = None
        self.presets_loaded = False
        self._wanted_preset: Optional[str] = None

        # Summary length
        length = QGroupBox("Summary length")
        self.budget = QSlider(Qt.Orientation.Horizontal)
        self.budget.setRange(round(api.BUDGET_MIN * 100), round(api.BUDGET_MAX * 100))
        self.budget.setValue(round(api.BUDGET_DEFAULT * 100))
        self.budget.setPageStep(5)
        self.budget.setToolTip("How much of the video the summary keeps")
        self.budget.setAccessibleName("Summary length in percent")
        self.budget_label = QLabel()
        self.budget_label.setFixedWidth(44)
        self.budget_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.length = QDoubleSpinBox()
        self.length.setDecimals(0)
        self.length.setSuffix(" s")
        self.length.setRange(0, 0)
        self.length.setKeyboardTracking(False)  # one change when the typing is done
        self.length.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.length.setFixedWidth(72)
        self.length.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.length.setEnabled(False)
        self.length.setToolTip("Summary length in seconds (type a number); the percent follows")
        self.length.setAccessibleName("Summary length in seconds")
        self._length_s: Optional[float] = None
        row = QHBoxLayout()
        row.addWidget(self.budget, 1)
        row.addWidget(self.budget_label)
        row.addWidget(self.length)
        self.budget_hint = QLabel("Share of the video kept, or its length in seconds.")
        self.budget_hint.setWordWrap(True)
        self.budget_hint.setProperty("hint", True)
        lv = QVBoxLayout(length)
        lv.addLayout(row)
        lv.addWidget(self.budget_hint)

        # Training weights
        weights = QGroupBox("What makes a moment important")
        self.preset = QComboBox()
        self.preset.setToolTip(
            "A preset sets the weights below; Auto picks one by the video's length"
        )
        self.preset.setAccessibleName("Preset")
        self.reset_btn = QPushButton("Reset")
        self.reset_btn.setToolTip("Put the sliders back to the preset's values")
        self.reset_btn.setAccessibleName("Reset the weights to the preset")
        self.reset_btn.setEnabled(False)
        self.preset_note = QLabel("")
        self.preset_note.setProperty("hint", True)
        self.preset_note.setWordWrap(True)
        # Two lines, always: the note appearing or growing must not push the sliders down.
        self.preset_note.setFixedHeight(2 * self.preset_note.fontMetrics().lineSpacing() + 2)
        self.preset_note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        grid = QGridLayout(weights)
        grid.setVerticalSpacing(2)
        grid.setHorizontalSpacing(8)
        grid.addWidget(QLabel("Preset"), 0, 0)
        prow = QHBoxLayout()
        prow.addWidget(self.preset, 1)
        prow.addWidget(self.reset_btn)
        grid.addLayout(prow, 0, 1)
        grid.addWidget(self.preset_note, 1, 1)
        self.sliders: dict[str, FloatSlider] = {}
        r = 2
        for name, (sym, loss, what, mx, step, dec) in PARAMS.items():
            s = FloatSlider(mx, step, dec)
            s.setToolTip(f"{sym} weights {loss}. {what}")
            s.slider.setObjectName(f"slider_{name}")
            s.slider.setAccessibleName(f"{sym} ({name}), weight of {loss}")
            s.slider.setAccessibleDescription(what)
            self.sliders[name] = s
            title = QLabel(f"<b>{sym}</b>&nbsp;{loss}")
            title.setToolTip(what)
            hint = QLabel(what)
            hint.setWordWrap(True)
            hint.setProperty("hint", True)
            grid.addWidget(title, r, 0)
            grid.addWidget(s, r, 1)
            grid.addWidget(hint, r + 1, 1)
            grid.setRowMinimumHeight(r + 2, 6)
            r += 3
        self.stage1 = QCheckBox("Stage 1 pre-training")
        self.stage1.setToolTip(
            "Pre-train on masked views before the main training "
            "(better scores, takes about twice as long)"
        )
        grid.addWidget(self.stage1, r, 0, 1, 2)
        grid.setColumnStretch(1, 1)

        self.stage1.setAccessibleName("Stage 1 pre-training")

        inner = QWidget()
        il = QVBoxLayout(inner)
        il.setContentsMargins(0, 0, 0, 0)
        il.setSpacing(10)
        il.addWidget(length)
        il.addWidget(weights)
        il.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(inner)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.viewport().setAutoFillBackground(False)
        self.scroll_area.verticalScrollBar().setAccessibleName("Scroll the summary settings")
        inner.setAutoFillBackground(False)
        self.column = lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 6)
        lay.addWidget(self.scroll_area)

        self.set_presets(*api.presets())  # torch-free: the real presets from the start
        self._update_budget_label()

        self.preset.currentIndexChanged.connect(self._on_preset)
        for s in self.sliders.values():
            s.valueChanged.connect(self._on_weight)
        self.stage1.toggled.connect(self._on_weight)
        self.budget.valueChanged.connect(self._on_budget)
        self.length.valueChanged.connect(self._on_length)
        self.reset_btn.clicked.connect(self.reset_weights)

    # -- presets -------------------------------------------------------------------------
    def set_presets(
        self,
        presets: dict[str, api.Weights],
        labels: dict[str, str],
        preset_for_duration: Callable[[Optional[float]], str],
    ) -> None:
        """Install the presets (``api.presets()``), keeping the current choice and values."""
        cur = getattr(self, "_wanted_preset", None) or self.preset_key()
        self._wanted_preset = None
        custom = {k: v for k, v in self.values().items() if k != "preset"}
        self.presets = {
            k: dict(alpha=v.alpha, beta=v.beta, gamma=v.gamma, nu=v.nu, stage1=v.stage1)
            for k, v in presets.items()
        }
        self.labels = {k: labels.get(k, k) for k in presets}
        self._preset_for_duration = preset_for_duration
        self.presets_loaded = True
        self._fill_presets(cur if cur in self.presets else "auto")
        if not getattr(self, "_user_values", False):
            self._apply_preset_values(self.preset_key())
        else:
            self.set_values(custom, emit=False)
        self._update_note()

    def _fill_presets(self, current: str) -> None:
        self.preset.blockSignals(True)
        self.preset.clear()
        for key, label in self.labels.items():
            self.preset.addItem(label, key)
        i = self.preset.findData(current)
        self.preset.setCurrentIndex(max(0, i))
        self.preset.blockSignals(False)

    def preset_key(self) -> str:
        return self.preset.currentData() or "auto"

    def resolved_preset(self) -> str:
        key = self.preset_key()
        if key == "auto" and self.presets_loaded and self.duration is not None:
            return self._preset_for_duration(self.duration)
        return key

    def set_duration(self, duration: Optional[float]) -> None:
        """Auto resolves by duration: when it is known, show the weights Auto will use."""
        self.duration = duration
        if self.preset_key() == "auto" and not getattr(self, "_user_values", False):
            self._apply_preset_values("auto")
        self._update_note()
        self._sync_length()

    def reset_weights(self) -> None:
        """Back to the preset's own values (the Reset button)."""
        if not self.custom:
            return
        self._apply_preset_values(self.preset_key())
        self.weightsChanged.emit()

    def _apply_preset_values(self, key: str) -> None:
        if key == "auto":
            key = self.resolved_preset()
        vals = (
            self.presets.get(key) or self.presets.get("auto") or next(iter(self.presets.values()))
        )
        for name, s in self.sliders.items():
            s.setValue(vals[name], emit=False)
        self.stage1.blockSignals(True)
        self.stage1.setChecked(bool(vals["stage1"]))
        self.stage1.blockSignals(False)
        self._user_values = False
        self._update_note()

    def _update_note(self) -> None:
        key = self.preset_key()
        text = ""
        if key == "auto" and self.presets_loaded:
            if self.duration is None:
                text = "Picks Short or Long by the video's length."
            else:
                r = self.resolved_preset()
                text = f"Using “{self.labels.get(r, r)}” for this video."
        if getattr(self, "_user_values", False):
            text = (text + " " if text else "") + (self._custom_note or "Weights adjusted by hand.")
        self.preset_note.setText(text)
        self.preset_note.setToolTip(text)
        self.reset_btn.setEnabled(self.custom)

    _custom_note = ""

    def note_new_video(self) -> None:
        """A new video opened: say that hand-set weights still apply (not silently)."""
        self._custom_note = (
            "Your hand-set weights from before apply to this video too." if self.custom else ""
        )
        self._update_note()

    def _on_preset(self, _index: int) -> None:
        self._apply_preset_values(self.preset_key())
        self.weightsChanged.emit()

    def _on_weight(self, *_args) -> None:
        self._user_values = True
        self._custom_note = ""
        self._update_note()
        self.weightsChanged.emit()

    # -- budget --------------------------------------------------------------------------
    def budget_fraction(self) -> float:
        if self._length_s is not None and self.duration:
            return min(api.BUDGET_MAX, max(api.BUDGET_MIN, self._length_s / float(self.duration)))
        return self.budget.value() / 100.0

    def length_seconds(self) -> Optional[float]:
        """The length typed in seconds (None: the percent decides)."""
        return self._length_s

    def set_budget(self, fraction: float, emit: bool = False) -> None:
        self._length_s = None
        self.budget.blockSignals(not emit)
        self.budget.setValue(int(round(fraction * 100)))
        self.budget.blockSignals(False)
        self._update_budget_label()
        self._sync_length()

    def set_length_seconds(self, seconds: Optional[float], emit: bool = False) -> None:
        """Set the summary length in seconds (None: back to the percent)."""
        if seconds is None:
            self._length_s = None
            self._sync_length()
        else:
            self._length_s = max(0.0, float(seconds))
            self._sync_length()
        if emit:
            self.budgetChanged.emit(self.budget_fraction())

    def _update_budget_label(self) -> None:
        self.budget_label.setText(f"{self.budget.value()} %")

    def _sync_length(self) -> None:
        """Show in the seconds field what the percent means for this video (or in the
        slider the percent the seconds make)."""
        d = float(self.duration or 0.0)
        self.length.blockSignals(True)
        self.budget.blockSignals(True)
        try:
            if d <= 0:
                self.length.setRange(0, 0)
                self.length.setSpecialValueText("— s")
                self.length.setEnabled(False)
                return
            self.length.setSpecialValueText("")
            self.length.setDecimals(1 if d < 60 else 0)
            self.length.setRange(round(api.BUDGET_MIN * d, 1), round(api.BUDGET_MAX * d, 1))
            self.length.setEnabled(True)
            if self._length_s is not None:
                self._length_s = min(max(self._length_s, api.BUDGET_MIN * d), api.BUDGET_MAX * d)
                self.length.setValue(self._length_s)
                self.budget.setValue(int(round(100 * self._length_s / d)))
            else:
                self.length.setValue(self.budget.value() / 100.0 * d)
        finally:
            self.length.blockSignals(False)
            self.budget.blockSignals(False)
        self._update_budget_label()

    def _on_budget(self, _v: int) -> None:
        self._length_s = None
        self._update_budget_label()
        self._sync_length()
        self.budgetChanged.emit(self.budget_fraction())

    def _on_length(self, seconds: float) -> None:
        if not self.duration:
            return
        self._length_s = float(seconds)
        self._sync_length()
        self.budgetChanged.emit(self.budget_fraction())

    def select_overrides(self) -> dict:
        """The summary-length fields for ``SummarizeSettings``: ``budget`` always, and
        ``length_seconds`` when seconds were typed and the settings have that field."""
        out: dict[str, Optional[float]] = {"budget": self.budget_fraction()}
        if api.has_setting("length_seconds"):
            out["length_seconds"] = self._length_s
        return out

    # -- values --------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        v: dict[str, Any] = {name: s.value() for name, s in self.sliders.items()}
        v["stage1"] = self.stage1.isChecked()
        v["preset"] = self.preset_key()
        v["budget"] = self.budget_fraction()
        v["length_seconds"] = self._length_s
        return v

    def set_values(self, v: dict, emit: bool = False) -> None:
        """Restore saved values (settings); missing keys keep their current value."""
        if "preset" in v:
            if v["preset"] in self.labels:
                self._fill_presets(v["preset"])
            else:  # a preset this version does not have: keep the wish for set_presets
                self._wanted_preset = v["preset"]
        for name, s in self.sliders.items():
            if v.get(name) is not None:
                s.setValue(v[name], emit=False)
        if v.get("stage1") is not None:
            self.stage1.blockSignals(True)
            self.stage1.setChecked(bool(v["stage1"]))
            self.stage1.blockSignals(False)
        if v.get("budget") is not None:
            self.set_budget(v["budget"])
        if v.get("custom"):
            self._user_values = True
        self._update_note()
        if emit:
            self.weightsChanged.emit()

    @property
    def custom(self) -> bool:
        return bool(getattr(self, "_user_values", False))

    def train_overrides(self) -> dict:
        """The SummarizeSettings fields for training: the preset plus explicit weights.

        Until the user moves a slider the preset's own values apply (so Auto still
        resolves by duration inside the pipeline); afterwards the slider values do.
        """
        out = {"preset": self.preset_key()}
        if self.custom:
            v = self.values()
            out.update(
                alpha=v["alpha"], beta=v["beta"], gamma=v["gamma"], nu=v["nu"], stage1=v["stage1"]
            )
        return out
