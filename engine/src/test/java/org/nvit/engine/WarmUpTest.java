package org.nvit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
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

    @Test void settlesOnceStepsNoLongerGetFaster() {
        // steps that speed up for 20 runs (a JIT compiling: 40, 38, ... 2 ms), then stay flat at 1 ms; the rule is
        // checked on these times directly (wall-clock steps settle early when another process preempts them)
        List<Double> t = new ArrayList<>();
        int first = -1;
        for (int c = 0; c < 40 && first < 0; c++) {
            t.add(c < 20 ? 0.002 * (20 - c) : 0.001);
            if (WarmUp.settled(t)) first = t.size();
        }
        // the 5 runs before the last 5 must be (nearly) flat too: 4, 2, 1, 1, 1 ms has median 1 ms at run 28
        assertEquals(28, first);
        List<Double> noisyFlat = new ArrayList<>(List.of(1.0, 1.1, 0.9, 1.0, 1.05, 0.98, 1.0, 1.02, 0.99, 1.01));
        assertTrue(WarmUp.settled(noisyFlat), "flat steps with 10% noise settle at once");
        assertFalse(WarmUp.settled(noisyFlat.subList(0, 9)), "never before 10 runs");
    }

    @Test void untilSettledRunsTheStepUntilTheRuleHolds() {
        int[] calls = {0};
        int runs = WarmUp.untilSettled(() -> calls[0]++, 0, 30);   // constant (tiny) steps: settled at the minimum
        assertTrue(runs >= 10 && runs == calls[0], "ran " + runs + " steps");
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
