package org.nvit.autograd;

import java.util.Arrays;
import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** Concatenation along the last axis of tensors with equal leading dims; backward splits the gradient. */
final class Concat {
    private Concat() {}

    static Var apply(Var... xs) {
        if (xs.length == 0) throw Ops.bad("concat", "needs at least one input");
        Tensor first = xs[0].value();
        int[] lead = Arrays.copyOf(first.shape(), first.rank() - 1);
        int total = 0;
        Tensor[] vals = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            vals[i] = xs[i].value();
            if (vals[i].rank() != first.rank() || !Arrays.equals(lead, Arrays.copyOf(vals[i].shape(), first.rank() - 1)))
                throw Ops.bad("concat", "input " + i + " " + Ops.str(vals[i]) + " does not match the leading dims of "
                        + Ops.str(first));
            total += vals[i].dim(-1);
        }
        int[] s = first.shape();
        s[s.length - 1] = total;
        Backend be = Ops.be(first);
        Tensor y = Ops.empty(first, s);
        be.concatLast(vals, y);
        return Var.result(y, gy -> {
            Tensor[] gs = new Tensor[xs.length];
            for (int i = 0; i < xs.length; i++) gs[i] = Ops.emptyLike(vals[i]);
            be.splitLast(gy, gs);
            for (int i = 0; i < xs.length; i++) xs[i].accumulateOwned(gs[i]);
        }, xs);
    }
}
