package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

class LatencyTableTest {
    static final int[] EMB = {16, 64, 128}, H = {2, 4}, QK = {8, 32}, V = {8, 16, 32}, MLP = {16, 256, 512};

    /** A table whose values are an arbitrary non-linear function of the grid point. */
    static LatencyTable table(int tokens) {
        int n = EMB.length * H.length * QK.length * V.length * MLP.length;
        double[] vals = new double[n];
        int i = 0;
        for (int e : EMB) for (int h : H) for (int q : QK) for (int v : V) for (int m : MLP)
            vals[i++] = f(e, h, q, v, m);
        return new LatencyTable(new LatencyTable.Data("nvit-lut-1", "test", "cpu", "test", "now", 4, tokens, "t",
                new LatencyTable.Grid(EMB, H, QK, V, MLP), vals, 0.5));
    }

    static double f(double e, double h, double q, double v, double m) {
        return 1e-3 * (e * e / 100 + h * q * 0.3 + Math.sqrt(v) + m * e / 1000) + 1e-4;
    }

    @Test void theSuspectsOfANonMonotoneStepAreTheSlowerSmallerPoints() {
        int[][] axes = {{1, 2, 3}, {1, 2}};   // row-major: (a, b) at index 2 * ia + ib
        double[] v = {1, 2, 2, 3, 3, 4};
        assertArrayEquals(new int[0], LatencyTable.slowerThanALargerNeighbour(axes, v, 0.10));
        v[2] = 10;                            // (2, 1) disturbed: slower than (3, 1) and than (2, 2)
        assertArrayEquals(new int[] {2}, LatencyTable.slowerThanALargerNeighbour(axes, v, 0.10));
        v[2] = 2.95;                          // within 10% of (3, 1) = 3, but (2, 2) = 3 is not slower
        assertArrayEquals(new int[0], LatencyTable.slowerThanALargerNeighbour(axes, v, 0.10));
        assertArrayEquals(new int[] {2, 1}, LatencyTable.strides(axes));
    }

    @Test void exactAtGridPoints() {
        LatencyTable t = table(10);
        for (int e : EMB) for (int h : H) for (int q : QK) for (int v : V) for (int m : MLP)
            assertEquals(f(e, h, q, v, m), t.block(e, h, q, v, m), 1e-15);
    }

    @Test void linearBetweenGridPointsAlongEachAxis() {
        LatencyTable t = table(10);
        // along MLP between 256 and 512, everything else on the grid: exactly the linear blend
        double a = t.block(64, 4, 32, 16, 256), b = t.block(64, 4, 32, 16, 512);
        for (double s : new double[] {0.1, 0.25, 0.5, 0.9})
            assertEquals(a + s * (b - a), t.block(64, 4, 32, 16, 256 + s * 256), 1e-15);
        // along EMB
        double c = t.block(16, 2, 8, 8, 16), d = t.block(64, 2, 8, 8, 16);
        assertEquals(0.75 * c + 0.25 * d, t.block(28, 2, 8, 8, 16), 1e-15);
        // multilinear: bilinear in (heads, qk) at a cell centre is the mean of the 4 corners
        double mean = (t.block(64, 2, 8, 8, 16) + t.block(64, 4, 8, 8, 16) + t.block(64, 2, 32, 8, 16)
                + t.block(64, 4, 32, 8, 16)) / 4;
        assertEquals(mean, t.block(64, 3, 20, 8, 16), 1e-15);
    }

    @Test void modelLatencyIsSumOfBlocksPlusFixed() {
        LatencyTable t = table(50);
        VitConfig cfg = new VitConfig(28, 4, 1, 10, 64, false, 1e-6, null,
                List.of(new BlockSpec(2, 8, 16, 256), new BlockSpec(4, 32, 32, 512)));
        assertEquals(0.5 + f(64, 2, 8, 16, 256) + f(64, 4, 32, 32, 512), t.model(cfg), 1e-12);
        t.checkCovers(cfg);
    }

    @Test void refusesTablesThatDoNotMatchTheModel() {
        VitConfig cfg = new VitConfig(28, 4, 1, 10, 64, false, 1e-6, null, List.of(new BlockSpec(2, 8, 16, 256)));
        var tokens = assertThrows(IllegalArgumentException.class, () -> table(11).checkCovers(cfg));
        assertTrue(tokens.getMessage().contains("tokens"), tokens.getMessage());
        VitConfig wide = cfg.withEmbedDim(192);
        var emb = assertThrows(IllegalArgumentException.class, () -> table(50).checkCovers(wide));
        assertTrue(emb.getMessage().contains("emb") && emb.getMessage().contains("192"), emb.getMessage());
    }

    @Test void saveLoadRoundTripAndBadFiles(@TempDir Path dir) throws Exception {
        LatencyTable t = table(50);
        Path f = dir.resolve("lut.json");
        t.save(f);
        LatencyTable u = LatencyTable.load(f);
        assertEquals(t.block(70, 3, 10, 9, 300), u.block(70, 3, 10, 9, 300), 0);
        Files.writeString(f, "{\"grid\": {\"emb\": [1,2]}, \"values_s\": [1]}");
        assertThrows(IllegalArgumentException.class, () -> LatencyTable.load(f));
        Files.writeString(f, "not json");
        assertThrows(IllegalArgumentException.class, () -> LatencyTable.load(f));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> LatencyTable.load(dir.resolve("missing.json")));
    }

    @Test void fusedBlocksArePredictedFromTheFusedGridAndOthersFromTheSeparateOne() {
        LatencyTable base = table(10);
        LatencyTable.Grid g = base.data().grid();
        int[] qkv = g.qkv();
        assertArrayEquals(new int[] {8, 16, 32}, qkv);
        double[] fused = new double[(int) g.fusedSize()];
        int i = 0;
        for (int e : EMB) for (int h : H) for (int q : qkv) for (int m : MLP) fused[i++] = 0.5 * f(e, h, q, q, m);
        LatencyTable t = new LatencyTable(new LatencyTable.Data("nvit-lut-2", "test", "cpu", "test", "now", 4, 10, "t", g,
                base.data().valuesS(), 0.5, fused, null, null));
        assertEquals(0.5 * f(64, 2, 16, 16, 256), t.block(64, 2, 16, 16, 256), 1e-15); // qk == v, a point of the fused grid only
        assertEquals(f(64, 2, 8, 16, 256), t.block(64, 2, 8, 16, 256), 1e-15);          // qk != v: separate
        assertEquals(0.5 * f(64, 2, 32, 32, 512), t.block(64, 2, 32, 32, 512), 1e-15);
        // between fused points the fused grid interpolates, never blending in separate timings
        assertEquals(0.5 * (0.5 * f(64, 2, 16, 16, 256) + 0.5 * f(64, 2, 32, 32, 256)), t.block(64, 2, 24, 24, 256), 1e-15);
    }

    @Test void theFixedPartShrinksWithTheEmbeddingAndPredictionsAreNeverNegative() {
        LatencyTable base = table(10);
        LatencyTable t = new LatencyTable(new LatencyTable.Data("nvit-lut-2", "test", "cpu", "test", "now", 4, 10, "t",
                base.data().grid(), base.data().valuesS(), 0.3, null, new double[] {0.01, 0.2, 0.3}, null));
        assertEquals(0.3, t.fixedSeconds(), 0);
        assertEquals(0.105, t.fixed(40), 1e-15);  // halfway between EMB 16 and 64
        assertEquals(0.01, t.fixed(16), 1e-15);
        assertEquals(0, t.fixed(1), 0);            // extrapolated below the grid: clamped at 0, not negative
        // a steep first cell extrapolated far below the grid would go negative: clamped
        double[] v = base.data().valuesS().clone();
        LatencyTable steep = new LatencyTable(new LatencyTable.Data("nvit-lut-2", "test", "cpu", "test", "now", 4, 10, "t",
                base.data().grid(), v, 0));
        double slope = (steep.block(64, 2, 8, 8, 16) - steep.block(16, 2, 8, 8, 16)) / 48;
        assertTrue(steep.block(16, 2, 8, 8, 16) - 1016 * slope < 0, "the test needs an extrapolation that goes negative");
        assertEquals(0, steep.block(-1000, 2, 8, 8, 16), 0);
    }
}
