"""Regenerate resources/sample.mp4, the app's bundled demo video.

Everything in it is drawn here (NumPy + OpenCV) and encoded with PyAV, so the project
owns it outright and may redistribute it (CC0). Eight procedural scenes of different
lengths, each with its own look and sound, give the summarizer real shot changes to
find. Deterministic: same script + same PyAV/FFmpeg build -> same bytes.

    python resources/make_sample.py [out.mp4]
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

W, H, FPS, SR = 640, 360, 30, 44100
SEED = 20240611
SCENES = [  # (name, seconds)
    ("title", 5),
    ("mountains", 12),
    ("ocean", 10),
    ("city", 9),
    ("meadow", 8),
    ("balls", 8),
    ("desert", 9),
    ("credits", 7),
]


# ---------------------------------------------------------------- drawing helpers


def vgradient(top, bottom, h=H, w=W) -> np.ndarray:
    """Vertical colour gradient, float32 HxWx3 (RGB 0..255)."""
    a = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    img = (1 - a) * np.array(top, np.float32) + a * np.array(bottom, np.float32)
    return np.repeat(img, w, axis=1)


def smooth_noise(rng, h, w, scale, amp) -> np.ndarray:
    """Blurred random texture (HxWx1): looks like grain/foliage, compresses well."""
    small = rng.standard_normal((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return (amp * big / (big.std() + 1e-6))[:, :, None]


def ridge(rng, w, base, rough, octaves=5) -> np.ndarray:
    """A 1-D skyline (height in pixels per column) from summed random sines."""
    x = np.arange(w, dtype=np.float32)
    y = np.full(w, base, np.float32)
    for o in range(octaves):
        f = (o + 1) ** 1.7 / w * 2 * np.pi * 1.5
        y += rough / (o + 1) * np.sin(f * x + rng.uniform(0, 6.28))
    return y


def fill_below(img, heights, colour, tex=None, x0=0):
    """Paint everything below a skyline (heights per column, shifted by x0)."""
    h, w = img.shape[:2]
    cols = heights[x0 : x0 + w]
    mask = np.arange(h)[:, None] >= cols[None, :]
    layer = np.broadcast_to(np.array(colour, np.float32), img.shape).copy()
    if tex is not None:
        layer += tex[:, x0 : x0 + w]
    img[mask] = layer[mask]


def to_u8(img) -> np.ndarray:
    return np.clip(img, 0, 255).astype(np.uint8)


def text(img, s, org, scale, colour, thick=2):
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_DUPLEX, scale, (0, 0, 0), thick + 4, cv2.LINE_AA)
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_DUPLEX, scale, colour, thick, cv2.LINE_AA)


# ---------------------------------------------------------------- scenes


class Scene:
    """A scene precomputes its textures once and renders frame t (seconds into it)."""

    def __init__(self, rng, dur):
        self.rng, self.dur = rng, dur

    def frame(self, t: float) -> np.ndarray:
        raise NotImplementedError


class Title(Scene):
    def __init__(self, rng, dur):
        super().__init__(rng, dur)
        self.bg = vgradient((10, 20, 60), (60, 10, 70)) + smooth_noise(rng, H, W, 40, 6)
        self.dots = rng.uniform(0, 1, (25, 4))

    def frame(self, t):
        img = self.bg.copy()
        for x, y, r, s in self.dots:
            c = (int((x * W + 30 * t * (s - 0.5)) % W), int((y * H - 12 * t * s) % H))
            cv2.circle(img, c, int(6 + 20 * r), (120 + 100 * s, 90, 200), -1, cv2.LINE_AA)
        img = cv2.GaussianBlur(img, (0, 0), 3)
        u = to_u8(img)
        k = min(1.0, t / 1.5)
        text(u, "TRIM Desktop", (110, 170), 2.2, (int(255 * k),) * 3, 3)
        text(
            u,
            "a sample video made by make_sample.py",
            (105, 225),
            0.8,
            (int(200 * k), int(220 * k), 255),
        )
        return u


class Mountains(Scene):
    def __init__(self, rng, dur):
        super().__init__(rng, dur)
        self.sky = vgradient((70, 130, 220), (200, 220, 240))
        pad = W + 400
        self.layers = [  # (skyline, colour, texture, parallax speed px/s)
            (ridge(rng, pad, 150, 45), (120, 130, 160), smooth_noise(rng, H, pad, 12, 8), 6),
            (ridge(rng, pad, 210, 40), (70, 95, 80), smooth_noise(rng, H, pad, 6, 12), 14),
            (ridge(rng, pad, 285, 20), (40, 70, 35), smooth_noise(rng, H, pad, 3, 16), 28),
        ]

    def frame(self, t):
        img = self.sky.copy()
        cv2.circle(img, (480, 80), 34, (255, 245, 200), -1, cv2.LINE_AA)
        for i, (sky, col, tex, v) in enumerate(self.layers):
            fill_below(img, sky, col, tex, int(v * t))
            if i == 0:  # snow caps on the far range
                x0 = int(v * t)
                cap = np.arange(H)[:, None]
                m = (
                    (cap >= sky[x0 : x0 + W])
                    & (cap < sky[x0 : x0 + W] + 12)
                    & (sky[x0 : x0 + W] < 125)
                )
                img[m] = (235, 240, 250)
        return to_u8(img)


class Ocean(Scene):
    def __init__(self, rng, dur):
        super().__init__(rng, dur)
        self.sky = vgradient((120, 170, 230), (230, 230, 240))
        self.sand = smooth_noise(rng, H, W, 4, 10)
        self.yy, self.xx = np.mgrid[0:H, 0:W].astype(np.float32)

    def frame(self, t):
        img = self.sky.copy()
        sea = (self.yy >= 170) & (self.yy < 290)
        depth = (self.yy - 170) / 120
        wave = np.sin(self.xx / 23 + self.yy / 4 - t * 3) * np.sin(self.yy / 9 + t)
        sea_col = np.stack([20 + 40 * depth, 90 + 60 * depth, 160 + 30 * depth], -1)
        sea_col += (18 * wave)[..., None]
        img[sea] = sea_col[sea]
        shore = 290 + 6 * np.sin(self.xx[0] / 40 + t * 1.3)
        beach = self.yy >= shore[None, :]
        img[beach] = (np.array((220, 200, 150), np.float32) + self.sand)[beach]
        bx = int(80 + 40 * t)
        cv2.fillPoly(
            img,
            [np.array([[bx, 200], [bx + 70, 200], [bx + 55, 215], [bx + 12, 215]])],
            (90, 50, 30),
            cv2.LINE_AA,
        )
        cv2.fillPoly(
            img,
            [np.array([[bx + 32, 198], [bx + 32, 150], [bx + 62, 196]])],
            (245, 245, 235),
            cv2.LINE_AA,
        )
        return to_u8(img)


class City(Scene):
    def __init__(self, rng, dur):
        super().__init__(rng, dur)
        pad = W + 300
        self.bg = vgradient((5, 5, 25), (40, 30, 70), w=pad)
        for x, y in rng.uniform(0, 1, (120, 2)):
            self.bg[int(y * 180), int(x * pad)] = (255, 255, 230)
        x = 0
        while x < pad:
            bw, bh = int(rng.integers(40, 90)), int(rng.integers(90, 250))
            top = 300 - bh
            self.bg[top:300, x : x + bw] = rng.uniform(20, 45)
            for wy in range(top + 8, 292, 14):
                for wx in range(x + 6, x + bw - 8, 12):
                    if rng.random() < 0.45:
                        self.bg[wy : wy + 7, wx : wx + 6] = (255, 220, 120)
            x += bw + int(rng.integers(2, 12))
        self.bg[300:] = (30, 30, 35)
        self.bg[326:330] = (200, 200, 90)

    def frame(self, t):
        img = self.bg[:, int(10 * t) : int(10 * t) + W].copy()
        for k in range(5):
            x = int((k * 170 + 140 * t * (1 if k % 2 else -1)) % (W + 100)) - 50
            y = 315 if k % 2 else 340
            col = (255, 250, 220) if k % 2 else (255, 40, 30)
            cv2.ellipse(img, (x, y), (18, 5), 0, 0, 360, col, -1, cv2.LINE_AA)
        return to_u8(cv2.GaussianBlur(img, (3, 3), 0))


class Meadow(Scene):
    def __init__(self, rng, dur):
        super().__init__(rng, dur)
        self.sky = vgradient((90, 160, 235), (180, 215, 245))
        self.hill = ridge(rng, W, 210, 25, 3)
        self.grass = smooth_noise(rng, H, W, 3, 18)
        self.trees = [
            (int(x), int(s)) for x, s in zip(rng.uniform(20, 620, 9), rng.uniform(40, 90, 9))
        ]
        self.flowers = rng.uniform(0, 1, (140, 3))
        self.clouds = rng.uniform(0, 1, (5, 2))

    def frame(self, t):
        img = self.sky.copy()
        for cx, cy in self.clouds:
            x = int((cx * W + 15 * t) % (W + 160)) - 80
            for dx, r in ((-30, 22), (0, 32), (30, 24)):
                cv2.circle(img, (x + dx, int(40 + cy * 70)), r, (250, 250, 250), -1, cv2.LINE_AA)
        fill_below(img, self.hill, (70, 150, 50), self.grass)
        for x, s in self.trees:
            base = int(self.hill[x]) + 10
            sway = int(3 * np.sin(t * 2 + x))
            cv2.rectangle(img, (x - 4, base - 15), (x + 4, base + 5), (90, 60, 30), -1)
            cv2.fillPoly(
                img,
                [
                    np.array(
                        [
                            [x - s // 3, base - 12],
                            [x + s // 3, base - 12],
                            [x + sway, base - 12 - s],
                        ]
                    )
                ],
                (25, 90, 35),
                cv2.LINE_AA,
            )
        for fx, fy, c in self.flowers:
            y = int(self.hill.max() + 20 + fy * (H - self.hill.max() - 25))
            col = (250, 240, 80) if c < 0.5 else (240, 120, 200)
            cv2.circle(img, (int(fx * W), y), 3, col, -1)
        return to_u8(img)


class Balls(Scene):
    def __init__(self, rng, dur):
        super().__init__(rng, dur)
        self.bg = vgradient((180, 180, 190), (120, 115, 110)) + smooth_noise(rng, H, W, 8, 5)
        self.bg[270:] = vgradient((90, 80, 70), (60, 50, 45), h=H - 270) + smooth_noise(
            rng, H - 270, W, 2, 8
        )
        self.balls = [
            (
                rng.uniform(40, 600),
                rng.uniform(-90, 90),
                rng.uniform(0.6, 1.4),
                int(rng.integers(15, 35)),
                tuple(float(v) for v in rng.uniform(40, 255, 3)),
            )
            for _ in range(6)
        ]

    def bounce_times(self):
        """When each ball touches the floor (the sound track clicks then)."""
        return [
            k * 2 / (3 * s) + ph
            for _, _, s, _, _ in self.balls
            for ph in [0.0]
            for k in range(int(self.dur * 3 * s / 2) + 1)
        ]

    def frame(self, t):
        img = self.bg.copy()
        for x0, vx, s, r, col in self.balls:
            phase = (t * 3 * s / 2) % 1.0
            y = 270 - r - 180 * s * 4 * phase * (1 - phase)
            x = (x0 + vx * t) % (2 * W)
            x = 2 * W - x if x > W else x
            cv2.ellipse(img, (int(x), 272), (r, 5), 0, 0, 360, (40, 35, 30), -1, cv2.LINE_AA)
            cv2.circle(img, (int(x), int(y)), r, col, -1, cv2.LINE_AA)
            cv2.circle(
                img,
                (int(x - r / 3), int(y - r / 3)),
                max(2, r // 4),
                (255, 255, 255),
                -1,
                cv2.LINE_AA,
            )
        return to_u8(img)


class Desert(Scene):
    def __init__(self, rng, dur):
        super().__init__(rng, dur)
        self.sky = vgradient((70, 40, 110), (250, 150, 70))
        pad = W + 300
        self.dunes = [
            (ridge(rng, pad, 230, 25, 3), (190, 120, 70), 5),
            (ridge(rng, pad, 280, 30, 3), (215, 150, 90), 15),
        ]
        self.tex = smooth_noise(rng, H, pad, 3, 9)

    def frame(self, t):
        img = self.sky.copy()
        sun_y = int(150 + 9 * t)
        cv2.circle(img, (320, sun_y), 55, (255, 200, 120), -1, cv2.LINE_AA)
        for sky, col, v in self.dunes:
            fill_below(img, sky, col, self.tex, int(v * t))
        return to_u8(img * (1.0 - 0.03 * t))


class Credits(Scene):
    def __init__(self, rng, dur):
        super().__init__(rng, dur)
        self.tex = smooth_noise(rng, H + 200, W, 10, 14)
        self.base = vgradient((90, 15, 25), (30, 5, 10), h=H + 200)

    def frame(self, t):
        o = int(20 * t)
        img = to_u8(self.base[o : o + H] + self.tex[o : o + H])
        lines = [
            "TRIM Desktop sample",
            "",
            "procedural scenes: NumPy + OpenCV",
            "sound: synthesised tones",
            "encoded with PyAV",
            "",
            "licence: CC0 (public domain)",
        ]
        for i, s in enumerate(lines):
            y = int(380 - 40 * t + 38 * i)
            if -10 < y < H + 30:
                text(img, s, (120, y), 0.8, (240, 230, 220))
        return img


SCENE_CLASSES = {
    "title": Title,
    "mountains": Mountains,
    "ocean": Ocean,
    "city": City,
    "meadow": Meadow,
    "balls": Balls,
    "desert": Desert,
    "credits": Credits,
}


# ---------------------------------------------------------------- sound


def scene_audio(name: str, dur: float, rng, scene: Scene) -> np.ndarray:
    """Stereo float32 (2, n) sound for one scene: a chord plus a scene-specific texture."""
    n = int(round(dur * SR))
    t = np.arange(n) / SR
    chords = {
        "title": (220, 277, 330),
        "mountains": (196, 247, 294),
        "ocean": (174, 220, 262),
        "city": (110, 131, 165),
        "meadow": (262, 330, 392),
        "balls": (294, 370, 440),
        "desert": (147, 175, 220),
        "credits": (220, 262, 330),
    }
    tone = sum(np.sin(2 * np.pi * f * t + i) for i, f in enumerate(chords[name])) / 6
    tone *= 0.6 + 0.4 * np.sin(2 * np.pi * 0.25 * t)
    left, right = tone.copy(), tone.copy()
    noise = rng.standard_normal(n)
    if name in ("ocean", "desert"):  # surf / wind: low-passed noise that swells
        k = 40 if name == "ocean" else 15
        swell = 0.5 + 0.5 * np.sin(2 * np.pi * (0.2 if name == "ocean" else 0.1) * t)
        low = np.convolve(noise, np.ones(k) / k, mode="same") * 2.5 * swell
        left += low
        right += np.roll(low, 300)
    elif name == "meadow":  # bird chirps: short rising sweeps
        for c in np.arange(0.4, dur, 0.9):
            i0, m = int(c * SR), int(0.12 * SR)
            tt = np.arange(min(m, n - i0)) / SR
            chirp = 0.3 * np.sin(2 * np.pi * (2500 + 9000 * tt) * tt) * np.hanning(len(tt))
            (left if int(c) % 2 else right)[i0 : i0 + len(tt)] += chirp
    elif name == "city":  # traffic hum
        hum = 0.15 * np.sin(2 * np.pi * 55 * t) + 0.05 * noise
        left += hum
        right += hum
    elif name == "balls":  # a click for each bounce
        for bt in scene.bounce_times():
            i0 = int(bt * SR)
            if i0 < n:
                m = min(800, n - i0)
                click = 0.6 * np.exp(-np.arange(m) / 120) * np.sin(np.arange(m) * 0.35)
                left[i0 : i0 + m] += click
                right[i0 : i0 + m] += click
    fade = np.minimum(1, np.minimum(t, dur - t) / 0.05)  # no clicks at scene changes
    return (np.stack([left, right]) * 0.35 * fade).astype(np.float32)


# ---------------------------------------------------------------- encoding


def make_sample(path: Path | str, crf: int = 23) -> Path:
    """Render all scenes and write H.264 (yuv420p) + AAC stereo to ``path``."""
    path = Path(path)
    rng = np.random.default_rng(SEED)
    out = av.open(str(path), "w", options={"movflags": "+faststart"})
    out.metadata["title"] = "TRIM Desktop sample"
    out.metadata["comment"] = "Generated by resources/make_sample.py; CC0"
    vs = out.add_stream(
        "libx264", rate=FPS, options={"crf": str(crf), "preset": "slow", "tune": "animation"}
    )
    vs.width, vs.height, vs.pix_fmt = W, H, "yuv420p"
    vs.time_base = vs.codec_context.time_base = Fraction(1, FPS)
    vs.thread_count = 1  # single-threaded x264: identical bytes on every machine
    as_ = out.add_stream("aac", rate=SR, options={"b": "96k"})
    as_.layout = "stereo"
    vframe, apos = 0, 0
    for name, dur in SCENES:
        scene = SCENE_CLASSES[name](rng, dur)
        for i in range(dur * FPS):
            frame = av.VideoFrame.from_ndarray(scene.frame(i / FPS), format="rgb24")
            frame.pts = vframe
            vframe += 1
            for packet in vs.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        apos = _write_audio(out, as_, scene_audio(name, dur, rng, scene), apos)
    for packet in vs.encode():
        out.mux(packet)
    for packet in as_.encode():
        out.mux(packet)
    out.close()
    return path


def _write_audio(out, stream, wave: np.ndarray, pos: int) -> int:
    for s in range(0, wave.shape[1], 1024):
        piece = np.ascontiguousarray(wave[:, s : s + 1024])
        af = av.AudioFrame.from_ndarray(piece, format="fltp", layout="stereo")
        af.sample_rate, af.pts, af.time_base = SR, pos, Fraction(1, SR)
        pos += piece.shape[1]
        for packet in stream.encode(af):
            out.mux(packet)
    return pos


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("sample.mp4")
    make_sample(target)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.2f} MB)")
