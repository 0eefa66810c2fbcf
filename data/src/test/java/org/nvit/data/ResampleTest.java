package org.nvit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Rng;

/** The vertical-first resampler gives the previous horizontal-first one's values (float rounding apart). */
class ResampleTest {
    @Test void matchesTheReferenceOnRandomCrops() {
        Rng rng = new Rng(9);
        for (int t = 0; t < 60; t++) {
            int c = t % 3 == 0 ? 1 : 3, H = 5 + rng.nextInt(90), W = 5 + rng.nextInt(90);
            float[] d = new float[c * H * W];
            for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextDouble();
            Image img = new Image(c, H, W, d);
            double w = 1 + rng.nextDouble() * (W + 10), h = 1 + rng.nextDouble() * (H + 10);
            double x0 = rng.nextDouble() * W - 5, y0 = rng.nextDouble() * H - 5;
            int oh = 1 + rng.nextInt(60), ow = 1 + rng.nextInt(60);
            Interpolation f = t % 2 == 0 ? Interpolation.BICUBIC : Interpolation.BILINEAR;
            float[] a = Resample.crop(img, x0, y0, w, h, oh, ow, f).data();
            float[] b = ResampleReference.crop(img, x0, y0, w, h, oh, ow, f).data();
            assertEquals(b.length, a.length);
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 2e-6f, "case " + t + " value " + i);
        }
    }
}
