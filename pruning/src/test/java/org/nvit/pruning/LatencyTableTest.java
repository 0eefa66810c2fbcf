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
}
