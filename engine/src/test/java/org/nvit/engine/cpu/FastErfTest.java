package org.nvit.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nvit.engine.ref.Erf;

/**
 * Accuracy of the float normal CDF behind GELU, on a dense grid, against the double reference erf. The bounds are
 * a few float ulps: tight enough that a wrong coefficient in either fit fails (a 1e-5 change does).
 */
class FastErfTest {
    /** Phi through erfc: keeps the relative accuracy of the lower tail that 1 + erf loses. */
    static double refCdf(double x) { return 0.5 * Erf.erfc(-x / Math.sqrt(2)); }

    @Test void cdfIsFloatAccurate() {
        int n = 100_000;
        float[] xs = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) xs[i] = -14f + 28f * i / (n - 1);
        FastErf.range(FastErf.CDF, xs, 0, null, 0, out, 0, 0, n);
        double maxAbs = 0, maxTailRel = 0;
        for (int i = 0; i < n; i++) {
            double ref = refCdf(xs[i]);
            maxAbs = Math.max(maxAbs, Math.abs(out[i] - ref));
            if (xs[i] < 0 && ref > 1e-30) maxTailRel = Math.max(maxTailRel, Math.abs(out[i] - ref) / ref);
        }
        System.out.printf("FastErf: max|Phi - ref| = %.3g (erf: %.3g), max relative error for x < 0: %.3g%n",
                maxAbs, 2 * maxAbs, maxTailRel);
        assertTrue(maxAbs < 1e-7, "absolute error of Phi " + maxAbs);
        assertTrue(maxTailRel < 1e-6, "relative error of Phi in the lower tail " + maxTailRel);
    }

    @Test void limitsAndSymmetry() {
        float[] xs = {Float.NEGATIVE_INFINITY, -100, 0, 100, Float.POSITIVE_INFINITY, -3, 3, -0.5f, 0.5f, 0, 0, 0, 0, 0, 0, 0};
        float[] out = new float[xs.length];
        FastErf.range(FastErf.CDF, xs, 0, null, 0, out, 0, 0, xs.length);
        assertTrue(out[0] == 0 && out[1] == 0, "Phi(-inf) = Phi(-100) = 0");
        assertTrue(out[2] == 0.5f, "Phi(0) = 0.5, got " + out[2]);
        assertTrue(out[3] == 1 && out[4] == 1, "Phi(100) = Phi(inf) = 1");
        assertTrue(Math.abs(out[5] + out[6] - 1) < 1e-7 && Math.abs(out[7] + out[8] - 1) < 1e-7, "Phi(-x) = 1 - Phi(x)");
    }
}
