package org.nvit.data;

import org.nvit.engine.Rng;

/** The geometric train/eval transforms: RandomResizedCrop, pad-and-crop, eval resize + centre crop, and flip. */
public final class Crops {
    private Crops() {}

    /**
     * torchvision's RandomResizedCrop: up to 10 tries at a box of area fraction U(scale) and log-uniform aspect ratio
     * that fits the image, else a centre crop with the ratio clamped to the range; then resampled to size x size.
     */
    public static Image randomResizedCrop(Image img, int size, double sMin, double sMax, double rMin, double rMax,
                                          Interpolation f, Rng rng) {
        int H = img.height(), W = img.width();
        double area = (double) H * W;
        double logLo = Math.log(rMin), logHi = Math.log(rMax);
        for (int t = 0; t < 10; t++) {
            double target = area * (sMin + (sMax - sMin) * rng.nextDouble());
            double ratio = Math.exp(logLo + (logHi - logLo) * rng.nextDouble());
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= W && h <= H) {
                int top = rng.nextInt(H - h + 1), left = rng.nextInt(W - w + 1);
                return Resample.crop(img, left, top, w, h, size, size, f);
            }
        }
        double inRatio = (double) W / H;
        int w, h;
        if (inRatio < rMin) { w = W; h = (int) Math.round(w / rMin); }
        else if (inRatio > rMax) { h = H; w = (int) Math.round(h * rMax); }
        else { w = W; h = H; }
        return Resample.crop(img, (W - w) / 2, (H - h) / 2, w, h, size, size, f);
    }

    /** Zero-pads by pad on every side and takes a random size x size window (the image must already be size x size). */
    public static Image padCrop(Image img, int pad, Rng rng) {
        int c = img.channels(), H = img.height(), W = img.width();
        int dy = rng.nextInt(2 * pad + 1) - pad, dx = rng.nextInt(2 * pad + 1) - pad;
        float[] in = img.data(), out = new float[in.length];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < H; y++) {
                int sy = y + dy;
                if (sy < 0 || sy >= H) continue;
                int xLo = Math.max(0, -dx), xHi = Math.min(W, W - dx);
                if (xHi > xLo) System.arraycopy(in, (ch * H + sy) * W + xLo + dx, out, (ch * H + y) * W + xLo, xHi - xLo);
            }
        return new Image(c, H, W, out);
    }

    /** timm's eval transform: shorter side to floor(size / cropFraction), centre crop size x size, in one resample. */
    public static Image resizeCentreCrop(Image img, int size, double cropFraction, Interpolation f) {
        int H = img.height(), W = img.width();
        int scaleSize = (int) Math.floor(size / cropFraction);
        double s = (double) scaleSize / Math.min(H, W);
        if (H == W && scaleSize == size && H == size) return img.copy();
        // torchvision Resize(int): the short side becomes scaleSize, the long side int(scaleSize * long / short)
        long rh = H <= W ? scaleSize : (long) ((double) scaleSize * H / W);
        long rw = W <= H ? scaleSize : (long) ((double) scaleSize * W / H);
        double top = Math.round((rh - size) / 2.0), left = Math.round((rw - size) / 2.0);
        return Resample.crop(img, left / s, top / s, size / s, size / s, size, size, f);
    }

    /** Mirrors left-right in place. */
    public static void hflip(Image img) {
        int W = img.width(), rows = img.channels() * img.height();
        float[] d = img.data();
        for (int r = 0; r < rows; r++)
            for (int a = r * W, b = a + W - 1; a < b; a++, b--) {
                float t = d[a]; d[a] = d[b]; d[b] = t;
            }
    }
}
