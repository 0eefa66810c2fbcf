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
import org.nvit.data.Batch;
import org.nvit.models.structure.Coupling;
import org.nvit.train.TrainStep;

/** The pruning schedule hooked into the shared training step, on a tiny distilled model. */
class PruneScheduleTest {
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

    /** Four random images whose label (of 3) depends on the first pixel, with one-hot targets. */
    static Batch batch(Rng r) {
        Tensor img = Tensor.randn(DType.F32, r, 1, 4, 1, 8, 8);
        int[] labels = new int[4];
        Tensor t = Tensor.zeros(4, 3);
        for (int i = 0; i < 4; i++) {
            labels[i] = img.getFlat(i * 64L) > 0.5 ? 2 : img.getFlat(i * 64L) > -0.5 ? 1 : 0;
            t.setFlat(i * 3L + labels[i], 1);
        }
        return new Batch(img, labels, t, new int[4], 0, 0);
    }

    /** Every element of every slice a pruned unit owns, read from the host weights. */
    static int assertPrunedSlicesZero(PruningMasks masks, Map<String, Tensor> sd) {
        int checked = 0;
        for (PruningLayer l : masks.layers())
            for (int u = 0; u < masks.structure().units(l); u++) {
                if (masks.kept(l, u)) continue;
                for (Coupling c : masks.structure().couplings(l)) {
                    Tensor t = sd.get(c.param());
                    UnitView v = UnitView.of(t, c);
                    for (int o = 0; o < v.outer(); o++)
                        for (int i = 0; i < v.inner(); i++)
                            assertEquals(0.0, Math.abs(v.flat().getFlat(((long) o * c.units() + u) * v.inner() + i)), c + " unit " + u);
                    checked++;
                }
            }
        return checked;
    }

    @Test void masksSurviveAdamWSteps() {
        VisionTransformer m = new VisionTransformer(CFG, 1);
        VisionTransformer teacher = new VisionTransformer(CFG, 1);
        PruneSchedule s = new PruneSchedule(m, table(), PruneOptions.defaults(0.5).withLr(1e-2).withInterval(1000));
        PruningMasks masks = s.masks();
        masks.prune(PruningLayer.EMB, 0, 7);
        masks.prune(new PruningLayer(UnitKind.HEAD, 1), 2);
        masks.prune(new PruningLayer(UnitKind.MLP, 0), 5);
        masks.apply(m.stateDict());
        Tensor before = m.stateDict().get("blocks.0.mlp.fc1.weight").copy();
        TrainStep step = s.trainStep(teacher);
        Rng r = new Rng(3);
        for (int i = 0; i < 3; i++) s.afterBatch(step.run(batch(r), 1e-2, 0, null));
        assertTrue(assertPrunedSlicesZero(masks, m.stateDict()) > 50);
        // and training did move the kept weights
        assertNotEquals(before.getFlat(1), m.stateDict().get("blocks.0.mlp.fc1.weight").getFlat(1));
        assertEquals(3, s.batches());
    }

    @Test void theFloorIsTheLatencyOfEveryLayerAtItsLastGroup() {
        // MAC-proportional table: the floor is the smallest model's cost over the original's
        PruneSchedule s = new PruneSchedule(new VisionTransformer(CFG, 2), table(), PruneOptions.defaults(0.5));
        LatencyTable t = table();
        double want = 2 * t.block(16, new BlockSpec(2, 8, 8, 16)) / (2 * t.block(64, new BlockSpec(4, 8, 8, 64)));
        assertEquals(want, s.floorRatio(), 1e-12);
        // a table dominated by a fixed cost per block has a high floor
        double[] vals = t.data().valuesS().clone();
        for (int i = 0; i < vals.length; i++) vals[i] = 1e-3 + vals[i] * 1e-3;
        LatencyTable flat = new LatencyTable(new LatencyTable.Data("nvit-lut-1", "test", "cpu", "test", "now", 4, CFG.numTokens(),
                "t", t.data().grid(), vals, 0));
        assertTrue(new PruneSchedule(new VisionTransformer(CFG, 2), flat, PruneOptions.defaults(0.5)).floorRatio() > 0.9);
    }

    /** Runs the schedule to its end on random batches; returns it. */
    static PruneSchedule runToTheEnd(VisionTransformer m, PruneOptions o) {
        PruneSchedule s = new PruneSchedule(m, table(), o);
        TrainStep step = s.trainStep(new VisionTransformer(CFG, 2));
        Rng r = new Rng(5);
        while (s.stopReason() == null) s.afterBatch(step.run(batch(r), o.lr(), 0, null));
        return s;
    }

    @Test void prunesToTheTargetAndShrinksExactly() {
        VisionTransformer m = new VisionTransformer(CFG, 2);
        PruneOptions o = new PruneOptions(0.6, 2, 1, 1.0, 10, 3, 100, 1e-3, 0.05, "taylor", null, 0);
        PruneSchedule s = runToTheEnd(m, o);
        assertEquals("latency target reached", s.stopReason());
        List<StepRecord> st = s.steps();
        assertTrue(st.size() > 2, st.toString());
        for (int i = 1; i < st.size(); i++) {
            assertTrue(st.get(i).latency() <= st.get(i - 1).latency() + 1e-15);
            assertEquals(2L * i, st.get(i).batches());
        }
        assertTrue(st.getLast().latency() <= 0.6 * s.originalLatency());
        assertTrue(st.get(st.size() - 2).latency() > 0.6 * s.originalLatency());
        assertTrue(s.eta() > 0, "eta " + s.eta() + " steps " + st);
        // dims stay multiples of the group sizes
        Shrink.Result res = s.shrink();
        VitConfig d = res.config();
        assertEquals(0, d.embedDim() % 16);
        assertTrue(d.embedDim() < 64, "the embedding was pruned: " + d);
        for (BlockSpec b : d.blocks()) {
            assertEquals(0, b.heads() % 2);
            assertEquals(0, b.qkDim() % 8);
            assertEquals(0, b.mlpDim() % 16);
        }
        // the masked model (its norms over the alive channels) and the shrunk dense model compute the same logits
        VisionTransformer small = new VisionTransformer(d, 0);
        small.loadStateDict(res.stateDict());
        Tensor img = batch(new Rng(9)).images();
        ModelShrinkTest.assertClose(m.predict(img), small.predict(img), 1e-5);
    }

    @Test void aRestoredStateTakesTheSameDecisions() {
        // run A to the end; run B to half way, save its state and weights, restore them into a fresh model and go on
        var small = Map.of(UnitKind.EMB, 4, UnitKind.HEAD, 1, UnitKind.QK, 2, UnitKind.V, 2, UnitKind.MLP, 4);
        PruneOptions o = new PruneOptions(0.5, 2, 1, 1.0, 10, 3, 100, 1e-3, 0.05, "taylor", small, 0);
        PruneSchedule a = runToTheEnd(new VisionTransformer(CFG, 2), o);
        assertTrue(a.steps().size() > 4, "a long enough run: " + a.steps().size() + " steps");

        VisionTransformer mb = new VisionTransformer(CFG, 2);
        PruneSchedule b = new PruneSchedule(mb, table(), o);
        TrainStep stepB = b.trainStep(new VisionTransformer(CFG, 2));
        Rng r = new Rng(5);
        for (int i = 0; i < 5; i++) b.afterBatch(stepB.run(batch(r), o.lr(), 0, null)); // mid-interval: importance pending
        PruneSchedule.State saved = b.state();
        var weights = new java.util.LinkedHashMap<String, Tensor>();
        mb.stateDict().forEach((k, v) -> weights.put(k, v.copy()));
        var optim = new java.util.LinkedHashMap<String, Tensor>();
        stepB.optimizer().state().forEach((k, v) -> optim.put(k, v.copy()));

        VisionTransformer mc = new VisionTransformer(CFG, 99);
        mc.loadStateDict(weights);
        PruneSchedule c = new PruneSchedule(mc, table(), o);
        c.load(saved);
        TrainStep stepC = c.trainStep(new VisionTransformer(CFG, 2));
        stepC.optimizer().loadState(optim);
        while (c.stopReason() == null) c.afterBatch(stepC.run(batch(r), o.lr(), 0, null));
        assertEquals(a.stopReason(), c.stopReason());
        assertEquals(a.steps().getLast().dims(), c.steps().getLast().dims());
        assertEquals(a.steps().size(), c.steps().size());
        assertArrayEquals(a.masks().flags(), c.masks().flags());
    }
}
