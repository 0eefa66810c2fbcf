package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** The head permutes [B, N, H*d] <-> [B, H, N, d]; each one's backward is the other. */
final class Heads {
    private Heads() {}

    static Var split(Var x, int heads) {
        Tensor xv = x.value();
        if (xv.rank() != 3 || heads <= 0 || xv.dim(2) % heads != 0)
            throw Ops.bad("splitHeads", "input " + Ops.str(xv) + " is not [B, N, H*d] with H = " + heads);
        int d = xv.dim(2) / heads;
        Backend be = Ops.be(xv);
        Tensor y = Ops.empty(xv, xv.dim(0), heads, xv.dim(1), d);
        be.splitHeads(xv, heads, y);
        return Var.result(y, gy -> {
            Tensor g = Ops.emptyLike(xv);
            be.mergeHeads(gy, g);
            x.accumulateOwned(g);
        }, x);
    }

    static Var merge(Var x) {
        Tensor xv = x.value();
        if (xv.rank() != 4) throw Ops.bad("mergeHeads", "input " + Ops.str(xv) + " is not [B, H, N, d]");
        int heads = xv.dim(1);
        Backend be = Ops.be(xv);
        Tensor y = Ops.empty(xv, xv.dim(0), xv.dim(2), heads * xv.dim(3));
        be.mergeHeads(xv, y);
        return Var.result(y, gy -> {
            Tensor g = Ops.emptyLike(xv);
            be.splitHeads(gy, heads, g);
            x.accumulateOwned(g);
        }, x);
    }
}
