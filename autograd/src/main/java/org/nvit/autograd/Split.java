package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * Splits along the last axis. The pieces share one hidden "joint" node: each piece's rule parks its gradient in a
 * slot, and the joint (which runs after every piece, being their common input) concatenates the slots, with zeros for
 * pieces that got no gradient, into one gradient for x.
 */
final class Split {
    private Split() {}

    static Var[] apply(Var x, int... widths) {
        Tensor xv = x.value();
        int total = 0;
        for (int w : widths) {
            if (w <= 0) throw Ops.bad("split", "widths must be positive, got " + java.util.Arrays.toString(widths));
            total += w;
        }
        if (xv.rank() < 1 || total != xv.dim(-1))
            throw Ops.bad("split", "widths " + java.util.Arrays.toString(widths) + " sum to " + total
                    + ", but the last dim of " + Ops.str(xv) + " is " + (xv.rank() < 1 ? 0 : xv.dim(-1)));
        Backend be = Ops.be(xv);
        Tensor[] parts = new Tensor[widths.length];
        for (int i = 0; i < widths.length; i++) {
            int[] s = xv.shape();
            s[s.length - 1] = widths[i];
            parts[i] = Ops.empty(xv, s);
        }
        be.splitLast(xv, parts);
        Var[] out = new Var[widths.length];
        if (!Var.recording(x)) {
            for (int i = 0; i < out.length; i++) out[i] = Var.constant(parts[i]);
            return out;
        }
        Tensor[] slots = new Tensor[widths.length];
        Var joint = Var.result(xv, new Backward() {
            @Override public void apply(Tensor ignored) {
                boolean any = false;
                for (int i = 0; i < slots.length; i++) {
                    if (slots[i] != null) any = true;
                    else slots[i] = Ops.zerosLike(parts[i]);
                }
                if (!any) return;
                Tensor g = Ops.emptyLike(xv);
                be.concatLast(slots, g);
                java.util.Arrays.fill(slots, null);
                x.accumulateOwned(g);
            }

            @Override public boolean runsWithoutGrad() { return true; }
        }, x);
        for (int i = 0; i < out.length; i++) {
            int slot = i;
            // the piece's grad is released after its rule, so the slot may keep that buffer (it is only read)
            out[i] = Var.result(parts[i], gy -> slots[slot] = gy, joint);
        }
        return out;
    }
}
