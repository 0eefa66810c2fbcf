package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * The per-unit ops of structured pruning on views [outer, units, inner]: per-unit dot products (Taylor saliency),
 * per-unit scaling (masks) and the score accumulation. Two shapes matter: rows of a weight (inner = the row length,
 * vectorised along it) and columns (inner = 1, vectorised across units); other inner widths are short and run scalar.
 * Units are split over the pool, so every output element is written by one thread.
 */
final class UnitOps {
    private UnitOps() {}

    static void dotAlong(Tensor at, Tensor bt, int outer, int inner, float alpha, Tensor outT) {
        float[] a = at.floats(), b = bt.floats(), out = outT.floats();
        int oa = at.off(), ob = bt.off(), oo = outT.off(), units = (int) outT.numel();
        long cost = 2L * outer * inner;
        if (inner >= L) {
            Par.rows(units, cost, (u0, u1) -> {
                for (int u = u0; u < u1; u++) {
                    double acc = 0;
                    for (int o = 0; o < outer; o++) {
                        int base = (o * units + u) * inner, i = 0;
                        FloatVector s = FloatVector.zero(S);
                        for (; i <= inner - L; i += L)
                            s = FloatVector.fromArray(S, a, oa + base + i).fma(FloatVector.fromArray(S, b, ob + base + i), s);
                        double part = s.reduceLanes(VectorOperators.ADD);
                        for (; i < inner; i++) part += a[oa + base + i] * b[ob + base + i];
                        acc += part;
                    }
                    out[oo + u] += (float) (alpha * acc);
                }
            });
        } else if (inner == 1) {
            Par.rows(units, cost, (u0, u1) -> {
                float[] acc = new float[u1 - u0];
                for (int o = 0; o < outer; o++) {
                    int base = o * units, u = u0;
                    for (; u <= u1 - L; u += L)
                        FloatVector.fromArray(S, a, oa + base + u).fma(FloatVector.fromArray(S, b, ob + base + u),
                                FloatVector.fromArray(S, acc, u - u0)).intoArray(acc, u - u0);
                    for (; u < u1; u++) acc[u - u0] += a[oa + base + u] * b[ob + base + u];
                }
                for (int u = u0; u < u1; u++) out[oo + u] += alpha * acc[u - u0];
            });
        } else {
            Par.rows(units, cost, (u0, u1) -> {
                for (int u = u0; u < u1; u++) {
                    double acc = 0;
                    for (int o = 0; o < outer; o++)
                        for (int i = 0, base = (o * units + u) * inner; i < inner; i++) acc += a[oa + base + i] * b[ob + base + i];
                    out[oo + u] += (float) (alpha * acc);
                }
            });
        }
    }

    static void scaleAlong(Tensor xt, int outer, int inner, Tensor ft) {
        float[] x = xt.floats(), f = ft.floats();
        int ox = xt.off(), of = ft.off(), units = (int) ft.numel();
        if (inner == 1) {
            Par.rows(outer, 2L * units, (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    int base = ox + o * units, u = 0;
                    for (; u <= units - L; u += L)
                        FloatVector.fromArray(S, x, base + u).mul(FloatVector.fromArray(S, f, of + u)).intoArray(x, base + u);
                    for (; u < units; u++) x[base + u] *= f[of + u];
                }
            });
            return;
        }
        Par.rows(outer * units, 2L * inner, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                float s = f[of + r % units];
                if (s == 1f) continue;
                int base = ox + r * inner, i = 0;
                for (; i <= inner - L; i += L) FloatVector.fromArray(S, x, base + i).mul(s).intoArray(x, base + i);
                for (; i < inner; i++) x[base + i] *= s;
            }
        });
    }

    static void accumulateScore(Tensor ct, Backend.Score fn, Tensor st) {
        float[] c = ct.floats(), s = st.floats();
        int oc = ct.off(), os = st.off(), n = (int) ct.numel();
        for (int i = 0; i < n; i++) {
            float v = c[oc + i];
            float score = switch (fn) {
                case IDENTITY -> v;
                case ABS -> Math.abs(v);
                case SQUARE -> v * v;
            };
            if (Float.isFinite(score)) s[os + i] += score;
            c[oc + i] = 0;
        }
    }
}
