package org.nvit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class WarmUpTest {
    @Test void medianOfOddAndEvenCountsWithoutTouchingTheInput() {
        double[] v = {5, 1, 3};
        assertEquals(3, WarmUp.median(v));
        assertEquals(5, v[0]);
        assertEquals(2.5, WarmUp.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertTrue(Double.isNaN(WarmUp.median(new double[0])));
    }

    @Test void stopsOnceStepsNoLongerGetFaster() {
        // steps that speed up for 20 runs (a JIT compiling), then stay flat
        int[] calls = {0};
        int runs = WarmUp.untilSettled(() -> {
            int c = calls[0]++;
            long until = System.nanoTime() + (c < 20 ? 2_000_000L * (20 - c) : 1_000_000L);
            while (System.nanoTime() < until) Thread.onSpinWait();
        }, 0, 30);
        assertTrue(runs >= 20 && runs <= 40, "settled after " + runs + " runs");
    }

    @Test void neverRunsLongerThanTheCap() {
        long t0 = System.nanoTime();
        int[] calls = {0};
        WarmUp.untilSettled(() -> { // ever faster steps never settle
            long until = System.nanoTime() + Math.max(0, 5_000_000L - 200_000L * calls[0]++);
            while (System.nanoTime() < until) Thread.onSpinWait();
        }, 0, 0.3);
        assertTrue((System.nanoTime() - t0) / 1e9 < 1.5);
    }
}
