package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/** Zeroing a unit's slices equals removing them: masked full-size logits == shrunk dense logits, per group kind. */
class ShrinkTest {
    /** Ragged, distilled: block 0 fused qkv (qk == v), block 1 separate q/k/v; no explicit attention scale. */
    static VitConfig cfg() {
        return new VitConfig(8, 4, 2, 3, 32, true, 1e-6, null,
                List.of(new BlockSpec(4, 8, 8, 32), new BlockSpec(2, 8, 4, 48)));
    }

    static Tensor images(int b) { return Tensor.randn(DType.F64, new Rng(7), 1, b, 2, 8, 8); }

    static LinkedHashMap<String, Tensor> copy(Map<String, Tensor> p) {
        LinkedHashMap<String, Tensor> c = new LinkedHashMap<>();
        p.forEach((k, v) -> c.put(k, v.copy()));
        return c;
    }

    /** Applies masks, shrinks, and checks logits; returns the shrink result. */
    static Shrink.Result check(VitConfig c, PruningMasks m, Map<String, Tensor> params) {
        LinkedHashMap<String, Tensor> masked = copy(params);
        m.apply(masked);
        Tensor img = images(2);
        double[][] ref = RefForward.logits(c, masked, img, m.keep(PruningLayer.EMB));
        Shrink.Result r = Shrink.apply(m, masked);
        double[][] got = RefForward.logits(r.config(), r.stateDict(), img);
        double max = 0;
        for (double[] row : ref) for (double v : row) max = Math.max(max, Math.abs(v));
        for (int b = 0; b < ref.length; b++)
            for (int k = 0; k < ref[b].length; k++) assertEquals(ref[b][k], got[b][k], 1e-9 * max, "logit " + b + "," + k);
        // and the pruning changed something (the test can fail)
        double[][] dense = RefForward.logits(c, params, img);
        assertNotEquals(dense[0][0], ref[0][0], 1e-9);
        return r;
    }

    static PruningMasks masks(VitConfig c, Map<String, Tensor> p) { return new PruningMasks(new Structure(c, p.keySet())); }

    @Test void embUnitsRemoved() {
        VitConfig c = cfg();
        var p = RefForward.randomParams(c, 1, false);
        PruningMasks m = masks(c, p);
        m.prune(PruningLayer.EMB, 0, 5, 17, 31);
        Shrink.Result r = check(c, m, p);
        assertEquals(28, r.config().embedDim());
        assertArrayEquals(new int[] {1, c.numTokens(), 28}, r.stateDict().get("pos_embed").shape());
        assertArrayEquals(new int[] {3, 28}, r.stateDict().get("head_dist.weight").shape());
    }

    @Test void headsRemoved() {
        VitConfig c = cfg();
        var p = RefForward.randomParams(c, 2, false);
        PruningMasks m = masks(c, p);
        m.prune(new PruningLayer(UnitKind.HEAD, 0), 1, 2);
        m.prune(new PruningLayer(UnitKind.HEAD, 1), 0);
        Shrink.Result r = check(c, m, p);
        assertEquals(new BlockSpec(2, 8, 8, 32), r.config().blocks().get(0));
        assertEquals(new BlockSpec(1, 8, 4, 48), r.config().blocks().get(1));
        assertArrayEquals(new int[] {2 * 16 + 16, 32}, r.stateDict().get("blocks.0.attn.qkv.weight").shape());
    }

    @Test void qkIndicesRemovedAndScaleFolded() {
        VitConfig c = cfg();
        var p = RefForward.randomParams(c, 3, false);
        PruningMasks m = masks(c, p);
        m.prune(new PruningLayer(UnitKind.QK, 0), 0, 3, 7);
        m.prune(new PruningLayer(UnitKind.QK, 1), 4, 5, 6, 7);
        Shrink.Result r = check(c, m, p);
        // block 0 now has qk 5 != v 8: written as separate q/k/v
        assertArrayEquals(new int[] {4 * 5, 32}, r.stateDict().get("blocks.0.attn.q.weight").shape());
        // block 1 now has qk 4 == v 4: written fused
        assertArrayEquals(new int[] {3 * 2 * 4, 32}, r.stateDict().get("blocks.1.attn.qkv.weight").shape());
    }

    @Test void vIndicesRemoved() {
        VitConfig c = cfg();
        var p = RefForward.randomParams(c, 4, false);
        PruningMasks m = masks(c, p);
        m.prune(new PruningLayer(UnitKind.V, 0), 2, 6);
        m.prune(new PruningLayer(UnitKind.V, 1), 1);
        Shrink.Result r = check(c, m, p);
        assertArrayEquals(new int[] {32, 4 * 6}, r.stateDict().get("blocks.0.attn.proj.weight").shape());
    }

    @Test void mlpNeuronsRemoved() {
        VitConfig c = cfg();
        var p = RefForward.randomParams(c, 5, false);
        PruningMasks m = masks(c, p);
        m.prune(new PruningLayer(UnitKind.MLP, 0), 0, 1, 2, 30);
        m.prune(new PruningLayer(UnitKind.MLP, 1), 47);
        Shrink.Result r = check(c, m, p);
        assertArrayEquals(new int[] {28, 32}, r.stateDict().get("blocks.0.mlp.fc1.weight").shape());
        assertArrayEquals(new int[] {32, 47}, r.stateDict().get("blocks.1.mlp.fc2.weight").shape());
    }

    @Test void everythingAtOnceWithSeparateLayoutAndExplicitScale() {
        VitConfig base = cfg();
        VitConfig c = new VitConfig(8, 4, 2, 3, 32, false, 1e-6, 0.3, base.blocks());
        var p = RefForward.randomParams(c, 6, true);
        PruningMasks m = masks(c, p);
        m.prune(PruningLayer.EMB, 3, 4, 9);
        m.prune(new PruningLayer(UnitKind.HEAD, 0), 3);
        m.prune(new PruningLayer(UnitKind.QK, 0), 1);
        m.prune(new PruningLayer(UnitKind.V, 1), 0, 3);
        m.prune(new PruningLayer(UnitKind.MLP, 1), 5, 6);
        Shrink.Result r = check(c, m, p);
        assertEquals(0.3, r.config().attnScale());
        assertEquals(m.currentConfig(), r.config());
    }

    @Test void averagePoolingModelShrinksToTheSameLogits() {
        VitConfig c = new VitConfig(8, 4, 2, 3, 32, false, 1e-6, null, cfg().blocks()).withGlobalPool("avg");
        var p = RefForward.randomParams(c, 8, false);
        PruningMasks m = masks(c, p);
        m.prune(PruningLayer.EMB, 2, 7, 30);
        m.prune(new PruningLayer(UnitKind.HEAD, 0), 1);
        m.prune(new PruningLayer(UnitKind.MLP, 0), 4);
        Shrink.Result r = check(c, m, p);
        assertTrue(r.config().avgPool());
        assertEquals(29, r.config().embedDim());
    }

    @Test void aLayerCannotBeEmptied() {
        VitConfig c = cfg();
        var p = RefForward.randomParams(c, 1, false);
        PruningMasks m = masks(c, p);
        PruningLayer h = new PruningLayer(UnitKind.HEAD, 1);
        assertThrows(IllegalArgumentException.class, () -> m.prune(h, 0, 1));
        assertEquals(2, m.alive(h));
    }
}
