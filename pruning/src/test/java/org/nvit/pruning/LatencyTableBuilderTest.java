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
    @Test void defaultGridIsNvitsShapeForDeitBase() {
        LatencyTable.Grid g = LatencyTableBuilder.grid(Presets.byName("deit_base_distilled_patch16_224"), LatencyTableBuilder.GridKind.DEFAULT);
        assertArrayEquals(new int[] {256, 512, 768}, g.emb());
        assertArrayEquals(new int[] {1, 3, 6, 9, 12}, g.heads());
        assertArrayEquals(new int[] {1, 16, 32, 48, 64}, g.qk());
        assertArrayEquals(new int[] {1, 16, 32, 48, 64}, g.v());
        assertArrayEquals(new int[] {1, 384, 768, 1152, 1536, 2304, 3072}, g.mlp());
    }

    @Test void quickTableOfATinyModelBuildsSavesLoadsAndChecks(@TempDir Path dir) throws Exception {
        VitConfig c = VitConfig.uniform(8, 4, 1, 3, 16, 2, new BlockSpec(2, 4, 4, 16), false);
        LatencyTable.Grid g = LatencyTableBuilder.grid(c, LatencyTableBuilder.GridKind.QUICK);
        assertArrayEquals(new int[] {8, 16}, g.emb());
        assertArrayEquals(new int[] {1, 2}, g.heads());
        assertArrayEquals(new int[] {1, 2, 4}, g.qk());
        LatencyTableBuilder b = new LatencyTableBuilder(Backends.cpu(), 2, 0, 1).jitWarmUp(0);
        LatencyTable t = b.build(c, g, "tiny", null);
        assertEquals(c.numTokens(), t.data().tokens());
        for (double v : t.data().valuesS()) assertTrue(v > 0);
        assertTrue(t.fixedSeconds() > 0, "the fixed parts are timed directly, not left as a clamped difference");
        t.checkCovers(c);
        Path f = dir.resolve("lut.json");
        t.save(f);
        LatencyTable back = LatencyTable.load(f);
        assertEquals(t.block(16, c.blocks().get(0)), back.block(16, c.blocks().get(0)), 0);
        var samples = b.check(back, c, 2, 1, null);
        assertEquals(2, samples.size());
        for (var s : samples) {
            assertTrue(s.predicted() > 0 && s.measured() > 0);
            assertTrue(Double.isFinite(s.relError()));
        }
    }
}
