package org.nvit.data;

/**
 * Separable resampling of a crop box to a new size, PIL-style: when shrinking, the filter is widened by the scale
 * factor (antialiasing), taps outside the image are dropped and the weights renormalised, results are clamped to
 * [0, 1] (bicubic overshoots).
 */
public final class Resample {
    private Resample() {}

    /** Resizes the whole image. */
    public static Image resize(Image src, int outH, int outW, Interpolation f) {
        if (src.height() == outH && src.width() == outW) return src.copy();
        return crop(src, 0, 0, src.width(), src.height(), outH, outW, f);
    }

    /**
     * Resamples the box [x0, x0+w) x [y0, y0+h) of src (pixel units, may be fractional) to outH x outW. The vertical
     * pass runs first over the columns the box needs (sums of whole rows scaled by one weight: the loop the JIT
     * vectorises), then the horizontal pass over outH rows only, the channels of a pixel together. (Transposing the
     * intermediate to vectorise the horizontal pass as well was slower: the transposes cost more than they saved.)
     */
    public static Image crop(Image src, double x0, double y0, double w, double h, int outH, int outW, Interpolation f) {
        if (w <= 0 || h <= 0 || outH < 1 || outW < 1) throw new IllegalArgumentException("empty crop or output");
        Taps tx = taps(src.width(), x0, w, outW, f);
        Taps ty = taps(src.height(), y0, h, outH, f);
        int c = src.channels(), H = src.height(), W = src.width();
        float[] in = src.data();
        int colLo = tx.minIndex(), cols = tx.maxIndex() - colLo + 1;
        float[] tmp = new float[c * outH * cols];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < outH; y++) {
                int s = ty.start[y], n = ty.count[y], wo = y * ty.stride, o = (ch * outH + y) * cols;
                for (int k = 0; k < n; k++) {
                    float wk = ty.w[wo + k];
                    int r = (ch * H + s + k) * W + colLo;
                    for (int x = 0; x < cols; x++) tmp[o + x] += wk * in[r + x];
                }
            }
        // the horizontal pass over outH rows only, all channels of a pixel together (one read of each weight)
        float[] out = new float[c * outH * outW];
        int plane = outH * outW, tplane = outH * cols;
        for (int y = 0; y < outH; y++) {
            int row = y * cols, o = y * outW;
            for (int x = 0; x < outW; x++) {
                int s = row + tx.start[x] - colLo, n = tx.count[x], wo = x * tx.stride;
                if (c == 3) {
                    float a0 = 0, a1 = 0, a2 = 0;
                    for (int k = 0; k < n; k++) {
                        float wk = tx.w[wo + k];
                        int i = s + k;
                        a0 += wk * tmp[i];
                        a1 += wk * tmp[tplane + i];
                        a2 += wk * tmp[2 * tplane + i];
                    }
                    out[o + x] = clamp(a0);
                    out[plane + o + x] = clamp(a1);
                    out[2 * plane + o + x] = clamp(a2);
                } else {
                    for (int ch = 0; ch < c; ch++) {
                        float a = 0;
                        for (int k = 0; k < n; k++) a += tx.w[wo + k] * tmp[ch * tplane + s + k];
                        out[ch * plane + o + x] = clamp(a);
                    }
                }
            }
        }
        return new Image(c, outH, outW, out);
    }

    private static float clamp(float v) { return Math.min(1f, Math.max(0f, v)); }

    /** Per output coordinate: the first input index, the tap count and the normalised weights. */
    private record Taps(int[] start, int[] count, float[] w, int stride) {
        int minIndex() {
            int m = Integer.MAX_VALUE;
            for (int s : start) m = Math.min(m, s);
            return m;
        }

        int maxIndex() {
            int m = 0;
            for (int i = 0; i < start.length; i++) m = Math.max(m, start[i] + count[i] - 1);
            return m;
        }
    }

    private static Taps taps(int inSize, double origin, double extent, int outSize, Interpolation f) {
        double scale = extent / outSize;
        double fs = Math.max(1, scale);
        double support = f.support * fs;
        int stride = (int) Math.ceil(support) * 2 + 2;
        int[] start = new int[outSize], count = new int[outSize];
        float[] w = new float[outSize * stride];
        double[] tmp = new double[stride];
        for (int i = 0; i < outSize; i++) {
            double centre = origin + (i + 0.5) * scale;
            int lo = Math.max(0, (int) Math.floor(centre - support));
            int hi = Math.min(inSize - 1, (int) Math.ceil(centre + support));
            int n = 0;
            double sum = 0;
            for (int j = lo; j <= hi && n < stride; j++, n++) {
                tmp[n] = f.weight((j + 0.5 - centre) / fs);
                sum += tmp[n];
            }
            if (n == 0 || sum == 0) { // box entirely outside the image: take the nearest edge pixel
                start[i] = Math.min(inSize - 1, Math.max(0, (int) Math.floor(centre)));
                count[i] = 1;
                w[i * stride] = 1;
                continue;
            }
            start[i] = lo;
            count[i] = n;
            for (int k = 0; k < n; k++) w[i * stride + k] = (float) (tmp[k] / sum);
        }
        return new Taps(start, count, w, stride);
    }
}
