"""Robustness fixtures: a lazily generated corpus of awkward inputs and CLI helpers.

Every corpus file is small (320x240, a few seconds; 4K only a few frames) and made on
first use, once per session. Tests hash a file before and after a run to prove that
the source is never changed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.media import (
    corrupt_copy,
    make_audio_only,
    make_image_file,
    make_static_video,
    make_video,
    truncate_copy,
)

FAST = [
    "--backbone",
    "efficientnet-lite0",
    "--device",
    "cpu",
    "--steps1",
    "1",
    "--steps2",
    "2",
    "-q",
]
"""CLI flags for quick runs: the small backbone and a few training steps."""


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def files_under(folder) -> list[str]:
    """Every file below ``folder`` (relative names, sorted); [] if it does not exist."""
    folder = Path(folder)
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def temp_leftovers(*folders) -> list[str]:
    """Temporary / partial files an interrupted writer could leave behind."""
    out = []
    for folder in folders:
        for name in files_under(folder):
            base = Path(name).name
            if ".partial-" in base or base.endswith(".tmp") or base.startswith(".tmp"):
                out.append(str(Path(folder) / name))
    return out


def one_error_line(err: str) -> str:
    """stderr must hold exactly one 'error: ...' line and no traceback."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1, err
    assert "Traceback" not in err, err
    return errors[0]


def signal_when(proc, marker: str, sig, ready=lambda: True, wait_s: float = 10.0):
    """Read ``proc``'s stderr until a line starts with ``marker`` and ``ready()`` holds,
    send ``sig``, wait for the end. Returns (stderr before, stderr after, seconds it took
    to stop); the process is killed if it outlives the test."""
    seen = []
    try:
        for line in proc.stderr:  # progress lines (not a tty: milestones)
            seen.append(line)
            if line.startswith(marker):
                break
        else:
            pytest.fail(f"no '{marker}' line: " + "".join(seen))
        deadline = time.monotonic() + wait_s
        while not ready():
            assert time.monotonic() < deadline, "the moment to send the signal never came"
            time.sleep(0.02)
        proc.send_signal(sig)
        t0 = time.monotonic()
        rest = proc.communicate(timeout=30)[1]
        return "".join(seen), rest, time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()


def trim_threads() -> list[threading.Thread]:
    """Threads our code starts (decoder prefetch, GUI workers) that are still alive."""
    return [t for t in threading.enumerate() if t.is_alive() and t.name.startswith("trim-")]


# ---------------------------------------------------------------- the corpus


def _still_frames_mp4(path):
    return make_video(path, duration=1 / 30, fps=30)


RECIPES: dict[str, Callable[[Path, Callable[[str], Path]], Path]] = {
    # --- inputs that must fail with a clear message
    "zero_byte.mp4": lambda p, get: (p.write_bytes(b""), p)[1],
    "truncated.mp4": lambda p, get: truncate_copy(get("good.mp4"), p, 0.5),
    "text.mp4": lambda p, get: (p.write_text("These are my notes, not a video.\n" * 40), p)[1],
    "image_png.mp4": lambda p, get: make_image_file(p, ".png"),
    "image_jpeg.mp4": lambda p, get: make_image_file(p, ".jpg"),
    "audio_only.mp4": lambda p, get: make_audio_only(p, duration=2.0),
    # --- valid but odd inputs that must succeed
    "good.mp4": lambda p, get: make_video(p, duration=6.0, fps=30, scene_s=2.0),
    "one_frame.mp4": lambda p, get: _still_frames_mp4(p),
    "one_second.mp4": lambda p, get: make_video(p, duration=1.0, fps=30),
    "shorter_than_a_shot.mp4": lambda p, get: make_video(p, duration=2.5, fps=25, scene_s=10.0),
    "long_static.mp4": lambda p, get: make_static_video(p, duration=200.0, fps=1),
    "uhd_4k.mp4": lambda p, get: make_video(
        p,
        duration=1.0,
        fps=4,
        size=(3840, 2160),
        audio=False,
        codec_options={"preset": "ultrafast"},
    ),
    "odd_size.mp4": lambda p, get: make_video(
        p, duration=3.0, fps=25, size=(321, 241), pix_fmt="yuv444p"
    ),
    "rotated_phone.mp4": lambda p, get: make_video(
        p, duration=4.0, fps=30, size=(320, 240), rotation=90, marker=True
    ),
    "vfr.mp4": lambda p, get: make_video(p, duration=4.0, fps=30, vfr=True),
    "hevc_10bit.mp4": lambda p, get: make_video(
        p,
        duration=3.0,
        fps=25,
        codec="libx265",
        pix_fmt="yuv420p10le",
        codec_options={"preset": "ultrafast", "x265-params": "log-level=error"},
    ),
    "no_audio.mp4": lambda p, get: make_video(p, duration=4.0, fps=30, audio=False),
    "corrupt_frames.mp4": lambda p, get: corrupt_copy(get("good.mp4"), p),
    "dir with spaces/Vidéo d'été – 夏.mp4": lambda p, get: make_video(p, duration=3.0, fps=25),
    # for cancellation: long enough that every stage takes a moment
    "long_scenes.mp4": lambda p, get: make_video(
        p, duration=40.0, fps=10, scene_s=4.0, codec_options={"preset": "ultrafast"}
    ),
}


class Corpus:
    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.RLock()

    def __call__(self, name: str) -> Path:
        path = self.root / name
        with self._lock:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name("gen-" + path.name)
                made = RECIPES[name](tmp, self)
                os.replace(made, path)
        return path


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A private feature cache for one test (TRIM_DESKTOP_CACHE)."""
    d = tmp_path / "cache"
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(d))
    return d


@pytest.fixture
def out_dir(tmp_path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    return d


@pytest.fixture
def run_cli(capsys):
    """trim-summarize in-process: returns (exit code, stdout, stderr)."""
    from trim_desktop.cli.summarize import main

    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        cap = capsys.readouterr()
        return code, cap.out, cap.err

    return run


# ---------------------------------------------------------------- hostile file systems


def _chattr(flag: str, path: Path) -> bool:
    if not shutil.which("chattr"):
        return False
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody can write to, even root: ``chattr +i`` (immutable), else mode 0555
    when not root; skipped where neither really stops a write."""
    d = tmp_path / "read-only"
    d.mkdir()
    if _chattr("+i", d):
        yield d
        _chattr("-i", d)
        return
    os.chmod(d, 0o555)
    try:
        with contextlib.suppress(OSError):
            (d / "probe").write_text("x")
        if (d / "probe").exists():
            pytest.skip("cannot make a read-only folder here (root without chattr)")
        yield d
    finally:
        os.chmod(d, 0o755)


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 64 KiB tmpfs (a disk that fills up); skipped where mounting is not allowed."""
    d = tmp_path / "tiny-disk"
    d.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(d)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): " + r.stderr.decode()[:80])
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def enospc() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
