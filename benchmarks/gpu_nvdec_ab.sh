#!/bin/bash
# NVDEC against the CPU decoders on the lent GPU machine, with the process held to a few
# cores (taskset), as on a desktop with a GPU: interleaved pairs of benchmarks.run
# workers, TRIM_NVDEC=0 then =1. Carries .whl/ and .bench/ (see gpu_setup.sh).
#   GPU_CORES=0-3 GPU_REPS=2 bash benchmarks/gpu_nvdec_ab.sh
source benchmarks/gpu_setup.sh
CORES=${GPU_CORES:-0-3}
for rep in $(seq "${GPU_REPS:-2}"); do
  for nv in 0 1; do
    TRIM_NVDEC=$nv timeout 90 taskset -c "$CORES" python3 -m benchmarks.run --worker "$V" \
        --no-slider --no-export | tail -1 | tee -a "$OUT/nvdec_ab.jsonl" | python3 -c "
import json, sys; d = json.loads(sys.stdin.read())
print('cores $CORES, TRIM_NVDEC=$nv: decode %.2f s, summarize %.2f s (%.2fx), features %.2f s' % (
    d['decode_s'], d['summarize_s'], d['summarize_s'] / d['decode_s'], d['stages']['features']))"
  done
done
