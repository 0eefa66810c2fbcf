package org.nvit.data;

import org.nvit.engine.Rng;

/**
 * Batch-level Mixup / CutMix with label smoothing, as timm's Mixup in mode 'batch' with prob 1: one lambda per batch,
 * the partner of row i is row B-1-i (the batch flipped). With both alphas on, CutMix is chosen with the switch
 * probability. CutMix pastes the partner's box and corrects lambda to 1 - (clipped box area)/(H W). Targets are
 * {@code lam * smooth(y) + (1 - lam) * smooth(y flipped)} with smooth = 1 - s + s/C on and s/C off.
 */
public final class MixupCutmix {
    private MixupCutmix() {}

    /** Smoothed one-hot targets [B, classes], no mixing. */
    public static float[] smoothTargets(int[] labels, int classes, double smoothing) {
        float[] t = new float[labels.length * classes];
        addTargets(t, labels, classes, smoothing, 1.0, false);
        return t;
    }

    /**
     * Mixes the batch images x [B, C, H, W] in place and returns the soft targets [B, classes]; lambda is drawn from
     * rng. Returns the plain smoothed targets when both alphas are 0.
     */
    public static float[] apply(float[] x, int[] labels, int C, int H, int W, int classes, AugmentConfig cfg, Rng rng) {
        int B = labels.length;
        if (!cfg.mixing()) return smoothTargets(labels, classes, cfg.labelSmoothing());
        boolean cutmix = cfg.cutmixAlpha() > 0 && (cfg.mixupAlpha() <= 0 || rng.nextDouble() < cfg.mixSwitchProb());
        double lam = beta(cutmix ? cfg.cutmixAlpha() : cfg.mixupAlpha(), rng);
        int per = C * H * W;
        float[] orig = x.clone();
        if (cutmix) {
            double cut = Math.sqrt(1 - lam);
            int ch = (int) (H * cut), cw = (int) (W * cut);
            int cy = rng.nextInt(H), cx = rng.nextInt(W);
            int y0 = clamp(cy - ch / 2, H), y1 = clamp(cy + ch / 2, H);
            int x0 = clamp(cx - cw / 2, W), x1 = clamp(cx + cw / 2, W);
            lam = 1 - (double) (y1 - y0) * (x1 - x0) / ((double) H * W);
            for (int b = 0; b < B; b++) {
                int src = (B - 1 - b) * per, dst = b * per;
                for (int c = 0; c < C; c++)
                    for (int y = y0; y < y1; y++) {
                        int o = (c * H + y) * W + x0;
                        System.arraycopy(orig, src + o, x, dst + o, x1 - x0);
                    }
            }
        } else {
            float l = (float) lam, r = (float) (1 - lam);
            for (int b = 0; b < B; b++) {
                int src = (B - 1 - b) * per, dst = b * per;
                for (int k = 0; k < per; k++) x[dst + k] = l * orig[dst + k] + r * orig[src + k];
            }
        }
        float[] t = new float[B * classes];
        addTargets(t, labels, classes, cfg.labelSmoothing(), lam, false);
        addTargets(t, labels, classes, cfg.labelSmoothing(), 1 - lam, true);
        return t;
    }

    private static void addTargets(float[] t, int[] labels, int classes, double s, double weight, boolean flipped) {
        int B = labels.length;
        double off = s / classes, on = 1 - s + off;
        for (int b = 0; b < B; b++) {
            int y = labels[flipped ? B - 1 - b : b];
            for (int k = 0; k < classes; k++) t[b * classes + k] += (float) (weight * (k == y ? on : off));
        }
    }

    private static int clamp(int v, int hi) { return Math.max(0, Math.min(hi, v)); }

    /** Beta(a, a) as X / (X + Y) with X, Y ~ Gamma(a). */
    static double beta(double a, Rng rng) {
        double x = gamma(a, rng), y = gamma(a, rng);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /** Marsaglia-Tsang gamma(shape, 1); shape < 1 through the U^(1/shape) boost. */
    static double gamma(double shape, Rng rng) {
        if (shape < 1) return gamma(shape + 1, rng) * Math.pow(1 - rng.nextDouble(), 1 / shape);
        double d = shape - 1 / 3.0, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z, v;
            do {
                z = rng.nextGaussian();
                v = 1 + c * z;
            } while (v <= 0);
            v = v * v * v;
            double u = 1 - rng.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
        }
    }
}
