package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.nvit.engine.Tensor;

/**
 * Flat F32 elementwise kernels (fill, copy, add, axpy, mul, scale, addBias, scaleSamples). Each loop runs full
 * vectors then one masked vector for the tail; big tensors are split over the pool in aligned chunks. Shapes are
 * checked by the caller.
 */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static void fill(Tensor x, float v) {
        float[] a = x.floats();
        int o = x.off();
        Par.flat((int) x.numel(), 1, (from, to) -> Arrays.fill(a, o + from, o + to, v));
    }

    static void copy(Tensor src, Tensor dst) {
        float[] s = src.floats(), d = dst.floats();
        int os = src.off(), od = dst.off(), n = (int) src.numel();
        if (s == d && Math.abs(os - od) < n) { // overlapping views: one memmove-like copy keeps it correct
            System.arraycopy(s, os, d, od, n);
            return;
        }
        Par.flat(n, 1, (from, to) -> System.arraycopy(s, os + from, d, od + from, to - from));
    }

    static void add(Tensor a, Tensor b, Tensor out) {
        float[] x = a.floats(), y = b.floats(), z = out.floats();
        int ox = a.off(), oy = b.off(), oz = out.off();
        Par.flat((int) a.numel(), 1, (from, to) -> {
            int i = from;
            for (; i <= to - L; i += L)
                FloatVector.fromArray(S, x, ox + i).add(FloatVector.fromArray(S, y, oy + i)).intoArray(z, oz + i);
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                FloatVector.fromArray(S, x, ox + i, m).add(FloatVector.fromArray(S, y, oy + i, m)).intoArray(z, oz + i, m);
            }
        });
    }

    static void axpy(float alpha, Tensor xt, Tensor yt) {
        float[] x = xt.floats(), y = yt.floats();
        int ox = xt.off(), oy = yt.off();
        FloatVector va = FloatVector.broadcast(S, alpha);
        Par.flat((int) xt.numel(), 1, (from, to) -> {
            int i = from;
            for (; i <= to - L; i += L)
                FloatVector.fromArray(S, x, ox + i).fma(va, FloatVector.fromArray(S, y, oy + i)).intoArray(y, oy + i);
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                FloatVector.fromArray(S, x, ox + i, m).fma(va, FloatVector.fromArray(S, y, oy + i, m)).intoArray(y, oy + i, m);
            }
        });
    }

    static void mul(Tensor a, Tensor b, Tensor out) {
        float[] x = a.floats(), y = b.floats(), z = out.floats();
        int ox = a.off(), oy = b.off(), oz = out.off();
        Par.flat((int) a.numel(), 1, (from, to) -> {
            int i = from;
            for (; i <= to - L; i += L)
                FloatVector.fromArray(S, x, ox + i).mul(FloatVector.fromArray(S, y, oy + i)).intoArray(z, oz + i);
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                FloatVector.fromArray(S, x, ox + i, m).mul(FloatVector.fromArray(S, y, oy + i, m)).intoArray(z, oz + i, m);
            }
        });
    }

    static void scale(Tensor a, float s, Tensor out) {
        float[] x = a.floats(), z = out.floats();
        int ox = a.off(), oz = out.off();
        Par.flat((int) a.numel(), 1, (from, to) -> scaleRange(x, ox + from, z, oz + from, to - from, s));
    }

    /** z[oz, oz+n) = s * x[ox, ox+n). */
    private static void scaleRange(float[] x, int ox, float[] z, int oz, int n, float s) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, x, ox + i).mul(s).intoArray(z, oz + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, ox + i, m).mul(s).intoArray(z, oz + i, m);
        }
    }

    /** x [rows, n] += bias [n] per row. */
    static void addBias(Tensor xt, Tensor bias) {
        float[] x = xt.floats(), b = bias.floats();
        int ox = xt.off(), ob = bias.off(), n = (int) bias.numel(), rows = (int) (xt.numel() / n);
        Par.rows(rows, n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = ox + r * n, j = 0;
                for (; j <= n - L; j += L)
                    FloatVector.fromArray(S, x, base + j).add(FloatVector.fromArray(S, b, ob + j)).intoArray(x, base + j);
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector.fromArray(S, x, base + j, m).add(FloatVector.fromArray(S, b, ob + j, m)).intoArray(x, base + j, m);
                }
            }
        });
    }

    /** y[b, ...] = scale[b] * x[b, ...]; chunks may start and end inside a sample. */
    static void scaleSamples(Tensor xt, Tensor sampleScale, Tensor yt) {
        float[] x = xt.floats(), y = yt.floats(), s = sampleScale.floats();
        int ox = xt.off(), oy = yt.off(), os = sampleScale.off();
        int n = (int) xt.numel(), per = n / xt.dim(0);
        if (per == 0) return;
        Par.flat(n, 1, (from, to) -> {
            for (int i = from; i < to; ) {
                int b = i / per, end = Math.min(to, (b + 1) * per);
                scaleRange(x, ox + i, y, oy + i, end - i, s[os + b]);
                i = end;
            }
        });
    }
}
