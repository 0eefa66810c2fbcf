package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;

class PrunerTest {
    static final VitConfig CFG = VitConfig.uniform(8, 4, 1, 3, 64, 2, new BlockSpec(4, 8, 8, 64), true);

    /** Block latency proportional to the block's MACs (a plausible cost model, exact under multilinear interpolation). */
    static LatencyTable table() {
        int[] e = {1, 64}, h = {1, 4}, q = {1, 8}, v = {1, 8}, m = {1, 64};
        double[] vals = new double[32];
        int i = 0;
        for (int a : e) for (int b : h) for (int c : q) for (int d : v) for (int f : m)
            vals[i++] = 1e-6 * (a * b * (2 * c + 2 * d) + 2 * a * f) + 1e-5;
        return new LatencyTable(new LatencyTable.Data("nvit-lut-1", "test", "cpu", "test", "now", 4, CFG.numTokens(), "t",
                new LatencyTable.Grid(e, h, q, v, m), vals, 0));
    }

    static Pruner.Batch batch(Rng r) {
        Tensor img = Tensor.randn(DType.F32, r, 1, 4, 1, 8, 8);
        int[] labels = new int[4];
        for (int i = 0; i < 4; i++) labels[i] = img.getFlat(i * 64L) > 0 ? 1 : 0;
        return new Pruner.Batch(img, labels, null);
    }

    @Test void masksSurviveAdamWSteps() {
        VisionTransformer m = new VisionTransformer(CFG, 1);
        Pruner p = new Pruner(m, table(), PruneOptions.defaults(0.5).withLr(1e-2));
        PruningMasks masks = p.masks();
        masks.prune(PruningLayer.EMB, 0, 7);
        masks.prune(new PruningLayer(UnitKind.HEAD, 1), 2);
        masks.prune(new PruningLayer(UnitKind.MLP, 0), 5);
        masks.apply(m.stateDict());
        p.maskedForward().update(masks);
        Tensor before = m.stateDict().get("blocks.0.mlp.fc1.weight").copy();
        var opt = Pruner.optimizer(m, PruneOptions.defaults(0.5).withLr(1e-2));
        Rng r = new Rng(3);
        for (int s = 0; s < 3; s++) p.trainStep(batch(r), opt, new TaylorImportance(), m.parameters());
        Map<String, Tensor> sd = m.stateDict();
        int checked = 0;
        for (PruningLayer l : masks.layers())
            for (int u = 0; u < masks.structure().units(l); u++) {
                if (masks.kept(l, u)) continue;
                for (Slice s : masks.structure().zeroed(l, u)) {
                    Tensor t = sd.get(s.name());
                    s.forEachRun(t.shape(), (st, len) -> {
                        for (long i = st; i < st + len; i++) assertEquals(0.0, Math.abs(t.getFlat(i)), s.toString());
                    });
                    checked++;
                }
            }
        assertTrue(checked > 50);
        // and training did move the kept weights
        assertNotEquals(before.getFlat(1), sd.get("blocks.0.mlp.fc1.weight").getFlat(1));
    }

    @Test void theFloorIsTheLatencyOfEveryLayerAtItsLastGroup() {
        // MAC-proportional table: the floor is the smallest model's cost over the original's
        Pruner p = new Pruner(new VisionTransformer(CFG, 2), table(), PruneOptions.defaults(0.5));
        LatencyTable t = table();
        double want = 2 * t.block(16, new BlockSpec(2, 8, 8, 16)) / (2 * t.block(64, new BlockSpec(4, 8, 8, 64)));
        assertEquals(want, p.floorRatio(), 1e-12);
        // a table dominated by a fixed cost per block has a high floor
        double[] vals = t.data().valuesS().clone();
        for (int i = 0; i < vals.length; i++) vals[i] = 1e-3 + vals[i] * 1e-3;
        LatencyTable flat = new LatencyTable(new LatencyTable.Data("nvit-lut-1", "test", "cpu", "test", "now", 4, CFG.numTokens(),
                "t", t.data().grid(), vals, 0));
        assertTrue(new Pruner(new VisionTransformer(CFG, 2), flat, PruneOptions.defaults(0.5)).floorRatio() > 0.9);
    }

    @Test void prunesToTheTargetAndShrinksExactly() {
        VisionTransformer m = new VisionTransformer(CFG, 2);
        LatencyTable t = table();
        PruneOptions o = new PruneOptions(0.6, 2, 1, 1.0, 10, 3, 100, 1e-3, 0.05, "taylor", null, 0);
        Pruner p = new Pruner(m, t, o);
        Rng r = new Rng(5);
        Pruner.Result res = p.run(() -> batch(r), null);
        assertEquals("latency target reached", res.stopReason());
        List<Pruner.StepRecord> st = res.steps();
        assertTrue(st.size() > 2, st.toString());
        for (int i = 1; i < st.size(); i++) {
            assertTrue(st.get(i).latency() <= st.get(i - 1).latency() + 1e-15);
            assertEquals(2L * i, st.get(i).batches());
        }
        assertTrue(st.getLast().latency() <= 0.6 * res.originalLatency());
        assertTrue(st.get(st.size() - 2).latency() > 0.6 * res.originalLatency());
        assertTrue(res.eta() > 0, "eta " + res.eta() + " steps " + st);
        // dims stay multiples of the group sizes
        VitConfig d = res.shrunk().config();
        assertEquals(0, d.embedDim() % 16);
        for (BlockSpec b : d.blocks()) {
            assertEquals(0, b.heads() % 2);
            assertEquals(0, b.qkDim() % 8);
            assertEquals(0, b.mlpDim() % 16);
        }
        VisionTransformer small = new VisionTransformer(d, 0);
        small.loadStateDict(res.shrunk().stateDict());
        Tensor img = batch(new Rng(9)).images();
        ModelShrinkTest.assertClose(p.maskedForward().predict(img), small.predict(img), 1e-5);
    }
}
