package org.nvit.engine.ref;

import org.nvit.engine.Tensor;
import org.nvit.engine.fused.FusedAttention;

/**
 * {@link FusedAttention} on host tensors with plain loops in double, for any head widths: the oracle of the kernels'
 * host runs and the fused path of the test device. Each (image, head) is gathered into arrays, computed, scattered.
 */
public final class ReferenceAttention implements FusedAttention {
    public static final ReferenceAttention INSTANCE = new ReferenceAttention();

    @Override public boolean supports(int qkDim, int vDim) { return qkDim > 0 && vDim > 0; }

    /** Rows t of columns [col, col + d) of image b of a [B, n, ld] tensor. */
    private static double[][] gather(Tensor t, int ld, int col, int n, int b, int d) {
        double[][] a = new double[n][d];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < d; c++) a[i][c] = t.getFlat(((long) b * n + i) * ld + col + c);
        return a;
    }

    private static double[][] gather(Operand o, int n, int b, int col, int d) { return gather(o.t(), o.ld(), o.col() + col, n, b, d); }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int c = 0; c < x.length; c++) s += x[c] * y[c];
        return s;
    }

    @Override public void forward(Operand q, Operand k, Operand v, int bs, int n, int heads, int dq, int dv, float scale,
                                  Tensor out, Tensor lse) {
        for (int b = 0; b < bs; b++)
            for (int h = 0; h < heads; h++) {
                double[][] qh = gather(q, n, b, h * dq, dq), kh = gather(k, n, b, h * dq, dq), vh = gather(v, n, b, h * dv, dv);
                double[] s = new double[n];
                for (int i = 0; i < n; i++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) m = Math.max(m, s[j] = scale * dot(qh[i], kh[j]));
                    double l = 0;
                    double[] o = new double[dv];
                    for (int j = 0; j < n; j++) {
                        double e = Math.exp(s[j] - m);
                        l += e;
                        for (int c = 0; c < dv; c++) o[c] += e * vh[j][c];
                    }
                    for (int c = 0; c < dv; c++) out.setFlat(((long) b * n + i) * heads * dv + h * dv + c, o[c] / l);
                    lse.setFlat(((long) b * heads + h) * n + i, m + Math.log(l));
                }
            }
    }

    @Override public void backward(Operand q, Operand k, Operand v, int bs, int n, int heads, int dq, int dv, float scale,
                                   Tensor out, Tensor gOut, Tensor lse, Grad gq, Grad gk, Grad gv) {
        int w = heads * dv;
        for (int b = 0; b < bs; b++)
            for (int h = 0; h < heads; h++) {
                double[][] qh = gather(q, n, b, h * dq, dq), kh = gather(k, n, b, h * dq, dq), vh = gather(v, n, b, h * dv, dv);
                double[][] oh = gather(out, w, h * dv, n, b, dv), go = gather(gOut, w, h * dv, n, b, dv);
                double[][] dQ = new double[n][dq], dK = new double[n][dq], dV = new double[n][dv];
                for (int i = 0; i < n; i++) {
                    double l = lse.getFlat(((long) b * heads + h) * n + i), dd = dot(go[i], oh[i]);
                    for (int j = 0; j < n; j++) {
                        double p = Math.exp(scale * dot(qh[i], kh[j]) - l);
                        double ds = p * (dot(go[i], vh[j]) - dd);
                        for (int c = 0; c < dq; c++) {
                            dQ[i][c] += scale * ds * kh[j][c];
                            dK[j][c] += scale * ds * qh[i][c];
                        }
                        for (int c = 0; c < dv; c++) dV[j][c] += p * go[i][c];
                    }
                }
                write(gq, dQ, n, b, h * dq);
                write(gk, dK, n, b, h * dq);
                write(gv, dV, n, b, h * dv);
            }
    }

    private static void write(Grad g, double[][] d, int n, int b, int col) {
        if (g == null) return;
        for (int t = 0; t < n; t++)
            for (int c = 0; c < d[t].length; c++) {
                long at = ((long) b * n + t) * g.ld() + g.col() + col + c;
                g.t().setFlat(at, (g.beta() == 0 ? 0 : g.beta() * g.t().getFlat(at)) + d[t][c]);
            }
    }
}
