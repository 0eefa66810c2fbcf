package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** Exact (erf) GELU; backward gx = gy * GELU'(x) from the saved input. */
final class Gelu {
    private Gelu() {}

    static Var apply(Var x) {
        Tensor xv = x.value();
        Backend be = Ops.be(xv);
        Tensor y = Ops.emptyLike(xv);
        be.gelu(xv, y);
        return Var.result(y, gy -> {
            Tensor g = Ops.emptyLike(xv);
            be.geluBackward(xv, gy, g);
            x.accumulateOwned(g);
        }, x);
    }
}
