package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** y = x W^T + b over the rows of x [.., in]; w [out, in]; b [out] or null. One GEMM forward, two backward. */
final class Linear {
    private Linear() {}

    static Var apply(Var x, Var w, Var b) {
        Tensor xv = x.value(), wv = w.value();
        if (wv.rank() != 2 || xv.rank() < 1 || xv.dim(-1) != wv.dim(1))
            throw Ops.bad("linear", "input " + Ops.str(xv) + " does not match weight " + Ops.str(wv)
                    + " (expected x [.., in] and w [out, in])");
        int out = wv.dim(0), in = wv.dim(1), rows = xv.rows();
        if (b != null && (b.value().numel() != out))
            throw Ops.bad("linear", "bias " + Ops.str(b.value()) + " does not match " + out + " outputs");
        Backend be = Ops.be(xv);
        int[] ys = xv.shape();
        ys[ys.length - 1] = out;
        Tensor y = be.empty(xv.dtype(), ys);
        be.gemm(false, true, rows, out, in, 1f, xv, in, 0, wv, in, 0, 0f, y, out, 0, 1);
        if (b != null) be.addBias(y.reshape(rows, out), b.value());
        return Var.result(y, gy -> {
            if (x.requiresGrad()) { // gx += gy W
                float beta = x.gradBeta();
                be.gemm(false, false, rows, in, out, 1f, gy, out, 0, wv, in, 0, beta, x.gradOutput(), in, 0, 1);
            }
            if (w.requiresGrad()) { // gW += gy^T x
                float beta = w.gradBeta();
                be.gemm(true, false, out, in, rows, 1f, gy, out, 0, xv, in, 0, beta, w.gradOutput(), in, 0, 1);
            }
            if (b != null && b.requiresGrad()) be.sumRows(gy.reshape(rows, out), b.gradBuffer(), true);
        }, x, w, b);
    }
}
