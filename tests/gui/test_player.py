"""The player shows the frame at the playhead without Play being pressed first."""

from __future__ import annotations

import pytest

from tests.gui.conftest import shown  # noqa: E402
from tests.media import make_video
from trim_desktop.gui.player import Player


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_video(
        tmp_path_factory.mktemp("player") / "v.mp4",
        duration=6.0,
        fps=25,
        size=(160, 120),
        scene_s=1.5,
        audio=True,
    )


def frame_time(p):
    f = p.video.videoSink().videoFrame()
    return f.startTime() / 1e6 if f.isValid() else None


def test_frame_is_on_screen_after_opening_and_after_a_paused_seek(qtbot, video):
    p = shown(qtbot, Player(), (480, 360))
    p.open(str(video))
    # before the fix the area stayed black until Play was pressed once
    qtbot.waitUntil(lambda: p.primed and p.current_frame() is not None, timeout=10000)
    assert not p.playing and p.position() == pytest.approx(0.0, abs=0.05)
    assert not p.audio.isMuted()  # the muted first play left no trace
    p.seek_to(4.0)  # a timeline click while paused
    qtbot.waitUntil(
        lambda: frame_time(p) is not None and abs(frame_time(p) - 4.0) < 0.1, timeout=5000
    )
    assert not p.playing
    # the frame shows the scene at 4.0 s (scene 2: blue), not a black area
    img = p.current_frame()
    c = img.pixelColor(5, 5)
    assert c.blue() > 150 and c.red() < 100


def test_seek_during_priming_lands_where_asked(qtbot, video):
    p = Player()
    qtbot.addWidget(p)
    p.show()
    p.open(str(video))
    p.seek_to(2.0)  # asked before the media has loaded or primed
    qtbot.waitUntil(lambda: p.primed, timeout=10000)
    p.seek_to(3.2)
    qtbot.waitUntil(
        lambda: frame_time(p) is not None and abs(frame_time(p) - 3.2) < 0.1, timeout=5000
    )


def test_j_k_l_shuttle(qtbot, video):
    p = Player()
    qtbot.addWidget(p)
    p.show()
    p.open(str(video))
    qtbot.waitUntil(lambda: p.primed, timeout=10000)
    keys = {k: a.shortcut().toString() for k, a in p.actions_.items()}
    assert keys == {"shuttle_back": "J", "shuttle_stop": "K", "shuttle_fwd": "L"}
    p.actions_["shuttle_fwd"].trigger()
    qtbot.waitUntil(lambda: p.playing, timeout=5000)
    p.actions_["shuttle_fwd"].trigger()
    assert p.rate() == 2.0
    p.actions_["shuttle_stop"].trigger()
    qtbot.waitUntil(lambda: not p.playing, timeout=5000)
    assert p.rate() == 1.0
    p.seek_to(3.0)
    qtbot.waitUntil(lambda: abs(p.position() - 3.0) < 0.05, timeout=5000)
    p.actions_["shuttle_back"].trigger()
    qtbot.waitUntil(lambda: abs(p.position() - 1.0) < 0.05, timeout=5000)
    p.stop_soon()


def test_controls_have_accessible_names():
    p = Player()
    for w in (p.play_btn, p.back_btn, p.fwd_btn, p.seek, p.mute_btn, p.volume, p.video):
        assert w.accessibleName()
    p.deleteLater()
