package org.nvit.data;

/**
 * Inverse-mapped affine warps with bilinear sampling (PIL's {@code Image.transform(AFFINE)} convention): the output
 * pixel centred at (x, y) samples the input at (a x + b y + c, d x + e y + f); outside the image it takes the fill.
 */
final class Affine {
    private Affine() {}

    static Image warp(Image img, double a, double b, double c, double d, double e, double f, float[] fill) {
        int C = img.channels(), H = img.height(), W = img.width();
        float[] in = img.data(), out = new float[in.length];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double px = x + 0.5, py = y + 0.5;
                double sx = a * px + b * py + c - 0.5, sy = d * px + e * py + f - 0.5;
                int x0 = (int) Math.floor(sx), y0 = (int) Math.floor(sy);
                float fx = (float) (sx - x0), fy = (float) (sy - y0);
                int o = y * W + x;
                if (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H) {
                    for (int ch = 0; ch < C; ch++) out[ch * H * W + o] = fill[ch];
                    continue;
                }
                if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) { // interior: no bounds checks
                    int i = y0 * W + x0;
                    for (int ch = 0, base = 0; ch < C; ch++, base += H * W) {
                        float v00 = in[base + i], v01 = in[base + i + 1], v10 = in[base + i + W], v11 = in[base + i + W + 1];
                        float top = v00 + fx * (v01 - v00), bot = v10 + fx * (v11 - v10);
                        out[base + o] = top + fy * (bot - top);
                    }
                    continue;
                }
                for (int ch = 0; ch < C; ch++) {
                    int base = ch * H * W;
                    float v00 = px(in, base, W, H, x0, y0, fill[ch]), v01 = px(in, base, W, H, x0 + 1, y0, fill[ch]);
                    float v10 = px(in, base, W, H, x0, y0 + 1, fill[ch]), v11 = px(in, base, W, H, x0 + 1, y0 + 1, fill[ch]);
                    float top = v00 + fx * (v01 - v00), bot = v10 + fx * (v11 - v10);
                    out[base + o] = top + fy * (bot - top);
                }
            }
        return new Image(C, H, W, out);
    }

    private static float px(float[] in, int base, int W, int H, int x, int y, float fill) {
        return (x < 0 || y < 0 || x >= W || y >= H) ? fill : in[base + y * W + x];
    }

    /** Rotation by deg degrees (counter-clockwise, as PIL) about the image centre, same size. */
    static Image rotate(Image img, double deg, float[] fill) {
        double t = Math.toRadians(deg), cos = Math.cos(t), sin = Math.sin(t);
        double cx = img.width() / 2.0, cy = img.height() / 2.0;
        // input = R(-t) (output - centre) + centre, with y pointing down
        double a = cos, b = -sin, d = sin, e = cos;
        double c = cx - a * cx - b * cy, f = cy - d * cx - e * cy;
        return warp(img, a, b, c, d, e, f, fill);
    }
}
