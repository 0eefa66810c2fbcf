package org.nvit.models;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Named architectures: the DeiT family (timm names), ReViT-T/S (the per-block rule of the NViT code, nvit-paper.md 8.4)
 * and small ViTs for 28x28 grayscale Fashion-MNIST. Every name also has a distilled form, either timm's
 * ({@code deit_tiny_distilled_patch16_224}) or the suffix {@code _distilled} on any base name.
 */
public final class Presets {
    private Presets() {}

    private static final String DISTILLED = "_distilled";
    private static final Map<String, Supplier<VitConfig>> BASE = new LinkedHashMap<>();

    static {
        BASE.put("deit_tiny_patch16_224", () -> deit(192, false));
        BASE.put("deit_small_patch16_224", () -> deit(384, false));
        BASE.put("deit_base_patch16_224", () -> deit(768, false));
        BASE.put("revit_tiny", () -> revit(176, false));
        BASE.put("revit_small", () -> revit(384, false));
        // Main Fashion-MNIST job: 50 tokens, E 96, 5 blocks of 3 heads x 32, MLP 2E: 20.8 MMAC/image forward, so a
        // 60k-image epoch is 7.5 TFLOP of training work (~1.5 min at the ~80 GFLOP/s measured on such small shapes).
        BASE.put("vit_fmnist_tiny", () -> VitConfig.uniform(28, 4, 1, 10, 96, 5, new BlockSpec(3, 32, 32, 192), false));
        // 7x7 patches (16 + cls tokens), E 128, 6 blocks of 4 heads x 32, MLP 2E, global average pooling: 14 MMAC/image
        // and few tokens, so ~1000 images/s of training on two cores; average pooling learns faster than the cls token
        // in short runs (docs/RESULTS.md).
        BASE.put("vit_fmnist_patch7", () -> VitConfig.uniform(28, 7, 1, 10, 128, 6, new BlockSpec(4, 32, 32, 256), false)
                .withGlobalPool("avg"));
        // The 28x28 ViT of the PyTorch baseline table (cpu-baseline.md): 0.1386 GMAC/image.
        BASE.put("vit_fmnist_baseline", () -> VitConfig.uniform(28, 4, 1, 10, 192, 6, new BlockSpec(3, 64, 64, 768), false));
    }

    /** The config with this name; an unknown name gives an error listing the valid ones. */
    public static VitConfig byName(String name) {
        if (name == null) throw new IllegalArgumentException("model name is missing; valid names: " + String.join(", ", names()));
        Supplier<VitConfig> s = BASE.get(name);
        if (s != null) return s.get();
        if (name.endsWith(DISTILLED)) {
            Supplier<VitConfig> b = BASE.get(name.substring(0, name.length() - DISTILLED.length()));
            if (b != null) return distilled(b.get());
        }
        if (name.startsWith("deit_") && name.contains(DISTILLED + "_")) {
            Supplier<VitConfig> b = BASE.get(name.replace(DISTILLED + "_", "_"));
            if (b != null) return distilled(b.get());
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; valid names: " + String.join(", ", names()));
    }

    /** Every accepted name (base names, then the distilled forms). */
    public static List<String> names() {
        List<String> out = new ArrayList<>(BASE.keySet());
        for (String n : BASE.keySet())
            out.add(n.startsWith("deit_") ? n.replace("_patch", DISTILLED + "_patch") : n + DISTILLED);
        return out;
    }

    /** DeiT: 224 px, patch 16, RGB, 1000 classes, depth 12, E/64 heads of 64, MLP 4E. */
    public static VitConfig deit(int embed, boolean distilled) {
        return VitConfig.uniform(224, 16, 3, 1000, embed, 12, BlockSpec.deit(embed), distilled);
    }

    /**
     * ReViT as the NViT code builds it (not the paper's rounding): with a = round(0.005 E) and c = round(0.05 E / 8),
     * heads [10, 2a, 2a, 4a x6, 2a, 2a, 10], per-head QK [16c, 8c, 8c, 16c x6, 8c, 8c, 16c], V 64,
     * MLP [3E x3, 6E x6, 3E x3].
     */
    public static VitConfig revit(int embed, boolean distilled) {
        int a = (int) Math.round(0.005 * embed), c = (int) Math.round(0.05 * embed / 8);
        List<BlockSpec> blocks = new ArrayList<>(12);
        for (int i = 0; i < 12; i++) {
            boolean edge = i == 0 || i == 11, middle = i >= 3 && i <= 8;
            int heads = edge ? 10 : middle ? 4 * a : 2 * a;
            int qk = edge || middle ? 16 * c : 8 * c;
            int mlp = i >= 3 && i <= 8 ? 6 * embed : 3 * embed;
            blocks.add(new BlockSpec(heads, qk, 64, mlp));
        }
        return new VitConfig(224, 16, 3, 1000, embed, distilled, 1e-6, null, Collections.unmodifiableList(blocks));
    }

    static VitConfig distilled(VitConfig c) {
        return new VitConfig(c.imageSize(), c.patchSize(), c.inChans(), c.numClasses(), c.embedDim(), true,
                c.layerNormEps(), c.attnScale(), c.blocks());
    }
}
