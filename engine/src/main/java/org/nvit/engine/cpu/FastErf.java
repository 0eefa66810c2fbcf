package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The standard normal CDF Phi in float vectors, the core of GELU. Two fits (made by
 * src/test/resources/fits/fast_erf_coefficients.py, least squares on Chebyshev nodes against mpmath), z = x / sqrt 2:
 * <ul>
 *   <li>|z| < 0.9: erf(z) = z * P(z^2), P of degree 6;</li>
 *   <li>|z| >= 0.9: erfc(|z|) = exp(-z^2) * R(t), t = 1 / (1 + |z|/2), R of degree 8 (fit on [0.9, 9.2], beyond
 *       which exp(-z^2) underflows float anyway).</li>
 * </ul>
 * The tail is evaluated as erfc, not 1 - erf, so Phi(x) keeps its relative accuracy for negative x; x^2 is split
 * into its rounded value and rounding error (one fma) so the exponent is exact to float precision even at x^2/2 ~ 80.
 * Measured in float against the double reference (FastErfTest, 100k points in [-14, 14]): max |Phi error| 8.7e-8
 * (erf: 1.75e-7, about one float ulp at 1); max relative error of Phi for x < 0: 5.9e-7.
 *
 * <p>The whole computation sits in one loop method on purpose: the Vector API only stays in registers when every
 * call on a vector is inlined, and C2 refuses to inline a helper this large once it is compiled on its own.
 */
final class FastErf {
    private FastErf() {}

    /** What {@link #range} writes: GELU(x), gy * GELU'(x), or Phi(x) itself (tests). */
    static final int GELU = 0, GELU_BACKWARD = 1, CDF = 2;

    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    private static final float CUT = 0.9f;

    private static final float P0 = 1.128379167e+00f, P1 = -3.761263590e-01f, P2 = 1.128372540e-01f,
            P3 = -2.686097909e-02f, P4 = 5.204870577e-03f, P5 = -8.185926317e-04f, P6 = 8.553011924e-05f;
    private static final float R0 = -6.319153558e-06f, R1 = 2.822525376e-01f, R2 = 2.804482217e-01f,
            R3 = 2.560492877e-01f, R4 = 1.473869069e-01f, R5 = 1.283080512e-01f, R6 = -5.099505525e-03f,
            R7 = -1.629592985e-01f, R8 = 7.398416568e-02f;

    /**
     * out[oo + i] for i in [from, to): per mode, x * Phi(x), gy * (Phi(x) + x * phi(x)), or Phi(x). gy may be null
     * except for GELU_BACKWARD; out may alias x or gy.
     */
    static void range(int mode, float[] x, int ox, float[] gy, int og, float[] out, int oo, int from, int to) {
        FloatVector one = ONE, half = HALF;
        for (int i = from; i < to; i += L) {
            VectorMask<Float> k = S.indexInRange(i, to);
            FloatVector xv = FloatVector.fromArray(S, x, ox + i, k);
            FloatVector z = xv.mul(INV_SQRT2);
            FloatVector hi = xv.mul(xv), z2 = hi.mul(0.5f);   // z^2 = x^2 / 2, halving is exact
            FloatVector lo = xv.fma(xv, hi.neg());            // x*x = hi + lo exactly
            FloatVector corr = lo.fma(-0.5f, 1f);             // exp(-(hi + lo)/2) = exp(-hi/2) * (1 - lo/2)
            corr = corr.blend(one, corr.test(VectorOperators.IS_NAN)); // x = +-inf; a NaN x stays NaN via exp
            FloatVector e = z2.neg().lanewise(VectorOperators.EXP).mul(corr); // exp(-x^2/2)
            // |z| < 0.9: Phi = 0.5 + 0.5 * z * P(z^2)
            FloatVector p = z2.fma(P6, P5).fma(z2, VP4).fma(z2, VP3).fma(z2, VP2).fma(z2, VP1).fma(z2, VP0);
            FloatVector small = z.mul(p).fma(half, half);
            // |z| >= 0.9: half the tail mass h = 0.5 * erfc(|z|); Phi = h for z < 0, 1 - h for z > 0
            FloatVector t = one.div(z.abs().fma(half, one));
            FloatVector r = t.fma(R8, R7).fma(t, VR6).fma(t, VR5).fma(t, VR4).fma(t, VR3)
                    .fma(t, VR2).fma(t, VR1).fma(t, VR0);
            FloatVector h = e.mul(r).mul(half);
            FloatVector cdf = h.blend(one.sub(h), z.compare(VectorOperators.GT, 0f))
                    .blend(small, z.abs().compare(VectorOperators.LT, CUT));
            FloatVector res;
            if (mode == GELU) res = xv.mul(cdf);
            else if (mode == GELU_BACKWARD) res = xv.mul(e.mul(INV_SQRT_2PI)).add(cdf).mul(FloatVector.fromArray(S, gy, og + i, k));
            else res = cdf;
            res.intoArray(out, oo + i, k);
        }
    }

    // Constants as vectors built once: a broadcast call left in the loop was at times not inlined (under profiling
    // it boxed every vector and made GELU 10x slower); static final vectors are plain constants to C2.
    private static final FloatVector ONE = bc(1f), HALF = bc(0.5f),
            VP0 = bc(P0), VP1 = bc(P1), VP2 = bc(P2), VP3 = bc(P3), VP4 = bc(P4),
            VR0 = bc(R0), VR1 = bc(R1), VR2 = bc(R2), VR3 = bc(R3), VR4 = bc(R4), VR5 = bc(R5), VR6 = bc(R6);

    private static FloatVector bc(float v) { return FloatVector.broadcast(S, v); }
}
