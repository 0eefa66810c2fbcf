package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * Concatenation along axis 1 of [B, n_i, D] token sequences; a [1, n, D] input (cls / dist token parameter) is
 * broadcast over the batch, so its gradient sums over the batch. Done as row-block copies of the [rows, D] views.
 */
final class ConcatTokens {
    private ConcatTokens() {}

    static Var apply(Var... xs) {
        if (xs.length == 0) throw Ops.bad("concatTokens", "needs at least one input");
        int batch = 1, d = -1, n = 0;
        for (Var x : xs) {
            Tensor v = x.value();
            if (v.rank() != 3) throw Ops.bad("concatTokens", "input " + Ops.str(v) + " is not [B, n, D]");
            if (d < 0) d = v.dim(2);
            if (v.dim(2) != d) throw Ops.bad("concatTokens", "token widths differ: " + Ops.str(v) + " vs D = " + d);
            if (v.dim(0) != 1) {
                if (batch != 1 && batch != v.dim(0))
                    throw Ops.bad("concatTokens", "batch sizes differ: " + batch + " vs " + Ops.str(v));
                batch = v.dim(0);
            }
            n += v.dim(1);
        }
        Tensor first = xs[0].value();
        Backend be = Ops.be(first);
        Tensor y = Ops.empty(first, batch, n, d);
        Tensor y2 = y.reshape(batch * n, d);
        final int bs = batch, nt = n, dd = d;
        for (int b = 0; b < bs; b++) {
            int off = 0;
            for (Var x : xs) {
                Tensor v = x.value();
                int ni = v.dim(1), bi = v.dim(0) == 1 ? 0 : b;
                be.copy(v.reshape(-1, dd).slice(bi * ni, bi * ni + ni), y2.slice(b * nt + off, b * nt + off + ni));
                off += ni;
            }
        }
        return Var.result(y, gy -> {
            Tensor g2 = gy.reshape(bs * nt, dd);
            int off = 0;
            for (Var x : xs) {
                Tensor v = x.value();
                int ni = v.dim(1);
                if (x.requiresGrad()) {
                    Tensor gx = x.gradBuffer().reshape(-1, dd);
                    for (int b = 0; b < bs; b++) {
                        int bi = v.dim(0) == 1 ? 0 : b;
                        be.axpy(1f, g2.slice(b * nt + off, b * nt + off + ni), gx.slice(bi * ni, bi * ni + ni));
                    }
                }
                off += ni;
            }
        }, xs);
    }
}
