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


# ----------------------------------------------------------------------------- issue 20 / 16
from types import SimpleNamespace  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QHBoxLayout, QWidget  # noqa: E402

from tests.gui.conftest import shown  # noqa: E402
from trim_desktop.gui import theme  # noqa: E402

SAMPLE = __import__("pathlib").Path(__file__).resolve().parents[2] / "resources" / "sample.mp4"


def seg(i, a, b, selected, reason="", junk=""):
    return SimpleNamespace(
        index=i, start_time=a, end_time=b, selected=selected, reason=reason, junk=junk
    )


def summary(*segs, rule=None):
    extra = {} if rule is None else {"rule": rule}
    return SimpleNamespace(segments=list(segs), extra=extra)


def four_pieces(tl):
    tl.set_duration(8.0)
    tl.set_scores(np.arange(0, 8, 0.5), np.linspace(0.2, 1.0, 16))
    tl.set_summary(
        summary(
            seg(0, 0, 2, False, "left out: repeat of piece 3"),
            seg(1, 2, 4, True, "kept: high score"),
            seg(2, 4, 6, False, "left out: too dark", junk="dark"),
            seg(3, 6, 8, True, "kept: represents scene 2"),
            rule="Kept: the highest-scored pieces, each scene once, never junk.",
        )
    )


def test_hover_readout_never_widens_the_layout(qtbot):
    """A long hover readout used to raise the timeline's minimum width by 30-40 px and
    rescale the plot under the pointer."""
    host = QWidget()
    lay = QHBoxLayout(host)
    tl = Timeline()
    lay.addWidget(tl)
    qtbot.addWidget(host)
    host.resize(520, 300)
    host.show()
    qtbot.waitExposed(host)
    four_pieces(tl)
    before_min = tl.minimumSizeHint().width()
    before_plot = tl.plot.geometry()
    tl.reasons[2] = "left out: " + "a very long reason that goes on and on " * 4
    tl.hover_at(5.0)
    qtbot.wait(20)
    assert "piece 3" in tl.readout.full_text()
    assert tl.minimumSizeHint().width() == before_min
    assert tl.plot.geometry() == before_plot
    # what does not fit is elided on screen and whole in the tooltip
    assert tl.readout.is_elided() and tl.readout.toolTip() == tl.readout.full_text()


def test_readout_follows_a_toggle_instead_of_going_stale(qtbot):
    tl = Timeline()
    qtbot.addWidget(tl)
    four_pieces(tl)
    tl.hover_at(1.0)
    assert "piece 1 (left out): left out: repeat of piece 3" in tl.readout.full_text()
    tl.set_selected([True, True, False, True])  # the user added piece 1
    assert "piece 1 (in summary): added by you" in tl.readout.full_text()
    tl.hover_at(3.0)
    assert "piece 2 (in summary): kept: high score" in tl.readout.full_text()


def test_junk_is_marked_and_the_rule_is_stated(qtbot):
    tl = Timeline()
    qtbot.addWidget(tl)
    four_pieces(tl)
    brushes = tl.strip.opts["brushes"]
    assert brushes[2].style() == Qt.BrushStyle.BDiagPattern  # junk: hatched
    assert all(b.style() == Qt.BrushStyle.SolidPattern for i, b in enumerate(brushes) if i != 2)
    assert tl.rule_label.full_text() == (
        "Selection: Kept: the highest-scored pieces, each scene once, never junk."
    )
    assert "junk" in tl.legend.text()
    # a summary without a rule (today's knapsack) still says what the selection did
    tl.set_summary(summary(seg(0, 0, 8, True)))
    assert "knapsack" in tl.rule_label.full_text()
    assert "piece 1 (in summary)" in tl.describe(1.0)


def test_piece_keys_move_toggle_and_mark(qtbot):
    tl = Timeline()
    qtbot.addWidget(tl)
    four_pieces(tl)
    seeks, toggles = [], []
    tl.seekRequested.connect(seeks.append)
    tl.toggleRequested.connect(toggles.append)
    tl.set_position(0.5)
    tl.actions_["next_piece"].trigger()
    assert seeks[-1] == 2.0 and tl.position() == 2.0
    tl.actions_["next_piece"].trigger()
    assert seeks[-1] == 4.0
    tl.actions_["prev_piece"].trigger()  # at a start: the piece before
    assert seeks[-1] == 2.0
    tl.set_position(5.0)
    tl.actions_["prev_piece"].trigger()  # inside a piece: its start
    assert seeks[-1] == 4.0
    tl.actions_["toggle_piece"].trigger()
    assert toggles == [2]
    # I at 1.0, O at 5.5: pieces 1 and 2 lie mostly inside, 3 only half
    tl.set_position(1.0)
    tl.actions_["mark_in"].trigger()
    tl.set_position(5.5)
    tl.actions_["mark_out"].trigger()
    assert tl.marked_range() == (1.0, 5.5) and tl.marked_pieces() == [1, 2]
    assert tl.marks_region.isVisible()
    toggles.clear()
    tl.actions_["keep_marked"].trigger()  # piece 2 is out: toggled in; 1 already in
    assert toggles == [2]
    toggles.clear()
    tl.actions_["drop_marked"].trigger()
    assert toggles == [1]
    tl.actions_["clear_marks"].trigger()
    assert tl.marked_range() is None and not tl.marks_region.isVisible()


def test_keys_reach_the_timeline_from_the_window(qtbot):
    from PySide6.QtWidgets import QMainWindow

    win = QMainWindow()
    tl = Timeline()
    win.setCentralWidget(tl)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    from PySide6.QtWidgets import QApplication

    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)
    four_pieces(tl)
    seeks = []
    tl.seekRequested.connect(seeks.append)
    tl.set_position(0.5)
    qtbot.keyClick(win, Qt.Key.Key_Down)
    assert seeks == [2.0]
    assert tl.actions_["toggle_piece"].shortcut().toString() == "T"
    assert [s.toString() for s in tl.actions_["keep_marked"].shortcuts()] == ["Return", "Enter"]


@pytest.mark.skipif(not SAMPLE.exists(), reason="no bundled sample")
def test_hover_shows_a_thumbnail_of_the_piece(qtbot):
    tl = shown(qtbot, Timeline(), (600, 260))
    tl.set_source(str(SAMPLE))
    tl.set_duration(68.0)
    tl.set_shots([(0, 8.5), (8.5, 17)], [True, False])
    tl.hover_at(10.0)
    qtbot.waitUntil(lambda: tl.thumb.isVisible(), timeout=10000)
    pix = tl.thumb.pixmap()
    assert not pix.isNull() and pix.width() == 160
    # the picture is the piece's own (a mid-piece frame of scene 2, not black)
    img = pix.toImage()
    colour = QColor(img.pixel(pix.width() // 2, pix.height() // 2))
    assert colour.lightness() > 20
    tl.hover_at(None)
    assert not tl.thumb.isVisible() and tl.readout.full_text() == ""


def test_colours_follow_a_dark_palette(qtbot):
    tl = Timeline()
    qtbot.addWidget(tl)
    assert tl.plot.backgroundBrush().color().lightness() > 128 or not theme.is_dark()
    tl.setPalette(theme.dark_palette())
    assert tl.plot.backgroundBrush().color().lightness() < 80
    assert theme.is_dark(tl.palette())
    assert tl.palette().color(QPalette.ColorRole.Text).lightness() > 180
