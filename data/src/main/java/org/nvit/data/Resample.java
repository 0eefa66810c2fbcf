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
     * pass runs first over the columns the box needs, then the horizontal pass over outH rows only, on the transposed
     * intermediate: both passes are then sums of whole contiguous rows scaled by one weight, the loop the JIT
     * vectorises.
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
        // the horizontal pass as a vertical one over the transposed rows: output columns become contiguous runs
        float[] tt = transpose(tmp, c, outH, cols);
        float[] ot = new float[c * outW * outH];
        for (int ch = 0; ch < c; ch++)
            for (int x = 0; x < outW; x++) {
                int s = tx.start[x] - colLo, n = tx.count[x], wo = x * tx.stride, o = (ch * outW + x) * outH;
                for (int k = 0; k < n; k++) {
                    float wk = tx.w[wo + k];
                    int r = (ch * cols + s + k) * outH;
                    for (int y = 0; y < outH; y++) ot[o + y] += wk * tt[r + y];
                }
            }
        float[] out = transpose(ot, c, outW, outH);
        for (int i = 0; i < out.length; i++) out[i] = clamp(out[i]);
        return new Image(c, outH, outW, out);
    }

    /** Each of the c planes rows x cols of a, transposed to cols x rows. */
    private static float[] transpose(float[] a, int c, int rows, int cols) {
        float[] t = new float[a.length];
        final int B = 16;
        for (int ch = 0; ch < c; ch++) {
            int base = ch * rows * cols;
            for (int r0 = 0; r0 < rows; r0 += B)
                for (int c0 = 0; c0 < cols; c0 += B)
                    for (int r = r0, re = Math.min(rows, r0 + B); r < re; r++)
                        for (int q = c0, ce = Math.min(cols, c0 + B); q < ce; q++)
                            t[base + q * rows + r] = a[base + r * cols + q];
        }
        return t;
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
