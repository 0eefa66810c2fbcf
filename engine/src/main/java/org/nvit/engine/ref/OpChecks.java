package org.nvit.engine.ref;

import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;

/**
 * Argument checks shared by the CPU backends, so that a shape mistake fails with one line naming the op and the
 * shapes instead of an index error deep in a kernel (or silently reading a neighbouring view).
 */
public final class OpChecks {
    private OpChecks() {}

    public static void numel(String op, Tensor a, Tensor b) {
        if (a.numel() != b.numel())
            throw new IllegalArgumentException(op + ": element counts differ: " + a + " vs " + b);
    }

    public static void numel(String op, Tensor a, Tensor b, Tensor c) {
        numel(op, a, b);
        numel(op, a, c);
    }

    /** v must have exactly n elements (a per-row or per-column vector). */
    public static void length(String op, String what, Tensor v, long n) {
        if (v.numel() != n)
            throw new IllegalArgumentException(op + ": " + what + " has " + v.numel() + " elements, expected " + n
                    + " (" + v + ")");
    }

    /** x seen as [numel / n, n]: n must divide numel. */
    public static void divides(String op, Tensor x, Tensor v) {
        long n = v.numel();
        if (n == 0 || x.numel() % n != 0)
            throw new IllegalArgumentException(op + ": " + v + " (" + n + " elements) does not divide " + x);
    }

    public static void rank(String op, String what, Tensor t, int rank) {
        if (t.rank() != rank)
            throw new IllegalArgumentException(op + ": " + what + " must have rank " + rank + ", got " + t);
    }

    public static void patches(String op, Tensor images, int p, Tensor patches) {
        rank(op, "images", images, 4);
        if (p <= 0) throw new IllegalArgumentException(op + ": patch size must be positive, got " + p);
        int b = images.dim(0), c = images.dim(1), gh = images.dim(2) / p, gw = images.dim(3) / p;
        int[] want = {b, gh * gw, c * p * p};
        if (!java.util.Arrays.equals(patches.shape(), want))
            throw new IllegalArgumentException(op + ": patches must be " + Shape.str(want) + " for " + images
                    + " with patch " + p + ", got " + patches);
    }

    public static void heads(String op, Tensor tokens, int heads, Tensor split) {
        rank(op, "tokens", tokens, 3);
        rank(op, "split heads", split, 4);
        int b = tokens.dim(0), n = tokens.dim(1), hd = tokens.dim(2);
        if (heads <= 0 || hd % heads != 0)
            throw new IllegalArgumentException(op + ": " + heads + " heads do not divide width " + hd + " of " + tokens);
        int[] want = {b, heads, n, hd / heads};
        if (!java.util.Arrays.equals(split.shape(), want))
            throw new IllegalArgumentException(op + ": split heads must be " + Shape.str(want) + " for " + tokens
                    + ", got " + split);
    }

    /** parts [rows, n_i] and whole [rows, sum n_i]. */
    public static void parts(String op, Tensor[] parts, Tensor whole) {
        int rows = whole.rows(), cols = 0;
        for (Tensor p : parts) {
            if (p.rank() == 0) throw new IllegalArgumentException(op + ": part " + p + " is a scalar");
            if (p.dim(-1) == 0) continue;
            if (p.rows() != rows)
                throw new IllegalArgumentException(op + ": part " + p + " does not have the " + rows + " rows of " + whole);
            cols += p.dim(-1);
        }
        if (cols != whole.dim(-1))
            throw new IllegalArgumentException(op + ": parts sum to " + cols + " columns, " + whole + " has "
                    + whole.dim(-1));
    }

    public static void probability(String op, float p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(op + ": drop probability must be in [0, 1], got " + p);
    }

    /** x seen as [outer, units = perUnit.numel(), inner]: the element counts must agree. */
    public static void along(String op, Tensor x, int outer, int inner, Tensor perUnit) {
        if (outer < 0 || inner < 0 || (long) outer * perUnit.numel() * inner != x.numel())
            throw new IllegalArgumentException(op + ": " + x + " is not [" + outer + ", " + perUnit.numel() + ", " + inner
                    + "] (units from " + perUnit + ")");
    }
}
