#!/usr/bin/env bash
# The GPU checks and the paper's MinAtar budget in one command, on a CUDA machine that has
# jax, flax and optax installed and no package index.
#
#   gpu/run.sh OUT            # on the GPU machine, from anywhere
#   gpu/run.sh OUT --tiny     # the same path at toy sizes, on any machine (CPU allowed)
#
# 1. labels OUT (device.json: the backend and devices, versions, commit; refuses a machine
#    without a GPU unless --tiny);
# 2. installs the remaining dependencies from the wheels beside it (gpu/wheels, made on a
#    connected machine by `make gpu-wheels`; WHEELS=DIR to use another folder);
# 3. runs the tests that exercise jit, vmap and sharding (OUT/tests.xml);
# 4. runs the step, kernel-count, PPO and MinAtar benchmarks (OUT/bench/*.json);
# 5. runs the MinAtar grid at the paper's budget, 4M steps per game visit: SpaceInvaders,
#    Asterix, Seaquest, 3 cycles, Adam, TRAC, the reset oracle and L2 to init at lr 1e-3,
#    6 seeds (OUT/minatar/, a run folder of examples.lifelong). It stops at GRID_SECONDS
#    (default 420) as an interrupted run that `python -m examples.lifelong --resume
#    OUT/minatar` continues.
# Each phase's wall time goes to device.json. PYTHON=... picks the interpreter (default
# python3).
set -euo pipefail

die() { echo "gpu/run.sh: error: $*" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: gpu/run.sh OUT [--tiny]"
OUT=$1
case $OUT in -*) die "usage: gpu/run.sh OUT [--tiny] (OUT first)" ;; esac
TINY=0
if [ $# -eq 2 ]; then
  [ "$2" = "--tiny" ] || die "unknown flag $2 (usage: gpu/run.sh OUT [--tiny])"
  TINY=1
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHEELS=${WHEELS:-$ROOT/gpu/wheels}
PY=${PYTHON:-python3}
GRID_SECONDS=${GRID_SECONDS:-420}
[ -f "$WHEELS/requirements.txt" ] || die "no $WHEELS/requirements.txt: run 'make gpu-wheels' \
on a connected machine and bring gpu/wheels along"
[ -e "$OUT" ] && [ ! -d "$OUT" ] && die "$OUT is a file, not a folder"
mkdir -p "$OUT/bench"
OUT=$(cd "$OUT" && pwd)
cd "$ROOT"

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/log.txt" >&2; }
phase() {  # phase NAME COMMAND...: runs it, logs its output, records its wall time
  local name=$1 start=$SECONDS status=0
  shift
  log "$name: $*"
  "$@" >>"$OUT/log.txt" 2>&1 || status=$?
  log "$name: exit $status after $((SECONDS - start)) s"
  if [ -f "$OUT/device.json" ]; then
    "$PY" -m gpu.label "$OUT" --phase "$name" "$((SECONDS - start))"
  fi
  return $status
}

if [ $TINY = 1 ]; then
  "$PY" -m gpu.label "$OUT" --allow-cpu >/dev/null
  TESTS=(tests/test_trac_sharding.py)
  STEP=(--sizes 1000 --rounds 1 --warmup 0)
  PPO=(--steps 512 --scaling-steps 512 --seeds 1 --vmapped-seeds 1 --vmapped-rounds 1 \
       --rounds 1 --warmup 0 --no-rejax --optimizers adam trac_flat)
  MINATAR=(--games Breakout-MinAtar --sequence Breakout-MinAtar --steps 8192 --vmapped-seeds 1 \
           --rounds 1 --warmup 0 --no-rejax --optimizers adam trac_flat)
  GRID=(--games Breakout-MinAtar Asterix-MinAtar --steps-per-game 8192 --cycles 2 --seeds 1 \
        --optimizers adam trac)
else
  "$PY" -m gpu.label "$OUT" >/dev/null || exit 2  # its one line says why (no GPU)
  TESTS=(tests/test_trac.py tests/test_trac_sharding.py tests/test_grid.py tests/test_ppo.py
         tests/test_games.py)
  STEP=()
  PPO=()
  MINATAR=(--games SpaceInvaders-MinAtar Asterix-MinAtar Seaquest-MinAtar
           --sequence SpaceInvaders-MinAtar Asterix-MinAtar Seaquest-MinAtar)
  GRID=(--games SpaceInvaders-MinAtar Asterix-MinAtar Seaquest-MinAtar --steps-per-game 4000000
        --cycles 3 --seeds 6 --optimizers adam trac reset l2_init --grid l2_init.strength=1e-4)
fi
phase install "$PY" -m pip install -q --no-index --find-links "$WHEELS" \
  -r "$WHEELS/requirements.txt"
failed=()
phase tests "$PY" -m pytest -q -p no:cacheprovider --junitxml "$OUT/tests.xml" "${TESTS[@]}" \
  || failed+=(tests)
phase bench_step "$PY" -m benchmarks.step ${STEP[@]+"${STEP[@]}"} --json "$OUT/bench/step.json" \
  || failed+=(bench_step)
phase bench_kernels "$PY" -m benchmarks.kernels --json "$OUT/bench/kernels.json" \
  || failed+=(bench_kernels)
phase bench_ppo "$PY" -m benchmarks.ppo ${PPO[@]+"${PPO[@]}"} --json "$OUT/bench/ppo.json" \
  || failed+=(bench_ppo)
phase bench_minatar "$PY" -m benchmarks.minatar "${MINATAR[@]}" \
  --json "$OUT/bench/minatar.json" || failed+=(bench_minatar)
# SIGINT at GRID_SECONDS: the run saves, says "interrupted" and keeps its checkpoint.
phase grid timeout -s INT -k 60 "$GRID_SECONDS" "$PY" -m examples.lifelong "${GRID[@]}" \
  --lr 1e-3 --quiet --out "$OUT/minatar" || failed+=(grid)
if [ ${#failed[@]} -gt 0 ]; then
  log "done with failures: ${failed[*]} (see $OUT/log.txt)"
  exit 1
fi
log "done: $OUT"
