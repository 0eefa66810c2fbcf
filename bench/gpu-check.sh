#!/usr/bin/env bash
# The run on a GPU machine (made for the H200 machines: CUDA 13, python3 with PyTorch and timm, no JDK). Unpacks the
# bundle from bench/make-gpu-bundle.sh (jlinked Java 25 + shaded nvit.jar), runs the self-test of every kernel
# (GpuSelfTest: each against the CPU) before anything else, then the rows the bars need, nvit and PyTorch eager side by
# side in the same precisions: DeiT-Small training and inference at batch 256 in bf16, tf32 and fp32, the fused
# attention's forward + backward against torch's scaled_dot_product_attention, the GEMM and copy ceilings, and a
# CPU-vs-CUDA training check. One deadline covers the whole script: each step gets its own limit, cut to what is
# left, and a step that no longer fits is skipped. The table is printed on exit whatever failed or was cut.
# PyTorch runs with the environment the script was started with, not the Java run's LD_LIBRARY_PATH.
#
# Usage: bench/gpu-check.sh [--dry-run] [bundle.tar.gz]
#   --dry-run: stand-ins for java, python3 and nvidia-smi print what the real ones would, so that this script's
#   control flow can be tested without a GPU; DRY_HANG=<step> makes that step hang, DRY_FAIL=<step> makes it fail.
# Env: DEADLINE (seconds for everything, default 480), OUT (logs, default /tmp/nvit-gpu-out), NVIT_JAVA (a java >= 25
#   instead of the bundle's), SKIP_TORCH=1, SIZE (GEMM size, default 8192), BATCH (model batch, default 256),
#   NVIT_CUBLAS_DIRS (extra folders to search for libcublas.so.13, colon-separated).
# Exit status: that of the self-test (0 all checks passed, 1 a check failed, 2 no usable GPU, 124 cut by the deadline).
set -uo pipefail
START=$(date +%s)
DRY=0
if [ "${1:-}" = "--dry-run" ]; then DRY=1; shift; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="${1:-$ROOT/.gpu/nvit-gpu-bundle.tar.gz}"
LOGS="${OUT:-/tmp/nvit-gpu-out}"
SIZE="${SIZE:-8192}"
BATCH="${BATCH:-256}"
DEADLINE="${DEADLINE:-480}"
RESERVE=10 # seconds kept for the table
WORK="$(mktemp -d /tmp/nvit-gpu.XXXXXX)"
mkdir -p "$LOGS"
ORIG_LD_SET="${LD_LIBRARY_PATH+set}"
ORIG_LD="${LD_LIBRARY_PATH:-}"
CHECK_RC=""
CUT=""
STEP_PID=""
INTERRUPTED=""

left() { echo $(( DEADLINE - ($(date +%s) - START) )); }

# ---- the table, last: runs on any exit (a failure, the deadline, a signal)
val() { grep -h "^RESULT $1 " "$LOGS"/*.log 2>/dev/null | tail -1 | awk '{print $3}'; }
or() { [ -n "$1" ] && echo "$1" || echo "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }
row() { # label, ours, torch, ratio (ours / torch for rates, torch / ours for times)
  echo "| $1 | $2 | $3 | $4 |"
}
summary() {
  local rc=$?
  trap - EXIT INT TERM
  echo
  echo "== summary ($(( $(date +%s) - START )) s of a ${DEADLINE} s deadline; logs in $LOGS)"
  echo "| metric (H200: bf16 GEMM ~790 TFLOP/s, copy ~4300 GB/s) | nvit-java | PyTorch eager | nvit / torch |"
  echo "|---|---|---|---|"
  row "kernel self-test vs CPU" "$(or "$(val checks_passed)" "did not finish (rc ${CHECK_RC:-none})")" "-" "-"
  local p t o
  for p in bf16 tf32 fp32; do
    o=$(val nvit_deit_s_train_${p}_bs$BATCH); t=$(val torch_deit_s_train_$p)
    row "DeiT-S training images/s, batch $BATCH, $p" "$(or "$o" n/a)" "$(or "$t" n/a)" "$(ratio "$o" "$t")"
  done
  for p in bf16 tf32 fp32; do
    o=$(val nvit_deit_s_infer_${p}_bs$BATCH); t=$(val torch_deit_s_infer_$p)
    row "DeiT-S inference images/s, batch $BATCH, $p" "$(or "$o" n/a)" "$(or "$t" n/a)" "$(ratio "$o" "$t")"
  done
  for p in bf16 tf32 fp32; do
    o=$(val attn_fwd_bwd_${p}_ms); t=$(val torch_attn_fwd_bwd_${p}_ms)
    row "attention fwd+bwd ms (256x6x197x64), $p; torch: SDPA" "$(or "$o" n/a)" "$(or "$t" n/a)" "$(ratio "$t" "$o")"
  done
  for p in fp32 tf32 bf16; do
    o=$(val gemm_${p}_${SIZE}_tflops); t=$(val torch_gemm_${p}_${SIZE}_tflops)
    row "GEMM ${SIZE}^3 TFLOP/s, $p" "$(or "$o" n/a)" "$(or "$t" n/a)" "$(ratio "$o" "$t")"
  done
  row "device copy GB/s (read + write)" "$(or "$(val copy_gbps)" n/a)" "$(or "$(val torch_copy_gbps)" n/a)" \
    "$(ratio "$(val copy_gbps)" "$(val torch_copy_gbps)")"
  row "CUDA training tracks the CPU's losses (fp32 / tf32)" \
    "$(or "$(val device_train_fp32)" n/a) / $(or "$(val device_train_tf32)" n/a)" "-" "-"
  local work; work=$(grep -h "^device work per step" "$LOGS"/*.log 2>/dev/null | tail -1 | sed 's/^[^:]*: //')
  row "device work per training step (bf16, batch $BATCH)" "$(or "$work" n/a)" "-" "-"
  [ -n "$CUT" ] && echo "cut by the deadline or failed:$CUT"
  rm -rf "$WORK"
  [ -n "$INTERRUPTED" ] && exit 130
  if [ -n "$CHECK_RC" ]; then exit "$CHECK_RC"; fi
  exit $(( rc == 0 ? 124 : rc ))
}
interrupted() {
  INTERRUPTED=1
  echo "gpu-check: interrupted"
  [ -n "$STEP_PID" ] && kill -TERM "$STEP_PID" 2>/dev/null # timeout passes it on to the step's processes
  exit 130
}
trap summary EXIT
trap interrupted INT TERM

# Runs step NAME with a limit of BUDGET seconds, cut to the time left before the deadline; skips it when under 5 s
# are left. Output goes to $LOGS/NAME.log and the terminal. Returns the command's status (124 when cut).
step() {
  local name=$1 budget=$2 t rc; shift 2
  t=$(( $(left) - RESERVE ))
  (( t > budget )) && t=$budget
  if (( t < 5 )); then
    echo "== $name: skipped (deadline)"
    CUT="$CUT $name(skipped)"
    return 124
  fi
  echo "== $name (limit ${t} s)"
  # in the background and waited for, so that a signal to the script is handled at once, not after the step
  STEP="$name" timeout -k 5 "$t" "$@" > >(tee "$LOGS/$name.log") 2>&1 &
  STEP_PID=$!
  wait "$STEP_PID"
  rc=$?
  STEP_PID=""
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then CUT="$CUT $name(cut)"; echo "== $name: cut at ${t} s"; fi
  return "$rc"
}

# ---- dry run: stand-ins that print what the real programs would (for this script's own tests)
if [ "$DRY" = 1 ]; then
  mkdir -p "$WORK/bin"
  cat > "$WORK/bin/stub" <<'EOF'
#!/usr/bin/env bash
# a stand-in for java, python3 or nvidia-smi in gpu-check.sh --dry-run
name=$(basename "$0"); args="$*"
[ -n "${DRY_HANG:-}" ] && [ "$DRY_HANG" = "${STEP:-}" ] && sleep 1000
fail=0; [ -n "${DRY_FAIL:-}" ] && [ "$DRY_FAIL" = "${STEP:-}" ] && fail=1
case "$name" in
  nvidia-smi) echo "NVIDIA H200 (dry run)";;
  python3)
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH-<unset>}"
    for r in "torch_deit_s_train_bf16 3000" "torch_deit_s_train_tf32 2000" "torch_deit_s_train_fp32 900" \
             "torch_deit_s_infer_bf16 9000" "torch_deit_s_infer_tf32 6000" "torch_deit_s_infer_fp32 3000" \
             "torch_attn_fwd_bwd_bf16_ms 2.0" "torch_attn_fwd_bwd_tf32_ms 6.0" "torch_attn_fwd_bwd_fp32_ms 6.0" \
             "torch_gemm_fp32_${SIZE:-8192}_tflops 50" "torch_gemm_tf32_${SIZE:-8192}_tflops 380" \
             "torch_gemm_bf16_${SIZE:-8192}_tflops 780" "torch_copy_gbps 4300"; do echo "RESULT $r"; done;;
  java)
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH-<unset>}"
    case "$args" in
      *GpuSelfTest*--no-checks*)
        for r in "gemm_fp32_${SIZE:-8192}_tflops 49" "gemm_tf32_${SIZE:-8192}_tflops 370" "gemm_bf16_${SIZE:-8192}_tflops 760" \
                 "copy_gbps 4200" "attn_fwd_bwd_bf16_ms 1.5" "attn_fwd_bwd_tf32_ms 3.0" "attn_fwd_bwd_fp32_ms 9.0"; do
          echo "RESULT $r"; done;;
      *GpuSelfTest*) echo "RESULT checks_passed $((300 - fail))/300"; exit $fail;;
      *"bench model"*)
        [ "$fail" = 1 ] && { echo "nvit: error: dry-run failure"; exit 70; }
        echo "deit_small_patch16_224 (...) on cuda(dry): 3100.00 images/s (median 82.6 ms of 10, 0.0 GFLOP/s; 0.1 ms CPU per image)"
        case "$args" in *--profile*)
          echo "device work per step (the timed steps, each ending with the benchmark's synchronize): 1500.0 kernel launches + 600.0 GEMM calls, 1.0 host syncs";;
        esac;;
      *" train "*)
        out=$(echo "$args" | sed -E 's/.*--output ([^ ]+).*/\1/'); mkdir -p "$out"
        echo '{"epoch": 1, "train_loss": 2.3021, "val_loss": 2.3102}' > "$out/metrics.jsonl";;
    esac;;
esac
sleep 0.2
exit $fail
EOF
  chmod +x "$WORK/bin/stub"
  for n in java python3 nvidia-smi; do ln -s stub "$WORK/bin/$n"; done
  export PATH="$WORK/bin:$PATH"
  JAR="$WORK/dry.jar"
  JAVA="$WORK/bin/java"
  PY="$WORK/bin/python3"
else
  # ---- Java: the carried runtime, else NVIT_JAVA, else a java >= 25 on the PATH
  if [ -f "$BUNDLE" ]; then
    tar -C "$WORK" -xzf "$BUNDLE" || { echo "gpu-check: cannot unpack $BUNDLE" >&2; CHECK_RC=2; exit 2; }
    JAR="$WORK/nvit.jar"
  else
    JAR="$ROOT/cli/target/nvit.jar"
    [ -f "$JAR" ] || { echo "gpu-check: no bundle ($BUNDLE) and no $JAR: run bench/make-gpu-bundle.sh first" >&2; CHECK_RC=2; exit 2; }
  fi
  JAVA="${NVIT_JAVA:-}"
  [ -z "$JAVA" ] && [ -x "$WORK/jre/bin/java" ] && JAVA="$WORK/jre/bin/java"
  [ -z "$JAVA" ] && JAVA="$(command -v java || true)"
  [ -n "$JAVA" ] || { echo "gpu-check: no Java runtime (bundle missing and no java on the PATH)" >&2; CHECK_RC=2; exit 2; }
  PY="$(command -v python3 || true)"
fi

# ---- cuBLAS for the Java side only: libcublas.so.13 from the toolkit or PyTorch's nvidia wheels (the Java side also
# searches these itself); PyTorch keeps the environment it was started with
CUBLAS_DIRS=""
EXTRA="${NVIT_CUBLAS_DIRS:-}"
CANDIDATES="$( { ls /usr/local/cuda*/lib64/libcublas.so.1[23] /usr/local/cuda*/targets/*/lib/libcublas.so.1[23] 2>/dev/null
  for d in ${EXTRA//:/ }; do ls "$d"/libcublas.so.1[23] 2>/dev/null; done
  [ "$DRY" = 0 ] && [ -n "$PY" ] && "$PY" -c 'import site, glob
for d in site.getsitepackages():
    for f in glob.glob(d + "/nvidia/**/libcublas.so.1[23]", recursive=True): print(f)' 2>/dev/null; } )"
for f in $CANDIDATES; do
  d="$(dirname "$f")"
  case ":$CUBLAS_DIRS:" in *":$d:"*) ;; *) CUBLAS_DIRS="$CUBLAS_DIRS:$d" ;; esac
done
JAVA_LD="${CUBLAS_DIRS#:}${ORIG_LD:+:$ORIG_LD}"
echo "== cuBLAS folders for Java: ${CUBLAS_DIRS#:}"
JOPTS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx48g -Djava.util.logging.ConsoleHandler.level=INFO)
# command prefixes (executables, so that timeout can run them): Java with the cuBLAS folders, PyTorch without them
JRUN=(env "LD_LIBRARY_PATH=$JAVA_LD" "$JAVA" "${JOPTS[@]}")
if [ "$ORIG_LD_SET" = set ]; then PRUN=(env "LD_LIBRARY_PATH=$ORIG_LD" "$PY"); else PRUN=(env -u LD_LIBRARY_PATH "$PY"); fi
"$JAVA" -version 2>&1 | head -1

step smi 15 nvidia-smi || echo "(nvidia-smi failed)"

# ---- 1. the self-test: every kernel and GEMM path against the CPU, before any benchmark
step self-test 180 "${JRUN[@]}" -cp "$JAR" org.nvit.kernels.GpuSelfTest
CHECK_RC=$?

# ---- 2. the benchmarks (on a GPU only; failed checks do not stop the timings, the table shows both)
NVIT=("${JRUN[@]}" -jar "$JAR")
bench_model() { # mode precision [extra]
  local out rc v
  step "$1-$2" 90 "${NVIT[@]}" bench model --device cuda --precision "$2" --model deit_small_patch16_224 --mode "$1" \
    --batch "$BATCH" --warmup 5 --repeats 10 "${@:3}"
  rc=$?
  v=$(grep -oE '[0-9]+(\.[0-9]+)? images/s' "$LOGS/$1-$2.log" 2>/dev/null | tail -1 | grep -oE '^[0-9.]+')
  [ -f "$LOGS/$1-$2.log" ] || v=skipped
  [ -z "$v" ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && v=cut
  echo "RESULT nvit_deit_s_$1_$2_bs$BATCH ${v:-failed}" >> "$LOGS/results.log"
  return $rc
}
if [ "$CHECK_RC" = 2 ]; then
  echo "== benchmarks skipped: no usable GPU"
else
  echo "== benchmarks"
  bench_model train bf16 --profile
  bench_model train tf32
  bench_model train fp32
  for p in bf16 tf32 fp32; do bench_model infer "$p"; done
  step kernels 90 "${JRUN[@]}" -cp "$JAR" org.nvit.kernels.GpuSelfTest --no-checks --bench --size "$SIZE"
fi
if [ "${SKIP_TORCH:-0}" != 1 ] && [ -n "$PY" ]; then
  step torch 180 "${PRUN[@]}" "$ROOT/bench/torch_reference.py" --size "$SIZE" --batch "$BATCH"
fi

# ---- 3. the whole pipeline on the device: the same 8 training steps on the CPU and the GPU give the same losses
# to the GEMM precision's order (fp32 1e-3, tf32 2e-2 relative, after AdamW's amplification of rounding)
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a; exit !(a != "" && b != "" && d <= t * m) }'; }
metric() { grep -oE "\"$2\": *[-0-9.eE]+" "$1/metrics.jsonl" 2>/dev/null | tail -1 | sed 's/.*: *//'; }
if [ "$CHECK_RC" != 2 ]; then
  run_train() { step "train-check-$1" 60 "${NVIT[@]}" train --data synthetic:256 --epochs 1 -b 32 --lr 5e-4 --seed 0 \
      --output "$WORK/train-$1" "${@:2}"; }
  run_train cpu --device cpu
  cpu_rc=$?
  for p in fp32 tf32; do
    run_train "cuda-$p" --device cuda --precision "$p"
    rc=$?
    tol=1e-3; [ "$p" = tf32 ] && tol=2e-2
    ok=PASS
    for k in train_loss val_loss; do
      close "$(metric "$WORK/train-cpu" $k)" "$(metric "$WORK/train-cuda-$p" $k)" "$tol" || ok=FAIL
    done
    [ -f "$LOGS/train-check-cuda-$p.log" ] && [ -f "$LOGS/train-check-cpu.log" ] || ok=skipped
    [ "$ok" = FAIL ] && { [ "$rc" = 124 ] || [ "$cpu_rc" = 124 ]; } && ok=cut
    echo "RESULT device_train_$p $ok" | tee -a "$LOGS/results.log"
  done
fi
exit "$CHECK_RC"
