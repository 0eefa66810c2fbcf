package org.nvit.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * JIT warm-up before timing. A cold JVM runs the Vector API kernels in the interpreter or C1 code many times slower than
 * after C2 has compiled them, and on two cores the compiler threads take a while; timing before that measures the JIT.
 */
public final class WarmUp {
    private WarmUp() {}

    /**
     * Runs step until it has settled: at least {@code minSeconds} and 10 runs, then until the median of the last 5 runs
     * is no more than 3% faster than that of the 5 before; never longer than {@code maxSeconds}. Returns the run count.
     */
    public static int untilSettled(Runnable step, double minSeconds, double maxSeconds) {
        long start = System.nanoTime();
        List<Double> t = new ArrayList<>();
        while (true) {
            long t0 = System.nanoTime();
            step.run();
            long now = System.nanoTime();
            t.add((now - t0) / 1e9);
            double elapsed = (now - start) / 1e9;
            int k = t.size();
            if (elapsed >= maxSeconds) return k;
            if (elapsed >= minSeconds && settled(t)) return k;
        }
    }

    /** The settling rule on the step times so far: at least 10, and the last 5 no more than 3% faster than the 5 before. */
    static boolean settled(List<Double> t) {
        int k = t.size();
        return k >= 10 && median(t.subList(k - 5, k)) >= 0.97 * median(t.subList(k - 10, k - 5));
    }

    /** The median of the values. */
    public static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The median of the values (not modified). */
    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
