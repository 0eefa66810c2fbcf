package org.nvit.autograd;

import java.util.List;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;

/**
 * One flat buffer holding the gradients of a list of parameters, each a fixed view of it: zeroing all of them is one
 * fill, multi-tensor ops see the same addresses every step (a device can cache their pointer tables, or capture the
 * step), and nothing is allocated per step for them. A parameter's gradient still reads as null until a backward pass
 * reaches it, as without an arena. {@link #zero()} drops every gradient at once; a parameter whose gradient is dropped
 * on its own ({@link Var#zeroGrad()}) has its view cleared the next time it is used.
 */
public final class GradArena {
    private final List<Var> params;
    private final Tensor flat;

    private GradArena(List<Var> params, Tensor flat) {
        this.params = params;
        this.flat = flat;
    }

    /**
     * An arena for these parameters, when they are all F32 on one device; else null (they keep per-step gradients).
     * Parameters already in another arena move to this one.
     */
    public static GradArena attach(List<Var> params) {
        if (params.isEmpty()) return null;
        Tensor first = params.get(0).value();
        long total = 0;
        for (Var p : params) {
            Tensor v = p.value();
            if (v.dtype() != DType.F32 || v.device() != first.device()) return null;
            total += v.numel();
        }
        if (total == 0 || total > Integer.MAX_VALUE) return null;
        Backend be = Backends.of(first);
        Tensor flat;
        try (var outside = MemoryScope.suspend()) { // lives as long as the optimizer, not one step
            flat = be.zeros(DType.F32, (int) total);
        }
        int at = 0;
        for (Var p : params) {
            int n = (int) p.value().numel();
            p.home = flat.slice(at, at + n).reshape(p.value().shape());
            p.homeDirty = false;
            p.grad = null;
            at += n;
        }
        return new GradArena(List.copyOf(params), flat);
    }

    /** Drops every gradient and clears the buffer (one fill). */
    public void zero() {
        Backends.of(flat).fill(flat, 0f);
        for (Var p : params) {
            p.grad = null;
            if (p.home != null) p.homeDirty = false;
        }
    }

    /** The whole buffer, [total elements] (e.g. for one all-reduce of every gradient). */
    public Tensor flat() { return flat; }
}
