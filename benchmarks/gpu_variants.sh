#!/bin/bash
# The decoder variants on the lent GPU machine in one call (about 8 minutes): the real-GPU
# tests, then interleaved runs (benchmarks/ab_variants.py) on all cores of the older
# checkout (.ab_old, CPU decoders: its default there) against this one with the CPU
# decoders, NVDEC, and NVDEC beside the CPU decoders (TRIM_NVDEC=mix); then held to 4
# cores, NVDEC in the older checkout against this one (the network on its own CUDA
# stream, training without a sync per step), mix, and mix with one NVDEC decoder (as a
# GPU with a single NVDEC engine would be); 8 cores, CPU decoders / mix; then the
# feature stage with "mix".
# Carries .whl/, .bench/ (see gpu_setup.sh) and .ab_old/ (ignored by git).
source benchmarks/gpu_setup.sh
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch, av, os; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'pyav', av.__version__, 'cpus', os.cpu_count())" | tee -a "$OUT/gpu.txt"
echo "old checkout: $(cat .ab_old/COMMIT 2>/dev/null)" | tee -a "$OUT/gpu.txt"
echo "== real-GPU tests"
timeout 150 python3 -m pytest -q -p no:cacheprovider -o addopts="" tests/core/test_gpu.py \
    tests/core/test_nvdec.py 2>&1 | tee "$OUT/gpu_tests.log" | tail -8
echo "== all cores: old (CPU decoders) / CPU decoders / NVDEC / mix"
timeout 240 python3 -m benchmarks.ab_variants "$V" --reps "${GPU_REPS:-2}" \
    --variant old=.ab_old:TRIM_NVDEC=0 --variant cpu=.:TRIM_NVDEC=0 \
    --variant nvdec=.:TRIM_NVDEC=1 --variant mix=.:TRIM_NVDEC=mix \
    --json "$OUT/variants_all.json" 2>&1 | tee "$OUT/variants_all.log"
echo "== 4 cores: NVDEC old / new, mix, mix with one NVDEC decoder (a one-engine GPU)"
timeout 240 python3 -m benchmarks.ab_variants "$V" --reps 2 --cores 0-3 \
    --variant old-nvdec=.ab_old:TRIM_NVDEC=1 --variant nvdec=.:TRIM_NVDEC=1 \
    --variant mix=.:TRIM_NVDEC=mix --variant mix-1=.:TRIM_NVDEC=mix:TRIM_NVDEC_DECODERS=1 \
    --json "$OUT/variants_4.json" 2>&1 | tee "$OUT/variants_4.log"
echo "== 8 cores: CPU decoders / mix"
timeout 90 python3 -m benchmarks.ab_variants "$V" --reps 1 --cores 0-7 \
    --variant cpu=.:TRIM_NVDEC=0 --variant mix=.:TRIM_NVDEC=mix \
    --json "$OUT/variants_8.json" 2>&1 | tee "$OUT/variants_8.log"
echo "== the feature stage with mix"
TRIM_NVDEC=mix timeout 45 python3 -m benchmarks.feature_timeline "$V" --device cuda 2>&1 \
    | tail -3 | tee "$OUT/timeline_mix.log"
