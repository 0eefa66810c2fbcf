package org.nvit.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Seeded determinism, state save/restore, and the ranges and rough statistics of each draw. */
class RngTest {
    @Test void sameSeedSameSequenceDifferentSeedDifferent() {
        Rng a = new Rng(7), b = new Rng(7), c = new Rng(8);
        long[] sa = new long[50], sb = new long[50], sc = new long[50];
        for (int i = 0; i < 50; i++) { sa[i] = a.nextLong(); sb[i] = b.nextLong(); sc[i] = c.nextLong(); }
        assertArrayEquals(sa, sb);
        assertTrue(!Arrays.equals(sa, sc));
    }

    @Test void stateRestoresTheSequenceExactly() {
        Rng r = new Rng(123);
        r.nextGaussian(); // leaves a spare gaussian behind, which setState must drop
        long s = r.state();
        double[] first = {r.nextDouble(), r.nextGaussian(), r.nextFloat(), r.nextInt(10)};
        r.setState(s);
        double[] again = {r.nextDouble(), r.nextGaussian(), r.nextFloat(), r.nextInt(10)};
        assertArrayEquals(first, again);
    }

    @Test void forksAreDeterministicAndIndependent() {
        Rng a = new Rng(1).fork(), b = new Rng(1).fork();
        assertEquals(a.nextLong(), b.nextLong());
        Rng parent = new Rng(1);
        Rng child = parent.fork();
        assertNotEquals(parent.nextLong(), child.nextLong());
    }

    @Test void uniformAtIsStatelessInRangeAndUniform() {
        assertEquals(Rng.uniformAt(99, 12345), Rng.uniformAt(99, 12345));
        assertNotEquals(Rng.uniformAt(99, 12345), Rng.uniformAt(100, 12345));
        double sum = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            float u = Rng.uniformAt(5, i);
            assertTrue(u >= 0 && u < 1, "uniformAt out of [0, 1): " + u);
            sum += u;
        }
        assertEquals(0.5, sum / n, 0.005);
    }

    @Test void drawsHaveTheRightRangesAndMoments() {
        Rng r = new Rng(2024);
        int n = 100_000;
        double s = 0, s2 = 0;
        int[] counts = new int[5];
        for (int i = 0; i < n; i++) {
            double d = r.nextDouble();
            assertTrue(d >= 0 && d < 1);
            float f = r.nextFloat();
            assertTrue(f >= 0 && f < 1);
            counts[r.nextInt(5)]++;
            double g = r.nextGaussian();
            s += g;
            s2 += g * g;
        }
        assertEquals(0, s / n, 0.02);
        assertEquals(1, s2 / n, 0.02);
        for (int c : counts) assertEquals(n / 5.0, c, n * 0.01);
        assertThrows(IllegalArgumentException.class, () -> r.nextInt(0));
    }

    @Test void shuffleIsASeededPermutation() {
        int[] a = new int[100], b = new int[100];
        for (int i = 0; i < 100; i++) a[i] = b[i] = i;
        new Rng(3).shuffle(a);
        new Rng(3).shuffle(b);
        assertArrayEquals(a, b);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 100; i++) assertEquals(i, sorted[i]);
        int fixed = 0;
        for (int i = 0; i < 100; i++) if (a[i] == i) fixed++;
        assertTrue(fixed < 10, "a shuffle should move most elements, " + fixed + " stayed");
    }
}
