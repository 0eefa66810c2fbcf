package org.nvit.autograd;

import org.nvit.engine.Tensor;
import org.nvit.engine.fused.TokenOps;

/**
 * Concatenation along axis 1 of [B, n_i, D] token sequences; a [1, n, D] input (cls / dist token parameter) is
 * broadcast over the batch, so its gradient sums over the batch. One {@link TokenOps} pass each way.
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
        TokenOps ops = TokenOps.of(Ops.be(first));
        Tensor y = Ops.empty(first, batch, n, d);
        Tensor[] parts = new Tensor[xs.length];
        int[] tokens = new int[xs.length];
        for (int i = 0; i < xs.length; i++) {
            parts[i] = xs[i].value();
            tokens[i] = parts[i].dim(1);
        }
        ops.concatTokens(parts, y);
        return Var.result(y, gy -> {
            Tensor[] grads = new Tensor[xs.length];
            for (int i = 0; i < xs.length; i++) if (xs[i].requiresGrad()) grads[i] = xs[i].gradBuffer();
            ops.concatTokensBackward(gy, tokens, grads);
        }, xs);
    }
}
