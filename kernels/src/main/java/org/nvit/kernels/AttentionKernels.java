package org.nvit.kernels;

import org.nvit.engine.Tensor;
import org.nvit.engine.fused.FusedAttention;

/**
 * {@link FusedAttention} on the GPU (attention.cu): grids of (64-row tiles, heads, images), 4 warps per block,
 * dynamic shared memory sized here with the kernels' own carve-up. The precision picks the tile products: FP32 on
 * CUDA cores, TF32 or BF16 on tensor cores. Heads up to 128 wide, multiples of 8.
 */
final class AttentionKernels implements FusedAttention {
    static final int ROWS = 64, TILE = 32, THREADS = 128, MAX_DIM = 128;
    private final CudaBackend cb;
    private final Gpu gpu;

    AttentionKernels(CudaBackend cb) {
        this.cb = cb;
        this.gpu = cb.gpu;
    }

    static int pad16(int d) { return (d + 15) / 16 * 16; }

    private static int take(int rows, int ld, int elem) { return (rows * ld * elem + 127) / 128 * 128; }

    /** Bytes of shared memory of kernel {@code which} (0 forward, 1 dK/dV, 2 dQ) for operand elements of elem bytes. */
    static int sharedBytes(int which, int dq, int dv, int elem) {
        int pad = elem == 2 ? 8 : 4, qd = pad16(dq), vd = pad16(dv);
        int lq = qd + pad, lv = vd + pad, lp = TILE + pad, ls = TILE + 4;
        return switch (which) {
            case 0 -> take(ROWS, lq, elem) + take(TILE, lq, elem) + take(TILE, lv, elem) + take(ROWS, ls, 4)
                    + take(ROWS, lp, elem) + take(ROWS, vd + 4, 4);
            case 1 -> take(ROWS, lq, elem) + take(ROWS, lv, elem) + take(TILE, lq, elem) + take(TILE, lv, elem)
                    + take(ROWS, ls, 4) + 2 * take(ROWS, lp, elem) + take(ROWS, qd + 4, 4) + take(ROWS, vd + 4, 4)
                    + 2 * take(1, TILE, 4);
            default -> take(ROWS, lq, elem) + take(ROWS, lv, elem) + take(TILE, lq, elem) + take(TILE, lv, elem)
                    + take(ROWS, ls, 4) + take(ROWS, lp, elem) + take(ROWS, qd + 4, 4) + take(1, ROWS, 4);
        };
    }

    private String suffix() {
        return switch (cb.precision()) { case FP32 -> "f32"; case TF32 -> "tf32"; case BF16 -> "bf16"; };
    }

    private int elem() { return cb.precision() == Precision.BF16 ? 2 : 4; }

    @Override public boolean supports(int dq, int dv) {
        if (dq <= 0 || dv <= 0 || dq % 8 != 0 || dv % 8 != 0 || dq > MAX_DIM || dv > MAX_DIM) return false;
        for (int k = 0; k < 3; k++) if (sharedBytes(k, dq, dv, elem()) > gpu.sharedMemoryOptin) return false;
        return true;
    }

    private void check(Operand o, int b, int n, int width) {
        Tensor t = o.t();
        if (o.col() < 0 || o.col() + width > o.ld() || t.numel() != (long) b * n * o.ld())
            throw new IllegalArgumentException("attention: operand " + t + " is not [" + b + ", " + n + ", " + o.ld()
                    + "] with columns " + o.col() + " .. " + (o.col() + width));
    }

    private DevPtr at(Operand o) { return cb.p(o.t()).plus(4L * o.col()); }

    private DevPtr at(Grad g) { return g == null ? null : cb.p(g.t()).plus(4L * g.col()); }

    @Override public void forward(Operand q, Operand k, Operand v, int b, int n, int heads, int dq, int dv, float scale,
                                  Tensor out, Tensor lse) {
        if (!supports(dq, dv)) throw new IllegalArgumentException("attention: head widths " + dq + "/" + dv + " are not fused on the GPU");
        check(q, b, n, heads * dq);
        check(k, b, n, heads * dq);
        check(v, b, n, heads * dv);
        if (out.numel() != (long) b * n * heads * dv || lse.numel() != (long) b * heads * n)
            throw new IllegalArgumentException("attention: out " + out + " / lse " + lse + " do not fit");
        if (b == 0 || n == 0) return;
        gpu.launch3("nvit_attention_forward_" + suffix(), (n + ROWS - 1) / ROWS, heads, b, THREADS, 1,
                sharedBytes(0, dq, dv, elem()), at(q), q.ld(), at(k), k.ld(), at(v), v.ld(), cb.p(out), cb.p(lse), n,
                heads, dq, dv, scale);
    }

    @Override public void backward(Operand q, Operand k, Operand v, int b, int n, int heads, int dq, int dv, float scale,
                                   Tensor out, Tensor gOut, Tensor lse, Grad gq, Grad gk, Grad gv) {
        if (!supports(dq, dv)) throw new IllegalArgumentException("attention: head widths " + dq + "/" + dv + " are not fused on the GPU");
        if (b == 0 || n == 0) return;
        String s = suffix();
        int e = elem();
        if (gk != null || gv != null)
            gpu.launch3("nvit_attention_backward_kv_" + s, (n + ROWS - 1) / ROWS, heads, b, THREADS, 1,
                    sharedBytes(1, dq, dv, e), at(q), q.ld(), at(k), k.ld(), at(v), v.ld(), cb.p(out), cb.p(gOut),
                    cb.p(lse), at(gk), gk == null ? 0 : gk.ld(), gk == null ? 0f : gk.beta(), at(gv),
                    gv == null ? 0 : gv.ld(), gv == null ? 0f : gv.beta(), n, heads, dq, dv, scale);
        if (gq != null)
            gpu.launch3("nvit_attention_backward_q_" + s, (n + ROWS - 1) / ROWS, heads, b, THREADS, 1,
                    sharedBytes(2, dq, dv, e), at(q), q.ld(), at(k), k.ld(), at(v), v.ld(), cb.p(out), cb.p(gOut),
                    cb.p(lse), at(gq), gq.ld(), gq.beta(), n, heads, dq, dv, scale);
    }
}
