package org.nvit.train;

import java.util.Locale;

/**
 * The recipe defaults that depend on the data set, for flags the user left out. ImageNet-style folders (and anything
 * unknown) get DeiT's: 300 epochs, lr 5e-4 x batch / 512, stochastic depth 0.1. Fashion-MNIST gets a short budget that
 * fits the 15-minute main job on two cores: 16 epochs of the default {@code vit_fmnist_patch7} (~40-45 s each), lr 2e-3
 * (a small ViT from scratch learns faster at a higher rate than DeiT's linear scaling gives at batch 128), no
 * stochastic depth (regularisation only slows a short run). Its longer recipe, for 92%, turns the regularisers back on:
 * {@code --epochs 90 --random-crop --drop-path 0.1 --reprob 0.25} (docs/RESULTS.md).
 * CIFAR-10 sits between: 100 epochs, lr 1e-3, drop-path 0.1.
 */
public record Recipe(int epochs, Double lr, double dropPath) {

    public static Recipe defaultsFor(String dataSpec) {
        String kind = dataSpec == null ? "" : dataSpec.strip().toLowerCase(Locale.ROOT).split(":", 2)[0];
        return switch (kind) {
            case "fashion-mnist", "fashion_mnist", "fashionmnist" -> new Recipe(16, 2e-3, 0.0);
            case "cifar10", "cifar-10" -> new Recipe(100, 1e-3, 0.1);
            case "synthetic" -> new Recipe(1, null, 0.1);
            default -> new Recipe(300, null, 0.1);
        };
    }
}
