#!/usr/bin/env bash
# Download, on a machine that reaches PyPI, the wheels the GPU machine lacks, into bench/gpu/.whl (git-ignored).
#
# The GPU machine (/work/.library/device/KINDS.md) has Python 3.12 with torch 2.11, torch-geometric, numpy, pandas,
# pyarrow, scipy, scikit-learn, matplotlib, einops, ninja, safetensors, pyyaml, tqdm, jinja2, joblib, narwhals...
# and reaches no registry. What this package needs beyond that travels as wheels, pinned to constraints.txt:
# the portfolio_nb wheel of this checkout, cvxpy and its solvers, cvxpylayers, diffcp, skfolio (and plotly, which it
# imports), xlstm, mlstm_kernels, fastcore, optuna (alembic, colorlog, SQLAlchemy, Mako). No nbdev, papermill or
# ipykernel: run.sh renders no reports and runs the `#| cuda` cells with bench/gpu/cuda_cells.py.
# The working tree travels with them within 64 MiB, so the wheels must stay under 48 MiB. To fit:
# - scs's wheel loses scs/_scs_mkl*.so (31 MB packed; it loads only with MKL installed, which the machine lacks);
# - sparsediffpy (12 MB, cvxpy's NLP engine, imported only by cvxpy's NLP solvers) stays behind;
# - pandas (11 MB) stays behind: the machine's own is used (run.sh logs its version; 3.1.1 is the tested one).
# `python bench/gpu/check_imports.py --simulate` imports everything with only the machine's packages and these.
#
# Run (from anywhere): bash bench/gpu/prepare.sh        PYTHON=... picks the python whose pip downloads (python3)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3}
DEST=bench/gpu/.whl
LIMIT_MIB=48
PACKAGES=(cvxpy clarabel osqp scs qdldl highspy cvxpylayers diffcp skfolio plotly
          xlstm mlstm_kernels fastcore optuna alembic colorlog SQLAlchemy Mako)
PLATFORMS=(manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_24_x86_64 manylinux_2_17_x86_64
           manylinux2014_x86_64 manylinux1_x86_64 any)

grep -qxF 'bench/gpu/.whl/' .gitignore || echo 'bench/gpu/.whl/' >> .gitignore

norm() { echo "$1" | tr 'A-Z_.' 'a-z--'; }
pin() {  # NAME==VERSION from constraints.txt (names compared as pip does: case, '-', '_' and '.' alike)
  local want line
  want=$(norm "$1")
  while IFS= read -r line; do
    [[ $line == *==* ]] || continue
    [[ $(norm "${line%%==*}") == "$want" ]] && { echo "$line"; return; }
  done < constraints.txt
  echo "prepare.sh: $1 is not pinned in constraints.txt" >&2; return 1
}

rm -rf "$DEST"; mkdir -p "$DEST"
echo "== the portfolio_nb wheel of this checkout"
# built from a copy of the checkout's files (tracked and untracked-not-ignored), leaving no build/ or egg-info here
src=$(mktemp -d); trap 'rm -rf "$src"' EXIT
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$src"
"$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$DEST" "$src" >"$src/.log" 2>&1 || { cat "$src/.log"; exit 1; }

specs=()
for p in "${PACKAGES[@]}"; do specs+=("$(pin "$p")"); done
echo "== downloading: ${specs[*]}"
plat=(); for p in "${PLATFORMS[@]}"; do plat+=(--platform "$p"); done
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp "${plat[@]}" \
  -d "$DEST" "${specs[@]}" 2> >(grep -v '^WARNING: Location' >&2)

echo "== scs without its MKL extension"
"$PY" - "$DEST"/scs-*.whl <<'PYEOF'
import sys, zipfile, os
src = sys.argv[1]; tmp = src + '.tmp'
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED) as zout:
    drop = [n for n in zin.namelist() if n.startswith('scs/_scs_mkl')]
    for info in zin.infolist():
        if info.filename in drop: continue
        data = zin.read(info)
        if info.filename.endswith('.dist-info/RECORD'):
            data = b''.join(l for l in data.splitlines(True) if not l.decode().startswith(tuple(drop)))
        zout.writestr(info, data)
os.replace(tmp, src); print('  dropped', drop)
PYEOF
echo "== wheels in $DEST"
dups=$(ls "$DEST" | sed 's/-.*//' | tr 'A-Z_.' 'a-z--' | sort | uniq -d)
[[ -z $dups ]] || { echo "prepare.sh: more than one wheel of: $dups" >&2; exit 1; }
ls -l "$DEST" | awk 'NR > 1 {printf "  %8.2f MiB  %s\n", $5 / 1048576, $9}'
total=$(du -cb "$DEST"/*.whl | tail -1 | cut -f1)
n=$(ls "$DEST"/*.whl | wc -l)
awk -v t="$total" -v n="$n" -v l="$LIMIT_MIB" 'BEGIN {printf "total: %d wheels, %.2f MiB (limit %d MiB)\n", n, t / 1048576, l}'
if (( total > LIMIT_MIB * 1048576 )); then
  echo "prepare.sh: the wheels exceed $LIMIT_MIB MiB: the working tree would not travel" >&2; exit 1
fi
