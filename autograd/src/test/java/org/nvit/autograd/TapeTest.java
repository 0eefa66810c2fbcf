package org.nvit.autograd;

import static org.junit.jupiter.api.Assertions.*;
import static org.nvit.autograd.GradTestSupport.rand;

import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/** Graph bookkeeping: accumulation, NoGrad, release after backward, errors. */
class TapeTest {

    @Test void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Var w = Var.param("w", Tensor.of(new double[] {1, 2, 3}, 3));
        for (int i = 0; i < 2; i++) F.mean(F.mul(w, w)).backward(); // d/dw mean(w^2) = 2w/3
        assertArrayEquals(new double[] {4 / 3.0, 8 / 3.0, 4.0}, w.grad().toDoubleArray(), 1e-6); // 1/n is a float constant
        w.zeroGrad();
        assertNull(w.grad());
        F.mean(w).backward();
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, w.grad().toDoubleArray(), 1e-7);
    }

    @Test void sharedSubexpressionSumsBothPaths() {
        Var x = Var.param("x", Tensor.of(new double[] {2}, 1));
        Var y = F.mul(x, x);                 // x^2
        F.add(F.mul(y, y), y).backward();    // x^4 + x^2 -> 4x^3 + 2x = 36
        assertEquals(36, x.grad().getFlat(0), 1e-12);
    }

    @Test void noGradRecordsNothingAndDropoutIsIdentity() {
        Var w = Var.param("w", rand(2, 3));
        try (var s = NoGrad.open()) {
            Var y = F.gelu(F.linear(w, w, null));
            assertFalse(y.requiresGrad());
            assertNull(y.rule);
            assertSame(w, F.dropout(w, 0.5, new Rng(1)));
            assertThrows(IllegalStateException.class, () -> F.mean(y).backward());
        }
        assertTrue(F.gelu(w).requiresGrad());
        assertFalse(F.gelu(Var.constant(rand(2))).requiresGrad());
    }

    @Test void backwardReleasesTheGraphAndIntermediateGrads() {
        Var w = Var.param("w", rand(4, 3));
        Var x = Var.constant(rand(2, 3));
        Var h = F.linear(x, w, null);
        Var kept = F.gelu(h).retainGrad();
        Var loss = F.mean(kept);
        loss.backward();
        for (Var v : new Var[] {h, kept, loss}) {
            assertNull(v.rule, "rule kept on " + v);
            assertNull(v.inputs, "edges kept on " + v);
        }
        assertNull(h.grad(), "intermediate grad kept");
        assertNull(loss.grad(), "root grad kept");
        assertNotNull(kept.grad(), "retained grad dropped");
        assertNotNull(w.grad());
        assertEquals(DType.F64, w.grad().dtype());
    }

    @Test void retainedGradIsNotOverwrittenByLaterAccumulation() {
        Var x = Var.param("x", Tensor.of(new double[] {1, 2}, 2));
        Var y = F.add(x, Var.constant(Tensor.of(new double[] {1, 1}, 2))).retainGrad(); // y = (2, 3)
        Var z = F.add(F.reshape(x, 2), y); // (3, 5); y's rule runs before the reshape's, both reach x
        F.mean(F.mul(z, z)).backward();
        // dz = z = (3, 5) (mean of 2 squares); y.grad = dz; x.grad = 2 dz
        assertArrayEquals(new double[] {3, 5}, y.grad().toDoubleArray(), 1e-6);
        assertArrayEquals(new double[] {6, 10}, x.grad().toDoubleArray(), 1e-6);
    }

    @Test void float32PathWorks() {
        Var w = Var.param("w", Tensor.rand(DType.F32, new Rng(1), -1, 1, 5, 3));
        Var b = Var.param("b", Tensor.zeros(5));
        Var x = Var.constant(Tensor.rand(DType.F32, new Rng(2), -1, 1, 2, 7, 3));
        F.crossEntropy(F.token(F.gelu(F.linear(x, w, b)), 0), new int[] {1, 4}, 0.1).backward();
        assertEquals(DType.F32, w.grad().dtype());
        assertArrayEquals(new int[] {5, 3}, w.grad().shape());
        assertArrayEquals(new int[] {5}, b.grad().shape());
    }

    @Test void badInputsGiveOneLineMessages() {
        Var a = Var.param("a", rand(2, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> F.linear(a, Var.param("w", rand(4, 5)), null));
        assertTrue(e.getMessage().startsWith("linear:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.add(a, Var.constant(rand(2))));
        assertThrows(IllegalArgumentException.class, () -> F.matmul(a, false, a, false));
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(a, new int[] {0, 3}, 0));
        assertThrows(IllegalArgumentException.class, () -> F.split(a, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> F.gelu(a).backward());
        assertThrows(IllegalArgumentException.class, () -> F.patchEmbed(Var.constant(rand(1, 1, 5, 5)),
                Var.param("w", rand(2, 1, 2, 2)), null, 2));
    }
}
