package org.nvit.kernels.check;

import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.ref.ReferenceBackend;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Without a GPU: the layout and elementwise kernels' index arithmetic, built for the host with g++ through a small
 * CUDA shim and run on a 3 x 32-thread grid (so every grid-stride step is taken), against the reference backend.
 * Bit-exact. Skipped when g++ is absent.
 */
class HostLayoutTest {
    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;
    private static Path exe;

    private static synchronized Path build() throws Exception {
        if (exe == null)
            exe = HostBuild.gxx("host_layout",
                    java.util.List.of("-std=c++17", "-O1", "-Isrc/test/cuda/hostshim"),
                    "src/test/cuda/host_layout.cpp");
        return exe;
    }

    private static float[] host(String header, Tensor... inputs) throws Exception {
        return HostBuild.run(build(), header, 30, inputs);
    }

    private static void same(String what, Tensor ref, float[] got) {
        assertEquals(ref.numel(), got.length, what + ": element count");
        for (int i = 0; i < got.length; i++)
            assertEquals(Float.floatToRawIntBits((float) ref.getFlat(i)), Float.floatToRawIntBits(got[i]),
                    what + ": element " + i + " expected " + ref.getFlat(i) + " got " + got[i]);
    }

    private final Rng rng = new Rng(99);

    private Tensor rand(int... shape) { return Tensor.rand(DType.F32, rng, -2, 2, shape); }

    @Test
    void patchifyAndUnpatchify() throws Exception {
        for (int[] s : new int[][]{{2, 1, 28, 28, 7}, {1, 3, 16, 12, 4}, {1, 2, 10, 9, 3}}) {
            int b = s[0], c = s[1], h = s[2], w = s[3], p = s[4], np = (h / p) * (w / p);
            String dims = b + " " + c + " " + h + " " + w + " " + p;
            Tensor img = rand(b, c, h, w), ref = Tensor.zeros(b, np, c * p * p);
            REF.patchify(img, p, ref);
            same("patchify " + dims, ref, host("patchify " + dims, img));
            Tensor back = Tensor.zeros(b, c, h, w);
            REF.unpatchify(ref, p, back);
            same("unpatchify " + dims, back, host("unpatchify " + dims, ref));
        }
    }

    @Test
    void headsPermutes() throws Exception {
        for (int[] s : new int[][]{{2, 13, 3, 5}, {1, 7, 1, 4}, {3, 5, 4, 2}}) {
            int b = s[0], n = s[1], heads = s[2], d = s[3];
            String dims = b + " " + n + " " + heads + " " + d;
            Tensor x = rand(b, n, heads * d), split = Tensor.zeros(b, heads, n, d);
            REF.splitHeads(x, heads, split);
            same("split_heads " + dims, split, host("split_heads " + dims, x));
            Tensor merged = Tensor.zeros(b, n, heads * d);
            REF.mergeHeads(split, merged);
            same("merge_heads " + dims, merged, host("merge_heads " + dims, split));
        }
    }

    /** Within rel of max|ref| (libm's erff against Java's erf; fmaf against a product and a sum). */
    private static void near(String what, Tensor ref, float[] got, int from, double rel) {
        double max = 0, diff = 0;
        for (int i = 0; i < ref.numel(); i++) {
            max = Math.max(max, Math.abs(ref.getFlat(i)));
            diff = Math.max(diff, Math.abs(ref.getFlat(i) - got[from + i]));
        }
        assertTrue(diff <= rel * Math.max(max, 1e-30), what + ": error " + diff / max);
    }

    private static float[] part(float[] all, int from, long n) { return java.util.Arrays.copyOfRange(all, from, from + (int) n); }

    @Test
    void concatBiasAndSampleScale() throws Exception {
        Tensor[] parts = {rand(9, 1), rand(9, 20), rand(9, 3)};
        Tensor cat = Tensor.zeros(9, 24);
        REF.concatLast(parts, cat);
        same("concat", cat, host("concat 9 1 20 3", parts));
        for (int vec : new int[]{0, 1}) { // row-wise kernels, scalar and float4 (cols 12), two row lanes
            int cols = vec == 1 ? 12 : 13;
            String dims = vec + " 7 " + cols;
            Tensor x = rand(7, cols), bias = rand(cols), ref = x.copy();
            REF.addBias(ref, bias);
            same("add_bias " + dims, ref, host("add_bias " + dims, x, bias));
            Tensor scale = rand(7), scaled = Tensor.zeros(7, cols);
            REF.scaleSamples(x, scale, scaled);
            same("scale_samples " + dims, scaled, host("scale_samples " + dims, x, scale));
            float[] bg = host("bias_gelu " + dims, x, bias);
            same("bias_gelu pre " + dims, ref, part(bg, 0, ref.numel()));
            Tensor y = Tensor.zeros(7, cols);
            REF.gelu(ref, y);
            near("bias_gelu y " + dims, y, bg, (int) ref.numel(), 1e-6);
        }
    }

    @Test
    void biasDropPathAndResidualInOnePass() throws Exception {
        for (int vec : new int[]{0, 1}) {
            int cols = vec == 1 ? 8 : 9, samples = 4, rps = 3, rows = samples * rps;
            for (float p : new float[]{0f, 0.5f}) {
                long seed = 1234567;
                Tensor res = rand(samples, rps, cols), y = rand(rows, cols), bias = rand(cols);
                Tensor out = Tensor.zeros(samples, rps, cols), mask = Tensor.zeros(samples);
                org.nvit.engine.fused.FusedLinear.composite(REF).biasResidual(res, y.copy(), bias, p, seed, mask, out);
                String dims = vec + " " + rows + " " + cols + " " + rps + " " + p + " " + seed;
                float[] got = host("bias_residual " + dims, res, y, bias);
                same("bias_residual out " + dims, out, part(got, 0, out.numel()));
                if (p > 0) same("bias_residual mask " + dims, mask, part(got, (int) out.numel(), samples));
            }
        }
    }

    @Test
    void elementwiseScalarAndFloat4() throws Exception {
        for (int[] vn : new int[][]{{0, 13}, {0, 200}, {1, 100}, {1, 4}}) {
            int n = vn[1];
            Tensor a = rand(n), b = rand(n);
            float[] got = host("elementwise " + vn[0] + " " + n, a, b);
            Tensor r = Tensor.zeros(n);
            String w = (vn[0] == 1 ? "float4 " : "scalar ") + n;
            REF.fill(r, 1.5f);            same("fill " + w, r, part(got, 0, n));
            REF.copy(a, r);               same("copy " + w, r, part(got, n, n));
            REF.add(a, b, r);             same("add " + w, r, part(got, 2 * n, n));
            Tensor y = b.copy();
            REF.axpy(0.7f, a, y);         near("axpy " + w, y, got, 3 * n, 1e-7);
            REF.mul(a, b, r);             same("mul " + w, r, part(got, 4 * n, n));
            REF.scale(a, -0.3f, r);       same("scale " + w, r, part(got, 5 * n, n));
            REF.gelu(a, r);               near("gelu " + w, r, got, 6 * n, 1e-6);
            REF.geluBackward(a, b, r);    near("geluBackward " + w, r, got, 7 * n, 1e-6);
        }
    }

    /** A GEMM with k == 0 scales only C's m x n matrices (rows ldc apart, matrices strideC apart); beta 0 clears NaN. */
    @Test
    void scaleMatricesTouchesOnlyTheMatrices() throws Exception {
        int m = 3, n = 5, ldc = 7, batch = 2;
        long stride = 25;
        for (float beta : new float[]{0.5f, 0f}) {
            Tensor c = rand((int) ((batch - 1) * stride + (m - 1) * ldc + n)), ref = c.copy();
            c.setFlat(ldc + 1, Float.NaN);
            ref.setFlat(ldc + 1, Float.NaN);
            for (int p = 0; p < batch; p++)
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        long at = p * stride + (long) i * ldc + j;
                        ref.setFlat(at, beta == 0 ? 0 : beta * (float) ref.getFlat(at));
                    }
            same("scale_matrices beta " + beta, ref, host("scale_matrices " + m + " " + n + " " + ldc + " " + stride
                    + " " + batch + " " + beta, c));
        }
    }

    @Test
    void tokenConcatSelectAndTheirAdjoints() throws Exception {
        for (int[] s : new int[][]{{3, 5, 1, 4, 1}, {2, 130, 2, 3, 0}}) { // broadcast cls; a batched part, d > 128
            int b = s[0], d = s[1], n0 = s[2], n1 = s[3], b0 = s[4] == 1 ? 1 : b, nt = n0 + n1;
            Tensor p0 = rand(b0, n0, d), p1 = rand(b, n1, d), gy = rand(b, nt, d), g0 = rand(b0, n0, d), g1 = rand(b, n1, d);
            var ops = org.nvit.engine.fused.TokenOps.composite(REF);
            Tensor cat = Tensor.zeros(b, nt, d), r0 = g0.copy(), r1 = g1.copy(), cls = Tensor.zeros(b, d), gx = gy.copy();
            ops.concatTokens(new Tensor[]{p0, p1}, cat);
            ops.concatTokensBackward(gy, new int[]{n0, n1}, new Tensor[]{r0, r1});
            ops.selectToken(cat, 0, cls);
            ops.selectTokenBackward(cls, n0, gx);
            float[] got = host("tokens " + b + " " + d + " " + n0 + " " + n1 + " " + s[4], p0, p1, gy, g0, g1);
            int at = 0;
            same("concat_tokens", cat, part(got, at, cat.numel()));
            at += (int) cat.numel();
            near("concat_tokens_backward part 0", r0, got, at, 1e-6); // a broadcast part sums over the batch
            at += (int) r0.numel();
            same("concat_tokens_backward part 1", r1, part(got, at, r1.numel()));
            at += (int) r1.numel();
            same("select_token", cls, part(got, at, cls.numel()));
            at += (int) cls.numel();
            same("select_token_backward", gx, part(got, at, gx.numel()));
        }
    }
}
