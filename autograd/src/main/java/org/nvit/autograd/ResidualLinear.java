package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.FusedLinear;

/**
 * res + DropPath(x W^T + b), a pre-norm block's residual update: one GEMM, then bias, the drop-path scaling of each
 * sample and the residual add in one pass ({@link FusedLinear#biasResidual}). The gradient reaches res unchanged
 * (adopted, no copy) and the linear layer through the same per-sample factors. Drop-path draws its seed from the rng
 * exactly where {@link F#dropPath} would, so that a run draws the same masks as one built from the separate ops.
 */
final class ResidualLinear {
    private ResidualLinear() {}

    static Var apply(Var res, Var x, Var w, Var b, double dropPath, Rng rng) {
        Tensor xv = x.value(), wv = w.value(), rv = res.value();
        int[] ys = Linear.outShape("residualLinear", xv, wv, b);
        if (b == null || rv.numel() != xv.rows() * (long) wv.dim(0) || rv.rank() < 1)
            throw Ops.bad("residualLinear", "residual " + Ops.str(rv) + " does not match the output " + Ops.str(xv)
                    + " -> [.., " + wv.dim(0) + "] (or the bias is missing)");
        if (!(dropPath >= 0 && dropPath < 1)) throw Ops.bad("residualLinear", "drop-path probability " + dropPath + " is outside [0, 1)");
        boolean drop = dropPath > 0 && !NoGrad.active();
        if (drop && rng == null) throw Ops.bad("residualLinear", "drop-path needs an Rng");
        int out = wv.dim(0), in = wv.dim(1), rows = xv.rows();
        Backend be = Ops.be(xv);
        Tensor y = be.empty(xv.dtype(), ys), sum = Ops.emptyLike(rv);
        be.gemm(false, true, rows, out, in, 1f, xv, in, 0, wv, in, 0, 0f, y, out, 0, 1);
        float p = drop ? (float) dropPath : 0f;
        long seed = drop ? rng.nextLong() : 0;
        Tensor mask = drop ? Ops.empty(rv, rv.dim(0)) : null;
        FusedLinear.of(be).biasResidual(rv, y, b.value(), p, seed, mask, sum);
        return Var.result(sum, gy -> {
            Tensor g = gy;
            if (drop) { // the branch's gradient carries the same per-sample factors
                g = Ops.emptyLike(gy);
                be.scaleSamples(gy.reshape(rv.dim(0), -1), mask, g.reshape(rv.dim(0), -1));
            }
            Linear.backward(be, x, w, g.reshape(rows, out), rows);
            if (b.requiresGrad()) Linear.biasGrad(be, b, g.reshape(rows, out));
            res.accumulate(gy);
        }, res, x, w, b);
    }
}
