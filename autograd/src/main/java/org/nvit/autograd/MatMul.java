package org.nvit.autograd;

import java.util.Arrays;
import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * Batched C = op(A) op(B) with equal leading (batch) dims; op transposes when asked. Backward, with dC [m, n]:
 * d op(A) = dC op(B)^T and d op(B) = op(A)^T dC, each written in A's / B's stored orientation by a strided GEMM that
 * accumulates (beta = 1) into the gradient.
 */
final class MatMul {
    private MatMul() {}

    static Var apply(Var a, boolean ta, Var b, boolean tb) {
        Tensor av = a.value(), bv = b.value();
        if (av.rank() < 2 || bv.rank() != av.rank()
                || !Arrays.equals(Arrays.copyOf(av.shape(), av.rank() - 2), Arrays.copyOf(bv.shape(), bv.rank() - 2)))
            throw Ops.bad("matmul", "operands " + Ops.str(av) + " and " + Ops.str(bv)
                    + " need rank >= 2 and equal leading (batch) dims; use linear for a shared weight");
        int m = ta ? av.dim(-1) : av.dim(-2), k = ta ? av.dim(-2) : av.dim(-1);
        int kb = tb ? bv.dim(-1) : bv.dim(-2), n = tb ? bv.dim(-2) : bv.dim(-1);
        if (k != kb)
            throw Ops.bad("matmul", "inner dims differ: " + Ops.str(av) + (ta ? "^T" : "") + " x " + Ops.str(bv)
                    + (tb ? "^T" : ""));
        int[] cs = av.shape();
        cs[cs.length - 2] = m;
        cs[cs.length - 1] = n;
        Backend be = Ops.be(av);
        Tensor c = be.empty(av.dtype(), cs);
        long mk = (long) m * k, kn = (long) k * n, mn = (long) m * n;
        int batch = mn == 0 ? 0 : (int) (c.numel() / mn);
        int lda = av.dim(-1), ldb = bv.dim(-1);
        be.gemm(ta, tb, m, n, k, 1f, av, lda, mk, bv, ldb, kn, 0f, c, n, mn, batch);
        return Var.result(c, gy -> {
            if (batch == 0) { // nothing to multiply: the gradients are zero (gradOutput would stay unwritten)
                if (a.requiresGrad()) a.gradBuffer();
                if (b.requiresGrad()) b.gradBuffer();
                return;
            }
            if (a.requiresGrad()) {
                float beta = a.gradBeta();
                Tensor ga = a.gradOutput();
                if (!ta) be.gemm(false, !tb, m, k, n, 1f, gy, n, mn, bv, ldb, kn, beta, ga, k, mk, batch);
                else be.gemm(tb, true, k, m, n, 1f, bv, ldb, kn, gy, n, mn, beta, ga, m, mk, batch);
            }
            if (b.requiresGrad()) {
                float beta = b.gradBeta();
                Tensor gb = b.gradOutput();
                if (!tb) be.gemm(!ta, false, k, n, m, 1f, av, lda, mk, gy, n, mn, beta, gb, n, kn, batch);
                else be.gemm(true, ta, n, k, m, 1f, gy, n, mn, av, lda, mk, beta, gb, k, kn, batch);
            }
        }, a, b);
    }
}
