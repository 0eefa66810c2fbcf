package org.nvit.models;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.autograd.Var;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/** Structure, naming, init and state-dict behaviour (no forward pass). */
class VisionTransformerTest {
    static final VitConfig RAGGED = new VitConfig(8, 4, 3, 5, 16, true, 1e-6, null,
            List.of(new BlockSpec(2, 8, 8, 32), new BlockSpec(3, 4, 6, 20)));

    @Test void timmNamesAndShapes() {
        VisionTransformer m = new VisionTransformer(RAGGED, 1);
        Map<String, Var> p = m.parameters();
        List<String> names = new ArrayList<>(p.keySet());
        assertEquals(List.of("cls_token", "dist_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias",
                "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
                "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias"), names.subList(0, 11));
        assertArrayEquals(new int[] {1, 6, 16}, p.get("pos_embed").shape());
        assertArrayEquals(new int[] {16, 3, 4, 4}, p.get("patch_embed.proj.weight").shape());
        assertArrayEquals(new int[] {48, 16}, p.get("blocks.0.attn.qkv.weight").shape());
        assertFalse(p.containsKey("blocks.1.attn.qkv.weight"));
        assertArrayEquals(new int[] {12, 16}, p.get("blocks.1.attn.q.weight").shape());
        assertArrayEquals(new int[] {12, 16}, p.get("blocks.1.attn.k.weight").shape());
        assertArrayEquals(new int[] {18, 16}, p.get("blocks.1.attn.v.weight").shape());
        assertArrayEquals(new int[] {16, 18}, p.get("blocks.1.attn.proj.weight").shape());
        assertArrayEquals(new int[] {20, 16}, p.get("blocks.1.mlp.fc1.weight").shape());
        assertArrayEquals(new int[] {5, 16}, p.get("head_dist.weight").shape());
        assertEquals(List.of("norm.weight", "norm.bias", "head.weight", "head.bias", "head_dist.weight", "head_dist.bias"),
                names.subList(names.size() - 6, names.size()));
        assertEquals(ModelStats.params(RAGGED), m.numParams());
        assertTrue(p.values().stream().allMatch(Var::requiresGrad));
    }

    @Test void timmInitialisation() {
        VitConfig c = VitConfig.uniform(32, 4, 3, 10, 64, 2, new BlockSpec(2, 32, 32, 256), false);
        VisionTransformer m = new VisionTransformer(c, 7);
        Map<String, Tensor> sd = m.stateDict();
        double std = std(sd.get("blocks.1.mlp.fc1.weight"));
        assertEquals(0.02, std, 0.002);
        assertEquals(0.02, std(sd.get("pos_embed")), 0.003);
        assertEquals(0.0, maxAbs(sd.get("blocks.0.attn.qkv.bias")));
        assertEquals(1.0, sd.get("norm.weight").get(5));
        double bound = 1 / Math.sqrt(3 * 16);
        assertTrue(maxAbs(sd.get("patch_embed.proj.weight")) <= bound);
        assertTrue(maxAbs(sd.get("patch_embed.proj.weight")) > 0.9 * bound);
        // deterministic for a seed, different across seeds
        assertEquals(sd.get("head.weight").get(3, 4), new VisionTransformer(c, 7).stateDict().get("head.weight").get(3, 4));
        assertNotEquals(sd.get("head.weight").get(3, 4), new VisionTransformer(c, 8).stateDict().get("head.weight").get(3, 4));
    }

    @Test void stateDictRoundTripAcrossDtypes() {
        VisionTransformer a = new VisionTransformer(RAGGED, 1);
        VisionTransformer b = new VisionTransformer(RAGGED, 2, DType.F64);
        b.loadStateDict(a.stateDict());
        assertEquals(DType.F64, b.stateDict().get("blocks.1.attn.v.weight").dtype());
        assertEquals(a.stateDict().get("blocks.1.attn.v.weight").get(3, 2), b.stateDict().get("blocks.1.attn.v.weight").get(3, 2), 0);
    }

    @Test void strictLoadNamesTheProblem() {
        VisionTransformer m = new VisionTransformer(RAGGED, 1);
        Map<String, Tensor> sd = new HashMap<>(m.stateDict());
        sd.remove("blocks.1.attn.k.bias");
        var e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd));
        assertTrue(e.getMessage().contains("blocks.1.attn.k.bias"), e.getMessage());

        Map<String, Tensor> sd2 = new HashMap<>(m.stateDict());
        sd2.put("blocks.0.mlp.fc1.weight", Tensor.zeros(31, 16));
        e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd2));
        assertTrue(e.getMessage().contains("blocks.0.mlp.fc1.weight") && e.getMessage().contains("[31, 16]")
                && e.getMessage().contains("[32, 16]"), e.getMessage());

        Map<String, Tensor> sd3 = new HashMap<>(m.stateDict());
        sd3.put("blocks.9.norm1.weight", Tensor.zeros(16));
        e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd3));
        assertTrue(e.getMessage().contains("blocks.9.norm1.weight"), e.getMessage());
    }

    @Test void wrongImageShapeIsRejected() {
        VisionTransformer m = new VisionTransformer(RAGGED, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> m.predict(Tensor.zeros(2, 1, 8, 8)));
        assertTrue(e.getMessage().contains("[2, 1, 8, 8]"), e.getMessage());
    }

    static double std(Tensor t) {
        double s = 0, s2 = 0;
        for (long i = 0; i < t.numel(); i++) { double v = t.getFlat(i); s += v; s2 += v * v; }
        double mean = s / t.numel();
        return Math.sqrt(s2 / t.numel() - mean * mean);
    }

    static double maxAbs(Tensor t) {
        double m = 0;
        for (long i = 0; i < t.numel(); i++) m = Math.max(m, Math.abs(t.getFlat(i)));
        return m;
    }
}
