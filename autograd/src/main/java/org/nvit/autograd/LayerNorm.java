package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.FusedNorm;

/**
 * LayerNorm over the last axis with affine gamma, beta [n]; saves mean and 1/std per row for the backward. With a
 * channel mask (a constant 0/1 vector [n], or null for none) the statistics cover the kept channels only and the
 * others output 0: the LayerNorm of a model whose embedding channels are being pruned ({@link Backend#maskedLayerNorm}).
 */
final class LayerNorm {
    private LayerNorm() {}

    static Var apply(Var x, Var gamma, Var beta, double eps, Tensor mask) {
        Tensor xv = x.value(), gv = gamma.value();
        int n = xv.dim(-1);
        if (gv.numel() != n || beta.value().numel() != n)
            throw Ops.bad("layerNorm", "gamma " + Ops.str(gv) + " / beta " + Ops.str(beta.value())
                    + " must have " + n + " elements (the last dim of " + Ops.str(xv) + ")");
        if (mask != null && mask.numel() != n)
            throw Ops.bad("layerNorm", "channel mask " + Ops.str(mask) + " must have " + n + " elements");
        Backend be = Ops.be(xv);
        Tensor y = Ops.emptyLike(xv);
        Tensor mean = Ops.empty(xv, xv.rows()), rstd = Ops.empty(xv, xv.rows());
        if (mask == null) be.layerNorm(xv, gv, beta.value(), (float) eps, y, mean, rstd);
        else be.maskedLayerNorm(xv, gv, beta.value(), mask, (float) eps, y, mean, rstd);
        return Var.result(y, gy -> {
            Tensor gGamma = gamma.requiresGrad() ? gamma.gradBuffer() : null, gBeta = beta.requiresGrad() ? beta.gradBuffer() : null;
            if (x.requiresGrad() && x.grad() != null) { // a residual stream already holds a gradient: add into it
                FusedNorm.of(be).layerNormBackwardAdd(xv, gy, gv, mask, mean, rstd, x.grad(), gGamma, gBeta);
                return;
            }
            Tensor gx = Ops.emptyLike(xv);
            if (mask == null) be.layerNormBackward(xv, gy, gv, mean, rstd, gx, gGamma, gBeta);
            else be.maskedLayerNormBackward(xv, gy, gv, mask, mean, rstd, gx, gGamma, gBeta);
            x.accumulateOwned(gx);
        }, x, gamma, beta);
    }
}
