package org.nvit.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.nvit.engine.Close.assertClose;
import static org.nvit.engine.Close.assertSame;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;
import org.nvit.engine.ref.ReferenceBackend;

/**
 * Every CPU kernel against the scalar double reference on random F32 inputs, with odd sizes (1, 7, 197, not
 * multiples of the 16-lane vector) and sizes big enough to take the multithreaded path. Bound: 1e-5 * max|ref|.
 */
class CpuVsReferenceTest {
    static final Backend REF = ReferenceBackend.INSTANCE;
    static final Backend CPU = CpuBackend.instance();
    /** Row shapes [.., n]: tails only, one partial vector, 197 tokens, a batch of rows, a parallel-sized job. */
    static final int[][] ROWS = {{1}, {7}, {1, 16}, {3, 197}, {2, 5, 33}, {4, 1000}, {96, 768}};
    /** Flat element counts, the last one split over threads. */
    static final int[] FLAT = {1, 7, 16, 197, 1000, 100_003};

    final Rng rng = new Rng(42);

    Tensor randn(double std, int... shape) { return Tensor.randn(DType.F32, rng, std, shape); }

    Tensor rand(double lo, double hi, int... shape) { return Tensor.rand(DType.F32, rng, lo, hi, shape); }

    static String s(int... shape) { return Shape.str(shape); }

    @Test void elementwise() {
        for (int n : FLAT) {
            Tensor a = randn(2, n), b = randn(3, n), y = randn(1, n);
            Tensor r = Tensor.zeros(n), g = Tensor.zeros(n);
            REF.add(a, b, r); CPU.add(a, b, g); assertClose("add " + n, r, g);
            REF.mul(a, b, r); CPU.mul(a, b, g); assertClose("mul " + n, r, g);
            REF.scale(a, -0.37f, r); CPU.scale(a, -0.37f, g); assertClose("scale " + n, r, g);
            Tensor yr = y.copy(), yg = y.copy();
            REF.axpy(0.3f, a, yr); CPU.axpy(0.3f, a, yg); assertClose("axpy " + n, yr, yg);
            CPU.fill(g, 2.5f); REF.fill(r, 2.5f); assertSame("fill " + n, r, g);
            CPU.copy(b, g); assertSame("copy " + n, b, g);
        }
    }

    @Test void elementwiseOutputMayAliasInput() {
        Tensor a = randn(1, 1001), b = randn(1, 1001);
        Tensor r = Tensor.zeros(1001), g = a.copy();
        REF.add(a, b, r); CPU.add(g, b, g); assertClose("add in place", r, g);
        g = a.copy(); REF.mul(a, b, r); CPU.mul(g, b, g); assertClose("mul in place", r, g);
        g = a.copy(); REF.scale(a, 3f, r); CPU.scale(g, 3f, g); assertClose("scale in place", r, g);
        g = a.copy(); REF.gelu(a, r); CPU.gelu(g, g); assertClose("gelu in place", r, g);
    }

    @Test void copyBetweenOverlappingViews() {
        Tensor t = Tensor.of(new float[]{0, 1, 2, 3, 4, 5, 6, 7}, 8);
        CPU.copy(t.slice(0, 6), t.slice(2, 8)); // shift right by two, like memmove
        assertSame("overlapping copy", Tensor.of(new float[]{0, 1, 0, 1, 2, 3, 4, 5}, 8), t);
    }

    @Test void addBiasAndSumRows() {
        for (int[] shape : ROWS) {
            int n = shape[shape.length - 1];
            Tensor x = randn(1, shape), bias = randn(1, n), xr = x.copy(), xg = x.copy();
            REF.addBias(xr, bias); CPU.addBias(xg, bias); assertClose("addBias " + s(shape), xr, xg);
            Tensor or = randn(1, n), og = or.copy();
            REF.sumRows(x, or, true); CPU.sumRows(x, og, true); assertClose("sumRows acc " + s(shape), or, og);
            REF.sumRows(x, or, false); CPU.sumRows(x, og, false); assertClose("sumRows " + s(shape), or, og);
        }
        // many rows with an offset mean: the case where plain float accumulation drifts
        Tensor x = rand(0.5, 1.5, 30_000, 7), or = Tensor.zeros(7), og = Tensor.zeros(7);
        REF.sumRows(x, or, false); CPU.sumRows(x, og, false); assertClose("sumRows 30000 rows", or, og, 1e-6);
        // one column: the full sum (F.mean), with a tail that is not a whole vector block, plain and accumulating
        Tensor flat = rand(0.5, 1.5, 100_003, 1), fr = Tensor.zeros(1), fg = Tensor.zeros(1);
        REF.sumRows(flat, fr, false); CPU.sumRows(flat, fg, false); assertClose("sumRows full sum", fr, fg, 1e-6);
        REF.sumRows(flat, fr, true); CPU.sumRows(flat, fg, true); assertClose("sumRows full sum acc", fr, fg, 1e-6);
    }

    @Test void gelu() {
        for (int n : FLAT) {
            Tensor x = randn(3, n), gy = randn(1, n), r = Tensor.zeros(n), g = Tensor.zeros(n);
            REF.gelu(x, r); CPU.gelu(x, g); assertClose("gelu " + n, r, g);
            REF.geluBackward(x, gy, r); CPU.geluBackward(x, gy, g); assertClose("geluBackward " + n, r, g);
        }
        // the tails and the switch between the two erf fits (|x| = 0.9 * sqrt 2), and huge values
        float[] pts = {-40, -12, -8.5f, -5, -1.2727922f, -1.27f, -1e-3f, 0, 1e-3f, 1.27f, 1.2727922f, 5, 8.5f, 12, 40};
        Tensor x = Tensor.of(pts, pts.length), r = Tensor.zeros(pts.length), g = Tensor.zeros(pts.length);
        REF.gelu(x, r); CPU.gelu(x, g); assertClose("gelu special points", r, g);
        Tensor ones = Tensor.zeros(pts.length); CPU.fill(ones, 1);
        REF.geluBackward(x, ones, r); CPU.geluBackward(x, ones, g); assertClose("gelu' special points", r, g);
    }

    @Test void softmax() {
        for (int[] shape : ROWS) {
            Tensor x = randn(4, shape), gy = randn(1, shape), r = Tensor.zeros(shape), g = Tensor.zeros(shape);
            for (float scale : new float[]{1f, 0.125f, -2f}) {
                REF.softmax(x, scale, r); CPU.softmax(x, scale, g); assertClose("softmax " + scale + " " + s(shape), r, g);
                Tensor y = r.copy(), gr = Tensor.zeros(shape), gg = gy.copy();
                REF.softmaxBackward(y, gy, scale, gr); CPU.softmaxBackward(y, gg, scale, gg); // gx aliases gy
                assertClose("softmaxBackward " + scale + " " + s(shape), gr, gg);
            }
            Tensor inPlace = x.copy();
            REF.softmax(x, 1f, r); CPU.softmax(inPlace, 1f, inPlace); assertClose("softmax in place " + s(shape), r, inPlace);
        }
    }

    @Test void layerNorm() {
        int[][] shapes = java.util.Arrays.copyOf(ROWS, ROWS.length + 1);
        shapes[ROWS.length] = new int[]{20_000, 7}; // many rows: gamma/beta gradients must not drift
        for (int[] shape : shapes) {
            int n = shape[shape.length - 1], rows = (int) (Shape.numel(shape) / n);
            Tensor x = rand(-2, 6, shape), gamma = randn(1, n), beta = randn(1, n), gy = randn(1, shape);
            Tensor yr = Tensor.zeros(shape), yg = Tensor.zeros(shape);
            Tensor mr = Tensor.zeros(rows), mg = Tensor.zeros(rows), sr = Tensor.zeros(rows), sg = Tensor.zeros(rows);
            REF.layerNorm(x, gamma, beta, 1e-6f, yr, mr, sr);
            CPU.layerNorm(x, gamma, beta, 1e-6f, yg, mg, sg);
            assertClose("layerNorm y " + s(shape), yr, yg);
            assertClose("layerNorm mean " + s(shape), mr, mg);
            assertClose("layerNorm rstd " + s(shape), sr, sg);
            Tensor gxr = Tensor.zeros(shape), gxg = gy.copy();
            Tensor ggr = randn(1, n), gbr = randn(1, n), ggg = ggr.copy(), gbg = gbr.copy();
            REF.layerNormBackward(x, gy, gamma, mr, sr, gxr, ggr, gbr);
            CPU.layerNormBackward(x, gxg, gamma, mr, sr, gxg, ggg, gbg); // gx aliases gy
            assertClose("layerNorm gx " + s(shape), gxr, gxg);
            assertClose("layerNorm gGamma (accumulated) " + s(shape), ggr, ggg);
            assertClose("layerNorm gBeta (accumulated) " + s(shape), gbr, gbg);
            Tensor gx2 = Tensor.zeros(shape);
            CPU.layerNormBackward(x, gy, gamma, mr, sr, gx2, null, null);
            assertClose("layerNorm gx without param grads " + s(shape), gxr, gx2);
        }
    }

    /** A 0/1 mask [n] keeping about two thirds of the channels (at least one). */
    Tensor keepMask(int n) {
        Tensor m = Tensor.zeros(n);
        for (int j = 0; j < n; j++) m.setFlat(j, rng.nextDouble() < 0.67 || j == n / 2 ? 1 : 0);
        return m;
    }

    @Test void maskedLayerNorm() {
        for (int[] shape : ROWS) {
            int n = shape[shape.length - 1], rows = (int) (Shape.numel(shape) / n);
            Tensor x = rand(-2, 6, shape), gamma = randn(1, n), beta = randn(1, n), gy = randn(1, shape), mask = keepMask(n);
            for (int j = 0; j < n; j++) if (mask.getFlat(j) == 0) for (int r = 0; r < rows; r++) x.setFlat((long) r * n + j, Double.NaN);
            Tensor yr = Tensor.zeros(shape), yg = Tensor.zeros(shape);
            Tensor mr = Tensor.zeros(rows), mg = Tensor.zeros(rows), sr = Tensor.zeros(rows), sg = Tensor.zeros(rows);
            REF.maskedLayerNorm(x, gamma, beta, mask, 1e-6f, yr, mr, sr);
            CPU.maskedLayerNorm(x, gamma, beta, mask, 1e-6f, yg, mg, sg);
            assertClose("maskedLayerNorm y " + s(shape), yr, yg);
            assertClose("maskedLayerNorm mean " + s(shape), mr, mg);
            assertClose("maskedLayerNorm rstd " + s(shape), sr, sg);
            Tensor gxr = Tensor.zeros(shape), gxg = gy.copy();
            Tensor ggr = randn(1, n), gbr = randn(1, n), ggg = ggr.copy(), gbg = gbr.copy();
            REF.maskedLayerNormBackward(x, gy, gamma, mask, mr, sr, gxr, ggr, gbr);
            CPU.maskedLayerNormBackward(x, gxg, gamma, mask, mr, sr, gxg, ggg, gbg); // gx aliases gy
            assertClose("maskedLayerNorm gx " + s(shape), gxr, gxg);
            assertClose("maskedLayerNorm gGamma " + s(shape), ggr, ggg);
            assertClose("maskedLayerNorm gBeta " + s(shape), gbr, gbg);
            for (int j = 0; j < n; j++)
                if (mask.getFlat(j) == 0) assertEquals(0.0, yg.getFlat(j) + gxg.getFlat(j), "masked-off channel " + j + " of " + s(shape));
        }
        // an all-ones mask is the plain LayerNorm
        Tensor x = randn(1, 5, 33), g = randn(1, 33), b = randn(1, 33), ones = Tensor.zeros(33);
        CPU.fill(ones, 1f);
        Tensor y1 = Tensor.zeros(5, 33), y2 = Tensor.zeros(5, 33), m = Tensor.zeros(5), r = Tensor.zeros(5);
        CPU.layerNorm(x, g, b, 1e-6f, y1, m, r);
        CPU.maskedLayerNorm(x, g, b, ones, 1e-6f, y2, m, r);
        assertClose("all-kept mask", y1, y2);
    }

    @Test void perUnitOps() {
        // rows (inner >= a vector), columns (inner 1), short inner widths; the split over threads at the end
        int[][] views = {{1, 7, 33}, {3, 4, 16}, {2, 5, 1}, {96, 130, 1}, {4, 6, 3}, {1, 1, 1}, {12, 64, 768}, {768, 300, 1}};
        for (int[] v : views) {
            int outer = v[0], units = v[1], inner = v[2], n = outer * units * inner;
            Tensor a = randn(1, n), b = randn(1, n), outR = randn(1, units), outG = outR.copy();
            REF.dotAlong(a, b, outer, inner, 0.5f, outR);
            CPU.dotAlong(a, b, outer, inner, 0.5f, outG);
            assertClose("dotAlong " + s(v), outR, outG, 1e-4);
            Tensor f = keepMask(units), xr = a.copy(), xg = a.copy();
            REF.scaleAlong(xr, outer, inner, f);
            CPU.scaleAlong(xg, outer, inner, f);
            assertSame("scaleAlong " + s(v), xr, xg);
        }
        for (Backend.Score f : Backend.Score.values()) {
            Tensor c = randn(3, 37), sr = randn(1, 37);
            c.setFlat(3, Double.POSITIVE_INFINITY);
            c.setFlat(5, Double.NaN);
            Tensor cg = c.copy(), sg = sr.copy();
            REF.accumulateScore(c, f, sr);
            CPU.accumulateScore(cg, f, sg);
            assertClose("accumulateScore " + f, sr, sg);
            assertClose("accumulateScore clears c " + f, Tensor.zeros(37), cg);
            assertEquals(false, Double.isNaN(sg.getFlat(5)) || Double.isInfinite(sg.getFlat(3)), "non-finite scores are dropped");
        }
    }

    @Test void crossEntropySoft() {
        for (int[] shape : ROWS) {
            Tensor logits = randn(3, shape), t = rand(0, 1, shape);
            Tensor gr = Tensor.zeros(shape), gg = Tensor.zeros(shape);
            double lr = REF.crossEntropySoft(logits, t, gr, 0.5f), lg = CPU.crossEntropySoft(logits, t, gg, 0.5f);
            assertClose("crossEntropySoft loss " + s(shape), lr, lg, 1e-5);
            assertClose("crossEntropySoft grad " + s(shape), gr, gg);
            assertClose("crossEntropySoft loss without grad " + s(shape), lr, CPU.crossEntropySoft(logits, t, null, 1f), 1e-5);
            Tensor inPlace = logits.copy(); // grad may alias logits
            assertClose("crossEntropySoft loss in place " + s(shape), lr, CPU.crossEntropySoft(inPlace, t, inPlace, 0.5f), 1e-5);
            assertClose("crossEntropySoft grad in place " + s(shape), gr, inPlace);
        }
    }

    @Test void layout() {
        int[][] imgs = {{1, 1, 4, 4, 2}, {2, 3, 28, 28, 4}, {3, 3, 32, 32, 16}, {1, 2, 7, 9, 3}}; // [B, C, H, W, p]
        for (int[] d : imgs) {
            int p = d[4], gh = d[2] / p, gw = d[3] / p;
            Tensor img = randn(1, d[0], d[1], d[2], d[3]);
            Tensor pr = Tensor.zeros(d[0], gh * gw, d[1] * p * p), pg = randn(1, d[0], gh * gw, d[1] * p * p);
            REF.patchify(img, p, pr); CPU.patchify(img, p, pg); assertSame("patchify " + s(d), pr, pg);
            Tensor ir = Tensor.zeros(d[0], d[1], d[2], d[3]), ig = randn(1, d[0], d[1], d[2], d[3]);
            REF.unpatchify(pr, p, ir); CPU.unpatchify(pr, p, ig); assertSame("unpatchify " + s(d), ir, ig);
        }
        for (int[] d : new int[][]{{1, 1, 1, 7}, {2, 197, 3, 64}, {8, 50, 3, 5}}) { // [B, N, H, d]
            Tensor x = randn(1, d[0], d[1], d[2] * d[3]);
            Tensor sr = Tensor.zeros(d[0], d[2], d[1], d[3]), sg = Tensor.zeros(d[0], d[2], d[1], d[3]);
            REF.splitHeads(x, d[2], sr); CPU.splitHeads(x, d[2], sg); assertSame("splitHeads " + s(d), sr, sg);
            Tensor mr = Tensor.zeros(x.shape()), mg = Tensor.zeros(x.shape());
            REF.mergeHeads(sr, mr); CPU.mergeHeads(sr, mg); assertSame("mergeHeads " + s(d), mr, mg);
            assertSame("mergeHeads inverts splitHeads " + s(d), x, mg);
        }
        for (int rows : new int[]{1, 7, 3000}) {
            Tensor a = randn(1, rows, 1), b = randn(1, rows, 17), c = randn(1, rows, 64);
            Tensor or = Tensor.zeros(rows, 82), og = Tensor.zeros(rows, 82);
            REF.concatLast(new Tensor[]{a, b, c}, or); CPU.concatLast(new Tensor[]{a, b, c}, og); assertSame("concatLast " + rows, or, og);
            Tensor a2 = Tensor.zeros(rows, 1), b2 = Tensor.zeros(rows, 17), c2 = Tensor.zeros(rows, 64);
            CPU.splitLast(og, new Tensor[]{a2, b2, c2});
            assertSame("splitLast a " + rows, a, a2); assertSame("splitLast b " + rows, b, b2); assertSame("splitLast c " + rows, c, c2);
        }
    }

    @Test void dropoutMaskIsBitIdentical() {
        for (int n : FLAT) {
            for (float p : new float[]{0f, 0.1f, 0.5f, 0.999f, 1f}) {
                Tensor r = Tensor.zeros(n), g = Tensor.zeros(n);
                REF.dropoutMask(p, 12345L + n, r); CPU.dropoutMask(p, 12345L + n, g);
                assertSame("dropoutMask p=" + p + " n=" + n, r, g);
            }
        }
        // the kept fraction is right (the mask is not trivially all-ones or all-zeros)
        Tensor m = Tensor.zeros(100_003);
        CPU.dropoutMask(0.25f, 7, m);
        int kept = 0;
        for (float v : m.toFloatArray()) if (v != 0) { kept++; assertEquals(1 / 0.75f, v, 1e-6f); }
        assertEquals(0.75, kept / 100_003.0, 0.01);
    }

    @Test void scaleSamples() {
        for (int[] shape : new int[][]{{1, 1}, {3, 7}, {5, 197, 3}, {128, 50, 16}}) {
            Tensor x = randn(1, shape), sc = rand(0, 2, shape[0]), r = Tensor.zeros(shape), g = Tensor.zeros(shape);
            REF.scaleSamples(x, sc, r); CPU.scaleSamples(x, sc, g); assertClose("scaleSamples " + s(shape), r, g);
            CPU.scaleSamples(x, sc, x); assertClose("scaleSamples in place " + s(shape), r, x);
        }
    }

    @Test void adamw() {
        for (int n : FLAT) {
            Tensor p = randn(1, n), m = randn(0.01, n), v = rand(0, 1e-3, n);
            Tensor pr = p.copy(), mr = m.copy(), vr = v.copy();
            for (int step = 1; step <= 3; step++) {
                Tensor grad = randn(0.1, n);
                REF.adamw(pr, grad, mr, vr, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, step);
                CPU.adamw(p, grad, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, step);
            }
            assertClose("adamw param " + n, pr, p);
            assertClose("adamw m " + n, mr, m);
            assertClose("adamw v " + n, vr, v);
        }
    }

    @Test void viewsAtAnOffsetUseTheirOwnElements() {
        // kernels index the backing array from off(): run on row slices of a bigger tensor
        Tensor big = randn(1, 10, 197), x = big.slice(3, 6), r = Tensor.zeros(3, 197), g = Tensor.zeros(3, 197);
        REF.softmax(x, 1f, r); CPU.softmax(x, 1f, g); assertClose("softmax on a slice", r, g);
        REF.gelu(x, r); CPU.gelu(x, g); assertClose("gelu on a slice", r, g);
        Tensor out = Tensor.zeros(10, 197), before = out.copy();
        CPU.gelu(x, out.slice(4, 7));
        assertSame("gelu into a slice leaves other rows", before.slice(0, 4), out.slice(0, 4));
        assertClose("gelu into a slice", r, out.slice(4, 7));
    }

    @Test void f64TensorsTakeTheReferencePath() {
        Tensor x = Tensor.randn(DType.F64, rng, 1, 3, 197), r = Tensor.zeros(DType.F64, 3, 197), g = Tensor.zeros(DType.F64, 3, 197);
        REF.gelu(x, r); CPU.gelu(x, g); assertSame("gelu f64", r, g);
        REF.softmax(x, 0.5f, r); CPU.softmax(x, 0.5f, g); assertSame("softmax f64", r, g);
    }
}
