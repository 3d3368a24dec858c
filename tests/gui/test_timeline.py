"""The timeline draws scores rescaled to the video's range; hover shows the raw score."""
import numpy as np

from trim_desktop.gui.timeline import Timeline, relative


def test_relative_spreads_a_narrow_band_and_keeps_order():
    raw = np.array([0.97, 0.99, 0.975, 1.0], np.float32)
    rel = relative(raw)
    assert rel.min() == 0.0 and rel.max() == 1.0
    assert list(np.argsort(rel)) == list(np.argsort(raw))
    assert np.all(relative(np.full(5, 0.8, np.float32)) == 0.5)  # constant: a flat middle line
    # a lone low outlier (the first sample) does not squash the rest of the curve
    spread = relative(np.array([0.1] + list(np.linspace(0.95, 1.0, 19)), np.float32))
    assert spread[0] == 0.0 and spread[1] == 0.0 and spread[10] > 0.4
    assert relative(np.zeros(0, np.float32)).size == 0


def test_curve_uses_relative_scores_and_hover_shows_raw(qtbot):
    tl = Timeline()
    qtbot.addWidget(tl)
    tl.set_duration(4.0)
    tl.set_scores([0.0, 1.0, 2.0, 3.0], [0.97, 0.99, 0.975, 1.0])
    xs, ys = tl.curve.getData()
    assert ys.min() == 0.0 and ys.max() == 1.0
    text = tl.describe(1.2)
    assert "importance 0.67" in text and "score 0.990" in text
