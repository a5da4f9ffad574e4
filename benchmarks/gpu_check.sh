#!/usr/bin/env bash
# The GPU check, one command to run on a machine with an NVIDIA GPU (after `make setup`):
#
#     bash benchmarks/gpu_check.sh [WHEEL_DIR]
#
# WHEEL_DIR: a folder with onnxruntime-gpu's wheel (and any wheel it needs); it replaces
# onnxruntime in .venv, from that folder only (no index). Then, with nvidia-smi sampling every
# GPU every 0.5 s throughout:
#   1. python -m benchmarks.gpu_check: RapidOCR on the CPU and on CUDA over the same pages;
#   2. the pipeline end to end (`pdfpipe run`) on the corpus's scans (samples/ without the
#      corpus), with cpu.yaml and then gpu-1x.yaml, each on a fresh data folder: pages/s;
#   3. each GPU's mean and peak utilisation and memory during the gpu-1x.yaml run.
# Exit 2: no NVIDIA driver or no CUDA provider; 1: the gpu-1x.yaml run left every GPU idle.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
OUT=${OUT:-$(mktemp -d)}
CORPUS=${PDFPIPE_CORPUS:-../shared/corpus}

command -v nvidia-smi >/dev/null || { echo "nvidia-smi not found: no NVIDIA driver here" >&2; exit 2; }
if [ $# -ge 1 ]; then
  .venv/bin/pip uninstall -y -q onnxruntime
  .venv/bin/pip install -q --no-index --find-links "$1" onnxruntime-gpu
fi

nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 >"$OUT/smi.csv" &
SMI=$!
trap 'kill $SMI 2>/dev/null || true' EXIT

$PY -m benchmarks.gpu_check --pages 40

DOCS="$OUT/docs"
mkdir -p "$DOCS"
for name in ocr_test ocr_test_rotated_90 ocr_test_rotated_270 scanned_01 scanned_02 scanned_04 nemotron_multipage; do
  [ -f "$CORPUS/$name.pdf" ] && cp "$CORPUS/$name.pdf" "$DOCS/"
done
[ -n "$(ls "$DOCS")" ] || cp samples/*.pdf "$DOCS/"
PAGES=$($PY -c 'import pymupdf, sys, pathlib; print(sum(pymupdf.open(p).page_count for p in pathlib.Path(sys.argv[1]).glob("*.pdf")))' "$DOCS")

for profile in cpu gpu-1x; do
  before=$(wc -l <"$OUT/smi.csv")
  start=$(date +%s.%N)
  PDFPIPE_DATA="$OUT/data-$profile" PDFPIPE_PROFILE="resources/$profile.yaml" .venv/bin/pdfpipe run "$DOCS" >"$OUT/run-$profile.log" 2>&1
  end=$(date +%s.%N)
  after=$(wc -l <"$OUT/smi.csv")
  $PY - "$profile" "$PAGES" "$start" "$end" "$OUT/smi.csv" "$before" "$after" <<'EOF'
import sys
from collections import defaultdict

profile, pages, start, end, smi, before, after = sys.argv[1:]
wall = float(end) - float(start)
print(f"pdfpipe run, {profile}.yaml: {pages} pages in {wall:.1f} s, {int(pages) / wall:.2f} pages/s")
rows = open(smi).read().splitlines()[int(before) : int(after)]
by_gpu = defaultdict(list)
for row in rows:
    try:
        index, util, memory = (float(v) for v in row.split(","))
    except ValueError:
        continue  # a sample cut at the window's edge
    by_gpu[int(index)].append((util, memory))
for index, samples in sorted(by_gpu.items()):
    utils = [u for u, _ in samples]
    print(
        f"  gpu {index}: utilisation mean {sum(utils) / len(utils):.0f}%, peak {max(utils):.0f}%; "
        f"memory peak {max(m for _, m in samples):.0f} MiB ({len(samples)} samples)"
    )
if profile != "cpu" and not any(u > 0 for samples in by_gpu.values() for u, _ in samples):
    sys.exit(f"{profile}.yaml left every GPU idle: the CUDA path was not used")
EOF
done
echo "logs and samples: $OUT"
