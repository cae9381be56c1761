#!/usr/bin/env bash
# Train SAC on PyBullet HalfCheetah with the config in docs/results/halfcheetah/,
# in the background, at low priority and with one thread per library.
#
#   scripts/halfcheetah_sac.sh [RUN_DIR] [extra gaikit run options...]
#
# Progress: tail -f RUN_DIR.log; curve: RUN_DIR/plots/learning_curve.png;
# evaluations: grep '"kind": "eval"' RUN_DIR/metrics.jsonl.
# Longer: gaikit run --resume RUN_DIR --steps N.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="${1:-runs/halfcheetah-sac-evidence}"
shift || true
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
nohup nice -n 10 .venv/bin/gaikit run halfcheetah --learner sac \
  --config docs/results/halfcheetah/sac_config.yaml --run-dir "$RUN_DIR" "$@" \
  > "$RUN_DIR.log" 2>&1 &
echo "started pid $! -> $RUN_DIR (log: $RUN_DIR.log)"
