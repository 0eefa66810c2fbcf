package org.nvit.kernels.check;

import org.nvit.engine.Backend.Score;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/** The per-unit ops of structured pruning: dotAlong (rows and columns shapes), scaleAlong, accumulateScore. */
final class UnitChecks {
    private UnitChecks() {}

    private static final double F32 = 1e-5;

    /**
     * {outer, units, inner} of DeiT-Small-sized views: fc1 neuron rows, qkv head rows (one unit split in slices), proj
     * head columns, a single long unit, odd rows; then columns (inner 1): fc2 neuron columns, embedding channels over
     * 3072 tokens, odd widths.
     */
    private static final int[][] DOT_SHAPES = {{1, 1536, 384}, {1, 6, 24576}, {384, 6, 64}, {1, 1, 100_003},
            {3, 7, 97}, {5, 3, 2}, {384, 1536, 1}, {3072, 384, 1}, {197 * 4, 1025, 1}, {1, 7, 1}};

    static void run(GpuChecks.Ctx c) {
        dotAlong(c);
        scaleAlong(c);
        accumulateScore(c);
    }

    private static void dotAlong(GpuChecks.Ctx c) {
        for (int[] s : DOT_SHAPES) {
            int outer = s[0], units = s[1], inner = s[2];
            String w = outer + "x" + units + "x" + inner;
            Tensor a = c.rand(outer, units, inner), b = c.rand(outer, units, inner), out = c.rand(units);
            Tensor ga = c.up(a), gb = c.up(b), gout = c.up(out), again = c.up(out);
            c.cpu.dotAlong(a, b, outer, inner, 0.5f, out); // accumulates into random values
            c.gpu.dotAlong(ga, gb, outer, inner, 0.5f, gout);
            c.close("dotAlong " + w, gout, out, F32);
            c.gpu.dotAlong(ga, gb, outer, inner, 0.5f, again); // no atomics: a second run rounds identically
            c.exact("dotAlong repeats bit-exact " + w, again, c.down(gout));
            Tensor sq = c.cpu.zeros(DType.F32, units), gsq = c.up(sq);
            c.cpu.dotAlong(a, a, outer, inner, -1f, sq);
            c.gpu.dotAlong(ga, ga, outer, inner, -1f, gsq); // a and b the same tensor: minus the squared norms
            c.close("dotAlong a=b " + w, gsq, sq, F32);
        }
    }

    private static void scaleAlong(GpuChecks.Ctx c) {
        for (int[] s : new int[][]{{1, 1536, 384}, {384, 6, 64}, {3, 7, 97}, {384, 1536, 1}, {197, 1025, 1},
                {5, 1, 3}, {1, 1, 100_003}}) {
            int outer = s[0], units = s[1], inner = s[2];
            String w = outer + "x" + units + "x" + inner;
            Tensor x = c.rand(outer, units, inner), f = c.rand(units);
            for (int u = 0; u < units; u++) if (u % 3 == 0) f.setFlat(u, u % 2 == 0 ? 1 : 0); // kept / pruned
            x.setFlat(0, Float.NaN);
            x.setFlat(x.numel() - 1, Float.POSITIVE_INFINITY);
            Tensor gx = c.up(x);
            c.cpu.scaleAlong(x, outer, inner, f);
            c.gpu.scaleAlong(gx, outer, inner, c.up(f));
            c.exactOrNaN("scaleAlong bit-exact " + w, gx, x); // one float multiply, as on the CPU
        }
    }

    private static void accumulateScore(GpuChecks.Ctx c) {
        int n = 100_003;
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e19f, 0f, -0f};
        for (Score f : Score.values()) {
            Tensor cv = c.rand(n), sum = c.rand(n);
            for (int i = 0; i < special.length; i++) cv.setFlat(1 + 997L * i, special[i]); // 3e19: its square overflows
            Tensor gc = c.up(cv), gsum = c.up(sum);
            c.cpu.accumulateScore(cv, f, sum);
            c.gpu.accumulateScore(gc, f, gsum);
            c.close("accumulateScore " + f + " sum", gsum, sum, F32);
            c.exact("accumulateScore " + f + " clears c", gc, cv);
        }
    }
}
