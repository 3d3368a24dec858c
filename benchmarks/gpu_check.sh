#!/bin/bash
# GPU checks and timings in one call on the lent GPU machine (docs/benchmarks.md, "GPU"):
# the NVDEC probe, the real-GPU tests, where the feature stage's time goes, an interleaved
# A/B of an older checkout against this one, NVDEC on/off. About 4-6 minutes on an H100.
#
# Carries .whl/, .bench/ (see gpu_setup.sh) and .ab_old/ (the older checkout's
# trim_desktop/, benchmarks/ and pyproject.toml; ignored by git).
source benchmarks/gpu_setup.sh
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch, av, os; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'pyav', av.__version__, 'cpus', os.cpu_count())" | tee -a "$OUT/gpu.txt"
# GPU_QUICK=1: fewer tests, no NVDEC probe, no decode-chain breakdown, no slider/export
QUICK=${GPU_QUICK:-0}
if [ "$QUICK" != 1 ]; then
echo "== hardware decoding (NVDEC) probe"
timeout 120 python3 -m benchmarks.nvdec_probe "$V" 2>&1 | tee "$OUT/gpu_nvdec.log"
fi
TESTS="tests/core/test_gpu.py tests/core/decode/test_nvdec.py tests/core/test_features.py"
[ "$QUICK" = 1 ] || TESTS="$TESTS tests/core/decode/test_parallel.py"
python3 -c "
import logging; logging.basicConfig(level=logging.INFO)
from trim_desktop.core.decode import nvdec; print('NVDEC usable:', nvdec.usable('$V', 'cuda'))" 2>&1 | tail -2
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
echo "== the feature stage: NVDEC (the app), CPU decoders (TRIM_NVDEC=0)"
timeout 45 python3 -m benchmarks.feature_timeline "$V" --device cuda 2>&1 | tail -3 | tee "$OUT/gpu_timeline.log"
TRIM_NVDEC=0 timeout 45 python3 -m benchmarks.feature_timeline "$V" --device cuda 2>&1 | tail -3 | tee -a "$OUT/gpu_timeline.log"
if [ "$QUICK" != 1 ]; then
echo "== slider and export (this checkout, one run)"
timeout 60 python3 -m benchmarks.run --worker "$V" 2>&1 | tail -1 | tee "$OUT/gpu_full.json"
fi
