package org.nvit.kernels.check;

import org.nvit.engine.DType;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.MultiTensor;
import org.nvit.kernels.Bf16Buffer;

/** Elementwise kernels, dropout masks (bit-exact), AdamW (single and multi-tensor) and bf16 conversion. */
final class ElementwiseChecks {
    private ElementwiseChecks() {}

    private static final double F32 = 1e-5;
    private static final int[] SIZES = {1, 7, 197 * 5, 100_003};

    static void run(GpuChecks.Ctx c) {
        for (int n : SIZES) {
            Tensor a = c.rand(n), b = c.rand(n);
            Tensor ga = c.up(a), gb = c.up(b);
            Tensor ref = c.cpu.zeros(DType.F32, n), out = c.poisoned(n);

            c.cpu.fill(ref, 1.5f); c.gpu.fill(out, 1.5f); c.close("fill n=" + n, out, ref, 0);
            c.gpu.copy(ga, out); c.close("copy n=" + n, out, a, 0);
            c.cpu.add(a, b, ref); c.gpu.add(ga, gb, out = c.poisoned(n)); c.close("add n=" + n, out, ref, F32);
            c.cpu.mul(a, b, ref); c.gpu.mul(ga, gb, out = c.poisoned(n)); c.close("mul n=" + n, out, ref, F32);
            c.cpu.scale(a, -0.3f, ref); c.gpu.scale(ga, -0.3f, out = c.poisoned(n)); c.close("scale n=" + n, out, ref, F32);
            Tensor y = b.copy(), gy = c.up(b);
            c.cpu.axpy(0.7f, a, y); c.gpu.axpy(0.7f, ga, gy); c.close("axpy n=" + n, gy, y, F32);
            c.cpu.gelu(a, ref); c.gpu.gelu(ga, out = c.poisoned(n)); c.close("gelu n=" + n, out, ref, F32);
            c.cpu.geluBackward(a, b, ref); c.gpu.geluBackward(ga, gb, out = c.poisoned(n));
            c.close("geluBackward n=" + n, out, ref, F32);
            Tensor alias = c.up(a); // y may alias x
            c.gpu.gelu(alias, alias); c.cpu.gelu(a, ref); c.close("gelu in place n=" + n, alias, ref, F32);
        }
        for (int[] rc : new int[][]{{1, 1}, {7, 3}, {197, 384}, {61, 1537}}) {
            int rows = rc[0], cols = rc[1];
            Tensor x = c.rand(rows, cols), bias = c.rand(cols);
            Tensor ref = x.copy();
            c.cpu.addBias(ref, bias);
            Tensor gx = c.up(x), gbias = c.up(bias);
            c.gpu.addBias(gx, gbias);
            c.close("addBias " + rows + "x" + cols, gx, ref, F32);
            Tensor pre = c.poisoned(rows, cols), y = c.poisoned(rows, cols), refY = ref.copy();
            c.cpu.gelu(ref, refY);
            c.gpu.biasGelu(c.up(x), gbias, pre, y);
            c.close("biasGelu pre " + rows + "x" + cols, pre, ref, F32);
            c.close("biasGelu y " + rows + "x" + cols, y, refY, F32);
        }
        Tensor x = c.rand(5, 7, 3), s = c.rand(5), ref = c.cpu.zeros(DType.F32, 5, 7, 3);
        c.cpu.scaleSamples(x, s, ref);
        Tensor out = c.poisoned(5, 7, 3);
        c.gpu.scaleSamples(c.up(x), c.up(s), out);
        c.close("scaleSamples", out, ref, F32);
    }

    static void randomAndOptimizer(GpuChecks.Ctx c) {
        for (float p : new float[]{0.1f, 0.5f, 0.9f}) {
            long seed = c.rng.nextLong();
            Tensor ref = c.cpu.zeros(DType.F32, 100_003), mask = c.poisoned(100_003);
            c.cpu.dropoutMask(p, seed, ref);
            c.gpu.dropoutMask(p, seed, mask);
            c.exact("dropoutMask p=" + p + " bit-exact", mask, ref);
        }
        adamw(c, new int[]{1}, 1);
        adamw(c, new int[]{7, 16384 * 2 + 5, 384}, 7);
        // bf16: round to nearest even, exactly as Java does it by bits
        Tensor a = c.rand(10_007);
        a.setFlat(0, 1.0f + 0x1.0p-8f); // a tie: rounds to even (1.0)
        Tensor back = c.poisoned(10_007);
        try (Bf16Buffer h = c.gpu.toBf16(c.up(a))) { c.gpu.fromBf16(h, back); }
        Tensor ref = a.copy();
        for (int i = 0; i < ref.numel(); i++) ref.setFlat(i, roundBf16((float) a.getFlat(i)));
        c.exact("bf16 round trip bit-exact", back, ref);
    }

    static float roundBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int lsb = (bits >>> 16) & 1;
        return Float.intBitsToFloat(((bits + 0x7FFF + lsb) >>> 16) << 16);
    }

    private static void adamw(GpuChecks.Ctx c, int[] sizes, int step) {
        int t = sizes.length;
        Tensor[] p = new Tensor[t], g = new Tensor[t], m = new Tensor[t], v = new Tensor[t];
        Tensor[] gp = new Tensor[t], gg = new Tensor[t], gm = new Tensor[t], gv = new Tensor[t];
        for (int i = 0; i < t; i++) {
            p[i] = c.rand(sizes[i]); g[i] = c.rand(sizes[i]); m[i] = c.rand(sizes[i]);
            v[i] = Tensor.rand(DType.F32, c.rng, 0, 1, sizes[i]);
            gp[i] = c.up(p[i]); gg[i] = c.up(g[i]); gm[i] = c.up(m[i]); gv[i] = c.up(v[i]);
            c.cpu.adamw(p[i], g[i], m[i], v[i], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, step);
        }
        if (t == 1) c.gpu.adamw(gp[0], gg[0], gm[0], gv[0], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, step);
        else {
            float[] wd = new float[t];
            java.util.Arrays.fill(wd, 0.05f);
            c.gpu.capability(MultiTensor.class).orElseThrow().adamw(gp, gg, gm, gv, 1e-3f, 0.9f, 0.999f, 1e-8f, wd, step);
        }
        for (int i = 0; i < t; i++) {
            String w = "adamw" + (t > 1 ? "Multi" : "") + " step " + step + " n=" + sizes[i];
            c.close(w + " param", gp[i], p[i], F32);
            c.close(w + " m", gm[i], m[i], F32);
            c.close(w + " v", gv[i], v[i], F32);
        }
    }
}
