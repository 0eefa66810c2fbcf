package org.nvit.kernels.check;

import java.util.List;
import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.BatchUpload;
import org.nvit.engine.fused.DeviceScalars;
import org.nvit.engine.fused.FusedAttention;
import org.nvit.engine.fused.FusedLinear;
import org.nvit.engine.fused.FusedNorm;
import org.nvit.engine.fused.MultiTensor;
import org.nvit.engine.fused.TokenOps;
import org.nvit.engine.ref.ReferenceAttention;
import org.nvit.kernels.Precision;

/**
 * The fused capabilities of the backend under test against the CPU's composites (and the reference attention), on
 * DeiT-Small and ragged shapes; on the GPU also what only a device can show: every warp-row LayerNorm width, float4
 * and scalar elementwise paths on aligned and shifted views, GEMMs with k == 0 inside wider tensors, bf16 operand
 * copies that must not outlive a write to their source, batch uploads through the side stream and the pinned staging
 * ring. Outputs are NaN-poisoned first.
 */
final class FusedChecks {
    private FusedChecks() {}

    static final List<String> NAMES = List.of("fused-tokens", "fused-multitensor", "fused-linear", "fused-norm",
            "fused-attention", "device-paths");
    private static final double F32 = 1e-5;

    static void run(String name, GpuChecks.Ctx c) {
        switch (name) {
            case "fused-tokens" -> tokens(c);
            case "fused-multitensor" -> multiTensor(c);
            case "fused-linear" -> linear(c);
            case "fused-norm" -> norm(c);
            case "fused-attention" -> attention(c);
            case "device-paths" -> devicePaths(c);
            default -> throw new IllegalArgumentException(name);
        }
    }

    private static <T> T of(GpuChecks.Ctx c, Class<T> kind, T composite) {
        return c.dev.capability(kind).orElse(composite);
    }

    static void tokens(GpuChecks.Ctx c) {
        TokenOps dev = of(c, TokenOps.class, TokenOps.composite(c.dev)), ref = TokenOps.composite(c.cpu);
        for (int[] s : new int[][]{{3, 196, 384}, {2, 5, 130}}) { // batch, patches, width: DeiT-S; a width past a block
            int b = s[0], p = s[1], d = s[2];
            Tensor cls = c.rand(1, 1, d), dist = c.rand(1, 1, d), patches = c.rand(b, p, d);
            Tensor want = c.cpu.zeros(DType.F32, b, p + 2, d), got = c.poisoned(b, p + 2, d);
            ref.concatTokens(new Tensor[]{cls, dist, patches}, want);
            dev.concatTokens(new Tensor[]{c.up(cls), c.up(dist), c.up(patches)}, got);
            c.exact("concatTokens " + b + "x" + p + "x" + d, got, want);
            Tensor gy = c.rand(b, p + 2, d), gCls = c.rand(1, 1, d), gPatches = c.rand(b, p, d);
            Tensor dCls = c.up(gCls), dPatches = c.up(gPatches);
            ref.concatTokensBackward(gy, new int[]{1, 1, p}, new Tensor[]{gCls, null, gPatches});
            dev.concatTokensBackward(c.up(gy), new int[]{1, 1, p}, new Tensor[]{dCls, null, dPatches});
            c.close("concatTokensBackward broadcast " + d, dCls, gCls, F32);
            c.exact("concatTokensBackward batched " + d, dPatches, gPatches);
            Tensor head = c.cpu.zeros(DType.F32, b, d), gHead = c.poisoned(b, d);
            ref.selectToken(want, 1, head);
            dev.selectToken(got, 1, gHead);
            c.exact("selectToken " + d, gHead, head);
            Tensor gx = c.up(gy);
            ref.selectTokenBackward(head, 1, gy);
            dev.selectTokenBackward(gHead, 1, gx);
            c.exact("selectTokenBackward " + d, gx, gy);
        }
    }

    static void multiTensor(GpuChecks.Ctx c) {
        MultiTensor dev = of(c, MultiTensor.class, MultiTensor.composite(c.dev)), ref = MultiTensor.composite(c.cpu);
        int[] sizes = {384, 1, 16384 * 3 + 7, 1152 * 384, 0};
        int t = sizes.length;
        Tensor[] p = new Tensor[t], g = new Tensor[t], m = new Tensor[t], v = new Tensor[t];
        Tensor[] dp = new Tensor[t], dg = new Tensor[t], dm = new Tensor[t], dv = new Tensor[t];
        float[] wd = new float[t];
        for (int i = 0; i < t; i++) {
            p[i] = c.rand(sizes[i]); g[i] = c.rand(sizes[i]); m[i] = c.rand(sizes[i]);
            v[i] = Tensor.rand(DType.F32, c.rng, 0, 1, sizes[i]);
            dp[i] = c.up(p[i]); dg[i] = c.up(g[i]); dm[i] = c.up(m[i]); dv[i] = c.up(v[i]);
            wd[i] = i % 2 == 0 ? 0.05f : 0f;
        }
        for (int step = 1; step <= 2; step++) { // the second step reuses the device tables
            ref.adamw(p, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, step);
            dev.adamw(dp, dg, dm, dv, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, step);
        }
        for (int i = 0; i < t - 1; i++) {
            c.close("adamw multi param " + sizes[i], dp[i], p[i], F32);
            c.close("adamw multi m " + sizes[i], dm[i], m[i], F32);
            c.close("adamw multi v " + sizes[i], dv[i], v[i], F32);
        }
        ref.axpby(0.9f, m, 0.1f, p);
        dev.axpby(0.9f, dm, 0.1f, dp);
        for (int i = 0; i < t - 1; i++) c.close("axpby " + sizes[i], dm[i], m[i], F32);
        Tensor sum = c.cpu.zeros(DType.F32, 1), dsum = c.poisoned(1);
        ref.sumSquares(g, sum);
        dev.sumSquares(dg, dsum);
        double exact = 0;
        for (Tensor x : g) for (long j = 0; j < x.numel(); j++) exact += x.getFlat(j) * x.getFlat(j);
        c.close("sumSquares", dsum, Tensor.of(new double[]{exact}, 1).to(DType.F32), 1e-5);
        DeviceScalars scalars = of(c, DeviceScalars.class, DeviceScalars.composite(c.dev));
        for (float max : new float[]{1e6f, 10f}) { // under the norm (factor 1) and over it
            Tensor norm = c.poisoned(1), factor = c.poisoned(1);
            scalars.clipFactor(dsum, max, norm, factor);
            double n = Math.sqrt(exact), f = n > max ? max / (n + 1e-6) : 1;
            c.close("clipFactor norm max " + max, norm, Tensor.of(new float[]{(float) n}, 1), 1e-5);
            c.close("clipFactor factor max " + max, factor, Tensor.of(new float[]{(float) f}, 1), 1e-5);
            Tensor[] want = new Tensor[t];
            for (int i = 0; i < t; i++) {
                want[i] = g[i].copy();
                c.cpu.scale(want[i], (float) f, want[i]);
            }
            Tensor[] got = new Tensor[t];
            for (int i = 0; i < t; i++) got[i] = c.up(g[i]);
            dev.scaleBy(got, factor);
            for (int i = 0; i < t - 1; i++) c.close("scaleBy max " + max + " " + sizes[i], got[i], want[i], 1e-5);
        }
        Tensor logits = c.rand(37, 1000), targets = Tensor.rand(DType.F32, c.rng, 0, 1, 37, 1000);
        Tensor grad = c.cpu.zeros(DType.F32, 37, 1000), dgrad = c.poisoned(37, 1000), loss = c.poisoned(1);
        double want = c.cpu.crossEntropySoft(logits, targets, grad, 1f);
        scalars.crossEntropySoft(c.up(logits), c.up(targets), dgrad, 1f, loss);
        c.close("crossEntropySoft loss on the device", loss, Tensor.of(new float[]{(float) want}, 1), 1e-5);
        c.close("crossEntropySoft grad", dgrad, grad, F32);
        c.scalar("crossEntropySoft to the host", c.dev.crossEntropySoft(c.up(logits), c.up(targets), null, 1f), want, 1e-5);
    }

    static void linear(GpuChecks.Ctx c) {
        FusedLinear dev = of(c, FusedLinear.class, FusedLinear.composite(c.dev)), ref = FusedLinear.composite(c.cpu);
        for (int[] s : new int[][]{{197 * 2, 1536}, {50, 37}, {3, 1}}) {
            int rows = s[0], n = s[1];
            String w = rows + "x" + n;
            Tensor x = c.rand(rows, n), bias = c.rand(n), pre = x.copy(), y = c.cpu.zeros(DType.F32, rows, n);
            ref.biasGelu(pre, bias, pre, y);
            Tensor dx = c.up(x), dy = c.poisoned(rows, n);
            dev.biasGelu(dx, c.up(bias), dx, dy); // pre written over x, as LinearGelu does
            c.close("biasGelu pre " + w, dx, pre, F32);
            c.close("biasGelu y " + w, dy, y, F32);
            Tensor gy = c.rand(rows, n), gb = c.rand(n), gx = c.cpu.zeros(DType.F32, rows, n), dgb = c.up(gb);
            Tensor dgx = c.poisoned(rows, n);
            ref.biasGeluBackward(pre, gy, gx, gb);
            dev.biasGeluBackward(dx, c.up(gy), dgx, dgb);
            c.close("biasGeluBackward gx " + w, dgx, gx, F32);
            c.close("biasGeluBackward gBias " + w, dgb, gb, F32);
            Tensor dgx2 = c.up(gy);
            dev.biasGeluBackward(dx, dgx2, dgx2, null); // gx over gy, no bias gradient
            c.close("biasGeluBackward in place " + w, dgx2, gx, F32);
        }
        for (float p : new float[]{0f, 0.25f}) {
            int b = 4, tokens = 197, d = 384;
            long seed = c.rng.nextLong();
            Tensor res = c.rand(b, tokens, d), y = c.rand(b * tokens, d), bias = c.rand(d);
            Tensor out = c.cpu.zeros(DType.F32, b, tokens, d), mask = c.cpu.zeros(DType.F32, b);
            ref.biasResidual(res, y.copy(), bias, p, seed, mask, out);
            Tensor dres = c.up(res), dmask = c.poisoned(b);
            dev.biasResidual(dres, c.up(y), c.up(bias), p, seed, dmask, dres); // out over res
            c.close("biasResidual p " + p, dres, out, F32);
            if (p > 0) c.exact("biasResidual drop-path mask bit-exact", dmask, mask);
        }
    }

    static void norm(GpuChecks.Ctx c) {
        FusedNorm dev = of(c, FusedNorm.class, FusedNorm.composite(c.dev)), ref = FusedNorm.composite(c.cpu);
        for (int n : new int[]{96, 192, 384, 385, 768, 769, 1100}) { // every warp-row width class, and block rows
            int rows = 2 * 197;
            String w = rows + "x" + n;
            Tensor x = c.rand(rows, n), gamma = c.rand(n), beta = c.rand(n);
            Tensor y = c.cpu.zeros(DType.F32, rows, n), mean = c.cpu.zeros(DType.F32, rows), rstd = c.cpu.zeros(DType.F32, rows);
            c.cpu.layerNorm(x, gamma, beta, 1e-6f, y, mean, rstd);
            Tensor dx = c.up(x), dg = c.up(gamma), dy = c.poisoned(rows, n), dm = c.poisoned(rows), dr = c.poisoned(rows);
            c.dev.layerNorm(dx, dg, c.up(beta), 1e-6f, dy, dm, dr);
            c.close("layerNorm y " + w, dy, y, F32);
            c.close("layerNorm rstd " + w, dr, rstd, F32);
            Tensor mask = c.cpu.zeros(DType.F32, n);
            for (int j = 0; j < n; j++) mask.setFlat(j, j % 5 == 2 ? 0 : 1);
            for (Tensor m : new Tensor[]{null, mask}) {
                Tensor gy = c.rand(rows, n), gx = c.rand(rows, n), gG = c.rand(n), gB = c.rand(n);
                Tensor dgx = c.up(gx), dgG = c.up(gG), dgB = c.up(gB);
                Tensor mm = m == null ? null : c.up(m);
                if (m != null) { // the masked statistics
                    c.cpu.maskedLayerNorm(x, gamma, beta, m, 1e-6f, y, mean, rstd);
                    c.dev.maskedLayerNorm(dx, dg, c.up(beta), mm, 1e-6f, dy, dm, dr);
                    c.close("maskedLayerNorm y " + w, dy, y, F32);
                }
                ref.layerNormBackwardAdd(x, gy, gamma, m, mean, rstd, gx, gG, gB);
                dev.layerNormBackwardAdd(dx, c.up(gy), dg, mm, dm, dr, dgx, dgG, dgB);
                String k = (m == null ? "" : "masked ") + w;
                c.close("layerNormBackwardAdd gx " + k, dgx, gx, F32);
                c.close("layerNormBackwardAdd gGamma " + k, dgG, gG, F32);
                c.close("layerNormBackwardAdd gBeta " + k, dgB, gB, F32);
            }
        }
    }

    /** Max error relative to max|ref| of the fused attention in each precision (the tile operands' rounding). */
    static double attentionBound(Precision p) {
        return switch (p) { case FP32 -> 5e-5; case TF32 -> 5e-3; case BF16 -> 3e-2; };
    }

    static void attention(GpuChecks.Ctx c) {
        var fused = c.dev.capability(FusedAttention.class);
        FusedAttention dev = fused.orElse(ReferenceAttention.INSTANCE);
        List<Precision> ps = c.gpu == null ? List.of(Precision.FP32) : List.of(Precision.values());
        for (Precision p : ps) {
            if (c.gpu != null) c.gpu.setPrecision(p);
            double bound = attentionBound(p);
            for (int[] s : new int[][]{{2, 197, 6, 64, 64, 1}, {1, 65, 3, 24, 40, 0}, {1, 197, 2, 72, 56, 1}}) {
                int b = s[0], n = s[1], h = s[2], dq = s[3], dv = s[4];
                boolean qkv = s[5] == 1;
                if (!dev.supports(dq, dv)) continue;
                String w = p.name().toLowerCase() + " " + b + "x" + n + " " + h + "x" + dq + "/" + dv;
                int ld = h * (2 * dq + dv);
                Tensor hq, hk, hv;
                FusedAttention.Operand q, k, v, dqo, dko, dvo;
                if (qkv) {
                    Tensor all = c.rand(b, n, ld), dall = c.up(all);
                    hq = hk = hv = all;
                    q = new FusedAttention.Operand(all, 0, ld);
                    k = new FusedAttention.Operand(all, h * dq, ld);
                    v = new FusedAttention.Operand(all, 2 * h * dq, ld);
                    dqo = new FusedAttention.Operand(dall, 0, ld);
                    dko = new FusedAttention.Operand(dall, h * dq, ld);
                    dvo = new FusedAttention.Operand(dall, 2 * h * dq, ld);
                } else {
                    hq = c.rand(b, n, h * dq); hk = c.rand(b, n, h * dq); hv = c.rand(b, n, h * dv);
                    q = new FusedAttention.Operand(hq, 0, h * dq);
                    k = new FusedAttention.Operand(hk, 0, h * dq);
                    v = new FusedAttention.Operand(hv, 0, h * dv);
                    dqo = new FusedAttention.Operand(c.up(hq), 0, h * dq);
                    dko = new FusedAttention.Operand(c.up(hk), 0, h * dq);
                    dvo = new FusedAttention.Operand(c.up(hv), 0, h * dv);
                }
                float scale = (float) (1 / Math.sqrt(dq));
                Tensor out = c.cpu.zeros(DType.F32, b, n, h * dv), lse = c.cpu.zeros(DType.F32, b, h, n);
                ReferenceAttention.INSTANCE.forward(q, k, v, b, n, h, dq, dv, scale, out, lse);
                Tensor dout = c.poisoned(b, n, h * dv), dlse = c.poisoned(b, h, n);
                dev.forward(dqo, dko, dvo, b, n, h, dq, dv, scale, dout, dlse);
                c.close("attention out " + w, dout, out, bound);
                c.close("attention lse " + w, dlse, lse, bound);
                Tensor gOut = c.rand(b, n, h * dv);
                int wq = qkv ? ld : h * dq, wv = qkv ? ld : h * dv;
                Tensor gq = c.rand(b, n, wq), gk = qkv ? gq : c.rand(b, n, h * dq), gv = qkv ? gq : c.rand(b, n, h * dv);
                Tensor dgq = c.up(gq), dgk = qkv ? dgq : c.up(gk), dgv = qkv ? dgq : c.up(gv);
                int cq = 0, ck = qkv ? h * dq : 0, cv = qkv ? 2 * h * dq : 0;
                ReferenceAttention.INSTANCE.backward(q, k, v, b, n, h, dq, dv, scale, out, gOut, lse,
                        new FusedAttention.Grad(gq, cq, wq, 0f), new FusedAttention.Grad(gk, ck, qkv ? ld : h * dq, 0f),
                        new FusedAttention.Grad(gv, cv, wv, 1f));
                dev.backward(dqo, dko, dvo, b, n, h, dq, dv, scale, c.up(out), c.up(gOut), c.up(lse),
                        new FusedAttention.Grad(dgq, cq, wq, 0f), new FusedAttention.Grad(dgk, ck, qkv ? ld : h * dq, 0f),
                        new FusedAttention.Grad(dgv, cv, wv, 1f));
                if (qkv) c.close("attention dqkv " + w, dgq, gq, bound);
                else {
                    c.close("attention dq " + w, dgq, gq, bound);
                    c.close("attention dk " + w, dgk, gk, bound);
                    c.close("attention dv (accumulated) " + w, dgv, gv, bound);
                }
            }
        }
    }

    /** What differs between GPU code paths rather than between ops. */
    static void devicePaths(GpuChecks.Ctx c) {
        // float4 and scalar elementwise kernels: an aligned view and one shifted by one element
        Tensor a = c.rand(4097), b = c.rand(4097), da = c.up(a), db = c.up(b);
        for (int shift : new int[]{0, 1}) {
            Tensor va = a.reshape(-1).slice(shift, shift + 4096), vb = b.reshape(-1).slice(shift, shift + 4096);
            Tensor dva = da.reshape(-1).slice(shift, shift + 4096), dvb = db.reshape(-1).slice(shift, shift + 4096);
            Tensor want = c.cpu.zeros(DType.F32, 4096), got = c.poisoned(4096);
            c.cpu.add(va, vb, want); c.dev.add(dva, dvb, got); c.close("add shift " + shift, got, want, F32);
            c.cpu.gelu(va, want); c.dev.gelu(dva, got); c.close("gelu shift " + shift, got, want, F32);
            Tensor y = vb.copy(), dy = c.up(y);
            c.cpu.axpy(-0.5f, va, y); c.dev.axpy(-0.5f, dva, dy); c.close("axpy shift " + shift, dy, y, F32);
        }
        // a GEMM with k == 0: C = beta * C on its matrices only, inside a wider tensor; beta 0 clears NaN
        for (float beta : new float[]{0.5f, 0f}) {
            Tensor cc = c.rand(2, 5, 9), ref = cc.copy();
            cc.setFlat(3, Float.NaN);
            ref.setFlat(3, Float.NaN);
            for (int p = 0; p < 2; p++)
                for (int i = 0; i < 5; i++)
                    for (int j = 0; j < 4; j++) {
                        long at = p * 45L + i * 9L + j;
                        ref.setFlat(at, beta == 0 ? 0 : beta * (float) ref.getFlat(at));
                    }
            Tensor dc = c.up(cc);
            c.dev.gemm(false, false, 5, 4, 0, 1f, dc, 1, 0, dc, 9, 0, beta, dc, 9, 45, 2);
            c.exactOrNaN("gemm k=0 beta " + beta, dc, ref);
        }
        if (c.gpu != null) { // bf16 operand copies: reused by consecutive GEMMs, dropped when the source changes
            Precision before = c.gpu.precision();
            c.gpu.setPrecision(Precision.BF16);
            Tensor x = c.rand(64, 96), w = c.rand(96, 32), dx = c.up(x), dw = c.up(w);
            Tensor want = c.cpu.zeros(DType.F32, 64, 32), got = c.poisoned(64, 32);
            c.dev.matmul(dx, false, dw, false, got, 1f, 0f);
            c.cpu.matmul(x, false, w, false, want, 1f, 0f);
            c.close("bf16 gemm", got, want, Precision.BF16.tolerance());
            c.dev.fill(dx, 0.25f); // a kernel writes the source: the next GEMM must not reuse the old copy
            c.cpu.fill(x, 0.25f);
            c.dev.matmul(dx, false, dw, false, got, 1f, 0f);
            c.cpu.matmul(x, false, w, false, want, 1f, 0f);
            c.close("bf16 gemm after its operand changed", got, want, Precision.BF16.tolerance());
            c.gpu.setPrecision(before);
        }
        // batch uploads (the side stream, double-buffered) and staged uploads (the pinned ring), many in a row
        BatchUpload up = BatchUpload.of(c.dev);
        for (int step = 0; step < 5; step++)
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor images = c.rand(8, 3, 32, 32), labels = c.rand(8, 10);
                Tensor di = up.upload(images), dl = up.upload(labels);
                Tensor sum = c.poisoned(8 * 3 * 32 * 32);
                c.dev.scale(di.reshape(-1), 2f, sum); // read on the main stream right after the upload
                Tensor twice = images.reshape(-1).copy();
                c.cpu.scale(twice, 2f, twice);
                c.exact("batch upload step " + step + " images", sum, twice);
                c.exact("batch upload step " + step + " labels", dl, labels);
            }
        for (int i = 0; i < 9; i++) { // more than the ring's buffers: each reused only after its copy ran
            Tensor h = c.rand(1000 + i);
            c.exact("staged upload " + i, c.up(h), h);
        }
    }
}
