package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** y = softmax(scale * x) over the last axis; backward from the saved output: gx = scale * y * (gy - sum(gy y)). */
final class Softmax {
    private Softmax() {}

    static Var apply(Var x, double scale) {
        float s = (float) scale;
        Tensor xv = x.value();
        Backend be = Ops.be(xv);
        Tensor y = Ops.emptyLike(xv);
        be.softmax(xv, s, y);
        return Var.result(y, gy -> {
            Tensor g = Ops.emptyLike(y);
            be.softmaxBackward(y, gy, s, g);
            x.accumulateOwned(g);
        }, x);
    }
}
