package org.nvit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The project's float32 bound for fast kernels: max|got - ref| <= rel * max|ref| (plus a floor for all-zero refs). */
public final class Close {
    public static final double REL = 1e-5;

    private Close() {}

    public static void assertClose(String what, Tensor ref, Tensor got) { assertClose(what, ref, got, REL); }

    public static void assertClose(String what, Tensor ref, Tensor got, double rel) {
        assertEquals(ref.numel(), got.numel(), what + ": element count");
        double maxRef = 0, maxErr = 0;
        long worst = 0;
        for (long i = 0; i < ref.numel(); i++) {
            double r = ref.getFlat(i), g = got.getFlat(i);
            if (Double.isNaN(r) != Double.isNaN(g)) fail(what + ": NaN mismatch at " + i + ": ref " + r + ", got " + g);
            if (Double.isNaN(r)) continue;
            maxRef = Math.max(maxRef, Math.abs(r));
            double e = Math.abs(g - r);
            if (e > maxErr) { maxErr = e; worst = i; }
        }
        double bound = rel * maxRef + 1e-30;
        if (maxErr > bound)
            fail(String.format("%s: max|got-ref| = %.3g at %d (ref %.9g, got %.9g) exceeds %.1g * max|ref| = %.3g",
                    what, maxErr, worst, ref.getFlat(worst), got.getFlat(worst), rel, bound));
    }

    public static void assertClose(String what, double ref, double got, double rel) {
        if (Math.abs(got - ref) > rel * Math.abs(ref) + 1e-30)
            fail(String.format("%s: got %.12g, ref %.12g (rel %.3g > %.1g)", what, got, ref,
                    Math.abs(got - ref) / Math.abs(ref), rel));
    }

    /** Bitwise equality of all elements (for ops that must match exactly, like data movement and dropout masks). */
    public static void assertSame(String what, Tensor ref, Tensor got) {
        assertEquals(ref.numel(), got.numel(), what + ": element count");
        for (long i = 0; i < ref.numel(); i++)
            if (Double.compare(ref.getFlat(i), got.getFlat(i)) != 0)
                fail(what + ": element " + i + " differs: ref " + ref.getFlat(i) + ", got " + got.getFlat(i));
    }
}
