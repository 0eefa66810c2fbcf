package org.nvit.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelStatsTest {
    private static double mParams(String name) { return ModelStats.params(Presets.byName(name)) / 1e6; }
    private static double gMacs(String name) { return ModelStats.macs(Presets.byName(name)) / 1e9; }

    @Test void deitParamsMatchTimm() {
        // timm's published counts, two decimals (formats.md D.1)
        assertEquals(5.72, mParams("deit_tiny_patch16_224"), 0.005);
        assertEquals(22.05, mParams("deit_small_patch16_224"), 0.005);
        assertEquals(86.57, mParams("deit_base_patch16_224"), 0.005);
        assertEquals(5.91, mParams("deit_tiny_distilled_patch16_224"), 0.005);
        assertEquals(22.44, mParams("deit_small_distilled_patch16_224"), 0.005);
        assertEquals(87.34, mParams("deit_base_distilled_patch16_224"), 0.005);
    }

    @Test void deitMacsMatchBaselineAndPaper() {
        assertEquals(1.254, gMacs("deit_tiny_patch16_224"), 0.0005);       // cpu-baseline.md
        assertEquals(4.599, gMacs("deit_small_patch16_224"), 0.0005);      // cpu-baseline.md
        assertEquals(0.1386, gMacs("vit_fmnist_baseline"), 0.00005);       // cpu-baseline.md, the 28x28 ViT
        assertEquals(17.66, gMacs("deit_base_distilled_patch16_224"), 0.005); // nvit-paper.md 8.2
        assertEquals(4.62, gMacs("deit_small_distilled_patch16_224"), 0.005);
        // timm's GMAC column (its counter differs slightly in what it includes): within 1%
        assertEquals(17.58, gMacs("deit_base_patch16_224"), 17.58 * 0.01);
        assertEquals(1.27, gMacs("deit_tiny_distilled_patch16_224"), 1.27 * 0.01);
    }

    @Test void revitMatchesPaperFormula() {
        // nvit-paper.md 8.4: the code's ReViT-S gives 23.1M / 4.71G, ReViT-T 5.34M / 1.14G (distilled, N = 198)
        assertEquals(23.1, mParams("revit_small_distilled"), 0.05);
        assertEquals(4.71, gMacs("revit_small_distilled"), 0.005);
        assertEquals(5.34, mParams("revit_tiny_distilled"), 0.005);
        assertEquals(1.14, gMacs("revit_tiny_distilled"), 0.005);
    }

    @Test void raggedCountsByHand() {
        // image 8, patch 4, 2 channels -> 4 patches + cls = 5 tokens; E = 6, 3 classes
        VitConfig c = new VitConfig(8, 4, 2, 3, 6, false, 1e-6, null,
                List.of(new BlockSpec(2, 3, 5, 7), new BlockSpec(1, 4, 2, 9)));
        long stem = 6 * 2 * 16 + 6 + 6 + 5 * 6 + 12 + (3 * 6 + 3);
        long b0 = 24 + 2 * (6 * 6 + 6) + (6 * 10 + 10) + (10 * 6 + 6) + (6 * 7 + 7) + (7 * 6 + 6);
        long b1 = 24 + 2 * (6 * 4 + 4) + (6 * 2 + 2) + (2 * 6 + 6) + (6 * 9 + 9) + (9 * 6 + 6);
        assertEquals(stem + b0 + b1, ModelStats.params(c));
        long m0 = 5 * 6 * (12 + 10) + 5 * 10 * 6 + 25 * 6 + 25 * 10 + 2 * 5 * 6 * 7;
        long m1 = 5 * 6 * (8 + 2) + 5 * 2 * 6 + 25 * 4 + 25 * 2 + 2 * 5 * 6 * 9;
        assertEquals(4 * 32 * 6 + m0 + m1 + 3 * 6, ModelStats.macs(c));
    }
}
