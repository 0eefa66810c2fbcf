package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.nvit.engine.Tensor;

/**
 * LayerNorm over the last axis. Forward is two-pass (mean, then the sum of squared deviations: no cancellation),
 * lane sums in float and the final reductions and rstd in double. Backward writes gx per row and accumulates the
 * gamma/beta gradients per chunk of rows ({@link ColumnSums}); all gamma/beta reads happen before gx is written,
 * so gx may alias gy.
 */
final class LayerNormOps {
    private LayerNormOps() {}

    static void forward(Tensor xt, Tensor gt, Tensor bt, float eps, Tensor yt, Tensor meant, Tensor rstdt) {
        float[] x = xt.floats(), g = gt.floats(), b = bt.floats(), y = yt.floats(), mu = meant.floats(), rs = rstdt.floats();
        int ox = xt.off(), og = gt.off(), ob = bt.off(), oy = yt.off(), om = meant.off(), or = rstdt.off();
        int n = xt.dim(-1), rows = xt.rows();
        Par.rows(rows, 8L * n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xo = ox + r * n, yo = oy + r * n, j = 0;
                FloatVector acc = FloatVector.zero(S);
                for (; j <= n - L; j += L) acc = acc.add(FloatVector.fromArray(S, x, xo + j));
                if (j < n) acc = acc.add(FloatVector.fromArray(S, x, xo + j, S.indexInRange(j, n)));
                float mean = (float) ((double) acc.reduceLanes(VectorOperators.ADD) / n);
                FloatVector vm = FloatVector.broadcast(S, mean);
                acc = FloatVector.zero(S);
                for (j = 0; j <= n - L; j += L) {
                    FloatVector d = FloatVector.fromArray(S, x, xo + j).sub(vm);
                    acc = d.fma(d, acc);
                }
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector d = FloatVector.fromArray(S, x, xo + j, m).sub(vm);
                    acc = acc.add(d.mul(d), m); // masked-off lanes would add mean^2
                }
                float rstd = (float) (1 / Math.sqrt((double) acc.reduceLanes(VectorOperators.ADD) / n + eps));
                for (j = 0; j <= n - L; j += L) {
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j).sub(vm).mul(rstd);
                    xhat.fma(FloatVector.fromArray(S, g, og + j), FloatVector.fromArray(S, b, ob + j)).intoArray(y, yo + j);
                }
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j, m).sub(vm).mul(rstd);
                    xhat.fma(FloatVector.fromArray(S, g, og + j, m), FloatVector.fromArray(S, b, ob + j, m))
                            .intoArray(y, yo + j, m);
                }
                mu[om + r] = mean;
                rs[or + r] = rstd;
            }
        });
    }

    static void backward(Tensor xt, Tensor gyt, Tensor gt, Tensor meant, Tensor rstdt,
                         Tensor gxt, Tensor gGamma, Tensor gBeta) {
        float[] x = xt.floats(), gy = gyt.floats(), g = gt.floats(), mu = meant.floats(), rs = rstdt.floats(),
                gx = gxt.floats();
        int ox = xt.off(), oy = gyt.off(), og = gt.off(), om = meant.off(), or = rstdt.off(), oz = gxt.off();
        int n = xt.dim(-1), rows = xt.rows();
        int chunks = Par.chunks(rows, 12L * n);
        ColumnSums[] gg = new ColumnSums[chunks], gb = new ColumnSums[chunks];
        CpuPool.forEachChunk(chunks, c -> {
            ColumnSums accG = gGamma != null ? new ColumnSums(n) : null, accB = gBeta != null ? new ColumnSums(n) : null;
            for (int r = Par.chunkStart(rows, chunks, c), end = Par.chunkStart(rows, chunks, c + 1); r < end; r++) {
                int xo = ox + r * n, yo = oy + r * n, zo = oz + r * n;
                FloatVector vm = FloatVector.broadcast(S, mu[om + r]);
                float rstd = rs[or + r];
                // sums of g = gy * gamma and g * xhat; accumulate the parameter gradients while gy is intact
                FloatVector sg = FloatVector.zero(S), sgx = FloatVector.zero(S);
                float[] blkG = accG != null ? accG.block() : null;
                int j = 0;
                for (; j <= n - L; j += L) {
                    FloatVector dy = FloatVector.fromArray(S, gy, yo + j);
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j).sub(vm).mul(rstd);
                    FloatVector gv = dy.mul(FloatVector.fromArray(S, g, og + j));
                    sg = sg.add(gv);
                    sgx = gv.fma(xhat, sgx);
                    if (blkG != null) dy.fma(xhat, FloatVector.fromArray(S, blkG, j)).intoArray(blkG, j);
                }
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector dy = FloatVector.fromArray(S, gy, yo + j, m);
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j, m).sub(vm).mul(rstd);
                    FloatVector gv = dy.mul(FloatVector.fromArray(S, g, og + j, m));
                    sg = sg.add(gv);
                    sgx = gv.fma(xhat, sgx);
                    if (blkG != null) dy.fma(xhat, FloatVector.fromArray(S, blkG, j, m)).intoArray(blkG, j, m);
                }
                if (accG != null) accG.rowDone();
                if (accB != null) accB.add(gy, yo);
                FloatVector meanG = FloatVector.broadcast(S, (float) ((double) sg.reduceLanes(VectorOperators.ADD) / n));
                float meanGX = (float) ((double) sgx.reduceLanes(VectorOperators.ADD) / n);
                for (j = 0; j <= n - L; j += L) {
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j).sub(vm).mul(rstd);
                    FloatVector gv = FloatVector.fromArray(S, gy, yo + j).mul(FloatVector.fromArray(S, g, og + j));
                    gv.sub(meanG).sub(xhat.mul(meanGX)).mul(rstd).intoArray(gx, zo + j);
                }
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j, m).sub(vm).mul(rstd);
                    FloatVector gv = FloatVector.fromArray(S, gy, yo + j, m).mul(FloatVector.fromArray(S, g, og + j, m));
                    gv.sub(meanG).sub(xhat.mul(meanGX)).mul(rstd).intoArray(gx, zo + j, m);
                }
            }
            if (accG != null) { accG.flush(); gg[c] = accG; }
            if (accB != null) { accB.flush(); gb[c] = accB; }
        });
        if (gGamma != null) ColumnSums.store(gg, gGamma.floats(), gGamma.off(), true);
        if (gBeta != null) ColumnSums.store(gb, gBeta.floats(), gBeta.off(), true);
    }

}
