package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** Scalar reductions: mean over all elements and the weighted sum of two values (loss mixing). */
final class Reduce {
    private Reduce() {}

    static Var mean(Var x) {
        Tensor xv = x.value();
        long n = xv.numel();
        if (n == 0) throw Ops.bad("mean", "input " + Ops.str(xv) + " is empty");
        float inv = (float) (1.0 / n);
        Backend be = Ops.be(xv);
        Tensor y = Ops.empty(xv, 1);
        be.sumRows(xv.reshape(-1, 1), y, false);
        be.scale(y, inv, y);
        return Var.result(y, gy -> {
            Tensor g = Ops.emptyLike(xv);
            be.fill(g, inv);
            x.accumulateOwned(Ops.scaledBy(g, gy));
        }, x);
    }

    static Var weightedSum(Var a, double wa, Var b, double wb) {
        Tensor av = a.value(), bv = b.value();
        if (!av.sameShape(bv)) throw Ops.bad("weightedSum", "shapes differ: " + Ops.str(av) + " vs " + Ops.str(bv));
        float fa = (float) wa, fb = (float) wb;
        Backend be = Ops.be(av);
        Tensor y = Ops.emptyLike(av);
        be.scale(av, fa, y);
        be.axpy(fb, bv, y);
        return Var.result(y, gy -> {
            a.accumulate(fa, gy);
            b.accumulate(fb, gy);
        }, a, b);
    }
}
