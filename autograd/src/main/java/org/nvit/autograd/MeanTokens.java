package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * Global average pooling over tokens: y[b] = mean of x[b, t, :] for t in [from, N), x [B, N, D] -> [B, D] (timm's
 * {@code global_pool='avg'}, which skips the cls/dist tokens). Forward and backward are batched GEMMs with a ones
 * vector: y_b = (1/n) 1ᵀ X_b, and gX_b += (1/n) 1 gy_b, a rank-1 update of the pooled rows only.
 */
final class MeanTokens {
    private MeanTokens() {}

    static Var apply(Var x, int from) {
        Tensor xv = x.value();
        if (xv.rank() != 3 || from < 0 || from >= xv.dim(1))
            throw Ops.bad("meanTokens", "tokens [" + from + ", N) of " + Ops.str(xv) + " (expected [B, N, D] with N > from)");
        int bs = xv.dim(0), nt = xv.dim(1), d = xv.dim(2), n = nt - from;
        Backend be = Ops.be(xv);
        Tensor ones = Ops.like(Tensor.of(filled(n), n), xv);
        float inv = 1f / n;
        Tensor y = Ops.empty(xv, bs, d);
        long stride = (long) nt * d;
        // per batch: [1 x n] . [n x d] -> [1 x d]; A (ones) shared by every batch (stride 0)
        be.gemm(false, false, 1, d, n, inv, ones, n, 0, xv.slice(0, bs).reshape(-1).slice(from * d, bs * nt * d),
                d, stride, 0f, y, d, d, bs);
        return Var.result(y, gy -> {
            Tensor gx = x.gradBuffer().reshape(-1);
            // per batch: [n x 1] . [1 x d] += into the pooled rows: C = 1 (n x 1, i.e. ones stored 1 x n, transposed) . gy_b
            be.gemm(true, false, n, d, 1, inv, ones, n, 0, gy, d, d, 1f, gx.slice(from * d, bs * nt * d), d, stride, bs);
        }, x);
    }

    private static float[] filled(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
