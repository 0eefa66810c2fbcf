package org.nvit.engine.ref;

import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/**
 * Plain scalar implementations of every op, computed in double precision whatever the tensor dtype. It is the oracle
 * the fast kernels are tested against and the path F64 tensors (gradient checks) take. Clarity over speed.
 */
public class ReferenceBackend implements Backend {
    public static final ReferenceBackend INSTANCE = new ReferenceBackend();

    protected ReferenceBackend() {}

    @Override public String name() { return "reference"; }

    @Override public Device device() { return Device.CPU; }

    @Override public Tensor zeros(DType dtype, int... shape) { return Tensor.zeros(dtype, shape); }

    // ---------------------------------------------------------------- GEMM

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, Tensor a, int lda, long strideA,
                     Tensor b, int ldb, long strideB,
                     float beta, Tensor c, int ldc, long strideC, int batch) {
        for (int p = 0; p < batch; p++) {
            long oa = p * strideA, ob = p * strideB, oc = p * strideC;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) {
                        double av = a.getFlat(oa + (transA ? (long) l * lda + i : (long) i * lda + l));
                        double bv = b.getFlat(ob + (transB ? (long) j * ldb + l : (long) l * ldb + j));
                        s += av * bv;
                    }
                    long ci = oc + (long) i * ldc + j;
                    double prev = beta == 0 ? 0 : beta * c.getFlat(ci);
                    c.setFlat(ci, alpha * s + prev);
                }
            }
        }
    }

    // ---------------------------------------------------------------- elementwise

    @Override public void fill(Tensor x, float v) {
        for (long i = 0; i < x.numel(); i++) x.setFlat(i, v);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        OpChecks.numel("copy", src, dst);
        for (long i = 0; i < src.numel(); i++) dst.setFlat(i, src.getFlat(i));
    }

    @Override public void add(Tensor a, Tensor b, Tensor out) {
        OpChecks.numel("add", a, b, out);
        for (long i = 0; i < a.numel(); i++) out.setFlat(i, a.getFlat(i) + b.getFlat(i));
    }

    @Override public void axpy(float alpha, Tensor x, Tensor y) {
        OpChecks.numel("axpy", x, y);
        for (long i = 0; i < x.numel(); i++) y.setFlat(i, y.getFlat(i) + (double) alpha * x.getFlat(i));
    }

    @Override public void mul(Tensor a, Tensor b, Tensor out) {
        OpChecks.numel("mul", a, b, out);
        for (long i = 0; i < a.numel(); i++) out.setFlat(i, a.getFlat(i) * b.getFlat(i));
    }

    @Override public void scale(Tensor a, float s, Tensor out) {
        OpChecks.numel("scale", a, out);
        for (long i = 0; i < a.numel(); i++) out.setFlat(i, s * a.getFlat(i));
    }

    @Override public void addBias(Tensor x, Tensor bias) {
        OpChecks.divides("addBias", x, bias);
        int n = (int) bias.numel();
        for (long i = 0; i < x.numel(); i++) x.setFlat(i, x.getFlat(i) + bias.getFlat(i % n));
    }

    @Override public void gelu(Tensor x, Tensor y) {
        OpChecks.numel("gelu", x, y);
        for (long i = 0; i < x.numel(); i++) {
            double v = x.getFlat(i);
            y.setFlat(i, 0.5 * v * (1 + Erf.erf(v / Math.sqrt(2))));
        }
    }

    @Override public void geluBackward(Tensor x, Tensor gy, Tensor gx) {
        OpChecks.numel("geluBackward", x, gy, gx);
        for (long i = 0; i < x.numel(); i++) {
            double v = x.getFlat(i);
            double cdf = 0.5 * (1 + Erf.erf(v / Math.sqrt(2)));
            double pdf = Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
            gx.setFlat(i, gy.getFlat(i) * (cdf + v * pdf));
        }
    }

    // ---------------------------------------------------------------- softmax, layer norm

    @Override public void softmax(Tensor x, float scale, Tensor y) {
        OpChecks.numel("softmax", x, y);
        int n = x.dim(-1), rows = x.rows();
        double[] buf = new double[n];
        for (int r = 0; r < rows; r++) {
            long o = (long) r * n;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, scale * x.getFlat(o + j));
            double sum = 0;
            for (int j = 0; j < n; j++) { buf[j] = Math.exp(scale * x.getFlat(o + j) - max); sum += buf[j]; }
            for (int j = 0; j < n; j++) y.setFlat(o + j, buf[j] / sum);
        }
    }

    @Override public void softmaxBackward(Tensor y, Tensor gy, float scale, Tensor gx) {
        OpChecks.numel("softmaxBackward", y, gy, gx);
        int n = y.dim(-1), rows = y.rows();
        for (int r = 0; r < rows; r++) {
            long o = (long) r * n;
            double dot = 0;
            for (int j = 0; j < n; j++) dot += gy.getFlat(o + j) * y.getFlat(o + j);
            for (int j = 0; j < n; j++) gx.setFlat(o + j, scale * y.getFlat(o + j) * (gy.getFlat(o + j) - dot));
        }
    }

    @Override public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        checkLayerNorm("layerNorm", x, gamma, y, mean, rstd);
        OpChecks.length("layerNorm", "beta", beta, x.dim(-1));
        int n = x.dim(-1), rows = x.rows();
        for (int r = 0; r < rows; r++) {
            long o = (long) r * n;
            double mu = 0;
            for (int j = 0; j < n; j++) mu += x.getFlat(o + j);
            mu /= n;
            double var = 0;
            for (int j = 0; j < n; j++) { double d = x.getFlat(o + j) - mu; var += d * d; }
            var /= n;
            double rs = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < n; j++)
                y.setFlat(o + j, (x.getFlat(o + j) - mu) * rs * gamma.getFlat(j) + beta.getFlat(j));
            mean.setFlat(r, mu);
            rstd.setFlat(r, rs);
        }
    }

    @Override public void layerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mean, Tensor rstd,
                                            Tensor gx, Tensor gGamma, Tensor gBeta) {
        checkLayerNormBackward(x, gy, gamma, mean, rstd, gx, gGamma, gBeta);
        int n = x.dim(-1), rows = x.rows();
        double[] dGamma = new double[n], dBeta = new double[n]; // summed in double, added to the outputs once
        for (int r = 0; r < rows; r++) {
            long o = (long) r * n;
            double mu = mean.getFlat(r), rs = rstd.getFlat(r);
            double sumG = 0, sumGX = 0;
            for (int j = 0; j < n; j++) {
                double xhat = (x.getFlat(o + j) - mu) * rs;
                double g = gy.getFlat(o + j) * gamma.getFlat(j);
                sumG += g;
                sumGX += g * xhat;
            }
            for (int j = 0; j < n; j++) { // before gx is written: gx may alias gy
                double xhat = (x.getFlat(o + j) - mu) * rs;
                dGamma[j] += gy.getFlat(o + j) * xhat;
                dBeta[j] += gy.getFlat(o + j);
            }
            for (int j = 0; j < n; j++) {
                double xhat = (x.getFlat(o + j) - mu) * rs;
                double g = gy.getFlat(o + j) * gamma.getFlat(j);
                gx.setFlat(o + j, rs * (g - sumG / n - xhat * sumGX / n));
            }
        }
        for (int j = 0; j < n; j++) {
            if (gGamma != null) gGamma.setFlat(j, gGamma.getFlat(j) + dGamma[j]);
            if (gBeta != null) gBeta.setFlat(j, gBeta.getFlat(j) + dBeta[j]);
        }
    }

    @Override public void maskedLayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor mask, float eps, Tensor y,
                                          Tensor mean, Tensor rstd) {
        checkLayerNorm("maskedLayerNorm", x, gamma, y, mean, rstd);
        OpChecks.length("maskedLayerNorm", "beta", beta, x.dim(-1));
        int n = x.dim(-1), rows = x.rows();
        double alive = aliveChannels("maskedLayerNorm", mask, n);
        for (int r = 0; r < rows; r++) {
            long o = (long) r * n;
            double mu = 0; // only kept channels are read: whatever the others hold cannot leak in
            for (int j = 0; j < n; j++) if (mask.getFlat(j) != 0) mu += x.getFlat(o + j);
            mu /= alive;
            double var = 0;
            for (int j = 0; j < n; j++) if (mask.getFlat(j) != 0) { double d = x.getFlat(o + j) - mu; var += d * d; }
            var /= alive;
            double rs = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < n; j++)
                y.setFlat(o + j, mask.getFlat(j) == 0 ? 0 : (x.getFlat(o + j) - mu) * rs * gamma.getFlat(j) + beta.getFlat(j));
            mean.setFlat(r, mu);
            rstd.setFlat(r, rs);
        }
    }

    @Override public void maskedLayerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mask, Tensor mean, Tensor rstd,
                                                  Tensor gx, Tensor gGamma, Tensor gBeta) {
        checkLayerNormBackward(x, gy, gamma, mean, rstd, gx, gGamma, gBeta);
        int n = x.dim(-1), rows = x.rows();
        double alive = aliveChannels("maskedLayerNormBackward", mask, n);
        double[] dGamma = new double[n], dBeta = new double[n];
        double[] g = new double[n], xhat = new double[n];
        for (int r = 0; r < rows; r++) {
            long o = (long) r * n;
            double mu = mean.getFlat(r), rs = rstd.getFlat(r);
            double sumG = 0, sumGX = 0;
            for (int j = 0; j < n; j++) {
                if (mask.getFlat(j) == 0) { xhat[j] = 0; g[j] = 0; continue; }
                xhat[j] = (x.getFlat(o + j) - mu) * rs;
                g[j] = gy.getFlat(o + j) * gamma.getFlat(j);
                sumG += g[j];
                sumGX += g[j] * xhat[j];
                dGamma[j] += gy.getFlat(o + j) * xhat[j];
                dBeta[j] += gy.getFlat(o + j);
            }
            for (int j = 0; j < n; j++) // after every read of gy: gx may alias it
                gx.setFlat(o + j, mask.getFlat(j) == 0 ? 0 : rs * (g[j] - sumG / alive - xhat[j] * sumGX / alive));
        }
        for (int j = 0; j < n; j++) {
            if (gGamma != null) gGamma.setFlat(j, gGamma.getFlat(j) + dGamma[j]);
            if (gBeta != null) gBeta.setFlat(j, gBeta.getFlat(j) + dBeta[j]);
        }
    }

    /** The number of kept channels of a 0/1 mask [n]; at least one must be kept. */
    protected static double aliveChannels(String op, Tensor mask, int n) {
        OpChecks.length(op, "mask", mask, n);
        double a = 0;
        for (int j = 0; j < n; j++) {
            double m = mask.getFlat(j);
            if (m != 0 && m != 1) throw new IllegalArgumentException(op + ": mask entries must be 0 or 1, got " + m + " at " + j);
            a += m;
        }
        if (a == 0) throw new IllegalArgumentException(op + ": the mask keeps no channel");
        return a;
    }

    // ---------------------------------------------------------------- reductions, losses

    @Override public void sumRows(Tensor x, Tensor out, boolean accumulate) {
        OpChecks.divides("sumRows", x, out);
        int n = (int) out.numel();
        long rows = x.numel() / n;
        for (int j = 0; j < n; j++) {
            double s = accumulate ? out.getFlat(j) : 0;
            for (long r = 0; r < rows; r++) s += x.getFlat(r * n + j);
            out.setFlat(j, s);
        }
    }

    @Override public double crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale) {
        OpChecks.numel("crossEntropySoft", logits, targets);
        if (grad != null) OpChecks.numel("crossEntropySoft", logits, grad);
        int n = logits.dim(-1), rows = logits.rows();
        double total = 0;
        for (int r = 0; r < rows; r++) {
            long o = (long) r * n;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, logits.getFlat(o + j));
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(logits.getFlat(o + j) - max);
            double lse = max + Math.log(sum);
            double tsum = 0;
            for (int j = 0; j < n; j++) {
                double t = targets.getFlat(o + j);
                tsum += t;
                total -= t * (logits.getFlat(o + j) - lse);
            }
            if (grad != null) {
                for (int j = 0; j < n; j++) {
                    double p = Math.exp(logits.getFlat(o + j) - lse);
                    grad.setFlat(o + j, (p * tsum - targets.getFlat(o + j)) * gradScale / rows);
                }
            }
        }
        return total / rows;
    }

    // ---------------------------------------------------------------- per-unit ops (structured pruning)

    @Override public void dotAlong(Tensor a, Tensor b, int outer, int inner, float alpha, Tensor out) {
        OpChecks.along("dotAlong", a, outer, inner, out);
        OpChecks.numel("dotAlong", a, b);
        int units = (int) out.numel();
        for (int u = 0; u < units; u++) {
            double acc = 0;
            for (long o = 0; o < outer; o++) {
                long base = (o * units + u) * inner;
                for (long i = 0; i < inner; i++) acc += a.getFlat(base + i) * b.getFlat(base + i);
            }
            out.setFlat(u, out.getFlat(u) + alpha * acc);
        }
    }

    @Override public void scaleAlong(Tensor x, int outer, int inner, Tensor factors) {
        OpChecks.along("scaleAlong", x, outer, inner, factors);
        int units = (int) factors.numel();
        for (long o = 0; o < outer; o++)
            for (int u = 0; u < units; u++) {
                double f = factors.getFlat(u);
                long base = (o * units + u) * inner;
                for (long i = 0; i < inner; i++) x.setFlat(base + i, x.getFlat(base + i) * f);
            }
    }

    @Override public void accumulateScore(Tensor c, Score f, Tensor sum) {
        OpChecks.numel("accumulateScore", c, sum);
        for (long i = 0; i < c.numel(); i++) {
            double v = c.getFlat(i);
            double s = switch (f) {
                case IDENTITY -> v;
                case ABS -> Math.abs(v);
                case SQUARE -> v * v;
            };
            if (sum.dtype() == org.nvit.engine.DType.F32) s = (float) s; // the score in the tensors' own precision
            if (Double.isFinite(s)) sum.setFlat(i, sum.getFlat(i) + s);
            c.setFlat(i, 0);
        }
    }

    // ---------------------------------------------------------------- layout

    @Override public void patchify(Tensor images, int p, Tensor patches) {
        OpChecks.patches("patchify", images, p, patches);
        int bs = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
        int gh = h / p, gw = w / p;
        for (int b = 0; b < bs; b++)
            for (int py = 0; py < gh; py++)
                for (int px = 0; px < gw; px++)
                    for (int ch = 0; ch < c; ch++)
                        for (int dy = 0; dy < p; dy++)
                            for (int dx = 0; dx < p; dx++) {
                                long src = (((long) b * c + ch) * h + py * p + dy) * w + px * p + dx;
                                long dst = (((long) b * gh * gw + py * gw + px) * c + ch) * p * p + dy * p + dx;
                                patches.setFlat(dst, images.getFlat(src));
                            }
    }

    @Override public void unpatchify(Tensor patches, int p, Tensor images) {
        OpChecks.patches("unpatchify", images, p, patches);
        int bs = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
        int gh = h / p, gw = w / p;
        fill(images, 0f);
        for (int b = 0; b < bs; b++)
            for (int py = 0; py < gh; py++)
                for (int px = 0; px < gw; px++)
                    for (int ch = 0; ch < c; ch++)
                        for (int dy = 0; dy < p; dy++)
                            for (int dx = 0; dx < p; dx++) {
                                long dst = (((long) b * c + ch) * h + py * p + dy) * w + px * p + dx;
                                long src = (((long) b * gh * gw + py * gw + px) * c + ch) * p * p + dy * p + dx;
                                images.setFlat(dst, patches.getFlat(src));
                            }
    }

    @Override public void concatLast(Tensor[] parts, Tensor out) {
        OpChecks.parts("concatLast", parts, out);
        int total = out.dim(-1), rows = out.rows();
        int col = 0;
        for (Tensor part : parts) {
            int n = part.dim(-1);
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < n; j++) out.setFlat((long) r * total + col + j, part.getFlat((long) r * n + j));
            col += n;
        }
        if (col != total) throw new IllegalArgumentException("parts sum to " + col + " columns, out has " + total);
    }

    @Override public void splitLast(Tensor in, Tensor[] parts) {
        OpChecks.parts("splitLast", parts, in);
        int total = in.dim(-1), rows = in.rows();
        int col = 0;
        for (Tensor part : parts) {
            int n = part.dim(-1);
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < n; j++) part.setFlat((long) r * n + j, in.getFlat((long) r * total + col + j));
            col += n;
        }
        if (col != total) throw new IllegalArgumentException("parts sum to " + col + " columns, input has " + total);
    }

    @Override public void splitHeads(Tensor x, int heads, Tensor out) {
        OpChecks.heads("splitHeads", x, heads, out);
        int bs = x.dim(0), nt = x.dim(1), d = x.dim(2) / heads;
        for (int b = 0; b < bs; b++)
            for (int t = 0; t < nt; t++)
                for (int h = 0; h < heads; h++)
                    for (int j = 0; j < d; j++)
                        out.setFlat((((long) b * heads + h) * nt + t) * d + j,
                                x.getFlat(((long) b * nt + t) * heads * d + (long) h * d + j));
    }

    @Override public void mergeHeads(Tensor x, Tensor out) {
        OpChecks.rank("mergeHeads", "split heads", x, 4);
        OpChecks.heads("mergeHeads", out, x.dim(1), x);
        int bs = x.dim(0), heads = x.dim(1), nt = x.dim(2), d = x.dim(3);
        for (int b = 0; b < bs; b++)
            for (int t = 0; t < nt; t++)
                for (int h = 0; h < heads; h++)
                    for (int j = 0; j < d; j++)
                        out.setFlat(((long) b * nt + t) * heads * d + (long) h * d + j,
                                x.getFlat((((long) b * heads + h) * nt + t) * d + j));
    }

    // ---------------------------------------------------------------- regularisation

    @Override public void dropoutMask(float p, long seed, Tensor mask) {
        OpChecks.probability("dropoutMask", p);
        double keep = 1.0 / (1.0 - p);
        for (long i = 0; i < mask.numel(); i++) mask.setFlat(i, Rng.uniformAt(seed, i) >= p ? keep : 0);
    }

    @Override public void scaleSamples(Tensor x, Tensor sampleScale, Tensor y) {
        checkScaleSamples(x, sampleScale, y);
        int bs = x.dim(0);
        long per = x.numel() / bs;
        for (int b = 0; b < bs; b++) {
            double s = sampleScale.getFlat(b);
            for (long i = 0; i < per; i++) y.setFlat(b * per + i, s * x.getFlat(b * per + i));
        }
    }

    // ---------------------------------------------------------------- optimizer

    @Override public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                float eps, float weightDecay, int step) {
        checkAdamw(param, grad, m, v, step);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (long i = 0; i < param.numel(); i++) {
            double p = param.getFlat(i), g = grad.getFlat(i);
            p -= (double) lr * weightDecay * p;
            double mi = beta1 * m.getFlat(i) + (1 - beta1) * g;
            double vi = beta2 * v.getFlat(i) + (1 - beta2) * g * g;
            m.setFlat(i, mi);
            v.setFlat(i, vi);
            p -= lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps);
            param.setFlat(i, p);
        }
    }

    protected static void checkNumel(Tensor a, Tensor b) { OpChecks.numel("op", a, b); }

    // ---- argument checks of the multi-tensor ops (shared with the CPU backend)

    protected static void checkLayerNorm(String op, Tensor x, Tensor gamma, Tensor y, Tensor mean, Tensor rstd) {
        if (x.rank() == 0) throw new IllegalArgumentException(op + ": x must have at least one axis, got " + x);
        OpChecks.numel(op, x, y);
        OpChecks.length(op, "gamma", gamma, x.dim(-1));
        OpChecks.length(op, "mean", mean, x.dim(-1) == 0 ? 0 : x.rows());
        OpChecks.length(op, "rstd", rstd, x.dim(-1) == 0 ? 0 : x.rows());
    }

    protected static void checkLayerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mean, Tensor rstd,
                                                 Tensor gx, Tensor gGamma, Tensor gBeta) {
        checkLayerNorm("layerNormBackward", x, gamma, gx, mean, rstd);
        OpChecks.numel("layerNormBackward", x, gy);
        if (gGamma != null) OpChecks.length("layerNormBackward", "gGamma", gGamma, x.dim(-1));
        if (gBeta != null) OpChecks.length("layerNormBackward", "gBeta", gBeta, x.dim(-1));
    }

    protected static void checkScaleSamples(Tensor x, Tensor sampleScale, Tensor y) {
        if (x.rank() == 0) throw new IllegalArgumentException("scaleSamples: x must have a batch axis, got " + x);
        OpChecks.numel("scaleSamples", x, y);
        OpChecks.length("scaleSamples", "sampleScale", sampleScale, x.dim(0));
    }

    protected static void checkAdamw(Tensor param, Tensor grad, Tensor m, Tensor v, int step) {
        OpChecks.numel("adamw", param, grad, m);
        OpChecks.numel("adamw", param, v);
        if (step < 1) throw new IllegalArgumentException("adamw: step counts from 1, got " + step);
    }
}
