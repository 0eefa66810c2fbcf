package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.nvit.engine.Tensor;

/**
 * LayerNorm over the kept channels of a 0/1 mask (a model being pruned on its embedding width), forward and backward.
 * The same two-pass scheme as {@link LayerNormOps}, with the masked-off channels excluded from every sum by lane
 * masks (not by multiplying with the mask, so that whatever those channels hold cannot leak in) and written as 0.
 * Runs only while pruning has removed embedding channels, so it favours clarity over the last few percent.
 */
final class MaskedLayerNormOps {
    private MaskedLayerNormOps() {}

    /** Per group of L lanes starting at j = g * L: the lanes that are kept (and inside the row), computed once per call. */
    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] keptLanes(float[] m, int mo, int n) {
        VectorMask<Float>[] k = new VectorMask[(n + L - 1) / L];
        for (int lg = 0, j = 0; j < n; lg++, j += L) {
            VectorMask<Float> in = S.indexInRange(j, n);
            k[lg] = FloatVector.fromArray(S, m, mo + j, in).compare(VectorOperators.NE, 0f).and(in);
        }
        return k;
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] inRow(int n) {
        VectorMask<Float>[] k = new VectorMask[(n + L - 1) / L];
        for (int lg = 0, j = 0; j < n; lg++, j += L) k[lg] = S.indexInRange(j, n);
        return k;
    }

    static int alive(Tensor mask) {
        float[] m = mask.floats();
        int a = 0;
        for (int j = 0, o = mask.off(); j < mask.numel(); j++) {
            if (m[o + j] != 0f && m[o + j] != 1f)
                throw new IllegalArgumentException("maskedLayerNorm: mask entries must be 0 or 1, got " + m[o + j] + " at " + j);
            if (m[o + j] != 0f) a++;
        }
        if (a == 0) throw new IllegalArgumentException("maskedLayerNorm: the mask keeps no channel");
        return a;
    }

    static void forward(Tensor xt, Tensor gt, Tensor bt, Tensor mt, float eps, Tensor yt, Tensor meant, Tensor rstdt) {
        float[] x = xt.floats(), g = gt.floats(), b = bt.floats(), m = mt.floats(), y = yt.floats(), mu = meant.floats(),
                rs = rstdt.floats();
        int ox = xt.off(), og = gt.off(), ob = bt.off(), omk = mt.off(), oy = yt.off(), om = meant.off(), or = rstdt.off();
        int n = xt.dim(-1), rows = xt.rows();
        double alive = alive(mt);
        VectorMask<Float>[] kl = keptLanes(m, omk, n), il = inRow(n);
        Par.rows(rows, 8L * n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xo = ox + r * n, yo = oy + r * n;
                FloatVector acc = FloatVector.zero(S);
                for (int lg = 0, j = 0; j < n; lg++, j += L) acc = acc.add(FloatVector.fromArray(S, x, xo + j, kl[lg]), kl[lg]);
                float mean = (float) ((double) acc.reduceLanes(VectorOperators.ADD) / alive);
                FloatVector vm = FloatVector.broadcast(S, mean);
                acc = FloatVector.zero(S);
                for (int lg = 0, j = 0; j < n; lg++, j += L) {
                    VectorMask<Float> k = kl[lg];
                    FloatVector d = FloatVector.fromArray(S, x, xo + j, k).sub(vm);
                    acc = acc.add(d.mul(d), k);
                }
                float rstd = (float) (1 / Math.sqrt((double) acc.reduceLanes(VectorOperators.ADD) / alive + eps));
                for (int lg = 0, j = 0; j < n; lg++, j += L) {
                    VectorMask<Float> in = il[lg], k = kl[lg];
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j, k).sub(vm).mul(rstd);
                    FloatVector out = xhat.fma(FloatVector.fromArray(S, g, og + j, in), FloatVector.fromArray(S, b, ob + j, in));
                    FloatVector.zero(S).blend(out, k).intoArray(y, yo + j, in);
                }
                mu[om + r] = mean;
                rs[or + r] = rstd;
            }
        });
    }

    static void backward(Tensor xt, Tensor gyt, Tensor gt, Tensor mt, Tensor meant, Tensor rstdt,
                         Tensor gxt, Tensor gGamma, Tensor gBeta) {
        float[] x = xt.floats(), gy = gyt.floats(), g = gt.floats(), m = mt.floats(), mu = meant.floats(), rs = rstdt.floats(),
                gx = gxt.floats();
        int ox = xt.off(), oy = gyt.off(), og = gt.off(), omk = mt.off(), om = meant.off(), or = rstdt.off(), oz = gxt.off();
        int n = xt.dim(-1), rows = xt.rows();
        double alive = alive(mt);
        VectorMask<Float>[] kl = keptLanes(m, omk, n), il = inRow(n);
        int chunks = Par.chunks(rows, 12L * n);
        float[][] dg = new float[chunks][], db = new float[chunks][];
        CpuPool.forEachChunk(chunks, c -> {
            float[] accG = gGamma != null ? new float[n] : null, accB = gBeta != null ? new float[n] : null;
            for (int r = Par.chunkStart(rows, chunks, c), end = Par.chunkStart(rows, chunks, c + 1); r < end; r++) {
                int xo = ox + r * n, yo = oy + r * n, zo = oz + r * n;
                FloatVector vm = FloatVector.broadcast(S, mu[om + r]);
                float rstd = rs[or + r];
                FloatVector sg = FloatVector.zero(S), sgx = FloatVector.zero(S);
                for (int lg = 0, j = 0; j < n; lg++, j += L) {
                    VectorMask<Float> k = kl[lg];
                    FloatVector dy = FloatVector.fromArray(S, gy, yo + j, k);
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j, k).sub(vm).mul(rstd);
                    FloatVector gv = dy.mul(FloatVector.fromArray(S, g, og + j, k));
                    sg = sg.add(gv, k);
                    sgx = sgx.add(gv.mul(xhat), k);
                    if (accG != null) FloatVector.fromArray(S, accG, j, k).add(dy.mul(xhat)).intoArray(accG, j, k);
                    if (accB != null) FloatVector.fromArray(S, accB, j, k).add(dy).intoArray(accB, j, k);
                }
                FloatVector meanG = FloatVector.broadcast(S, (float) ((double) sg.reduceLanes(VectorOperators.ADD) / alive));
                float meanGX = (float) ((double) sgx.reduceLanes(VectorOperators.ADD) / alive);
                for (int lg = 0, j = 0; j < n; lg++, j += L) { // gy is fully read for this row: gx may alias it
                    VectorMask<Float> in = il[lg], k = kl[lg];
                    FloatVector xhat = FloatVector.fromArray(S, x, xo + j, k).sub(vm).mul(rstd);
                    FloatVector gv = FloatVector.fromArray(S, gy, yo + j, k).mul(FloatVector.fromArray(S, g, og + j, k));
                    FloatVector out = gv.sub(meanG).sub(xhat.mul(meanGX)).mul(rstd);
                    FloatVector.zero(S).blend(out, k).intoArray(gx, zo + j, in);
                }
            }
            dg[c] = accG;
            db[c] = accB;
        });
        addColumns(dg, gGamma);
        addColumns(db, gBeta);
    }

    /** out += the sum of the chunks' partial column sums (in chunk order: deterministic for a fixed pool size). */
    private static void addColumns(float[][] parts, Tensor out) {
        if (out == null) return;
        float[] o = out.floats();
        int off = out.off();
        for (int j = 0; j < out.numel(); j++) {
            double s = 0;
            for (float[] p : parts) s += p[j];
            o[off + j] += (float) s;
        }
    }
}
