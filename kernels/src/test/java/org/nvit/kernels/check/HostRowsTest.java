package org.nvit.kernels.check;

import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.ref.ReferenceBackend;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Without a GPU: the reduction kernels (softmax warp/block paths, LayerNorm forward/fused/backward with the two-stage
 * parameter reduction, plain and channel-masked, column sums, cross-entropy) and the multi-tensor AdamW, run on the
 * host with one OS thread per CUDA thread (threadshim: real barriers and warp exchanges), with RowOps' launch
 * geometry, against the reference backend (float32 bound 1e-5 of max|ref|). Host libm stands in for CUDA's expf/erff. Skipped without g++.
 */
class HostRowsTest {
    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;
    private static final double F32 = 1e-5;
    private static Path exe;
    private final Rng rng = new Rng(5);

    private static synchronized Path build() throws Exception {
        if (exe == null)
            exe = HostBuild.gxx("host_rows",
                    java.util.List.of("-std=c++20", "-O1", "-pthread", "-Isrc/test/cuda/threadshim"),
                    "src/test/cuda/host_rows.cpp");
        return exe;
    }

    private static float[] host(String header, Tensor... inputs) throws Exception {
        return HostBuild.run(build(), header, 60, inputs);
    }

    /** Checks consecutive slices of the host output against the references, each to bound * scale. */
    private static void check(String what, float[] got, Tensor... refs) {
        long total = 0;
        for (Tensor r : refs) total += r.numel();
        assertEquals(total, got.length, what + ": output count");
        int at = 0;
        for (int k = 0; k < refs.length; k++) {
            Tensor r = refs[k];
            Tensor g = Tensor.zeros((int) r.numel());
            for (int i = 0; i < r.numel(); i++) g.setFlat(i, got[at + i]);
            at += (int) r.numel();
            double err = Compare.relError(g, r.reshape(-1));
            assertTrue(err <= F32, what + " output " + k + ": error " + err);
        }
    }

    private Tensor rand(int... shape) { return Tensor.rand(DType.F32, rng, -2, 2, shape); }

    @Test
    void softmaxWarpAndBlockPaths() throws Exception {
        for (int[] s : new int[][]{{1, 1}, {11, 7}, {9, 197}, {2, 1100}}) {
            String h = s[0] + " " + s[1];
            Tensor x = rand(s), y = Tensor.zeros(s), gy = rand(s), gx = Tensor.zeros(s);
            REF.softmax(x, 0.5f, y);
            check("softmax " + h, host("softmax " + h, x), y);
            REF.softmaxBackward(y, gy, 0.5f, gx);
            check("softmax_backward " + h, host("softmax_backward " + h, y, gy), gx);
        }
    }

    /** Every warp-row kernel (4..32 values per lane, scalar and float4), several backward blocks, the block path. */
    static final int[][] LN_SHAPES = {{1, 7}, {5, 96}, {3, 200}, {2, 201}, {4, 384}, {3, 385}, {2, 768}, {2, 769},
            {70, 33}, {2, 1100}};

    @Test
    void layerNormForwardFusedAndBackward() throws Exception {
        for (int[] s : LN_SHAPES) {
            int rows = s[0], n = s[1];
            String h = rows + " " + n;
            Tensor x = rand(s), res = rand(s), gamma = rand(n), beta = rand(n);
            Tensor y = Tensor.zeros(s), mean = Tensor.zeros(rows), rstd = Tensor.zeros(rows);
            REF.layerNorm(x, gamma, beta, 1e-6f, y, mean, rstd);
            float[] got = host("layernorm " + h, x, gamma, beta);
            // the mean cancels: compare it against the inputs' scale instead of its own
            for (int r = 0; r < rows; r++)
                assertEquals(mean.getFlat(r), got[(int) y.numel() + r], 2 * F32, "mean of row " + r);
            float[] yAndRstd = new float[(int) y.numel() + rows];
            System.arraycopy(got, 0, yAndRstd, 0, (int) y.numel());
            System.arraycopy(got, (int) y.numel() + rows, yAndRstd, (int) y.numel(), rows);
            check("layernorm " + h, yAndRstd, y, rstd);

            Tensor sum = Tensor.zeros(s);
            REF.add(x, res, sum);
            REF.layerNorm(sum, gamma, beta, 1e-6f, y, mean, rstd);
            float[] fused = host("add_layernorm " + h, x, res, gamma, beta);
            float[] sumAndY = java.util.Arrays.copyOf(fused, 2 * (int) y.numel());
            check("add_layernorm " + h, sumAndY, sum, y);

            Tensor gy = rand(s), gx = Tensor.zeros(s), gG = rand(n), gB = rand(n);
            Tensor gG0 = gG.copy(), gB0 = gB.copy();
            REF.layerNormBackward(sum, gy, gamma, mean, rstd, gx, gG, gB);
            check("layernorm_backward " + h, host("layernorm_backward " + h, sum, gy, gamma, mean, rstd, gG0, gB0),
                    gx, gG, gB);
            Tensor gx0 = rand(s), added = gx0.copy(); // the accumulating form: gx0 + the input gradient
            REF.axpy(1f, gx, added);
            float[] got2 = host("layernorm_backward_add " + h, sum, gy, gamma, mean, rstd, gG0, gB0, gx0);
            check("layernorm_backward_add " + h, java.util.Arrays.copyOf(got2, (int) gx.numel()), added);
        }
    }

    /**
     * Channel-masked LayerNorm: the masked-off channels of x and gy hold NaN and must read as 0 (y and gx are 0 there,
     * gGamma/gBeta unchanged there); odd widths, one kept channel, every channel kept, the block path; the backward
     * writes gx over gy.
     */
    @Test
    void maskedLayerNormIgnoresMaskedOffChannels() throws Exception {
        for (int[] s : new int[][]{{1, 7}, {5, 96}, {2, 700}, {70, 33}, {3, 9}, {4, 40}, {2, 1100}}) {
            int rows = s[0], n = s[1];
            String h = rows + " " + n;
            Tensor mask = Tensor.zeros(n);
            for (int j = 0; j < n; j++) { // n = 9: one channel kept; n = 40: all kept; else two in three
                boolean kept = n == 9 ? j == 3 : n == 40 || j % 3 != 1;
                mask.setFlat(j, kept ? 1 : 0);
            }
            Tensor x = rand(s), gy = rand(s), gamma = rand(n), beta = rand(n);
            for (int i = 0; i < x.numel(); i++)
                if (mask.getFlat(i % n) == 0) { x.setFlat(i, Float.NaN); gy.setFlat(i, Float.NaN); }
            Tensor y = Tensor.zeros(s), mean = Tensor.zeros(rows), rstd = Tensor.zeros(rows);
            REF.maskedLayerNorm(x, gamma, beta, mask, 1e-6f, y, mean, rstd);
            float[] got = host("masked_layernorm " + h, x, gamma, beta, mask);
            int ny = (int) y.numel();
            for (int r = 0; r < rows; r++)
                assertEquals(mean.getFlat(r), got[ny + r], 2 * F32, "mean of row " + r + " (" + h + ")");
            float[] yAndRstd = new float[ny + rows];
            System.arraycopy(got, 0, yAndRstd, 0, ny);
            System.arraycopy(got, ny + rows, yAndRstd, ny, rows);
            check("masked_layernorm " + h, yAndRstd, y, rstd);
            for (int i = 0; i < ny; i++)
                if (mask.getFlat(i % n) == 0) assertEquals(0f, got[i], "y on a masked-off channel (" + h + ")");

            Tensor gx = Tensor.zeros(s), gG = rand(n), gB = rand(n), gG0 = gG.copy(), gB0 = gB.copy();
            REF.maskedLayerNormBackward(x, gy, gamma, mask, mean, rstd, gx, gG, gB);
            float[] back = host("masked_layernorm_backward " + h, x, gy, gamma, mask, mean, rstd, gG0, gB0);
            check("masked_layernorm_backward " + h, back, gx, gG, gB);
            for (int j = 0; j < n; j++)
                if (mask.getFlat(j) == 0) {
                    assertEquals((float) gG0.getFlat(j), back[ny + j], "gGamma on masked-off channel " + j);
                    assertEquals((float) gB0.getFlat(j), back[ny + n + j], "gBeta on masked-off channel " + j);
                }
        }
    }

    @Test
    void columnSumsLossAndAdamW() throws Exception {
        for (int[] s : new int[][]{{1, 1}, {100, 40}, {300, 3}, {2500, 5}}) { // 2500 rows: the full 64 chunks
            String h = s[0] + " " + s[1];
            Tensor x = rand(s), out = rand(s[1]), out0 = out.copy();
            REF.sumRows(x, out, true);
            check("sum_rows " + h, host("sum_rows " + h, x, out0), out);
        }
        for (int[] s : new int[][]{{3, 10}, {2, 700}, {37, 12}}) {
            String h = s[0] + " " + s[1];
            Tensor logits = rand(s), t = Tensor.rand(DType.F32, rng, 0, 1, s), grad = Tensor.zeros(s);
            double loss = REF.crossEntropySoft(logits, t, grad, 2f);
            float[] got = host("cross_entropy " + h, logits, t);
            double mean = 0;
            for (int r = 0; r < s[0]; r++) mean += got[r];
            mean /= s[0];
            assertEquals(loss, mean, F32 * Math.abs(loss), "loss " + h);
            check("cross_entropy grad " + h, java.util.Arrays.copyOfRange(got, s[0], got.length - 1), grad);
            assertEquals(loss, got[got.length - 1], F32 * Math.abs(loss), "the device-side mean " + h);
        }
        int tensors = 3, n = 8; // chunks of 3 elements: ragged last chunk per tensor
        Tensor[] in = new Tensor[4 * tensors], refs = new Tensor[3 * tensors];
        for (int i = 0; i < tensors; i++) {
            Tensor p = rand(n), g = rand(n), m = rand(n), v = Tensor.rand(DType.F32, rng, 0, 1, n);
            in[4 * i] = p.copy(); in[4 * i + 1] = g; in[4 * i + 2] = m.copy(); in[4 * i + 3] = v.copy();
            REF.adamw(p, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, i % 2 == 0 ? 0.05f : 0f, 3); // host_rows' decays
            refs[3 * i] = p; refs[3 * i + 1] = m; refs[3 * i + 2] = v;
        }
        check("adamw multi", host("adamw " + tensors + " " + n, in), refs);
    }

    /** The EMA's axpby, the global norm (single launch), the clip factor and the scaling by it, over ragged tensors. */
    @Test
    void multiTensorClipAndEma() throws Exception {
        for (double spread : new double[]{0.1, 2}) { // under and over the host's max norm of 2
            int tensors = 4, n = 6;
            Tensor[] in = new Tensor[2 * tensors], ys = new Tensor[tensors], xs = new Tensor[tensors];
            double sq = 0;
            for (int i = 0; i < tensors; i++) {
                Tensor x = Tensor.rand(DType.F32, rng, -spread, spread, n + i), y = rand(n + i);
                in[2 * i] = x; in[2 * i + 1] = y.copy();
                REF.scale(y, 0.9f, y);
                REF.axpy(0.1f, x, y);
                ys[i] = y;
                xs[i] = x.copy();
                for (int j = 0; j < x.numel(); j++) sq += x.getFlat(j) * x.getFlat(j);
            }
            double norm = Math.sqrt(sq), factor = norm > 2 ? 2 / (norm + 1e-6) : 1;
            for (Tensor x : xs) REF.scale(x, (float) factor, x);
            Tensor scalars = Tensor.of(new float[]{(float) sq, (float) norm, (float) factor}, 3);
            Tensor[] refs = new Tensor[2 * tensors + 1];
            System.arraycopy(ys, 0, refs, 0, tensors);
            refs[tensors] = scalars;
            System.arraycopy(xs, 0, refs, tensors + 1, tensors);
            check("multi spread " + spread, host("multi " + tensors + " " + n, in), refs);
        }
    }

    @Test
    void biasGeluBackwardWithItsBiasGradient() throws Exception {
        for (int[] s : new int[][]{{1, 1}, {50, 37}, {9, 200}}) {
            String h = s[0] + " " + s[1];
            Tensor pre = rand(s), gy = rand(s), gb = rand(s[1]), gb0 = gb.copy(), gx = Tensor.zeros(s);
            REF.geluBackward(pre, gy, gx);
            REF.sumRows(gx, gb, true);
            check("bias_gelu_backward " + h, host("bias_gelu_backward " + h, pre, gy, gb0), gx, gb);
        }
    }
}
