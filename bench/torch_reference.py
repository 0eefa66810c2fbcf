"""PyTorch eager reference numbers for bench/gpu-check.sh (runs on the GPU machine's python3; prints RESULT lines).
GEMM at size^3 in fp32 / tf32 / bf16, a device copy, and DeiT-Small (timm, random weights) inference and training."""
import argparse
import torch


def median_seconds(fn, warm=3, reps=10):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    times.sort()
    return times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=8192)
    n = ap.parse_args().size
    dev = "cuda"
    print("torch", torch.__version__, torch.cuda.get_device_name(0))
    a = torch.rand(n, n, device=dev) * 2 - 1
    b = torch.rand(n, n, device=dev) * 2 - 1
    for name, tf32 in (("fp32", False), ("tf32", True)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        t = median_seconds(lambda: a @ b)
        print(f"RESULT torch_gemm_{name}_{n}_tflops {2 * n ** 3 / t / 1e12:.1f}")
    a16, b16 = a.bfloat16(), b.bfloat16()
    t = median_seconds(lambda: a16 @ b16)
    print(f"RESULT torch_gemm_bf16_{n}_tflops {2 * n ** 3 / t / 1e12:.1f}")
    del a, b, a16, b16
    x = torch.rand(1 << 28, device=dev)
    y = torch.empty_like(x)
    t = median_seconds(lambda: y.copy_(x), reps=20)
    print(f"RESULT torch_copy_gbps {8 * (1 << 28) / t / 1e9:.0f}")
    del x, y
    try:
        import timm
    except ImportError:
        print("timm missing: no DeiT-Small numbers")
        return
    torch.backends.cuda.matmul.allow_tf32 = True
    model = timm.create_model("deit_small_patch16_224", pretrained=False).to(dev)
    imgs = torch.randn(256, 3, 224, 224, device=dev)
    model.eval()
    with torch.no_grad():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            t = median_seconds(lambda: model(imgs))
        print(f"RESULT torch_deit_s_infer_bf16 {256 / t:.0f}")
        t = median_seconds(lambda: model(imgs))
        print(f"RESULT torch_deit_s_infer_tf32 {256 / t:.0f}")
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    batch = imgs[:128]
    labels = torch.randint(0, 1000, (128,), device=dev)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = torch.nn.functional.cross_entropy(model(batch).float(), labels)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    t = median_seconds(step)
    print(f"RESULT torch_deit_s_train_bf16 {128 / t:.0f}")


if __name__ == "__main__":
    main()
