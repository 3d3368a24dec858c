"""The video player: QMediaPlayer + QVideoWidget + QAudioOutput with transport controls.

The frame at the playhead is on screen at all times. Qt's FFmpeg backend renders nothing
for a paused player until it has played once (the area stays black after opening, and a
paused seek shows nothing), so each new source is *primed*: played muted until its first
frame arrives (tens of milliseconds), then paused and put back at the wanted position.
After that every paused seek renders its frame. Keys J / K / L shuttle (see
:meth:`Player.shuttle`).
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Q_ARG, QEvent, QMetaObject, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtMultimedia import QAudioOutput, QMediaMetaData, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


def fmt_time(seconds: float, tenths: bool = False) -> str:
    """``m:ss`` (``h:mm:ss`` past an hour); with ``tenths`` one decimal on the seconds."""
    if seconds is None or seconds != seconds:
        seconds = 0.0
    seconds = max(0.0, float(seconds))
    if tenths:
        tenth_count = int(round(seconds * 10))
        whole, frac = divmod(tenth_count, 10)
    else:
        whole = int(round(seconds))
        frac = None
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    out = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    return out + (f".{frac}" if frac is not None else "")


class Player(QWidget):
    """A video area with play/pause, frame step, seek bar, time readout and volume.

    Times in the public API are seconds (floats); QMediaPlayer works in milliseconds.
    """

    positionChanged = Signal(float)  # seconds
    durationChanged = Signal(float)  # seconds
    playingChanged = Signal(bool)
    errorOccurred = Signal(str)
    mediaLoaded = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.fps = 25.0
        self._duration_ms = 0
        self._source: Optional[str] = None
        self._priming = False  # playing muted until the first frame (see module doc)
        self._primed = False
        self._prime_pending = False  # a new source: prime it once it has loaded
        self._prime_target: Optional[int] = None  # ms to show once primed
        self._prime_muted = False
        self._prime_timer = QTimer(self)
        self._prime_timer.setSingleShot(True)
        self._prime_timer.setInterval(3000)
        self._prime_timer.timeout.connect(self._end_prime)
        self._refresh_timer = QTimer(self)  # re-show the frame after a resize
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(120)
        self._refresh_timer.timeout.connect(self.refresh_frame)

        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)

        # Video area: a hint page while nothing is open, the QVideoWidget otherwise.
        self.stack = QStackedWidget(self)
        self.placeholder = QLabel(
            "<div style='font-size:15pt; color:#d0d4da'>Open a video to summarize</div>"
            "<div style='color:#8b929c; margin-top:8px'>File ▸ Open (Ctrl+O), drag a file "
            "here, or pick one from File ▸ Open Recent</div>"
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAutoFillBackground(True)
        self.placeholder.setStyleSheet("background:#1c1f24;")
        self.video = QVideoWidget()
        self.video.setStyleSheet("background:black;")
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.video)
        self.stack.setMinimumSize(QSize(320, 180))
        self.player.setVideoOutput(self.video)
        self.video.setAccessibleName("Video")
        self.video.installEventFilter(self)
        sink = self.video.videoSink()
        if sink is not None:
            sink.videoFrameChanged.connect(self._on_frame)

        # Transport controls.
        st = self.style()
        self.play_btn = self._tool(
            st.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Play / pause (Space)"
        )
        self.back_btn = self._tool(
            st.standardIcon(QStyle.StandardPixmap.SP_MediaSeekBackward), "One frame back (Left)"
        )
        self.fwd_btn = self._tool(
            st.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward), "One frame forward (Right)"
        )
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setRange(0, 0)
        self.seek.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.seek.setToolTip("Seek")
        self.time_label = QLabel("0:00.0 / 0:00")
        self.time_label.setMinimumWidth(96)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.mute_btn = self._tool(st.standardIcon(QStyle.StandardPixmap.SP_MediaVolume), "Mute")
        self.mute_btn.setCheckable(True)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setFixedWidth(90)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.setToolTip("Volume")
        self.audio.setVolume(0.8)
        for w, name in (
            (self.play_btn, "Play or pause"),
            (self.back_btn, "One frame back"),
            (self.fwd_btn, "One frame forward"),
            (self.seek, "Position in the video"),
            (self.time_label, "Time"),
            (self.mute_btn, "Mute"),
            (self.volume, "Volume"),
        ):
            w.setAccessibleName(name)

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 4, 4, 0)
        controls.setSpacing(4)
        for w in (self.back_btn, self.play_btn, self.fwd_btn):
            controls.addWidget(w)
        controls.addSpacing(6)
        controls.addWidget(self.seek, 1)
        controls.addWidget(self.time_label)
        controls.addSpacing(10)
        controls.addWidget(self.mute_btn)
        controls.addWidget(self.volume)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.stack, 1)
        lay.addLayout(controls)

        self.play_btn.clicked.connect(self.toggle_play)
        self.back_btn.clicked.connect(lambda: self.step_frames(-1))
        self.fwd_btn.clicked.connect(lambda: self.step_frames(1))
        self.seek.sliderMoved.connect(lambda ms: self.player.setPosition(int(ms)))
        self.volume.valueChanged.connect(lambda v: self.audio.setVolume(v / 100.0))
        self.mute_btn.toggled.connect(self._on_mute)
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(self._on_error)
        self.player.mediaStatusChanged.connect(self._on_status)
        self._set_enabled(False)
        self.actions_ = self._build_actions()

    def _build_actions(self) -> dict:
        """J / K / L: window-wide shortcuts that live with the player."""
        out = {}
        for name, key, text, slot in (
            ("shuttle_back", "J", "Back 2 s (J)", lambda: self.shuttle(-1)),
            ("shuttle_stop", "K", "Pause (K)", lambda: self.shuttle(0)),
            ("shuttle_fwd", "L", "Play; again: faster (L)", lambda: self.shuttle(1)),
        ):
            a = QAction(text, self)
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slot)
            self.addAction(a)
            out[name] = a
        return out

    def _tool(self, icon, tip: str) -> QToolButton:
        b = QToolButton(self)
        b.setIcon(icon)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setIconSize(QSize(20, 20))
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return b

    def _set_enabled(self, on: bool) -> None:
        for w in (self.play_btn, self.back_btn, self.fwd_btn, self.seek):
            w.setEnabled(on)

    # -- media ---------------------------------------------------------------------------
    def open(self, path: str) -> None:
        self._source = path
        self._set_source_soon(QUrl.fromLocalFile(path))
        self._reset_prime()
        self._prime_pending = True
        self.stack.setCurrentWidget(self.video)
        self._set_enabled(True)

    def stop_soon(self) -> None:
        """Stop playback from Qt's event loop instead of from Python (closing, opening, changing).

        QMediaPlayer.stop() called from Python keeps the GIL while it waits for a lock of
        the FFmpeg backend's audio thread; that thread, tearing down a connection to one
        of our (Python-made) objects, can be waiting for the GIL: a deadlock, caught with
        gdb in the test suite (about 1 close in 15 right after a summarize). Queued, the
        call runs in C++ with the GIL free. A priming play still running ends here too,
        so its first frame cannot pause (and so restart) a player that is stopping.
        """
        self._cancel_prime()
        QMetaObject.invokeMethod(self.player, "stop", Qt.ConnectionType.QueuedConnection)

    def _set_source_soon(self, url: QUrl) -> None:
        """Stop and change the media from Qt's event loop, for the reason in
        :meth:`stop_soon` (changing the source tears the old audio output down too)."""
        self.stop_soon()
        QMetaObject.invokeMethod(
            self.player, "setSource", Qt.ConnectionType.QueuedConnection, Q_ARG(QUrl, url)
        )

    def close_media(self) -> None:
        self._source = None
        self._reset_prime()
        self._set_source_soon(QUrl())
        self.stack.setCurrentWidget(self.placeholder)
        self._duration_ms = 0
        self.seek.setRange(0, 0)
        self._set_enabled(False)
        self._update_time(0)

    @property
    def source(self) -> Optional[str]:
        return self._source

    def set_fps(self, fps: float) -> None:
        if fps and fps > 0:
            self.fps = float(fps)

    # -- transport -----------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return (
            not self._priming
            and self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        )

    def play(self) -> None:
        if self._source:
            if self._priming:  # the user wants playback: priming is over
                self._end_prime(play=True)
            elif self._prime_pending:  # not loaded yet: playing will show frames anyway
                self._prime_pending = False
                self._primed = True
                self.player.setPlaybackRate(1.0)
                # after the queued setSource (see _set_source_soon), not before it
                QMetaObject.invokeMethod(self.player, "play", Qt.ConnectionType.QueuedConnection)
                return
            self.player.setPlaybackRate(1.0)
            self.player.play()

    def pause(self) -> None:
        if self._priming:
            self._end_prime()
        self.player.pause()
        self.player.setPlaybackRate(1.0)

    def shuttle(self, direction: int) -> None:
        """J / K / L: -1 jumps back 2 s (the backend cannot play backwards), 0 pauses,
        1 plays, and while playing doubles the speed up to 4x."""
        if not self._source:
            return
        if direction < 0:
            self.jump(-2.0)
        elif direction == 0:
            self.pause()
        elif self.playing:
            self.player.setPlaybackRate(min(4.0, self.player.playbackRate() * 2))
        else:
            self.play()

    def rate(self) -> float:
        return float(self.player.playbackRate())

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def position(self) -> float:
        return self.player.position() / 1000.0

    def duration(self) -> float:
        return self._duration_ms / 1000.0

    def seek_to(self, seconds: float) -> None:
        if not self._source:
            return
        ms = int(round(max(0.0, seconds) * 1000))
        if self._duration_ms:
            ms = min(ms, self._duration_ms)
        if self._priming:
            self._prime_target = ms  # shown when the first frame has come
            return
        self.player.setPosition(ms)

    # -- the frame at the playhead -------------------------------------------------------
    @property
    def primed(self) -> bool:
        return self._primed

    def _cancel_prime(self) -> None:
        """No priming from now on (stopping, closing): the player stays as it is told."""
        if self._priming:
            self.audio.setMuted(self._prime_muted)
        self._priming = self._prime_pending = False
        self._prime_target = None
        self._prime_timer.stop()

    def _reset_prime(self) -> None:
        self._cancel_prime()
        self._primed = False

    def _start_prime(self) -> None:
        if self._primed or self._priming or not self._source:
            return
        if self.playing:  # already playing: frames come anyway
            self._primed = True
            return
        self._priming = True
        self._prime_muted = self.audio.isMuted()
        self.audio.setMuted(True)
        self._prime_timer.start()
        self.player.play()

    def _end_prime(self, play: bool = False) -> None:
        if not self._priming:
            return
        self._priming = False
        self._primed = True
        self._prime_timer.stop()
        if not play:
            self.player.pause()
        self.audio.setMuted(self._prime_muted)
        target = self._prime_target if self._prime_target is not None else 0
        self._prime_target = None
        self.player.setPosition(int(target))
        self._on_state(self.player.playbackState())

    def _on_frame(self, frame) -> None:
        if self._priming and frame.isValid():
            self._end_prime()

    def refresh_frame(self) -> None:
        """Render the frame at the playhead again (paused): after a resize or a layout
        change the video area can come back black on some platforms."""
        if self._source and self._primed and not self.playing:
            self.player.setPosition(self.player.position())

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802
        if obj is self.video and ev.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._refresh_timer.start()
        return super().eventFilter(obj, ev)

    def jump(self, delta_s: float) -> None:
        self.seek_to(self.position() + delta_s)

    def step_frames(self, n: int) -> None:
        """Pause and move ``n`` frames (QMediaPlayer has no frame step: seek by 1/fps)."""
        if not self._source:
            return
        self.pause()
        frame = 1.0 / self.fps
        # Snap to the frame grid so repeated steps do not drift.
        cur = round(self.position() / frame)
        self.seek_to(max(0, cur + n) * frame + frame * 0.25)

    def current_frame(self) -> Optional[QImage]:
        """The frame on screen as a QImage (screenshots; QVideoWidget.grab() can be blank)."""
        sink = self.video.videoSink()
        if sink is None:
            return None
        frame = sink.videoFrame()
        if not frame.isValid():
            return None
        img = frame.toImage()
        return None if img.isNull() else img

    # -- slots ---------------------------------------------------------------------------
    def _on_mute(self, muted: bool) -> None:
        self.audio.setMuted(muted)
        pm = (
            QStyle.StandardPixmap.SP_MediaVolumeMuted
            if muted
            else QStyle.StandardPixmap.SP_MediaVolume
        )
        self.mute_btn.setIcon(self.style().standardIcon(pm))

    def _on_position(self, ms: int) -> None:
        if not self.seek.isSliderDown():
            self.seek.setValue(int(ms))
        self._update_time(ms)
        self.positionChanged.emit(ms / 1000.0)

    def _on_duration(self, ms: int) -> None:
        self._duration_ms = int(ms)
        self.seek.setRange(0, int(ms))
        self._update_time(self.player.position())
        self.durationChanged.emit(ms / 1000.0)

    def _on_state(self, state) -> None:
        if self._priming:  # a muted play to get the first frame: not the user's
            return
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        pm = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_btn.setIcon(self.style().standardIcon(pm))
        self.playingChanged.emit(playing)

    def _on_status(self, status) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia:
            rate = self.player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
            try:
                if rate and float(rate) > 0:
                    self.fps = float(rate)
            except (TypeError, ValueError):
                pass
            if (
                self._prime_pending
                and self._source
                and self.player.source() == QUrl.fromLocalFile(self._source)
            ):
                self._prime_pending = False
                self._start_prime()
            self.mediaLoaded.emit()

    def _on_error(self, error, text: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            self.errorOccurred.emit(text or "The video cannot be played.")

    def _update_time(self, ms: int) -> None:
        self.time_label.setText(
            f"{fmt_time(ms / 1000.0, tenths=True)} / {fmt_time(self._duration_ms / 1000.0)}"
        )
