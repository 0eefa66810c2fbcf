package org.nvit.engine;

import java.util.Arrays;

/** Small helpers for int[] shapes. */
public final class Shape {
    private Shape() {}

    public static long numel(int... shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** Resolves one -1 entry so that the result has {@code numel} elements. */
    public static int[] infer(long numel, int... shape) {
        int[] out = shape.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (unknown >= 0) throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(shape));
                unknown = i;
            } else {
                known *= out[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || numel % known != 0)
                throw new IllegalArgumentException("cannot reshape " + numel + " elements to " + Arrays.toString(shape));
            out[unknown] = (int) (numel / known);
        }
        if (numel(out) != numel)
            throw new IllegalArgumentException("cannot reshape " + numel + " elements to " + Arrays.toString(shape));
        return out;
    }

    public static String str(int... shape) { return Arrays.toString(shape); }
}
