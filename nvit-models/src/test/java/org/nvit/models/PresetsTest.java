package org.nvit.models;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class PresetsTest {
    @Test void deitShapes() {
        VitConfig s = Presets.byName("deit_small_patch16_224");
        assertEquals(384, s.embedDim());
        assertEquals(new BlockSpec(6, 64, 64, 1536), s.blocks().get(5));
        assertEquals(197, s.numTokens());
        assertFalse(s.distilled());
        VitConfig d = Presets.byName("deit_small_distilled_patch16_224");
        assertTrue(d.distilled());
        assertEquals(198, d.numTokens());
        assertEquals(d, Presets.byName("deit_small_patch16_224_distilled"));
    }

    @Test void revitSmallFollowsTheCode() {
        VitConfig r = Presets.byName("revit_small");
        List<Integer> heads = r.blocks().stream().map(BlockSpec::heads).toList();
        List<Integer> qk = r.blocks().stream().map(BlockSpec::qkDim).toList();
        List<Integer> mlp = r.blocks().stream().map(BlockSpec::mlpDim).toList();
        assertEquals(List.of(10, 4, 4, 8, 8, 8, 8, 8, 8, 4, 4, 10), heads);
        assertEquals(List.of(32, 16, 16, 32, 32, 32, 32, 32, 32, 16, 16, 32), qk);
        assertEquals(List.of(1152, 1152, 1152, 2304, 2304, 2304, 2304, 2304, 2304, 1152, 1152, 1152), mlp);
        assertTrue(r.blocks().stream().allMatch(b -> b.vDim() == 64));
        VitConfig t = Presets.byName("revit_tiny");
        assertEquals(List.of(10, 2, 2, 4, 4, 4, 4, 4, 4, 2, 2, 10), t.blocks().stream().map(BlockSpec::heads).toList());
        assertEquals(16, t.blocks().get(0).qkDim());
        assertEquals(8, t.blocks().get(1).qkDim());
        assertEquals(528, t.blocks().get(0).mlpDim());
    }

    @Test void fmnistPresets() {
        VitConfig b = Presets.byName("vit_fmnist_baseline");
        assertEquals(28, b.imageSize());
        assertEquals(1, b.inChans());
        assertEquals(10, b.numClasses());
        assertEquals(50, b.numTokens());
        assertTrue(Presets.byName("vit_fmnist_tiny_distilled").distilled());
        // the main job must fit one epoch in ~1-2 minutes: keep it well under the baseline's cost
        assertTrue(ModelStats.macs(Presets.byName("vit_fmnist_tiny")) < 40_000_000L);
    }

    @Test void everyListedNameResolvesAndRoundTripsThroughJson() {
        for (String n : Presets.names()) {
            VitConfig c = Presets.byName(n);
            assertEquals(c, VitConfig.fromJson(c.toJson()), n);
        }
    }

    @Test void unknownNameListsValidOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Presets.byName("deit_huge"));
        assertTrue(e.getMessage().contains("deit_huge"));
        assertTrue(e.getMessage().contains("deit_tiny_patch16_224"));
        assertTrue(e.getMessage().contains("vit_fmnist_tiny"));
    }
}
