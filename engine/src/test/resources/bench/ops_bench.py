# The OpsBench workloads in PyTorch (fp32, 2 threads), for side-by-side figures:
#   /usr/bin/python3 engine/src/test/resources/bench/ops_bench.py
import time, torch
torch.set_num_threads(2)
torch.manual_seed(1)
def bench(name, n, f):
    for _ in range(3): f()
    ts = []
    for _ in range(7):
        t0 = time.perf_counter(); f(); ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort(); ms = ts[3]
    print("%-28s %9.2f ms  %6.2f ns/element" % (name, ms, ms * 1e6 / n))
tokens = 64 * 197
h = torch.randn(tokens, 768); g = torch.randn(tokens, 768); h2 = torch.empty(tokens, 768)
att = torch.randn(64 * 3, 197, 197)
x = torch.randn(tokens, 192, requires_grad=True); gamma = torch.randn(192, requires_grad=True); beta = torch.zeros(192, requires_grad=True)
gy = torch.randn(tokens, 192)
p = torch.nn.Parameter(torch.randn(5_700_000)); p.grad = torch.randn(5_700_000)
opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=0.05)
bench("gelu [12608,768]", h.numel(), lambda: torch.nn.functional.gelu(h, out=h2) if False else torch.nn.functional.gelu(h))
hg = h.clone().requires_grad_(True); yg = torch.nn.functional.gelu(hg)
bench("geluBackward [12608,768]", h.numel(), lambda: torch.autograd.grad(yg, hg, g, retain_graph=True))
bench("softmax [192,197,197]", att.numel(), lambda: torch.softmax(att * 0.125, -1))
attg = att.clone().requires_grad_(True); sm = torch.softmax(attg, -1)
bench("softmaxBackward", att.numel(), lambda: torch.autograd.grad(sm, attg, att, retain_graph=True))
with torch.no_grad():
    bench("layerNorm [12608,192]", x.numel(), lambda: torch.nn.functional.layer_norm(x, (192,), gamma, beta, 1e-6))
ln = torch.nn.functional.layer_norm(x, (192,), gamma, beta, 1e-6)
bench("layerNormBackward", x.numel(), lambda: torch.autograd.grad(ln, (x, gamma, beta), gy, retain_graph=True))
bench("add [12608,768]", h.numel(), lambda: torch.add(h, g, out=h2))
bias = torch.zeros(768)
bench("addBias [12608,768]", h.numel(), lambda: h2.add_(bias))
bench("sumRows [12608,768]", h.numel(), lambda: h.sum(0))
bench("dropoutMask [12608,768]", h.numel(), lambda: torch.nn.functional.dropout(h, 0.1))
bench("adamw 5.7M params", 5_700_000, lambda: opt.step())
