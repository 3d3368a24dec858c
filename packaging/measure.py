"""Measure the built bundle: size (total, by component, top files), archive size, start-up.

    python packaging/measure.py [dist/TRIM-Desktop] [--runs 3] [--json build/measure.json]

Start-up = launching ``trim-desktop --startup-time`` offscreen until the main window is
shown (the app prints the time and quits), wall clock from outside, median of --runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tree_size(p: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(p):
        for f in files:
            fp = os.path.join(dirpath, f)
            if not os.path.islink(fp):
                total += os.path.getsize(fp)
    return total


def component(rel: str) -> str:
    """Group a bundle path into a component a person recognises."""
    parts = rel.split("/")
    if parts[0] != "_internal":
        return "executables + desktop files"
    parts = parts[1:]
    if not parts[1:]:
        return "top-level libs (" + ("python" if "python" in parts[0] else "system/other") + ")"
    top = parts[0]
    if top == "torch" and parts[1] == "lib":
        return "torch/lib/" + parts[2]
    if top == "PySide6":
        if "plugins" in parts:
            return "PySide6 Qt plugins"
        name = parts[-1]
        if (
            "av" in name
            and name.startswith("lib")
            and any(k in name for k in ("avcodec", "avformat", "avutil", "swscale", "swresample"))
        ):
            return "PySide6 Qt FFmpeg libs"
        if "icu" in name:
            return "PySide6 ICU data/libs"
        return "PySide6 Qt libs + bindings"
    return top


def human(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def startup(bundle: Path, runs: int) -> dict:
    times, inner = [], []
    with tempfile.TemporaryDirectory() as home:
        env = {
            "HOME": home,
            "PATH": "/usr/bin:/bin",
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_RUNTIME_DIR": home,
            "LANG": "C.UTF-8",
        }
        for _ in range(runs):
            t = time.monotonic()
            r = subprocess.run(
                [str(bundle / "trim-desktop"), "--startup-time"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            times.append(time.monotonic() - t)
            if r.returncode != 0:
                raise SystemExit(f"--startup-time failed ({r.returncode}): {r.stderr[-2000:]}")
            for line in r.stdout.splitlines():
                if line.startswith("window shown after"):
                    inner.append(float(line.split()[3]))
        t = time.monotonic()
        subprocess.run(
            [str(bundle / "trim-summarize"), "--help"],
            env=env,
            capture_output=True,
            timeout=300,
            check=True,
        )
        cli_help = time.monotonic() - t
    return {
        "window_shown_wall_s": [round(x, 2) for x in times],
        "window_shown_median_s": round(statistics.median(times), 2),
        "app_reported_s": inner,
        "cli_help_s": round(cli_help, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle", nargs="?", default=str(ROOT / "dist" / "TRIM-Desktop"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", default=str(ROOT / "build" / "measure.json"))
    ap.add_argument("--no-startup", action="store_true")
    args = ap.parse_args()
    b = Path(args.bundle)
    files = []
    for dirpath, _dirs, names in os.walk(b):
        for n in names:
            fp = Path(dirpath, n)
            if not fp.is_symlink():
                files.append((fp.relative_to(b).as_posix(), fp.stat().st_size))
    total = sum(s for _, s in files)
    groups = Counter()
    for rel, s in files:
        groups[component(rel)] += s
    info = {}
    try:
        info = json.loads((b / "_internal" / "build_info.json").read_text())
    except OSError:
        pass
    archives = {p.name: p.stat().st_size for p in (b.parent).glob("TRIM-Desktop-*.tar.gz")}
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "build": info,
        "bundle": str(b),
        "files": len(files),
        "total_bytes": total,
        "components": groups.most_common(),
        "top_files": sorted(files, key=lambda f: -f[1])[:15],
        "archives": archives,
    }
    if not args.no_startup:
        result["startup"] = startup(b, args.runs)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=1))
    print(f"bundle {b}: {human(total)} in {len(files)} files ({info.get('variant', '?')} build)")
    for name, size in archives.items():
        print(f"archive {name}: {human(size)}")
    print("\n| component | size |\n| --- | ---: |")
    for name, size in groups.most_common(15):
        print(f"| {name} | {human(size)} |")
    print("\n| top files | size |\n| --- | ---: |")
    for rel, size in result["top_files"]:
        print(f"| {rel} | {human(size)} |")
    if "startup" in result:
        s = result["startup"]
        print(
            f"\nstart-up to window shown (offscreen, wall): median {s['window_shown_median_s']} s "
            f"of {s['window_shown_wall_s']}; app-reported {s['app_reported_s']}; "
            f"trim-summarize --help {s['cli_help_s']} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
