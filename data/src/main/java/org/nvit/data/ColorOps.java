package org.nvit.data;

/**
 * PIL's ImageOps / ImageEnhance colour ops on float CHW images in [0, 1]. Ops PIL defines on 8-bit levels
 * (equalize, posterize, solarize thresholds) quantise to 0..255 where the level matters; results are clamped to
 * [0, 1] like PIL's uint8 output. Every op returns a new image.
 */
final class ColorOps {
    private ColorOps() {}

    static Image invert(Image img) {
        float[] d = img.data(), o = new float[d.length];
        for (int i = 0; i < d.length; i++) o[i] = 1 - d[i];
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** Per channel, stretches [min, max] to [0, 1] (PIL autocontrast with cutoff 0). */
    static Image autoContrast(Image img) {
        float[] d = img.data(), o = d.clone();
        int p = img.plane();
        for (int c = 0; c < img.channels(); c++) {
            float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
            for (int i = c * p; i < (c + 1) * p; i++) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
            if (hi - lo < 1e-6f) continue;
            float s = 1 / (hi - lo);
            for (int i = c * p; i < (c + 1) * p; i++) o[i] = (d[i] - lo) * s;
        }
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** PIL ImageOps.equalize per channel on the 256-level histogram. */
    static Image equalize(Image img) {
        float[] d = img.data(), o = d.clone();
        int p = img.plane();
        for (int c = 0; c < img.channels(); c++) {
            int[] hist = new int[256];
            for (int i = c * p; i < (c + 1) * p; i++) hist[level(d[i])]++;
            int last = 255;
            while (last > 0 && hist[last] == 0) last--;
            int step = (p - hist[last]) / 255;
            if (step == 0) continue;
            float[] lut = new float[256];
            int n = step / 2;
            for (int i = 0; i < 256; i++) {
                lut[i] = Math.min(255, n / step) / 255f;
                n += hist[i];
            }
            for (int i = c * p; i < (c + 1) * p; i++) o[i] = lut[level(d[i])];
        }
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** Keeps the top bits of each 8-bit level (bits 0 gives black, as PIL). */
    static Image posterize(Image img, int bits) {
        if (bits >= 8) return img;
        int mask = ~((1 << (8 - bits)) - 1) & 0xFF;
        float[] d = img.data(), o = new float[d.length];
        for (int i = 0; i < d.length; i++) o[i] = (level(d[i]) & mask) / 255f;
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** Inverts values at or above threshold/255 (threshold in 0..256). */
    static Image solarize(Image img, int threshold) {
        float t = threshold / 255f;
        float[] d = img.data(), o = new float[d.length];
        for (int i = 0; i < d.length; i++) o[i] = d[i] >= t ? 1 - d[i] : d[i];
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** Adds add/255 to values below threshold/255, clamped to 1. */
    static Image solarizeAdd(Image img, int add, int threshold) {
        float t = threshold / 255f, a = add / 255f;
        float[] d = img.data(), o = new float[d.length];
        for (int i = 0; i < d.length; i++) o[i] = d[i] < t ? Math.min(1, d[i] + a) : d[i];
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** Brightness: blend with black. */
    static Image brightness(Image img, double factor) {
        float f = (float) factor;
        float[] d = img.data(), o = new float[d.length];
        for (int i = 0; i < d.length; i++) o[i] = clamp(d[i] * f);
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** Contrast: blend with the mean grey level of the image. */
    static Image contrast(Image img, double factor) {
        float[] grey = grey(img);
        double sum = 0;
        for (float g : grey) sum += g;
        float mean = (float) (sum / grey.length), f = (float) factor;
        float[] d = img.data(), o = new float[d.length];
        for (int i = 0; i < d.length; i++) o[i] = clamp(mean + f * (d[i] - mean));
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** Color (saturation): blend with the image's grey version (identity for 1 channel). */
    static Image color(Image img, double factor) {
        if (img.channels() != 3) return img.copy();
        float[] grey = grey(img), d = img.data(), o = new float[d.length];
        int p = img.plane();
        float f = (float) factor;
        for (int i = 0; i < d.length; i++) {
            float g = grey[i % p];
            o[i] = clamp(g + f * (d[i] - g));
        }
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    /** Sharpness: blend with PIL's SMOOTH-filtered image (3x3 kernel 1 1 1 / 1 5 1 / 1 1 1, /13; border unchanged). */
    static Image sharpness(Image img, double factor) {
        int H = img.height(), W = img.width();
        float[] d = img.data(), o = d.clone();
        float f = (float) factor;
        if (H < 3 || W < 3) return img.copy();
        for (int c = 0; c < img.channels(); c++) {
            int base = c * H * W;
            for (int y = 1; y < H - 1; y++)
                for (int x = 1; x < W - 1; x++) {
                    int i = base + y * W + x;
                    float s = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++) s += d[i + dy * W + dx];
                    float smooth = (s + 4 * d[i]) / 13f;
                    o[i] = clamp(smooth + f * (d[i] - smooth));
                }
        }
        return new Image(img.channels(), H, W, o);
    }

    /** ITU-R 601 luma (PIL's "L"), or the channel itself for grey images. */
    static float[] grey(Image img) {
        int p = img.plane();
        float[] d = img.data();
        if (img.channels() != 3) return java.util.Arrays.copyOf(d, p);
        float[] g = new float[p];
        for (int i = 0; i < p; i++) g[i] = 0.299f * d[i] + 0.587f * d[p + i] + 0.114f * d[2 * p + i];
        return g;
    }

    static int level(float v) { return Math.min(255, Math.max(0, Math.round(v * 255))); }

    private static float clamp(float v) { return Math.min(1f, Math.max(0f, v)); }
}
