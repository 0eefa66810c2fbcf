package org.nvit.data;

import org.nvit.engine.Rng;

/**
 * timm's RandomErasing, mode 'pixel', count 1, applied after normalisation: with probability p, up to 10 tries at a
 * box of area fraction U(0.02, 1/3) and log-uniform aspect in (0.3, 1/0.3) that fits; its values become N(0, 1)
 * per pixel and channel.
 */
public final class RandomErasing {
    static final double MIN_AREA = 0.02, MAX_AREA = 1 / 3.0, LOG_RATIO = Math.log(0.3);

    private RandomErasing() {}

    /** Erases in place; returns true when a box was erased. */
    public static boolean apply(Image img, double p, Rng rng) {
        if (p <= 0 || rng.nextDouble() >= p) return false;
        int C = img.channels(), H = img.height(), W = img.width();
        double area = (double) H * W;
        for (int t = 0; t < 10; t++) {
            double target = area * (MIN_AREA + (MAX_AREA - MIN_AREA) * rng.nextDouble());
            double aspect = Math.exp(LOG_RATIO + (-2 * LOG_RATIO) * rng.nextDouble());
            int h = (int) Math.round(Math.sqrt(target * aspect)), w = (int) Math.round(Math.sqrt(target / aspect));
            if (h < 1 || w < 1 || h >= H || w >= W) continue;
            int top = rng.nextInt(H - h + 1), left = rng.nextInt(W - w + 1);
            float[] d = img.data();
            for (int c = 0; c < C; c++)
                for (int y = top; y < top + h; y++)
                    for (int x = left; x < left + w; x++) d[(c * H + y) * W + x] = (float) rng.nextGaussian();
            return true;
        }
        return false;
    }
}
