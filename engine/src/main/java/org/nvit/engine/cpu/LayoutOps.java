package org.nvit.engine.cpu;

import java.util.Arrays;
import org.nvit.engine.Tensor;

/**
 * Data movement: patchify/unpatchify, concatenation along the last axis and the attention head split/merge. Every
 * op is a set of contiguous runs copied with System.arraycopy, parallel over outer rows. Shapes are checked by the
 * caller.
 */
final class LayoutOps {
    private LayoutOps() {}

    /** images [B, C, H, W] -> patches [B, gh*gw, C*p*p]: runs of p pixels, one per (patch, channel, dy). */
    static void patchify(Tensor images, int p, Tensor patches) {
        float[] src = images.floats(), dst = patches.floats();
        int os = images.off(), od = patches.off();
        int c = images.dim(1), h = images.dim(2), w = images.dim(3), gh = h / p, gw = w / p;
        Par.rows(images.dim(0) * gh, (long) gw * c * p * p, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int b = r / gh, py = r % gh;
                for (int px = 0; px < gw; px++) {
                    int d = od + ((b * gh + py) * gw + px) * c * p * p;
                    for (int ch = 0; ch < c; ch++)
                        for (int dy = 0; dy < p; dy++, d += p)
                            System.arraycopy(src, os + ((b * c + ch) * h + py * p + dy) * w + px * p, dst, d, p);
                }
            }
        });
    }

    /** The adjoint of patchify; pixels no patch covers (H or W not a multiple of p) are zeroed. */
    static void unpatchify(Tensor patches, int p, Tensor images) {
        float[] src = patches.floats(), dst = images.floats();
        int os = patches.off(), od = images.off();
        int c = images.dim(1), h = images.dim(2), w = images.dim(3), gh = h / p, gw = w / p;
        if (gh * p != h || gw * p != w) Arrays.fill(dst, od, od + (int) images.numel(), 0f);
        Par.rows(images.dim(0) * gh, (long) gw * c * p * p, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int b = r / gh, py = r % gh;
                for (int px = 0; px < gw; px++) {
                    int s = os + ((b * gh + py) * gw + px) * c * p * p;
                    for (int ch = 0; ch < c; ch++)
                        for (int dy = 0; dy < p; dy++, s += p)
                            System.arraycopy(src, s, dst, od + ((b * c + ch) * h + py * p + dy) * w + px * p, p);
                }
            }
        });
    }

    /** parts [rows, n_i] -> out [rows, sum n_i] (toOut) or back (!toOut). */
    static void concatOrSplit(Tensor[] parts, Tensor whole, boolean toOut) {
        float[] wa = whole.floats();
        int ow = whole.off(), total = whole.dim(-1), rows = whole.rows();
        Par.rows(rows, total, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int col = 0;
                for (Tensor part : parts) {
                    int n = part.dim(-1);
                    int pi = part.off() + r * n, wi = ow + r * total + col;
                    if (toOut) System.arraycopy(part.floats(), pi, wa, wi, n);
                    else System.arraycopy(wa, wi, part.floats(), pi, n);
                    col += n;
                }
            }
        });
    }

    /** [B, N, H*d] <-> [B, H, N, d]: one run of d per (b, token, head). */
    static void heads(Tensor tokens, Tensor split, boolean toSplit) {
        float[] ta = tokens.floats(), sa = split.floats();
        int ot = tokens.off(), os = split.off();
        int bs = split.dim(0), heads = split.dim(1), nt = split.dim(2), d = split.dim(3);
        Par.rows(bs * nt, (long) heads * d, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int b = r / nt, t = r % nt;
                for (int h = 0; h < heads; h++) {
                    int ti = ot + r * heads * d + h * d, si = os + ((b * heads + h) * nt + t) * d;
                    if (toSplit) System.arraycopy(ta, ti, sa, si, d);
                    else System.arraycopy(sa, si, ta, ti, d);
                }
            }
        });
    }
}
