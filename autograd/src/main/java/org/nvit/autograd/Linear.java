package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** y = x W^T + b over the rows of x [.., in]; w [out, in]; b [out] or null. One GEMM forward, two backward. */
final class Linear {
    private Linear() {}

    /** Checks x [.., in] against w [out, in] and b [out]; returns the output shape [.., out]. */
    static int[] outShape(String op, Tensor xv, Tensor wv, Var b) {
        if (wv.rank() != 2 || xv.rank() < 1 || xv.dim(-1) != wv.dim(1))
            throw Ops.bad(op, "input " + Ops.str(xv) + " does not match weight " + Ops.str(wv)
                    + " (expected x [.., in] and w [out, in])");
        if (b != null && (b.value().numel() != wv.dim(0)))
            throw Ops.bad(op, "bias " + Ops.str(b.value()) + " does not match " + wv.dim(0) + " outputs");
        int[] ys = xv.shape();
        ys[ys.length - 1] = wv.dim(0);
        return ys;
    }

    static Var apply(Var x, Var w, Var b) {
        Tensor xv = x.value(), wv = w.value();
        int[] ys = outShape("linear", xv, wv, b);
        int out = wv.dim(0), rows = xv.rows();
        Backend be = Ops.be(xv);
        Tensor y = be.empty(xv.dtype(), ys);
        be.gemm(false, true, rows, out, wv.dim(1), 1f, xv, wv.dim(1), 0, wv, wv.dim(1), 0, 0f, y, out, 0, 1);
        if (b != null) be.addBias(y.reshape(rows, out), b.value());
        return Var.result(y, gy -> {
            backward(be, x, w, gy, rows);
            if (b != null && b.requiresGrad()) biasGrad(be, b, gy.reshape(rows, out));
        }, x, w, b);
    }

    /** gx += gy W and gW += gy^T x, each one GEMM (beta 0 on a fresh gradient). */
    static void backward(Backend be, Var x, Var w, Tensor gy, int rows) {
        Tensor xv = x.value(), wv = w.value();
        int out = wv.dim(0), in = wv.dim(1);
        if (x.requiresGrad()) {
            float beta = x.gradBeta();
            be.gemm(false, false, rows, in, out, 1f, gy, out, 0, wv, in, 0, beta, x.gradOutput(), in, 0, 1);
        }
        if (w.requiresGrad()) {
            float beta = w.gradBeta();
            be.gemm(true, false, out, in, rows, 1f, gy, out, 0, xv, in, 0, beta, w.gradOutput(), in, 0, 1);
        }
    }

    /** gb += the column sums of g [rows, out] (written, not added, while b has no gradient yet). */
    static void biasGrad(Backend be, Var b, Tensor g) {
        boolean add = b.gradBeta() != 0;
        be.sumRows(g, b.gradOutput(), add);
    }
}
