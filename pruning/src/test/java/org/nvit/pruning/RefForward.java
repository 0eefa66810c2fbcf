package org.nvit.pruning;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * Test oracle independent of the model module: a plain float64 ViT forward over a timm-named state dict (fused qkv or
 * separate q/k/v), and random state dicts for any ragged config.
 */
final class RefForward {
    private RefForward() {}

    private static final ThreadLocal<boolean[]> ALIVE = new ThreadLocal<>();

    /** Random timm-style parameters (F64), fused qkv where qk == v unless {@code separate}. */
    static LinkedHashMap<String, Tensor> randomParams(VitConfig c, long seed, boolean separate) {
        Rng r = new Rng(seed);
        LinkedHashMap<String, Tensor> p = new LinkedHashMap<>();
        int e = c.embedDim(), pp = c.patchSize();
        p.put("cls_token", rnd(r, 1, 1, e));
        if (c.distilled()) p.put("dist_token", rnd(r, 1, 1, e));
        p.put("pos_embed", rnd(r, 1, c.numTokens(), e));
        p.put("patch_embed.proj.weight", rnd(r, e, c.inChans(), pp, pp));
        p.put("patch_embed.proj.bias", rnd(r, e));
        for (int b = 0; b < c.depth(); b++) {
            BlockSpec s = c.blocks().get(b);
            String q = "blocks." + b + ".";
            p.put(q + "norm1.weight", ones(r, e));
            p.put(q + "norm1.bias", rnd(r, e));
            if (s.qkDim() == s.vDim() && !separate) {
                p.put(q + "attn.qkv.weight", rnd(r, 2 * s.qkWidth() + s.vWidth(), e));
                p.put(q + "attn.qkv.bias", rnd(r, 2 * s.qkWidth() + s.vWidth()));
            } else {
                p.put(q + "attn.q.weight", rnd(r, s.qkWidth(), e));
                p.put(q + "attn.q.bias", rnd(r, s.qkWidth()));
                p.put(q + "attn.k.weight", rnd(r, s.qkWidth(), e));
                p.put(q + "attn.k.bias", rnd(r, s.qkWidth()));
                p.put(q + "attn.v.weight", rnd(r, s.vWidth(), e));
                p.put(q + "attn.v.bias", rnd(r, s.vWidth()));
            }
            p.put(q + "attn.proj.weight", rnd(r, e, s.vWidth()));
            p.put(q + "attn.proj.bias", rnd(r, e));
            p.put(q + "norm2.weight", ones(r, e));
            p.put(q + "norm2.bias", rnd(r, e));
            p.put(q + "mlp.fc1.weight", rnd(r, s.mlpDim(), e));
            p.put(q + "mlp.fc1.bias", rnd(r, s.mlpDim()));
            p.put(q + "mlp.fc2.weight", rnd(r, e, s.mlpDim()));
            p.put(q + "mlp.fc2.bias", rnd(r, e));
        }
        p.put("norm.weight", ones(r, e));
        p.put("norm.bias", rnd(r, e));
        p.put("head.weight", rnd(r, c.numClasses(), e));
        p.put("head.bias", rnd(r, c.numClasses()));
        if (c.distilled()) {
            p.put("head_dist.weight", rnd(r, c.numClasses(), e));
            p.put("head_dist.bias", rnd(r, c.numClasses()));
        }
        return p;
    }

    static Tensor rnd(Rng r, int... shape) { return Tensor.randn(DType.F64, r, 0.3, shape); }

    static Tensor ones(Rng r, int... shape) {
        Tensor t = Tensor.zeros(DType.F64, shape);
        for (int i = 0; i < t.numel(); i++) t.setFlat(i, 1 + 0.2 * r.nextGaussian());
        return t;
    }

    /** Logits [B][classes] of the cls head (plus the dist head, averaged, when distilled). */
    static double[][] logits(VitConfig c, Map<String, Tensor> p, Tensor images) { return logits(c, p, images, null); }

    /** As above; when alive is not null, every LayerNorm takes its statistics over the alive EMB channels only. */
    static double[][] logits(VitConfig c, Map<String, Tensor> p, Tensor images, boolean[] alive) {
        ALIVE.set(alive);
        int bsz = images.dim(0), e = c.embedDim(), n = c.numTokens(), ps = c.patchSize(), g = c.imageSize() / ps;
        int extra = c.distilled() ? 2 : 1;
        double[][] out = new double[bsz][];
        for (int bi = 0; bi < bsz; bi++) {
            double[][] x = new double[n][e];
            Tensor pw = p.get("patch_embed.proj.weight"), pb = p.get("patch_embed.proj.bias");
            for (int gy = 0; gy < g; gy++) for (int gx = 0; gx < g; gx++) {
                double[] tok = x[extra + gy * g + gx];
                for (int o = 0; o < e; o++) {
                    double s = pb.getFlat(o);
                    for (int ch = 0; ch < c.inChans(); ch++) for (int dy = 0; dy < ps; dy++) for (int dx = 0; dx < ps; dx++)
                        s += pw.get(o, ch, dy, dx) * images.get(bi, ch, gy * ps + dy, gx * ps + dx);
                    tok[o] = s;
                }
            }
            for (int o = 0; o < e; o++) {
                x[0][o] = p.get("cls_token").getFlat(o);
                if (c.distilled()) x[1][o] = p.get("dist_token").getFlat(o);
            }
            for (int t = 0; t < n; t++) for (int o = 0; o < e; o++) x[t][o] += p.get("pos_embed").getFlat((long) t * e + o);
            for (int b = 0; b < c.depth(); b++) block(c, b, p, x);
            if (c.avgPool()) { // mean of the patch tokens, then the norm, then the head
                double[][] mean = new double[1][e];
                for (int t = extra; t < n; t++) for (int o = 0; o < e; o++) mean[0][o] += x[t][o] / (n - extra);
                out[bi] = linear(ln(mean, p.get("norm.weight"), p.get("norm.bias"), c.layerNormEps())[0],
                        p.get("head.weight"), p.get("head.bias"));
                continue;
            }
            double[][] h = ln(x, p.get("norm.weight"), p.get("norm.bias"), c.layerNormEps());
            double[] lg = linear(h[0], p.get("head.weight"), p.get("head.bias"));
            if (c.distilled()) {
                double[] ld = linear(h[1], p.get("head_dist.weight"), p.get("head_dist.bias"));
                for (int k = 0; k < lg.length; k++) lg[k] = (lg[k] + ld[k]) / 2;
            }
            out[bi] = lg;
        }
        return out;
    }

    private static void block(VitConfig c, int b, Map<String, Tensor> p, double[][] x) {
        BlockSpec s = c.blocks().get(b);
        String pre = "blocks." + b + ".";
        int n = x.length, hN = s.heads(), dq = s.qkDim(), dv = s.vDim();
        double[][] h = ln(x, p.get(pre + "norm1.weight"), p.get(pre + "norm1.bias"), c.layerNormEps());
        double[][] q = new double[n][], k = new double[n][], v = new double[n][];
        for (int t = 0; t < n; t++) {
            if (p.containsKey(pre + "attn.qkv.weight")) {
                double[] all = linear(h[t], p.get(pre + "attn.qkv.weight"), p.get(pre + "attn.qkv.bias"));
                q[t] = java.util.Arrays.copyOfRange(all, 0, hN * dq);
                k[t] = java.util.Arrays.copyOfRange(all, hN * dq, 2 * hN * dq);
                v[t] = java.util.Arrays.copyOfRange(all, 2 * hN * dq, 2 * hN * dq + hN * dv);
            } else {
                q[t] = linear(h[t], p.get(pre + "attn.q.weight"), p.get(pre + "attn.q.bias"));
                k[t] = linear(h[t], p.get(pre + "attn.k.weight"), p.get(pre + "attn.k.bias"));
                v[t] = linear(h[t], p.get(pre + "attn.v.weight"), p.get(pre + "attn.v.bias"));
            }
        }
        double scale = c.scaleOf(b);
        double[][] o = new double[n][hN * dv];
        for (int hh = 0; hh < hN; hh++) for (int i = 0; i < n; i++) {
            double[] a = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double d = 0;
                for (int z = 0; z < dq; z++) d += q[i][hh * dq + z] * k[j][hh * dq + z];
                a[j] = d * scale;
                max = Math.max(max, a[j]);
            }
            double sum = 0;
            for (int j = 0; j < n; j++) sum += a[j] = Math.exp(a[j] - max);
            for (int j = 0; j < n; j++) for (int z = 0; z < dv; z++) o[i][hh * dv + z] += a[j] / sum * v[j][hh * dv + z];
        }
        for (int t = 0; t < n; t++) {
            double[] y = linear(o[t], p.get(pre + "attn.proj.weight"), p.get(pre + "attn.proj.bias"));
            for (int i = 0; i < y.length; i++) x[t][i] += y[i];
        }
        double[][] h2 = ln(x, p.get(pre + "norm2.weight"), p.get(pre + "norm2.bias"), c.layerNormEps());
        for (int t = 0; t < n; t++) {
            double[] m = linear(h2[t], p.get(pre + "mlp.fc1.weight"), p.get(pre + "mlp.fc1.bias"));
            for (int i = 0; i < m.length; i++) m[i] = m[i] * 0.5 * (1 + org.nvit.engine.ref.Erf.erf(m[i] / Math.sqrt(2)));
            double[] y = linear(m, p.get(pre + "mlp.fc2.weight"), p.get(pre + "mlp.fc2.bias"));
            for (int i = 0; i < y.length; i++) x[t][i] += y[i];
        }
    }

    static double[] linear(double[] x, Tensor w, Tensor b) {
        int out = w.dim(0), in = w.dim(1);
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b.getFlat(o);
            for (int i = 0; i < in; i++) s += w.getFlat((long) o * in + i) * x[i];
            y[o] = s;
        }
        return y;
    }

    /**
     * LayerNorm over the last axis. A masked model's zeroed EMB channels would bias the statistics of a plain LN
     * (mean and variance over E instead of the alive E'), so with an alive mask the statistics skip dead channels:
     * that is the LN under which EMB masking equals EMB removal.
     */
    static double[][] ln(double[][] x, Tensor g, Tensor b, double eps) {
        int e = x[0].length;
        double[][] y = new double[x.length][e];
        boolean[] alive = ALIVE.get();
        int cnt = 0;
        for (int i = 0; i < e; i++) if (alive == null || alive[i]) cnt++;
        for (int t = 0; t < x.length; t++) {
            double mean = 0, var = 0;
            for (int i = 0; i < e; i++) if (alive == null || alive[i]) mean += x[t][i];
            mean /= cnt;
            for (int i = 0; i < e; i++) if (alive == null || alive[i]) var += (x[t][i] - mean) * (x[t][i] - mean);
            var /= cnt;
            double r = 1 / Math.sqrt(var + eps);
            for (int i = 0; i < e; i++) y[t][i] = (x[t][i] - mean) * r * g.getFlat(i) + b.getFlat(i);
        }
        return y;
    }
}
