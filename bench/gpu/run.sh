#!/usr/bin/env bash
# Issue 30's GPU run, in one go (about 8 minutes at most): the `#| cuda` cells, the memory bench, the memory
# manager's choices under 8/12/24 GB caps, the sLSTM cuda backend against vanilla, one fold of each neural model.
#
# On the GPU machine (device tool), after `bash bench/gpu/prepare.sh` here:
#   run(command="bash bench/gpu/run.sh", carry=["bench/gpu/.whl"], timeout_s=510)
# It installs the carried wheels into /tmp/site, then runs the stages below, each under its own `timeout` and all
# within BUDGET seconds (default 450), appending as it goes to $OUT/log.txt (everything printed) and
# $OUT/results.jsonl (one JSON object a line: each stage's status and seconds, and each measurement), plus
# $OUT/nvidia-smi.txt; a stage cut by its timeout keeps what it wrote. OUT defaults to bench/out/gpu.
#   ident        GPU, driver, torch, versions of the machine's own pandas/numpy (before and after the wheels)
#   imports      bench/gpu/check_imports.py: every module the bench needs imports; HiGHS, Clarabel, SCS solve (in a
#                dry run with --simulate: only the GPU machine's packages and the wheels of bench/gpu/.whl import)
#   cuda_cells   bench/gpu/cuda_cells.py --setup-only: the `#| cuda` cells (14_models.gat: memory plans of the LSTM
#                and GAT at 8/12/24 GB, asserting peak <= budget), after the notebook's exports and imports
#   slstm        gpu_bench.py slstm: sLSTM cuda (compiles its kernel: TORCH_EXTENSIONS_DIR=/tmp/torch_ext, reused by
#                the stages after) vs vanilla, fp32 and bf16, spec stack at 250 days
#   bench_memory bench/bench_memory.py: fp32 vs bf16, with and without checkpointing, at the 12gb profile
#   profiles     gpu_bench.py profiles: GPUMemoryManager.plan per network and profile, the card capped with
#                torch.cuda.set_per_process_memory_fraction at 12, 8, 24 GB
#   folds        gpu_bench.py folds: one fold of lstm, stock_lstm, gat, xlstm at gpu-12gb, memory='12gb', on a
#                synthetic planted_panel of 420 assets x 4 years (the shared data does not travel), 2 epochs,
#                a sample every 5 days
#   notebooks    with the time left: cuda_cells.py on 08_memory, 09_training, 14_models.gat in full (all their
#                non-slow cells, as nbdev_test --flags cuda would, on the GPU)
# A second try, of some stages only: STAGES="profiles folds" BUDGET=200 bash bench/gpu/run.sh (stage names below).
# --dry-run: on this CPU, tiny sizes, no wheel install, what needs CUDA skipped with its reason; PYTHON=... picks the
# python (default python3). Example: OUT=/tmp/gpu_dry PYTHON=/work/venv/bin/python bash bench/gpu/run.sh --dry-run
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
DRY=0; [[ ${1:-} == --dry-run ]] && DRY=1
PY=${PYTHON:-python3}
OUT=${OUT:-bench/out/gpu}; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
LOG=$OUT/log.txt; RES=$OUT/results.jsonl
BUDGET=${BUDGET:-450}
START=$SECONDS
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
export TORCH_EXTENSIONS_DIR=/tmp/torch_ext TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0} MAX_JOBS=${MAX_JOBS:-16}
DRYARG=(); (( DRY )) && DRYARG=(--dry-run)
rm -f /tmp/slstm_cuda_failed

say() { echo "$*" | tee -a "$LOG"; }
# stage NAME MAX_SECONDS CMD...: run CMD under timeout min(MAX, time left), output to the log, status to the results
stage() {
  local name=$1 max=$2; shift 2
  [[ -n ${STAGES:-} && " $STAGES " != *" $name "* && $name != install ]] && return
  local left=$(( BUDGET - (SECONDS - START) - 5 )) t0=$SECONDS rc
  (( left < max )) && max=$left
  if (( max < 10 )); then
    say "== $name: skipped, ${left}s of the ${BUDGET}s budget left"
    echo "{\"stage\": \"$name\", \"skipped\": \"budget spent\"}" >> "$RES"; return
  fi
  say "== $name (timeout ${max}s, $(( SECONDS - START ))s elapsed)"
  timeout -k 10 "$max" "$@" 2>&1 | tee -a "$LOG"; rc=${PIPESTATUS[0]}
  (( rc == 124 || rc == 137 )) && say "== $name: TIMED OUT after ${max}s"
  say "== $name: rc $rc in $(( SECONDS - t0 ))s"
  echo "{\"stage\": \"$name\", \"rc\": $rc, \"seconds\": $(( SECONDS - t0 )), \"timeout\": $max}" >> "$RES"
}

say "== run.sh $(date -u +%FT%TZ) $( ((DRY)) && echo '(dry run)') on ${HOSTNAME:-?}, budget ${BUDGET}s, out $OUT"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
  say "gpu: $(nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader 2>&1)"
else
  say "gpu: none (no nvidia-smi)"
fi
say "machine's own: $("$PY" -c 'import importlib.metadata as m
print(*(f"{d}={m.version(d)}" for d in ("torch","numpy","pandas","scipy","scikit-learn","pyarrow","torch-geometric")))' 2>&1)"

export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH}  # the checkout's portfolio_nb, also in a dry run
if (( DRY )); then
  say "== install: skipped (dry run: $PY's own packages)"
else
  ls bench/gpu/.whl/*.whl >/dev/null 2>&1 || { say "no wheels in bench/gpu/.whl: run bench/gpu/prepare.sh here and carry bench/gpu/.whl"; exit 1; }
  stage install 120 "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site bench/gpu/.whl/*.whl
  # the checkout's portfolio_nb first (fixes made after prepare.sh need no new wheel), then the wheels
  export PYTHONPATH=$ROOT:/tmp/site${PYTHONPATH#$ROOT}
fi

stage ident 30 "$PY" bench/gpu/gpu_bench.py ident --results "$RES" "${DRYARG[@]}"
SIM=(); (( DRY )) && ls bench/gpu/.whl/*.whl >/dev/null 2>&1 && SIM=(--simulate)  # here: as the GPU machine would
stage imports 60 "$PY" bench/gpu/check_imports.py "${SIM[@]}"
stage cuda_cells 120 "$PY" bench/gpu/cuda_cells.py --setup-only --results "$RES"
stage slstm 150 "$PY" bench/gpu/gpu_bench.py slstm --results "$RES" "${DRYARG[@]}"
stage bench_memory 120 "$PY" bench/bench_memory.py
stage profiles 150 "$PY" bench/gpu/gpu_bench.py profiles --results "$RES" "${DRYARG[@]}"
stage folds 180 "$PY" bench/gpu/gpu_bench.py folds --results "$RES" "${DRYARG[@]}"
if (( DRY )); then
  say "== notebooks: skipped (dry run: the full notebooks are the test suite's, on the CPU)"
else
  for nb in 08_memory 09_training 14_models.gat; do
    stage "notebook_$nb" 120 "$PY" bench/gpu/cuda_cells.py --results "$RES" "nbs/$nb.ipynb"
  done
fi
say "== done in $(( SECONDS - START ))s; results in $RES"
