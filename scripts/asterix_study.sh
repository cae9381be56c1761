#!/usr/bin/env bash
# Train DDQN + prioritized replay on Atari Asterix with a config from
# docs/results/asterix/, in the background, at low priority, one thread.
#
#   scripts/asterix_study.sh [ram|image|mixed] [RUN_DIR] [extra gaikit run options...]
#
# ram uses docs/results/asterix/ram_ddqn_per.yaml (1M agent steps); image and
# mixed use <encoder>_ddqn_per.yaml when present, else the RAM file's settings
# with --encoder swapped. Progress: tail -f RUN_DIR.log; table and plots when
# it ends: gaikit compare RUN_DIR [RUN_DIR...] --out docs/results/asterix/compare.
# Stopped early: gaikit run --resume RUN_DIR continues exactly from the last
# checkpoint (every 100k steps). Longer: gaikit run --resume RUN_DIR --steps N.
set -euo pipefail
cd "$(dirname "$0")/.."
ENCODER="${1:-ram}"
shift || true
case "$ENCODER" in ram|image|mixed) ;; *) echo "usage: $0 [ram|image|mixed] [RUN_DIR] [options...]" >&2; exit 2 ;; esac
RUN_DIR="${1:-runs/asterix-$ENCODER-ddqn-per}"
shift || true
CONFIG="docs/results/asterix/${ENCODER}_ddqn_per.yaml"
[ -f "$CONFIG" ] || CONFIG="docs/results/asterix/ram_ddqn_per.yaml"
mkdir -p "$(dirname "$RUN_DIR")"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONUNBUFFERED=1
setsid nohup nice -n 10 .venv/bin/gaikit run asterix --encoder "$ENCODER" --config "$CONFIG" \
  --run-dir "$RUN_DIR" "$@" > "$RUN_DIR.log" 2>&1 &
echo "started -> $RUN_DIR (config $CONFIG, log $RUN_DIR.log)"
