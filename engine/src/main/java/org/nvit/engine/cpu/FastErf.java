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
 * float against the double reference: |erf error| below 1.5e-7 over [-10, 10] (FastErfTest).
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
     * Phi(x) = 0.5 * (1 + erf(x / sqrt 2)), given z = x / sqrt 2, z2 = z * z and e = exp(-z2) (the caller keeps e
     * for the Gaussian density).
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

    /** exp(-z2), the shared factor of the tail and of the Gaussian density. */
    static FloatVector expNeg(FloatVector z2) { return z2.neg().lanewise(VectorOperators.EXP); }

    private static FloatVector bc(FloatVector like, float v) { return FloatVector.broadcast(like.species(), v); }
}
