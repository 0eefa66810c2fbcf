package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/**
 * Inverted dropout and stochastic depth (drop-path). Masks come from {@link Backend#dropoutMask} with a seed drawn from
 * the caller's Rng, so a run is reproducible on every backend. Both are the identity when p == 0 or under NoGrad.
 */
final class Dropout {
    private Dropout() {}

    static Var dropout(Var x, double p, Rng rng) {
        checkP("dropout", p);
        if (p == 0 || NoGrad.active()) return x;
        Tensor xv = x.value();
        Backend be = Ops.be(xv);
        Tensor mask = Ops.emptyLike(xv);
        be.dropoutMask((float) p, rng.nextLong(), mask);
        Tensor y = Ops.emptyLike(xv);
        be.mul(xv, mask, y);
        return Var.result(y, gy -> {
            Tensor g = Ops.emptyLike(xv);
            be.mul(gy, mask, g);
            x.accumulateOwned(g);
        }, x);
    }

    static Var dropPath(Var x, double p, Rng rng) {
        checkP("dropPath", p);
        if (p == 0 || NoGrad.active()) return x;
        Tensor xv = x.value();
        if (xv.rank() < 1) throw Ops.bad("dropPath", "input " + Ops.str(xv) + " has no batch dim");
        Backend be = Ops.be(xv);
        Tensor mask = Ops.empty(xv, xv.dim(0));
        be.dropoutMask((float) p, rng.nextLong(), mask);
        Tensor y = Ops.emptyLike(xv);
        be.scaleSamples(xv, mask, y);
        return Var.result(y, gy -> {
            Tensor g = Ops.emptyLike(xv);
            be.scaleSamples(gy, mask, g);
            x.accumulateOwned(g);
        }, x);
    }

    private static void checkP(String op, double p) {
        if (!(p >= 0 && p < 1)) throw Ops.bad(op, "probability " + p + " is outside [0, 1)");
    }
}
