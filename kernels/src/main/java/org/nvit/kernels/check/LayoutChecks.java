package org.nvit.kernels.check;

import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/** Layout kernels: patchify/unpatchify (incl. sizes the patch does not divide), heads, concat/split. Bit-exact. */
final class LayoutChecks {
    private LayoutChecks() {}

    static void run(GpuChecks.Ctx c) {
        for (int[] s : new int[][]{{2, 1, 28, 28, 7}, {3, 3, 32, 24, 8}, {1, 2, 30, 29, 7}}) {
            int b = s[0], ch = s[1], h = s[2], w = s[3], p = s[4];
            int np = (h / p) * (w / p);
            String what = String.format("%dx%dx%dx%d p%d", b, ch, h, w, p);
            Tensor img = c.rand(b, ch, h, w), ref = c.cpu.zeros(DType.F32, b, np, ch * p * p);
            c.cpu.patchify(img, p, ref);
            Tensor out = c.poisoned(b, np, ch * p * p);
            c.gpu.patchify(c.up(img), p, out);
            c.exact("patchify " + what, out, ref);
            Tensor back = c.cpu.zeros(DType.F32, b, ch, h, w), gback = c.poisoned(b, ch, h, w);
            c.cpu.unpatchify(ref, p, back);
            c.gpu.unpatchify(out, p, gback);
            c.exact("unpatchify " + what, gback, back);
        }
        for (int[] s : new int[][]{{2, 197, 6, 64}, {3, 7, 3, 5}, {1, 1, 1, 1}}) {
            int b = s[0], n = s[1], heads = s[2], d = s[3];
            String what = String.format("B%d N%d H%d d%d", b, n, heads, d);
            Tensor x = c.rand(b, n, heads * d), ref = c.cpu.zeros(DType.F32, b, heads, n, d);
            c.cpu.splitHeads(x, heads, ref);
            Tensor out = c.poisoned(b, heads, n, d);
            c.gpu.splitHeads(c.up(x), heads, out);
            c.exact("splitHeads " + what, out, ref);
            Tensor merged = c.poisoned(b, n, heads * d);
            c.gpu.mergeHeads(out, merged);
            c.exact("mergeHeads " + what, merged, x);
        }
        int rows = 197;
        Tensor[] parts = {c.rand(rows, 1), c.rand(rows, 64), c.rand(rows, 7)};
        Tensor ref = c.cpu.zeros(DType.F32, rows, 72);
        c.cpu.concatLast(parts, ref);
        Tensor[] gparts = {c.up(parts[0]), c.up(parts[1]), c.up(parts[2])};
        Tensor out = c.poisoned(rows, 72);
        c.gpu.concatLast(gparts, out);
        c.exact("concatLast 1+64+7", out, ref);
        Tensor[] split = {c.poisoned(rows, 1), c.poisoned(rows, 64), c.poisoned(rows, 7)};
        c.gpu.splitLast(out, split);
        for (int i = 0; i < 3; i++) c.exact("splitLast part " + i, split[i], parts[i]);
    }
}
