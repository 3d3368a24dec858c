"""The side panel: length in seconds beside the percent; nothing moves when notes change."""

from __future__ import annotations

import dataclasses

import pytest

from tests.gui.conftest import shown  # noqa: E402
from trim_desktop.core.pipeline import SummarizeSettings
from trim_desktop.gui.weights_panel import WeightsPanel

HAS_LENGTH = "length_seconds" in {f.name for f in dataclasses.fields(SummarizeSettings)}


def test_length_in_seconds_and_percent_agree(qtbot):
    p = WeightsPanel()
    qtbot.addWidget(p)
    assert not p.length.isEnabled()  # no video: no seconds to show
    p.set_duration(200.0)
    assert p.length.isEnabled() and p.length.value() == pytest.approx(30.0)  # 15 %
    seen = []
    p.budgetChanged.connect(seen.append)
    p.length.setValue(50)  # the user types 50 s
    assert p.length_seconds() == 50.0
    assert p.budget.value() == 25 and p.budget_label.text() == "25 %"
    assert seen[-1] == pytest.approx(0.25)
    over = p.select_overrides()
    assert over["budget"] == pytest.approx(0.25)
    if HAS_LENGTH:
        assert over["length_seconds"] == 50.0
        SummarizeSettings().replace(**over)  # the settings take it as it is
    else:
        assert "length_seconds" not in over
    p.budget.setValue(10)  # the slider again: the percent decides
    assert p.length_seconds() is None and p.length.value() == pytest.approx(20.0)
    assert p.select_overrides().get("length_seconds") is None
    p.set_duration(60.0)  # another video: seconds follow the percent
    assert p.length.value() == pytest.approx(6.0)


def test_sliders_stay_put_when_the_note_appears(qtbot):
    """'Weights adjusted by hand' used to push the sliders down under the pointer."""
    p = shown(qtbot, WeightsPanel(), (340, 700))
    p.set_duration(200.0)
    qtbot.wait(10)
    ys = {n: s.mapTo(p, s.rect().topLeft()).y() for n, s in p.sliders.items()}
    p.sliders["alpha"].slider.setValue(p.sliders["alpha"].slider.value() + 5)
    qtbot.wait(10)
    assert "adjusted by hand" in p.preset_note.text()
    assert p.reset_btn.isEnabled()
    assert {n: s.mapTo(p, s.rect().topLeft()).y() for n, s in p.sliders.items()} == ys
    p.note_new_video()
    qtbot.wait(10)
    assert "apply to this video too" in p.preset_note.text()
    assert {n: s.mapTo(p, s.rect().topLeft()).y() for n, s in p.sliders.items()} == ys
    p.reset_weights()
    assert not p.custom and not p.reset_btn.isEnabled()


def test_panel_scrolls_instead_of_clipping_in_a_low_window(qtbot):
    p = shown(qtbot, WeightsPanel(), (320, 260))
    assert p.scroll_area.verticalScrollBar().maximum() > 0
    for s in p.sliders.values():
        assert s.slider.accessibleName()
    assert p.budget.accessibleName() and p.length.accessibleName()
