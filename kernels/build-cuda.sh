#!/usr/bin/env bash
# Compiles every kernels/src/main/cuda/*.cu into ONE fatbin (sm_80 + sm_90 SASS, compute_90 PTX for newer GPUs),
# loaded at run time with cuModuleLoadData. Called by Maven (generate-resources); also runnable by hand.
# Without nvcc on the PATH (or $NVCC) it prints a notice and succeeds: the jar then has no kernels and the CUDA
# backend reports that instead of starting. Skips the compile when the fatbin is newer than every source and was built
# from the same files.
# Usage: build-cuda.sh [output-fatbin]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/src/main/cuda"
OUT="${1:-$HERE/target/classes/org/nvit/kernels/nvit_kernels.fatbin}"
NVCC="${NVCC:-$(command -v nvcc || true)}"
if [ -z "$NVCC" ] || [ ! -x "$NVCC" ]; then
  echo "CUDA kernels skipped: nvcc not found (the jar will have no GPU kernels)"
  exit 0
fi
# Up to date: the fatbin is newer than every source and was built from the same set of files (a file moved in with an
# old mtime, e.g. by mv or an archive, is not newer than the fatbin but must still be compiled in).
SOURCES="$(cd "$SRC" && ls -1 *.cu *.cuh | tr '\n' ' ')"
STAMP="$HERE/target/nvit_kernels.sources"
if [ -f "$OUT" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$SOURCES" ] \
   && [ -z "$(find "$SRC" \( -name '*.cu' -o -name '*.cuh' \) -newer "$OUT" -print -quit)" ]; then
  echo "CUDA kernels up to date: $OUT"
  exit 0
fi
mkdir -p "$(dirname "$OUT")"
# One translation unit that includes every family file: one module, one load, no device linking step.
UNITY="$(dirname "$OUT")/.nvit_all.cu"
trap 'rm -f "$UNITY" "$OUT.tmp"' EXIT
: > "$UNITY"
for f in "$SRC"/*.cu; do echo "#include \"$f\"" >> "$UNITY"; done
start=$(date +%s)
"$NVCC" -I"$SRC" -O3 -fatbin \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -o "$OUT.tmp" "$UNITY"
mv -f "$OUT.tmp" "$OUT"
mkdir -p "$(dirname "$STAMP")" && printf '%s' "$SOURCES" > "$STAMP"
echo "CUDA kernels built with $("$NVCC" --version | grep -o 'release [0-9.]*') in $(( $(date +%s) - start )) s: $OUT"
