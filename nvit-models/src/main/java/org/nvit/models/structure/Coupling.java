package org.nvit.models.structure;

import java.util.Arrays;

/**
 * Where the units of one {@link Dim} lie in one parameter: along {@code axis}, unit u covers the indices
 * {@code start + r * repeatStride + u * width + w} for r in [0, repeat) and w in [0, width). Examples (timm names):
 * one head's Q rows of a fused qkv weight (start 0, width qk, repeat 1), index d of every head's Q rows (width 1,
 * repeat heads, repeatStride qk), an embedding channel's input column of fc1 (axis 1, width 1).
 *
 * <p>The same coupling serves scoring (the saliency of a unit sums w * dL/dw over its slice), masking (its slice is
 * zeroed) and removal (its indices are cut out): {@link #view} gives the [outer, units, inner] element view that the
 * per-unit backend ops take.
 */
public record Coupling(String param, Dim dim, Role role, int axis, int start, int units, int width, int repeat, int repeatStride) {
    public Coupling {
        if (units < 1 || width < 1 || repeat < 1 || start < 0 || axis < 0 || (repeat > 1 && repeatStride < units * width))
            throw new IllegalArgumentException("bad coupling of " + param + ": units " + units + ", width " + width
                    + ", repeat " + repeat + " x " + repeatStride + ", start " + start);
    }

    /** A plain block of units: unit u is indices [start + u * width, start + (u + 1) * width) along axis. */
    public static Coupling block(String param, Dim dim, Role role, int axis, int start, int units, int width) {
        return new Coupling(param, dim, role, axis, start, units, width, 1, units * width);
    }

    /** The indices along {@link #axis} that unit u covers, ascending. */
    public int[] indices(int u) {
        if (u < 0 || u >= units) throw new IndexOutOfBoundsException("unit " + u + " of " + units + " in " + this);
        int[] out = new int[repeat * width];
        int k = 0;
        for (int r = 0; r < repeat; r++)
            for (int w = 0; w < width; w++) out[k++] = start + r * repeatStride + u * width + w;
        return out;
    }

    /** The highest index along the axis this coupling touches, plus one. */
    public int extent() { return start + (repeat - 1) * repeatStride + units * width; }

    /**
     * The parameter's elements, of a tensor of this shape, seen as [outer, units, inner] from element {@code offset}:
     * unit u's slice is exactly the elements at middle index u.
     */
    public record View(long offset, int outer, int inner) {
        public long numel(int units) { return (long) outer * units * inner; }
    }

    public View view(int[] shape) {
        if (axis >= shape.length || extent() > shape[axis])
            throw new IllegalArgumentException(this + " does not fit a tensor of shape " + Arrays.toString(shape));
        long prefix = 1, suffix = 1;
        for (int i = 0; i < axis; i++) prefix *= shape[i];
        for (int i = axis + 1; i < shape.length; i++) suffix *= shape[i];
        boolean packed = repeat == 1 || repeatStride == units * width; // repeats follow each other without gaps
        if (packed && prefix == 1)
            return new View(start * suffix, repeat, Math.toIntExact(width * suffix));
        if (packed && start == 0 && (long) repeat * units * width == shape[axis])
            return new View(0, Math.toIntExact(prefix * repeat), Math.toIntExact(width * suffix));
        throw new IllegalStateException(this + " has no [outer, units, inner] view in a tensor of shape " + Arrays.toString(shape));
    }
}
