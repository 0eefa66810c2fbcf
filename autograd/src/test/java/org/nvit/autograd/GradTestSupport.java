package org.nvit.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/** Shared helpers: seeded F64 inputs and the gradient-check assertion. */
final class GradTestSupport {
    static final double TOL = 1e-6;
    private static final Rng RNG = new Rng(42);

    private GradTestSupport() {}

    static Tensor rand(int... shape) { return Tensor.rand(DType.F64, RNG, -1, 1, shape); }

    static void assertGrad(String what, Function<Var[], Var> f, Tensor... inputs) {
        GradCheck.Report r = GradCheck.check(f, inputs);
        assertTrue(r.passes(TOL), what + ": " + r);
    }
}
