package org.nvit.export;

import java.util.Collections;
import java.util.List;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.autograd.Var;

/** Small models of every kind the exporter must handle, with every parameter random (biases and norms included). */
final class TestModels {
    private TestModels() {}

    /** DeiT-style: every block equal, fused qkv, cls token, default scale. */
    static VitConfig uniform() { return VitConfig.uniform(32, 8, 3, 10, 64, 2, new BlockSpec(4, 16, 16, 128), false); }

    /** Distilled (cls + dist heads, eval = their mean) with NViT's explicit 0.125 attention scale. */
    static VitConfig distilled() {
        return new VitConfig(32, 8, 3, 10, 48, true, 1e-6, 0.125, Collections.nCopies(2, new BlockSpec(3, 16, 16, 96)));
    }

    /**
     * What pruning the main Fashion-MNIST model ({@code vit_fmnist_patch7}: E128, 6 blocks of 4 x 32 heads, MLP 256,
     * average pooling) leaves: a smaller embedding and blocks that all differ, some with QK width != V width (separate
     * q/k/v), some with equal widths (fused qkv), one block cut to a single head.
     */
    static VitConfig prunedFashionMnist() {
        VitConfig base = Presets.byName("vit_fmnist_patch7");
        return base.withEmbedDim(112).withBlocks(List.of(
                new BlockSpec(3, 24, 32, 192),
                new BlockSpec(4, 16, 16, 160),
                new BlockSpec(2, 32, 8, 96),
                new BlockSpec(1, 8, 8, 32),
                new BlockSpec(4, 32, 32, 256),
                new BlockSpec(2, 12, 20, 64)));
    }

    /** Ragged, cls-token pooling, distilled, eps 1e-5: the remaining combination. */
    static VitConfig raggedDistilled() {
        return new VitConfig(28, 7, 1, 10, 40, true, 1e-5, null,
                List.of(new BlockSpec(2, 12, 20, 80), new BlockSpec(3, 8, 8, 24), new BlockSpec(1, 16, 4, 48)));
    }

    /** A model whose parameters are all random, so that a wrong layout of any of them shows in the logits. */
    static VisionTransformer randomModel(VitConfig cfg, long seed) {
        VisionTransformer m = new VisionTransformer(cfg, seed);
        Rng rng = new Rng(seed * 31 + 7);
        for (var e : m.parameters().entrySet()) {
            Var v = e.getValue();
            Tensor t = v.value();
            boolean norm = e.getKey().matches(".*norm\\d?\\.weight");
            double std = e.getKey().endsWith(".bias") || norm ? 0.1 : 0.15;
            for (long i = 0; i < t.numel(); i++) t.setFlat(i, (norm ? 1.0 : 0.0) + std * rng.nextGaussian());
        }
        return m;
    }

    /** Normalised-looking images [n, C, H, W]. */
    static Tensor images(VitConfig cfg, int n, long seed) {
        Rng rng = new Rng(seed);
        int s = cfg.imageSize();
        Tensor t = Tensor.zeros(n, cfg.inChans(), s, s);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, rng.nextGaussian());
        return t;
    }
}
