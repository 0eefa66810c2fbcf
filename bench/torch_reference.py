"""PyTorch eager reference numbers for bench/gpu-check.sh (runs on the GPU machine's python3; prints RESULT lines).

The same rows as the Java side, in the same precisions: GEMM at size^3 (fp32 / tf32 / bf16) and a device copy (the
ceilings); DeiT-Small (timm, random weights) inference and training at batch 256 in bf16 (autocast: bf16 matrix
products, fp32 weights), tf32 and fp32, trained as `nvit bench model --mode train` trains it (AdamW lr 5e-4 wd 0.05,
drop-path 0.1, label-smoothed soft targets); and scaled_dot_product_attention forward + backward at DeiT-Small's
shapes (256 images, 6 heads, 197 tokens, 64 wide) against the fused attention kernel's row.
Each time is the median of `reps` runs timed with CUDA events after `warm` warm-up runs.
"""
import argparse
import sys
import torch
import torch.nn.functional as F


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


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def ceilings(n, dev):
    a = torch.rand(n, n, device=dev) * 2 - 1
    b = torch.rand(n, n, device=dev) * 2 - 1
    for name, tf32 in (("fp32", False), ("tf32", True)):
        set_tf32(tf32)
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


def attention(dev):
    b, h, n, d = 256, 6, 197, 64
    for name, dtype in (("bf16", torch.bfloat16), ("tf32", torch.float32), ("fp32", torch.float32)):
        set_tf32(name == "tf32")
        q, k, v = (torch.randn(b, h, n, d, device=dev, dtype=dtype, requires_grad=True) for _ in range(3))
        g = torch.randn(b, h, n, d, device=dev, dtype=dtype)

        def fwd():
            with torch.no_grad():
                F.scaled_dot_product_attention(q, k, v)

        def fwd_bwd():
            o = F.scaled_dot_product_attention(q, k, v)
            o.backward(g)
            q.grad = k.grad = v.grad = None

        print(f"RESULT torch_attn_fwd_{name}_ms {median_seconds(fwd) * 1e3:.3f}")
        print(f"RESULT torch_attn_fwd_bwd_{name}_ms {median_seconds(fwd_bwd) * 1e3:.3f}")


def deit_small(dev, batch, modes):
    try:
        import timm
    except ImportError:
        print("timm missing: no DeiT-Small numbers")
        return
    imgs = torch.randn(batch, 3, 224, 224, device=dev)
    labels = torch.randint(0, 1000, (batch,), device=dev)
    targets = torch.full((batch, 1000), 0.1 / 1000, device=dev)
    targets[torch.arange(batch), labels] += 0.9
    for prec in ("bf16", "tf32", "fp32"):
        set_tf32(prec != "fp32")
        autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=prec == "bf16")
        if "infer" in modes:
            model = timm.create_model("deit_small_patch16_224", pretrained=False).to(dev).eval()
            with torch.no_grad(), autocast:
                t = median_seconds(lambda: model(imgs))
            print(f"RESULT torch_deit_s_infer_{prec} {batch / t:.0f}")
            del model
        if "train" in modes:
            model = timm.create_model("deit_small_patch16_224", pretrained=False, drop_path_rate=0.1).to(dev).train()
            opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.05)

            def step():
                with autocast:
                    logits = model(imgs)
                loss = torch.sum(-targets * F.log_softmax(logits.float(), dim=-1), dim=-1).mean()
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
                return loss

            t = median_seconds(step, warm=5, reps=10)
            print(f"RESULT torch_deit_s_train_{prec} {batch / t:.0f}")
            del model, opt
        torch.cuda.empty_cache()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=8192)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--only", default="ceilings,attention,train,infer",
                    help="comma-separated parts: ceilings, attention, train, infer")
    args = ap.parse_args()
    parts = set(args.only.split(","))
    if not torch.cuda.is_available():
        print("torch sees no GPU")
        sys.exit(2)
    dev = "cuda"
    print("torch", torch.__version__, torch.cuda.get_device_name(0))
    if "ceilings" in parts:
        ceilings(args.size, dev)
    if "attention" in parts:
        attention(dev)
    deit_small(dev, args.batch, parts)


if __name__ == "__main__":
    main()
