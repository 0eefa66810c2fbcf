"""PyTorch side of the CPU comparison in docs/PERFORMANCE.md: the same workloads as `nvit bench gemm` and
`nvit bench model`, timed the same way (median after warm-up), so that both can be run in one sitting.

Run with OpenBLAS and 2 threads (docs/PERFORMANCE.md, "GEMM"):
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 bench/torch/cpu_baseline.py
"""
import statistics
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(2)


def median_time(fn, warmup=3, repeats=10):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


class Block(nn.Module):
    def __init__(self, e, h, d, m):
        super().__init__()
        self.h, self.d = h, d
        self.norm1, self.norm2 = nn.LayerNorm(e, eps=1e-6), nn.LayerNorm(e, eps=1e-6)
        self.qkv, self.proj = nn.Linear(e, 3 * h * d), nn.Linear(h * d, e)
        self.fc1, self.fc2 = nn.Linear(e, m), nn.Linear(m, e)

    def forward(self, x):
        b, n, _ = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.h, self.d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = (q @ k.transpose(-2, -1) * self.d ** -0.5).softmax(-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(b, n, self.h * self.d))
        return x + self.fc2(nn.functional.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    """timm's ViT/DeiT math (exact GELU, pre-norm, cls token), uniform blocks."""

    def __init__(self, img, patch, chans, classes, e, depth, h, d, m):
        super().__init__()
        self.patch = nn.Conv2d(chans, e, patch, patch)
        n = (img // patch) ** 2 + 1
        self.cls = nn.Parameter(torch.zeros(1, 1, e))
        self.pos = nn.Parameter(torch.zeros(1, n, e))
        self.blocks = nn.Sequential(*[Block(e, h, d, m) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(e, eps=1e-6), nn.Linear(e, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


def gemm(m, n, k, batch=1):
    a, b = torch.randn(batch, m, k), torch.randn(batch, k, n)
    t = median_time(lambda: torch.bmm(a, b) if batch > 1 else a[0] @ b[0])
    return 2 * m * n * k * batch / t / 1e9


def linear(rows, i, o):
    x, lin = torch.randn(rows, i), nn.Linear(i, o)
    with torch.no_grad():
        t = median_time(lambda: lin(x))
    return 2 * rows * i * o / t / 1e9


MODELS = {
    "deit_tiny_patch16_224": (224, 16, 3, 1000, 192, 12, 3, 64, 768),
    "deit_small_patch16_224": (224, 16, 3, 1000, 384, 12, 6, 64, 1536),
    "vit_fmnist_baseline": (28, 4, 1, 10, 192, 6, 3, 64, 768),
    "vit_fmnist_tiny": (28, 4, 1, 10, 96, 5, 3, 32, 192),
}


def model(name, batch, mode):
    cfg = MODELS[name]
    net = ViT(*cfg)
    x = torch.randn(batch, cfg[2], cfg[0], cfg[0])
    if mode == "infer":
        net.eval()
        with torch.no_grad():
            t = median_time(lambda: net(x), warmup=2, repeats=5)
    else:
        y = torch.randint(0, cfg[3], (batch,))
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4)

        def step():
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        t = median_time(step, warmup=2, repeats=5)
    return batch / t


if __name__ == "__main__":
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, BLAS: "
          f"{'openblas' if 'openblas' in torch.__config__.show().lower() else 'see torch.__config__'}")
    which = sys.argv[1:] or ["gemm", "models"]
    if "gemm" in which:
        print(f"GEMM 1024^3: {gemm(1024, 1024, 1024):.1f} GFLOP/s")
        rows = 64 * 197
        for label, i, o in [("qkv", 192, 576), ("proj", 192, 192), ("fc1", 192, 768), ("fc2", 768, 192)]:
            print(f"DeiT-Tiny {label} [{rows},{i}]x[{i},{o}] + bias: {linear(rows, i, o):.1f} GFLOP/s")
        print(f"attention q.k^T 192 x [197,64]x[64,197]: {gemm(197, 197, 64, 192):.1f} GFLOP/s")
        print(f"attention p.v 192 x [197,197]x[197,64]: {gemm(197, 64, 197, 192):.1f} GFLOP/s")
    if "models" in which:
        for name, batch, mode in [("deit_tiny_patch16_224", 32, "infer"), ("deit_small_patch16_224", 32, "infer"),
                                  ("vit_fmnist_baseline", 128, "train"), ("vit_fmnist_tiny", 128, "train")]:
            print(f"{name} {mode} batch {batch}: {model(name, batch, mode):.1f} images/s")
