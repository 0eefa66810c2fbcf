#!/usr/bin/env bash
# GPU check for a session that has a CUDA GPU (made for the H200 machines: CUDA 13, python3 with PyTorch, maybe no
# JDK). Unpacks the bundle from bench/make-gpu-bundle.sh (jlinked Java 25 + shaded nvit.jar), prints nvidia-smi, runs
# every GPU-vs-CPU kernel check and the GEMM/copy timings through our bindings, the model benchmark when the CLI has
# it, and a PyTorch eager comparison, then prints one table last. Logs go to $OUT (or /tmp/nvit-gpu-out).
# Usage: bench/gpu-check.sh [bundle.tar.gz]      Exit status: that of the kernel checks (0 ok, 1 failed, 2 no GPU).
# Env: NVIT_JAVA (a java >= 25 to use instead of the bundle's), SKIP_TORCH=1, SIZE (GEMM size, default 8192).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="${1:-$ROOT/.gpu/nvit-gpu-bundle.tar.gz}"
LOGS="${OUT:-/tmp/nvit-gpu-out}"
SIZE="${SIZE:-8192}"
WORK="$(mktemp -d /tmp/nvit-gpu.XXXXXX)"
mkdir -p "$LOGS"

# ---- Java: the carried runtime, else NVIT_JAVA, else a java >= 25 on the PATH
if [ -f "$BUNDLE" ]; then
  tar -C "$WORK" -xzf "$BUNDLE" || { echo "gpu-check: cannot unpack $BUNDLE" >&2; exit 2; }
  JAR="$WORK/nvit.jar"
else
  JAR="$ROOT/cli/target/nvit.jar"
  [ -f "$JAR" ] || { echo "gpu-check: no bundle ($BUNDLE) and no $JAR: run bench/make-gpu-bundle.sh first" >&2; exit 2; }
fi
JAVA="${NVIT_JAVA:-}"
[ -z "$JAVA" ] && [ -x "$WORK/jre/bin/java" ] && JAVA="$WORK/jre/bin/java"
[ -z "$JAVA" ] && JAVA="$(command -v java || true)"
[ -n "$JAVA" ] || { echo "gpu-check: no Java runtime (bundle missing and no java on the PATH)" >&2; exit 2; }
"$JAVA" -version 2>&1 | head -1

echo "== nvidia-smi"
nvidia-smi || echo "(nvidia-smi failed)"

# ---- cuBLAS for the FFM binding: libcublas.so.13 from the toolkit or PyTorch's nvidia wheels (layout varies:
# nvidia/cublas/lib, nvidia/cu13/lib, ...), so search for the file itself
CUBLAS_DIRS=""
CANDIDATES="$( { ls /usr/local/cuda*/lib64/libcublas.so.1[23] /usr/local/cuda*/targets/*/lib/libcublas.so.1[23] 2>/dev/null
  python3 -c 'import site, glob
for d in site.getsitepackages():
    for f in glob.glob(d + "/nvidia/**/libcublas.so.1[23]", recursive=True): print(f)' 2>/dev/null; } )"
for f in $CANDIDATES; do
  d="$(dirname "$f")"
  case ":$CUBLAS_DIRS:" in *":$d:"*) ;; *) CUBLAS_DIRS="$CUBLAS_DIRS:$d" ;; esac
done
export LD_LIBRARY_PATH="${CUBLAS_DIRS#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "== cuBLAS search path: ${CUBLAS_DIRS#:}"

JOPTS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx24g -Djava.util.logging.ConsoleHandler.level=INFO)

echo "== kernel checks + GEMM timings (org.nvit.kernels.GpuSelfTest)"
timeout 420 "$JAVA" "${JOPTS[@]}" -cp "$JAR" org.nvit.kernels.GpuSelfTest --bench --size "$SIZE" 2>&1 | tee "$LOGS/selftest.log"
CHECK_RC=${PIPESTATUS[0]}

echo "== model benchmark (nvit bench model --device cuda), when the CLI provides it"
: > "$LOGS/model.log"
if [ "$CHECK_RC" = 2 ]; then
  echo "(skipped: no usable GPU)"
elif timeout 30 "$JAVA" "${JOPTS[@]}" -jar "$JAR" bench --help 2>&1 | grep -qE '^ +model( |$)'; then
  for mode in infer train; do
    timeout 120 "$JAVA" "${JOPTS[@]}" -jar "$JAR" bench model --device cuda --model deit-small --mode "$mode" 2>&1 \
      | tee -a "$LOGS/model.log" | tail -5
    v=$(grep -oE '[0-9]+(\.[0-9]+)? *(images|img)/s' "$LOGS/model.log" | tail -1 | grep -oE '^[0-9.]+')
    echo "RESULT nvit_deit_s_${mode} ${v:-see-model.log}" >> "$LOGS/model.log"
  done
else
  echo "(the CLI has no 'bench model' yet)"
fi

if [ "${SKIP_TORCH:-0}" != 1 ] && command -v python3 >/dev/null; then
  echo "== PyTorch eager comparison"
  PYTHONUNBUFFERED=1 timeout 300 python3 "$ROOT/bench/torch_reference.py" --size "$SIZE" 2>&1 | tee "$LOGS/torch.log"
fi

# ---- the table, last
val() { grep -h "^RESULT $1 " "$LOGS"/*.log 2>/dev/null | tail -1 | awk '{print $3}'; }
or() { [ -n "$1" ] && echo "$1" || echo "$2"; }
echo
echo "| metric (H200 expected: bf16 ~790 TFLOP/s, copy ~4300 GB/s) | nvit-java | PyTorch eager |"
echo "|---|---|---|"
echo "| kernel checks vs CPU | $(or "$(val checks_passed)" "did not run (rc $CHECK_RC)") | - |"
for p in fp32 tf32 bf16; do
  note=""; [ $p = bf16 ] && note=" (ours incl. f32->bf16 operand rounding)"
  echo "| GEMM ${SIZE}^3 $p TFLOP/s$note | $(or "$(val gemm_${p}_${SIZE}_tflops)" n/a) | $(or "$(val torch_gemm_${p}_${SIZE}_tflops)" n/a) |"
done
echo "| device copy GB/s (read+write) | $(or "$(val copy_gbps)" n/a) | $(or "$(val torch_copy_gbps)" n/a) |"
echo "| DeiT-Small inference images/s (bs 256; torch bf16 autocast) | $(or "$(val nvit_deit_s_infer)" "pending: nvit bench model --device cuda") | $(or "$(val torch_deit_s_infer_bf16)" n/a) |"
echo "| DeiT-Small inference images/s (bs 256; torch fp32/tf32) | - | $(or "$(val torch_deit_s_infer_tf32)" n/a) |"
echo "| DeiT-Small training images/s (bs 128; torch bf16 autocast) | $(or "$(val nvit_deit_s_train)" "pending: nvit bench model --device cuda") | $(or "$(val torch_deit_s_train_bf16)" n/a) |"
rm -rf "$WORK"
exit "$CHECK_RC"
