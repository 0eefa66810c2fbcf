package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** LayerNorm over the last axis with affine gamma, beta [n]; saves mean and 1/std per row for the backward. */
final class LayerNorm {
    private LayerNorm() {}

    static Var apply(Var x, Var gamma, Var beta, double eps) {
        Tensor xv = x.value(), gv = gamma.value();
        int n = xv.dim(-1);
        if (gv.numel() != n || beta.value().numel() != n)
            throw Ops.bad("layerNorm", "gamma " + Ops.str(gv) + " / beta " + Ops.str(beta.value())
                    + " must have " + n + " elements (the last dim of " + Ops.str(xv) + ")");
        Backend be = Ops.be(xv);
        Tensor y = Ops.emptyLike(xv);
        Tensor mean = Ops.empty(xv, xv.rows()), rstd = Ops.empty(xv, xv.rows());
        be.layerNorm(xv, gv, beta.value(), (float) eps, y, mean, rstd);
        return Var.result(y, gy -> {
            Tensor gx = Ops.emptyLike(xv);
            be.layerNormBackward(xv, gy, gv, mean, rstd, gx,
                    gamma.requiresGrad() ? gamma.gradBuffer() : null, beta.requiresGrad() ? beta.gradBuffer() : null);
            x.accumulateOwned(gx);
        }, x, gamma, beta);
    }
}
