package org.nvit.pruning;

import org.nvit.engine.Tensor;

/**
 * The hyper-plane {@code index} along {@code axis} of the named parameter: a row of a linear weight (axis 0), a
 * column (axis 1), one entry of a bias or norm, the last axis of cls/pos tokens. Pruning a unit zeroes a list of them.
 */
public record Slice(String name, int axis, int index) {

    /** Calls body(flat offset, length) for each contiguous run of this slice in a row-major tensor of this shape. */
    public void forEachRun(int[] shape, RunConsumer body) {
        if (axis < 0 || axis >= shape.length || index < 0 || index >= shape[axis])
            throw new IllegalArgumentException("slice " + this + " is outside a tensor of shape " + java.util.Arrays.toString(shape));
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.length; i++) inner *= shape[i];
        long dim = shape[axis];
        for (long o = 0; o < outer; o++) body.accept((o * dim + index) * inner, inner);
    }

    @FunctionalInterface
    public interface RunConsumer { void accept(long start, long length); }

    /** Sets this slice of t to zero (CPU). */
    public void zero(Tensor t) {
        forEachRun(t.shape(), (start, len) -> {
            if (t.dtype() == org.nvit.engine.DType.F32) {
                int o = t.off() + (int) start;
                java.util.Arrays.fill(t.floats(), o, o + (int) len, 0f);
            } else {
                for (long i = start; i < start + len; i++) t.setFlat(i, 0);
            }
        });
    }
}
