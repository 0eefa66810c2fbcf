package org.nvit.kernels.check;

import org.nvit.engine.Tensor;

/** Error measures for GPU-vs-CPU comparisons. NaN anywhere in the result makes the error NaN (never passes). */
public final class Compare {
    private Compare() {}

    /** max|got - ref| / max|ref| (max|got - ref| when ref is all zeros); NaN when got has a NaN/Inf ref lacks. */
    public static double relError(Tensor got, Tensor ref) {
        if (got.numel() != ref.numel())
            throw new IllegalArgumentException("compare: " + got + " vs " + ref);
        double maxDiff = 0, maxRef = 0;
        for (long i = 0; i < ref.numel(); i++) {
            double g = got.getFlat(i), r = ref.getFlat(i);
            if (!Double.isFinite(g) && Double.isFinite(r)) return Double.NaN;
            maxDiff = Math.max(maxDiff, Math.abs(g - r));
            maxRef = Math.max(maxRef, Math.abs(r));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    /** max|got - ref| / scale: for quantities that cancel (a row mean near 0), measured against their inputs' size. */
    public static double absError(Tensor got, Tensor ref, double scale) {
        double maxDiff = 0;
        for (long i = 0; i < ref.numel(); i++) {
            double g = got.getFlat(i), r = ref.getFlat(i);
            if (!Double.isFinite(g) && Double.isFinite(r)) return Double.NaN;
            maxDiff = Math.max(maxDiff, Math.abs(g - r));
        }
        return maxDiff / scale;
    }

    /** Number of elements whose float bits differ (0 for an exact match). */
    public static long bitMismatches(Tensor got, Tensor ref) {
        long bad = 0;
        for (long i = 0; i < ref.numel(); i++)
            if (Float.floatToRawIntBits((float) got.getFlat(i)) != Float.floatToRawIntBits((float) ref.getFlat(i))) bad++;
        return bad;
    }

    /** Same float bits, any NaN matching any NaN. */
    public static boolean sameFloat(double got, double ref) {
        float g = (float) got, r = (float) ref;
        return Float.isNaN(g) ? Float.isNaN(r) : Float.floatToRawIntBits(g) == Float.floatToRawIntBits(r);
    }

    /** Relative error of two scalars. */
    public static double relError(double got, double ref) {
        if (!Double.isFinite(got)) return Double.NaN;
        return ref == 0 ? Math.abs(got) : Math.abs(got - ref) / Math.abs(ref);
    }
}
