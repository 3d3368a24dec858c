#!/usr/bin/env bash
# Smoke test of the built bundle (dist/TRIM-Desktop by default), run offscreen:
#   1. --self-check: every bundled dependency imports and works (torch, weights, PyAV
#      codecs, OpenCV, Qt platform + multimedia plugins)
#   2. GUI: the main window opens offscreen, loads the bundled sample, Qt Multimedia's
#      FFmpeg backend reports its duration; exit 0
#   3. CLI: trim-summarize summarizes the sample into an MP4, which PyAV (from the venv,
#      not the bundle) checks: video frames decode, an audio stream is there
#      3b. the same through the core pipeline directly (--pipeline-check), as the GUI runs it
#   4. negative: a copy of the bundle without the multimedia plugin, and one without
#      PyAV, must FAIL loudly (so a broken bundle cannot pass)
# The bundle runs with a clean environment (no venv, no PYTHONPATH, an empty HOME), so it
# can only use what it carries.
#   bash packaging/smoke_test.sh [BUNDLE_DIR] [--no-negative]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=dist/TRIM-Desktop
NEGATIVE=1
for arg in "$@"; do
  case "$arg" in
    --no-negative) NEGATIVE=0 ;;
    *) B=$arg ;;
  esac
done
B=$(cd "$B" 2>/dev/null && pwd) || { echo "SMOKE FAILED: no bundle at $B (build it: bash packaging/build_linux.sh)" >&2; exit 1; }
PY=${PYTHON:-$ROOT/.venv/bin/python}
TMP=$(mktemp -d /tmp/trim-smoke.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/home"
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "!!!!!!!! SMOKE FAILED: $*" >&2; FAILS=$((FAILS + 1)); }

# a clean environment: only what the bundle carries (plus the system's libc, GL, X11...)
run() {
  env -i HOME="$TMP/home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    XDG_RUNTIME_DIR="$TMP/home" TMPDIR="$TMP" "$@"
}

SAMPLE=$B/_internal/resources/sample.mp4
if [ ! -f "$SAMPLE" ]; then
  echo "note: the bundle has no sample; generating a test video with tests/media.py"
  SAMPLE=$TMP/sample.mp4
  "$PY" -c "import sys; sys.path.insert(0, '.'); from tests.media import make_video; make_video('$SAMPLE', duration=20.0, scene_s=4.0)"
  fail "resources/sample.mp4 is not in the bundle"
fi

echo "== 1. self-check"
if run "$B/trim-desktop" --self-check > "$TMP/selfcheck.json" 2> "$TMP/selfcheck.err"; then
  pass "self-check ($(tail -1 "$TMP/selfcheck.json"))"
else
  cat "$TMP/selfcheck.json" "$TMP/selfcheck.err" >&2; fail "self-check"
fi

echo "== 2. GUI offscreen"
if run timeout 180 "$B/trim-desktop" --smoke "$SAMPLE" > "$TMP/gui.out" 2>&1 && grep -q "gui smoke: ok" "$TMP/gui.out"; then
  pass "GUI: $(grep 'window shown' "$TMP/gui.out")"
else
  cat "$TMP/gui.out" >&2; fail "GUI smoke"
fi

validate_mp4() {  # $1 = summary MP4: checked with PyAV from the venv, not the bundle
  "$PY" - "$1" "$SAMPLE" <<'PYEOF'
import sys, av
out, src = sys.argv[1], sys.argv[2]
with av.open(out) as c:
    v = [s for s in c.streams if s.type == "video"]
    a = [s for s in c.streams if s.type == "audio"]
    assert v, "no video stream"
    assert a, "no audio stream"
    n = sum(1 for _ in c.decode(video=0))
    assert n > 0, "no decodable video frames"
    dur = float(c.duration or 0) / 1e6
with av.open(src) as s:
    sdur = float(s.duration or 0) / 1e6
assert 0 < dur < sdur, f"summary {dur:.2f}s not shorter than the source {sdur:.2f}s"
print(f"  {v[0].codec_context.name} {v[0].codec_context.width}x{v[0].codec_context.height}, "
      f"{n} frames, audio {a[0].codec_context.name}, {dur:.2f}s of {sdur:.2f}s")
PYEOF
}

echo "== 3. CLI summarize (trim-summarize)"
OUT=$TMP/out/summary.mp4
mkdir -p "$TMP/out"
START=$(date +%s.%N)
run timeout 900 "$B/trim-summarize" "$SAMPLE" -o "$OUT" --quiet > "$TMP/cli.out" 2>&1
RC=$?
SECS=$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $START}")
if [ "$RC" -eq 0 ]; then
  pass "CLI exit 0 in ${SECS}s: $(tail -1 "$TMP/cli.out")"
else
  cat "$TMP/cli.out" >&2; fail "CLI summarize: exit code $RC after ${SECS}s"
fi
if [ -f "$OUT" ]; then
  if validate_mp4 "$OUT"; then pass "CLI summary MP4 valid"; else fail "CLI summary MP4 invalid"; fi
else
  fail "CLI wrote no summary MP4"
fi

echo "== 3b. core pipeline + export, as the GUI runs it (--pipeline-check)"
OUT2=$TMP/out/pipeline.mp4
START=$(date +%s.%N)
run timeout 900 "$B/trim-desktop" --pipeline-check "$SAMPLE" "$OUT2" > "$TMP/pipe.out" 2>&1
RC=$?
SECS=$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $START}")
if [ "$RC" -eq 0 ] && [ -f "$OUT2" ] && validate_mp4 "$OUT2"; then
  pass "pipeline in ${SECS}s: $(grep 'pipeline check' "$TMP/pipe.out")"
else
  tail -30 "$TMP/pipe.out" >&2; fail "pipeline check: exit code $RC after ${SECS}s"
fi

if [ "$NEGATIVE" = 1 ]; then
  echo "== 4. negative checks (a broken bundle must fail loudly)"
  BROKEN=$TMP/broken
  cp -al "$B" "$BROKEN" 2>/dev/null || cp -a "$B" "$BROKEN"
  PLUGIN=$(find "$BROKEN/_internal" -name 'libffmpegmediaplugin*' | head -1)
  if [ -n "$PLUGIN" ]; then
    rm -f "$PLUGIN"
    if run timeout 120 "$BROKEN/trim-desktop" --smoke "$SAMPLE" > "$TMP/neg1.out" 2>&1; then
      fail "GUI smoke passed without the FFmpeg multimedia plugin"
    elif grep -q "TRIM BUNDLE CHECK FAILED" "$TMP/neg1.out"; then
      pass "no multimedia plugin -> $(grep -m1 'TRIM BUNDLE CHECK FAILED' "$TMP/neg1.out" | cut -c1-150)"
    else
      fail "no multimedia plugin: failed, but without the loud message"; cat "$TMP/neg1.out" >&2
    fi
  else
    fail "libffmpegmediaplugin not found in the bundle"
  fi
  rm -rf "$BROKEN/_internal/av"
  if run timeout 300 "$BROKEN/trim-desktop" --self-check > "$TMP/neg2.out" 2>&1; then
    fail "self-check passed without PyAV"
  elif grep -q "TRIM BUNDLE CHECK FAILED" "$TMP/neg2.out"; then
    pass "no PyAV -> $(grep -m1 'TRIM BUNDLE CHECK FAILED' "$TMP/neg2.out" | cut -c1-150)"
  else
    fail "no PyAV: failed, but without the loud message"; tail -20 "$TMP/neg2.out" >&2
  fi
fi

echo
if [ "$FAILS" -eq 0 ]; then
  echo "SMOKE TEST PASSED ($B)"
  exit 0
fi
echo "SMOKE TEST FAILED: $FAILS check(s) ($B)" >&2
exit 1
