package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** Elementwise a * b of equal shapes: ga = gy * b, gb = gy * a. */
final class Mul {
    private Mul() {}

    static Var apply(Var a, Var b) {
        Tensor av = a.value(), bv = b.value();
        if (!av.sameShape(bv)) throw Ops.bad("mul", "shapes differ: " + Ops.str(av) + " vs " + Ops.str(bv));
        Backend be = Ops.be(av);
        Tensor y = Ops.emptyLike(av);
        be.mul(av, bv, y);
        return Var.result(y, gy -> {
            if (a.requiresGrad()) {
                Tensor g = Ops.emptyLike(av);
                be.mul(gy, bv, g);
                a.accumulateOwned(g);
            }
            if (b.requiresGrad()) {
                Tensor g = Ops.emptyLike(bv);
                be.mul(gy, av, g);
                b.accumulateOwned(g);
            }
        }, a, b);
    }
}
