package org.nvit.autograd;

import org.nvit.engine.Tensor;
import org.nvit.engine.fused.TokenOps;

/** x[:, index, :] of x [B, N, D] -> [B, D]; the gradient lands in that token's rows only. */
final class Token {
    private Token() {}

    static Var apply(Var x, int index) {
        Tensor xv = x.value();
        if (xv.rank() != 3 || index < 0 || index >= xv.dim(1))
            throw Ops.bad("token", "index " + index + " is outside the tokens of " + Ops.str(xv) + " (expected [B, N, D])");
        TokenOps ops = TokenOps.of(Ops.be(xv));
        Tensor y = Ops.empty(xv, xv.dim(0), xv.dim(2));
        ops.selectToken(xv, index, y);
        return Var.result(y, gy -> ops.selectTokenBackward(gy, index, x.gradBuffer()), x);
    }
}
