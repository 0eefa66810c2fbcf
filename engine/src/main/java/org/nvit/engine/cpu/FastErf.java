package org.nvit.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The standard normal CDF in float for vectors, the core of GELU. Two fits (made by
 * src/test/resources/fits/fast_erf_coefficients.py, least squares on Chebyshev nodes against mpmath):
 * <ul>
 *   <li>|z| < 0.9: erf(z) = z * P(z^2), P of degree 6;</li>
 *   <li>|z| >= 0.9: erfc(|z|) = exp(-z^2) * R(t), t = 1 / (1 + |z|/2), R of degree 8 (fit on [0.9, 9.2], beyond
 *       which exp(-z^2) underflows float anyway).</li>
 * </ul>
 * The tail is evaluated as erfc, not 1 - erf, so Phi(x) keeps its relative accuracy for negative x. Measured in
 * float against the double reference (FastErfTest, 400k points in [-14, 14]): max |Phi error| 8.7e-8 (erf: 1.75e-7,
 * about one float ulp at 1); max relative error of Phi for x < 0: 5.9e-7.
 */
final class FastErf {
    private FastErf() {}

    static final float INV_SQRT2 = 0.70710678118654752f;
    static final float INV_SQRT_2PI = 0.39894228040143268f;
    private static final float CUT = 0.9f;

    private static final float P0 = 1.128379167e+00f, P1 = -3.761263590e-01f, P2 = 1.128372540e-01f,
            P3 = -2.686097909e-02f, P4 = 5.204870577e-03f, P5 = -8.185926317e-04f, P6 = 8.553011924e-05f;
    private static final float R0 = -6.319153558e-06f, R1 = 2.822525376e-01f, R2 = 2.804482217e-01f,
            R3 = 2.560492877e-01f, R4 = 1.473869069e-01f, R5 = 1.283080512e-01f, R6 = -5.099505525e-03f,
            R7 = -1.629592985e-01f, R8 = 7.398416568e-02f;

    /**
     * Phi(x) = 0.5 * (1 + erf(x / sqrt 2)), given z = x / sqrt 2, z2 = z^2 ({@link #halfSquare}) and e = exp(-z2)
     * ({@link #expNegHalfSquare}; the caller keeps e for the Gaussian density).
     */
    static FloatVector cdf(FloatVector z, FloatVector z2, FloatVector e) {
        // small |z|: 0.5 + 0.5 * z * P(z^2)
        FloatVector p = z2.fma(P6, P5).fma(z2, bc(z, P4)).fma(z2, bc(z, P3)).fma(z2, bc(z, P2))
                .fma(z2, bc(z, P1)).fma(z2, bc(z, P0));
        FloatVector small = z.mul(p).mul(0.5f).add(0.5f);
        // large |z|: half the tail mass h = 0.5 * erfc(|z|); Phi = h for z < 0, 1 - h for z > 0
        FloatVector s = z.abs();
        FloatVector t = bc(z, 1f).div(s.mul(0.5f).add(1f));
        FloatVector r = t.fma(R8, R7).fma(t, bc(z, R6)).fma(t, bc(z, R5)).fma(t, bc(z, R4)).fma(t, bc(z, R3))
                .fma(t, bc(z, R2)).fma(t, bc(z, R1)).fma(t, bc(z, R0));
        FloatVector h = e.mul(r).mul(0.5f);
        FloatVector large = h.blend(bc(z, 1f).sub(h), z.compare(VectorOperators.GT, 0f));
        VectorMask<Float> isSmall = s.compare(VectorOperators.LT, CUT);
        return large.blend(small, isSmall);
    }

    /**
     * exp(-x^2 / 2) = exp(-z^2), the shared factor of the tail and of the Gaussian density. x*x is split into its
     * rounded value hi and the rounding error lo (one fma), and exp(-(hi + lo)/2) = exp(-hi/2) * (1 - lo/2): without
     * this the rounding of x^2 alone costs 1e-5 relative accuracy in the far tail (x^2/2 ~ 80).
     */
    static FloatVector expNegHalfSquare(FloatVector x, FloatVector z2) {
        FloatVector hi = z2.mul(2f), lo = x.fma(x, hi.neg());
        FloatVector corr = lo.fma(-0.5f, 1f);
        corr = corr.blend(1f, corr.test(VectorOperators.IS_NAN)); // x = +-inf: inf - inf; a NaN x stays NaN via exp
        return z2.neg().lanewise(VectorOperators.EXP).mul(corr);
    }

    /** z2 = x^2 / 2 (exact halving of the rounded square). */
    static FloatVector halfSquare(FloatVector x) { return x.mul(x).mul(0.5f); }

    private static FloatVector bc(FloatVector like, float v) { return FloatVector.broadcast(like.species(), v); }
}
