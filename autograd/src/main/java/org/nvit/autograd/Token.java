package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** x[:, index, :] of x [B, N, D] -> [B, D]; the gradient lands in that token's rows only. */
final class Token {
    private Token() {}

    static Var apply(Var x, int index) {
        Tensor xv = x.value();
        if (xv.rank() != 3 || index < 0 || index >= xv.dim(1))
            throw Ops.bad("token", "index " + index + " is outside the tokens of " + Ops.str(xv) + " (expected [B, N, D])");
        int bs = xv.dim(0), n = xv.dim(1), d = xv.dim(2);
        Backend be = Ops.be(xv);
        Tensor y = Ops.empty(xv, bs, d);
        Tensor x2 = xv.reshape(bs * n, d);
        for (int b = 0; b < bs; b++) be.copy(x2.slice(b * n + index, b * n + index + 1), y.slice(b, b + 1));
        return Var.result(y, gy -> {
            Tensor gx = x.gradBuffer().reshape(bs * n, d);
            for (int b = 0; b < bs; b++) be.axpy(1f, gy.slice(b, b + 1), gx.slice(b * n + index, b * n + index + 1));
        }, x);
    }
}
