package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Backends;
import org.nvit.models.BlockSpec;
import org.nvit.models.Presets;
import org.nvit.models.VitConfig;

class LatencyTableBuilderTest {
    @Test void defaultGridIsNvitsShapeForDeitBaseWithEmbAtEighths() {
        LatencyTable.Grid g = LatencyTableBuilder.grid(Presets.byName("deit_base_distilled_patch16_224"), LatencyTableBuilder.GridKind.DEFAULT);
        assertArrayEquals(new int[] {192, 288, 384, 480, 576, 672, 768}, g.emb());
        assertArrayEquals(new int[] {2, 3, 6, 9, 12}, g.heads());   // one head group of 2 is the least pruning keeps
        assertArrayEquals(new int[] {8, 16, 32, 48, 64}, g.qk());     // the last group of 8
        assertArrayEquals(new int[] {8, 16, 32, 48, 64}, g.v());
        assertArrayEquals(new int[] {16, 384, 768, 1152, 1536, 2304, 3072}, g.mlp());
    }

    @Test void embAxisPointsAreWidthsPruningCanReach() {
        // 128 at thirds would be 43, 85, 128: off the 16-wide EMB groups, and off the vector lanes
        assertArrayEquals(new int[] {32, 48, 64, 80, 96, 112, 128}, LatencyTableBuilder.grid(Presets.byName("vit_fmnist_patch7"),
                LatencyTableBuilder.GridKind.DEFAULT).emb());
        assertArrayEquals(new int[] {48, 96, 144, 192}, LatencyTableBuilder.embAxis(192, new double[] {0.25, 0.5, 0.75, 1}));
        assertArrayEquals(new int[] {5, 10, 15, 20}, LatencyTableBuilder.embAxis(20, new double[] {0.25, 0.5, 0.75, 1}));
    }

    @Test void quickTableOfATinyModelBuildsSavesLoadsAndChecks(@TempDir Path dir) throws Exception {
        VitConfig c = VitConfig.uniform(8, 4, 1, 3, 16, 2, new BlockSpec(2, 4, 4, 16), false);
        LatencyTable.Grid g = LatencyTableBuilder.grid(c, LatencyTableBuilder.GridKind.QUICK);
        assertArrayEquals(new int[] {8, 12, 16}, g.emb());
        assertArrayEquals(new int[] {1, 2}, g.heads());
        assertArrayEquals(new int[] {1, 2, 4}, g.qk());
        LatencyTableBuilder b = new LatencyTableBuilder(Backends.cpu(), 2, 0, 1).jitWarmUp(0);
        LatencyTable t = b.build(c, g, "tiny", null);
        assertEquals(c.numTokens(), t.data().tokens());
        for (double v : t.data().valuesS()) assertTrue(v > 0);
        assertTrue(t.fixedSeconds() > 0, "the fixed parts are timed directly, not left as a clamped difference");
        t.checkCovers(c);
        // both kernels of the attention projections are timed: every point separate, the qk == v points fused too
        assertTrue(t.hasFusedGrid());
        assertEquals(g.fusedSize(), t.data().fusedValuesS().length);
        assertEquals(g.emb().length, t.data().fixedByEmbS().length);
        assertNotNull(t.data().spread());
        assertEquals(1, t.data().spread().repeats());
        Path f = dir.resolve("lut.json");
        t.save(f);
        LatencyTable back = LatencyTable.load(f);
        assertEquals(t.block(16, c.blocks().get(0)), back.block(16, c.blocks().get(0)), 0);
        assertEquals(t.model(c), back.model(c), 0);
        var result = b.check(back, c, 2, 1, null);
        var samples = result.samples();
        assertEquals(2, samples.size());
        for (var s : samples) {
            assertTrue(s.predicted() > 0 && s.measured() > 0);
            assertTrue(Double.isFinite(s.relError()));
            assertTrue(Double.isFinite(s.relErrorOfFraction(result.dense())));
        }
        assertSame(c, result.dense().config(), "the dense model is measured in the same passes");
        assertEquals(t.model(c), result.dense().predicted(), 0);
        // a machine uniformly twice as slow at check time: every absolute error is large, the fractions' error is 0
        var d = new LatencyTableBuilder.CheckSample(c, 1, 2, 0);
        var s = new LatencyTableBuilder.CheckSample(c, 0.5, 1, 0);
        assertEquals(0.5, s.relError(), 1e-12);
        assertEquals(0, s.relErrorOfFraction(d), 1e-12);
    }

    @Test void theSpreadOfRepeatsIsTheInterquartileRangeOverTheMedian() {
        assertEquals(0, LatencyTableBuilder.spread(new double[] {1, 1, 1, 1, 1}), 0);
        assertEquals(0.5, LatencyTableBuilder.spread(new double[] {1, 1.5, 2, 2.5, 3}), 1e-12); // (2.5 - 1.5) / 2
        assertEquals(0, LatencyTableBuilder.spread(new double[] {5, 9}), 0);              // too few to say
    }

    @Test void aTableThatGetsFasterAsADimensionGrowsIsWarnedAbout() {
        LatencyTable ok = LatencyTableBuilder.multiplyAdds(VitConfig.uniform(8, 4, 1, 3, 16, 2, new BlockSpec(2, 4, 4, 16), false));
        LatencyTableBuilder b = new LatencyTableBuilder(Backends.cpu(), 2, 0, 1);
        assertTrue(b.reliability(ok).isEmpty(), b.reliability(ok).toString());
        double[] v = ok.data().valuesS().clone();
        v[0] = 100 * v[v.length - 1]; // a cold first point, 100x off
        LatencyTable bad = new LatencyTable(new LatencyTable.Data("nvit-lut-2", "t", "cpu", "t", "now", 1, ok.data().tokens(), "t",
                ok.data().grid(), v, 0));
        assertTrue(LatencyTableBuilder.monotonicity(ok).isEmpty());
        assertTrue(b.reliability(bad).isEmpty(), "steady but non-monotone: a warning, not a refusal");
        var why = LatencyTableBuilder.monotonicity(bad);
        assertEquals(1, why.size(), why.toString());
        assertTrue(why.get(0).contains("faster as a dimension grows") && why.get(0).contains("emb 8 -> 12"), why.get(0));
    }
}
