package org.nvit.autograd;

import org.nvit.engine.Tensor;

/** s * x; gx = s * gy. */
final class Scale {
    private Scale() {}

    static Var apply(Var x, double s) {
        float f = (float) s;
        Tensor y = Ops.emptyLike(x.value());
        Ops.be(y).scale(x.value(), f, y);
        return Var.result(y, gy -> x.accumulate(f, gy), x);
    }
}
