package org.nvit.engine;

/**
 * Seeded random numbers (SplitMix64 core). Deterministic for a seed, cheap to fork, and its whole state is one long,
 * so training checkpoints can save and restore it exactly.
 */
public final class Rng {
    private long state;

    public Rng(long seed) { this.state = seed; }

    public long state() { return state; }

    public void setState(long s) { state = s; }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        return mix(z);
    }

    /** Stateless hash of (seed, counter): lets kernels draw element i's random number independently. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) from (seed, counter), the same on every backend. */
    public static float uniformAt(long seed, long counter) {
        return (mix(seed + counter * 0x9E3779B97F4A7C15L) >>> 40) * 0x1.0p-24f;
    }

    public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

    public float nextFloat() { return (nextLong() >>> 40) * 0x1.0p-24f; }

    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive");
        return (int) Math.floorMod(nextLong() >>> 1, (long) bound);
    }

    /**
     * A standard normal draw (polar Box-Muller). The second value of each pair is dropped on purpose: caching it
     * would be state outside {@link #state()}, and a checkpoint restore would then replay a different sequence.
     */
    public double nextGaussian() {
        double u, v, s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }

    /** A new independent generator derived from this one. */
    public Rng fork() { return new Rng(nextLong()); }

    /** Fisher-Yates shuffle of an int array. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
    }
}
