package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.FusedLinear;

/**
 * GELU(x W^T + b), the first half of a transformer MLP: one GEMM, then bias and GELU in one pass
 * ({@link FusedLinear#biasGelu}), whose pre-activation is kept for the backward. Backward: g = gy * GELU'(pre) with
 * the bias gradient summed in the same pass, then the linear layer's two GEMMs.
 */
final class LinearGelu {
    private LinearGelu() {}

    static Var apply(Var x, Var w, Var b) {
        Tensor xv = x.value(), wv = w.value();
        if (b == null) throw Ops.bad("linearGelu", "needs a bias");
        int[] ys = Linear.outShape("linearGelu", xv, wv, b);
        int out = wv.dim(0), in = wv.dim(1), rows = xv.rows();
        Backend be = Ops.be(xv);
        FusedLinear fused = FusedLinear.of(be);
        Tensor pre = be.empty(xv.dtype(), ys), y = be.empty(xv.dtype(), ys);
        be.gemm(false, true, rows, out, in, 1f, xv, in, 0, wv, in, 0, 0f, pre, out, 0, 1);
        fused.biasGelu(pre.reshape(rows, out), b.value(), pre.reshape(rows, out), y.reshape(rows, out));
        return Var.result(y, gy -> {
            Tensor g = Ops.empty(xv, rows, out);
            Tensor gb = b.requiresGrad() ? b.gradBuffer() : null; // the fused pass adds its column sums into it
            fused.biasGeluBackward(pre.reshape(rows, out), gy.reshape(rows, out), g, gb);
            Linear.backward(be, x, w, g, rows);
        }, x, w, b);
    }
}
