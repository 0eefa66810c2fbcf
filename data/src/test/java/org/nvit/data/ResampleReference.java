package org.nvit.data;

/*
 * Separable resampling of a crop box to a new size, PIL-style: when shrinking, the filter is widened by the scale
 * factor (antialiasing), taps outside the image are dropped and the weights renormalised, results are clamped to
 * [0, 1] (bicubic overshoots).
 */
/** The previous (horizontal-first, one channel at a time) resampler, kept as the oracle of ResampleTest. */
final class ResampleReference {
    private ResampleReference() {}

    /** Resizes the whole image. */
    public static Image resize(Image src, int outH, int outW, Interpolation f) {
        if (src.height() == outH && src.width() == outW) return src.copy();
        return crop(src, 0, 0, src.width(), src.height(), outH, outW, f);
    }

    /** Resamples the box [x0, x0+w) x [y0, y0+h) of src (pixel units, may be fractional) to outH x outW. */
    public static Image crop(Image src, double x0, double y0, double w, double h, int outH, int outW, Interpolation f) {
        if (w <= 0 || h <= 0 || outH < 1 || outW < 1) throw new IllegalArgumentException("empty crop or output");
        Taps tx = taps(src.width(), x0, w, outW, f);
        Taps ty = taps(src.height(), y0, h, outH, f);
        int c = src.channels(), H = src.height(), W = src.width();
        float[] in = src.data();
        // horizontal pass over the rows the vertical pass reads
        int rowLo = ty.minIndex(), rowHi = ty.maxIndex();
        int rows = rowHi - rowLo + 1;
        float[] tmp = new float[c * rows * outW];
        for (int ch = 0; ch < c; ch++)
            for (int y = rowLo; y <= rowHi; y++) {
                int inRow = (ch * H + y) * W, outRow = (ch * rows + y - rowLo) * outW;
                for (int x = 0; x < outW; x++) {
                    int s = tx.start[x], n = tx.count[x], wo = x * tx.stride;
                    float acc = 0;
                    for (int k = 0; k < n; k++) acc += tx.w[wo + k] * in[inRow + s + k];
                    tmp[outRow + x] = acc;
                }
            }
        float[] out = new float[c * outH * outW];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < outH; y++) {
                int s = ty.start[y] - rowLo, n = ty.count[y], wo = y * ty.stride, o = (ch * outH + y) * outW;
                for (int k = 0; k < n; k++) {
                    float wk = ty.w[wo + k];
                    int t = (ch * rows + s + k) * outW;
                    for (int x = 0; x < outW; x++) out[o + x] += wk * tmp[t + x];
                }
                for (int x = 0; x < outW; x++) out[o + x] = Math.min(1f, Math.max(0f, out[o + x]));
            }
        return new Image(c, outH, outW, out);
    }

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
