package org.nvit.kernels.check;

import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/**
 * Row kernels: softmax (warp and block paths), LayerNorm (plain, residual-fused, channel-masked, backward), column
 * sums, loss.
 */
final class RowChecks {
    private RowChecks() {}

    private static final double F32 = 1e-5;
    /** rows x cols: tiny, odd, attention (N = 197), the warp/block boundary, long rows (block path). */
    private static final int[][] SHAPES = {{1, 1}, {3, 7}, {6 * 197, 197}, {9, 1024}, {5, 1025}, {4, 3001}};

    static void softmax(GpuChecks.Ctx c) {
        for (int[] s : SHAPES) {
            String w = s[0] + "x" + s[1];
            Tensor x = c.rand(s), ref = c.cpu.zeros(DType.F32, s), y = c.poisoned(s);
            c.cpu.softmax(x, 0.125f, ref);
            c.gpu.softmax(c.up(x), 0.125f, y);
            c.close("softmax " + w, y, ref, F32);
            Tensor gyc = c.rand(s), gref = c.cpu.zeros(DType.F32, s);
            c.cpu.softmaxBackward(ref, gyc, 0.125f, gref);
            Tensor gy = c.up(gyc);
            c.gpu.softmaxBackward(y, gy, 0.125f, gy); // gx aliases gy
            c.close("softmaxBackward " + w, gy, gref, F32);
        }
    }

    static void layerNorm(GpuChecks.Ctx c) {
        for (int[] s : new int[][]{{1, 7}, {197, 384}, {3, 1500}, {40, 33}}) {
            int rows = s[0], n = s[1];
            String w = rows + "x" + n;
            Tensor x = c.rand(s), gamma = c.rand(n), beta = c.rand(n);
            Tensor y = c.cpu.zeros(DType.F32, s), mean = c.cpu.zeros(DType.F32, rows), rstd = c.cpu.zeros(DType.F32, rows);
            c.cpu.layerNorm(x, gamma, beta, 1e-6f, y, mean, rstd);
            Tensor gx = c.up(x), gg = c.up(gamma), gb = c.up(beta);
            Tensor gy = c.poisoned(s), gm = c.poisoned(rows), gr = c.poisoned(rows);
            c.gpu.layerNorm(gx, gg, gb, 1e-6f, gy, gm, gr);
            c.close("layerNorm y " + w, gy, y, F32);
            c.closeTo("layerNorm mean (vs max|x|) " + w, gm, mean, 2, F32); // x in [-2, 2)
            c.close("layerNorm rstd " + w, gr, rstd, F32);

            Tensor res = c.rand(s), sum = c.cpu.zeros(DType.F32, s);
            c.cpu.add(x, res, sum);
            c.cpu.layerNorm(sum, gamma, beta, 1e-6f, y, mean, rstd);
            Tensor gsum = c.poisoned(s), gy2 = c.poisoned(s);
            c.gpu.addLayerNorm(gx, c.up(res), gsum, gg, gb, 1e-6f, gy2, gm, gr);
            c.close("addLayerNorm sum " + w, gsum, sum, F32);
            c.close("addLayerNorm y " + w, gy2, y, F32);

            Tensor dy = c.rand(s), dx = c.cpu.zeros(DType.F32, s);
            Tensor dGamma = c.rand(n), dBeta = c.rand(n); // accumulated into
            Tensor gdGamma = c.up(dGamma), gdBeta = c.up(dBeta);
            c.cpu.layerNormBackward(sum, dy, gamma, mean, rstd, dx, dGamma, dBeta);
            Tensor gdx = c.poisoned(s);
            c.gpu.layerNormBackward(gsum, c.up(dy), gg, gm, gr, gdx, gdGamma, gdBeta);
            c.close("layerNormBackward gx " + w, gdx, dx, F32);
            c.close("layerNormBackward gGamma " + w, gdGamma, dGamma, F32);
            c.close("layerNormBackward gBeta " + w, gdBeta, dBeta, F32);
            Tensor gdx2 = c.poisoned(s), onlyBeta = c.up(c.cpu.zeros(DType.F32, n)), refBeta = c.cpu.zeros(DType.F32, n);
            c.cpu.layerNormBackward(sum, dy, gamma, mean, rstd, dx, null, refBeta);
            c.gpu.layerNormBackward(gsum, c.up(dy), gg, gm, gr, gdx2, null, onlyBeta);
            c.close("layerNormBackward gGamma=null gBeta " + w, onlyBeta, refBeta, F32);
            Tensor inPlace = c.up(dy), aliasGamma = c.up(c.cpu.zeros(DType.F32, n));
            Tensor refGamma = c.cpu.zeros(DType.F32, n);
            c.cpu.layerNormBackward(sum, dy, gamma, mean, rstd, dx, refGamma, null);
            c.gpu.layerNormBackward(gsum, inPlace, gg, gm, gr, inPlace, aliasGamma, null); // gx aliases gy
            c.close("layerNormBackward gx=gy gx " + w, inPlace, dx, F32);
            c.close("layerNormBackward gx=gy gGamma " + w, aliasGamma, refGamma, F32);
        }
    }

    /**
     * Channel-masked LayerNorm: masks keeping two channels in three, one channel, every channel; the masked-off
     * channels of x and gy hold NaN, which must not reach any output. Outputs must be exactly 0 there (y, gx) or
     * untouched (gGamma, gBeta); the backward also runs with gx over gy and without gGamma.
     */
    static void maskedLayerNorm(GpuChecks.Ctx c) {
        for (int[] s : new int[][]{{1, 7}, {197, 384}, {3, 1500}, {40, 33}}) {
            int rows = s[0], n = s[1];
            for (String kind : new String[]{"2/3", "one", "all"}) {
                String w = rows + "x" + n + " kept " + kind;
                Tensor mask = c.cpu.zeros(DType.F32, n);
                for (int j = 0; j < n; j++) {
                    boolean kept = switch (kind) {
                        case "2/3" -> j % 3 != 1;
                        case "one" -> j == n / 2;
                        default -> true;
                    };
                    mask.setFlat(j, kept ? 1 : 0);
                }
                Tensor x = c.rand(s), dy = c.rand(s), gamma = c.rand(n), beta = c.rand(n);
                for (int i = 0; i < x.numel(); i++)
                    if (mask.getFlat(i % n) == 0) { x.setFlat(i, Float.NaN); dy.setFlat(i, Float.NaN); }
                Tensor y = c.cpu.zeros(DType.F32, s);
                Tensor mean = c.cpu.zeros(DType.F32, rows), rstd = c.cpu.zeros(DType.F32, rows);
                c.cpu.maskedLayerNorm(x, gamma, beta, mask, 1e-6f, y, mean, rstd);
                Tensor gx = c.up(x), gg = c.up(gamma), gmask = c.up(mask);
                Tensor gy = c.poisoned(s), gm = c.poisoned(rows), gr = c.poisoned(rows);
                c.gpu.maskedLayerNorm(gx, gg, c.up(beta), gmask, 1e-6f, gy, gm, gr);
                c.close("maskedLayerNorm y " + w, gy, y, F32);
                c.exactWhere("maskedLayerNorm y = 0 off the mask " + w, gy, y, mask);
                c.closeTo("maskedLayerNorm mean (vs max|x|) " + w, gm, mean, 2, F32);
                c.close("maskedLayerNorm rstd " + w, gr, rstd, F32);

                Tensor dx = c.cpu.zeros(DType.F32, s), dGamma = c.rand(n), dBeta = c.rand(n);
                Tensor gdGamma = c.up(dGamma), gdBeta = c.up(dBeta), gdx = c.up(dy); // gx aliases gy
                c.cpu.maskedLayerNormBackward(x, dy, gamma, mask, mean, rstd, dx, dGamma, dBeta);
                c.gpu.maskedLayerNormBackward(gx, gdx, gg, gmask, gm, gr, gdx, gdGamma, gdBeta);
                c.close("maskedLayerNormBackward gx=gy " + w, gdx, dx, F32);
                c.exactWhere("maskedLayerNormBackward gx = 0 off the mask " + w, gdx, dx, mask);
                c.close("maskedLayerNormBackward gGamma " + w, gdGamma, dGamma, F32);
                c.exactWhere("maskedLayerNormBackward gGamma untouched off the mask " + w, gdGamma, dGamma, mask);
                c.close("maskedLayerNormBackward gBeta " + w, gdBeta, dBeta, F32);
                Tensor gdx2 = c.poisoned(s), onlyBeta = c.up(c.cpu.zeros(DType.F32, n));
                Tensor refBeta = c.cpu.zeros(DType.F32, n);
                c.cpu.maskedLayerNormBackward(x, dy, gamma, mask, mean, rstd, dx, null, refBeta);
                c.gpu.maskedLayerNormBackward(gx, c.up(dy), gg, gmask, gm, gr, gdx2, null, onlyBeta);
                c.close("maskedLayerNormBackward gx " + w, gdx2, dx, F32);
                c.close("maskedLayerNormBackward gGamma=null gBeta " + w, onlyBeta, refBeta, F32);
            }
        }
    }

    static void reductionsAndLoss(GpuChecks.Ctx c) {
        for (int[] s : new int[][]{{1, 1}, {197 * 3, 384}, {5000, 33}, {7, 1537}}) {
            String w = s[0] + "x" + s[1];
            Tensor x = c.rand(s), init = c.rand(s[1]);
            Tensor ref = c.cpu.zeros(DType.F32, s[1]), out = c.poisoned(s[1]);
            c.cpu.sumRows(x, ref, false);
            Tensor gx = c.up(x);
            c.gpu.sumRows(gx, out, false);
            c.close("sumRows " + w, out, ref, F32);
            Tensor acc = init.copy(), gacc = c.up(init);
            c.cpu.sumRows(x, acc, true);
            c.gpu.sumRows(gx, gacc, true);
            c.close("sumRows accumulate " + w, gacc, acc, F32);
        }
        for (int[] s : new int[][]{{1, 2}, {64, 10}, {7, 1000}, {3, 2500}}) {
            String w = s[0] + "x" + s[1];
            Tensor logits = c.rand(s), t = Tensor.rand(DType.F32, c.rng, 0, 1, s);
            Tensor grad = c.cpu.zeros(DType.F32, s), ggrad = c.poisoned(s);
            double loss = c.cpu.crossEntropySoft(logits, t, grad, 2f);
            double gl = c.gpu.crossEntropySoft(c.up(logits), c.up(t), ggrad, 2f);
            c.scalar("crossEntropySoft loss " + w, gl, loss, F32);
            c.close("crossEntropySoft grad " + w, ggrad, grad, F32);
            c.scalar("crossEntropySoft no grad " + w, c.gpu.crossEntropySoft(c.up(logits), c.up(t), null, 1f), loss, F32);
        }
    }
}
