#!/usr/bin/env bash
# One sitting of the CPU comparison in docs/PERFORMANCE.md: our GEMM and model throughput, then PyTorch (Debian's
# python3-torch with OpenBLAS, 2 threads) and ONNX Runtime on the same workloads. Run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./nvit --version >/dev/null
echo "== $(date -u +%FT%TZ) $(uptime)"
g() { ./nvit bench gemm --warmup 10 --repeats 30 --json "$@" 2>/dev/null | tail -1; }
g --m 1024 --n 1024 --k 1024
g --m 12608 --n 576 --k 192 --trans-b
g --m 12608 --n 192 --k 192 --trans-b
g --m 12608 --n 768 --k 192 --trans-b
g --m 12608 --n 192 --k 768 --trans-b
g --m 197 --n 197 --k 64 --trans-b --batch 192
g --m 197 --n 64 --k 197 --batch 192
m() { ./nvit bench model --json "$@" 2>/dev/null | tail -1; }
m --model deit_tiny_patch16_224 --batch 32 --mode infer --repeats 7
m --model deit_small_patch16_224 --batch 32 --mode infer --repeats 5
m --model vit_fmnist_baseline --batch 128 --mode train --repeats 10
m --model vit_fmnist_tiny --batch 128 --mode train --repeats 10
# ONNX Runtime (MLAS, fp32, as many intra-op threads as ours): the same models and weights through our ONNX export,
# and PyTorch's own export of the same architecture where Debian's torch is there. The library comes from
# NVIT_ONNXRUNTIME_LIB or npm's onnxruntime-node (installed into ~/.cache/nvit on first use); a bench-only dependency.
echo "== ONNX Runtime $(date -u +%FT%TZ)"
o() { ./nvit bench model --engine onnxruntime --json "$@" 2>/dev/null | tail -1 || echo "(ONNX Runtime not run: $*)"; }
o --model deit_tiny_patch16_224 --batch 32 --repeats 7
o --model deit_small_patch16_224 --batch 32 --repeats 5
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  mkdir -p bench/target
  /usr/bin/python3 bench/torch/export_onnx.py bench/target/deit_tiny_torch.onnx >/dev/null
  /usr/bin/python3 bench/torch/export_onnx.py bench/target/deit_small_torch.onnx --embed-dim 384 --heads 6 --mlp 1536 >/dev/null
  o --model deit_tiny_patch16_224 --batch 32 --repeats 7 --onnx bench/target/deit_tiny_torch.onnx
  o --model deit_small_patch16_224 --batch 32 --repeats 5 --onnx bench/target/deit_small_torch.onnx
fi
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "== PyTorch $(date -u +%FT%TZ)"
  # OPENBLAS_CORETYPE/L2_SIZE are set on these machines for old OpenBLAS builds; they slow it here, so drop them.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \
    /usr/bin/python3 bench/torch/cpu_baseline.py
fi
