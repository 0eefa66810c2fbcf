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

echo "== device wiring check (nvit train: CPU vs CUDA losses) and model benchmark (nvit bench model --device cuda)"
: > "$LOGS/model.log"
NVIT=("$JAVA" "${JOPTS[@]}" -jar "$JAR")
# |a - b| <= tol * |a|
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a; exit !(a != "" && b != "" && d <= t * m) }'; }
metric() { grep -oE "\"$2\": *[-0-9.eE]+" "$1/metrics.jsonl" 2>/dev/null | tail -1 | sed 's/.*: *//'; }
if [ "$CHECK_RC" = 2 ]; then
  echo "(skipped: no usable GPU)"
else
  # the same 8 training steps (vit_fmnist_tiny, synthetic images, seed 0) on the CPU and on the GPU: the losses agree
  # to the GEMM precision's order (fp32 1e-3, tf32 2e-2 relative, after AdamW's amplification of rounding)
  run_train() { timeout 120 "${NVIT[@]}" train --data synthetic:256 --epochs 1 -b 32 --lr 5e-4 --seed 0 --output "$WORK/train-$1" "${@:2}" \
      > "$LOGS/train-$1.log" 2>&1; echo "train $1: rc $?, $(metric "$WORK/train-$1" train_loss) / $(metric "$WORK/train-$1" val_loss) (train / val loss)"; }
  run_train cpu --device cpu
  for p in fp32 tf32; do
    run_train "cuda-$p" --device cuda --precision "$p"
    tol=1e-3; [ "$p" = tf32 ] && tol=2e-2
    ok=PASS
    for k in train_loss val_loss; do
      close "$(metric "$WORK/train-cpu" $k)" "$(metric "$WORK/train-cuda-$p" $k)" "$tol" || ok=FAIL
    done
    echo "RESULT device_train_$p $ok" | tee -a "$LOGS/model.log"
  done
  # throughput: DeiT-Small, batch made on the device once; 10 warm-up steps (GPU-bound at these batches, so the host
  # JIT hardly matters, and a fixed count keeps the time bounded), median of 10 timed steps
  bench_model() { # mode batch precision
    local out v
    out=$(timeout 100 "${NVIT[@]}" bench model --device cuda --precision "$3" --model deit_small_patch16_224 --mode "$1" \
      --batch "$2" --warmup 10 --repeats 10 2>&1)
    echo "$out" >> "$LOGS/model.log"
    echo "$out" | tail -2
    v=$(echo "$out" | grep -oE '[0-9]+(\.[0-9]+)? images/s' | tail -1 | grep -oE '^[0-9.]+')
    echo "RESULT nvit_deit_s_$1_$3_bs$2 ${v:-failed}" >> "$LOGS/model.log"
  }
  for p in fp32 tf32 bf16; do bench_model infer 256 "$p"; done
  bench_model train 256 tf32
  bench_model train 128 bf16
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
echo "| training on cuda tracks the cpu (fp32 / tf32 losses) | $(or "$(val device_train_fp32)" n/a) / $(or "$(val device_train_tf32)" n/a) | - |"
echo "| DeiT-Small inference images/s (bs 256; ours bf16 GEMMs, torch bf16 autocast) | $(or "$(val nvit_deit_s_infer_bf16_bs256)" n/a) | $(or "$(val torch_deit_s_infer_bf16)" n/a) |"
echo "| DeiT-Small inference images/s (bs 256; tf32) | $(or "$(val nvit_deit_s_infer_tf32_bs256)" n/a) | $(or "$(val torch_deit_s_infer_tf32)" n/a) |"
echo "| DeiT-Small inference images/s (bs 256; fp32) | $(or "$(val nvit_deit_s_infer_fp32_bs256)" n/a) | - |"
echo "| DeiT-Small training images/s (bs 128; ours bf16 GEMMs, torch bf16 autocast) | $(or "$(val nvit_deit_s_train_bf16_bs128)" n/a) | $(or "$(val torch_deit_s_train_bf16)" n/a) |"
echo "| DeiT-Small training images/s (bs 256; tf32) | $(or "$(val nvit_deit_s_train_tf32_bs256)" n/a) | - |"
rm -rf "$WORK"
exit "$CHECK_RC"
