package org.nvit.data;

import org.nvit.engine.Rng;

/** The per-image train and eval pipelines built from an {@link AugmentConfig}; output is normalised CHW floats. */
public final class Transforms {
    /** Maps a decoded image (values in [0, 1]) to a normalised imageSize x imageSize image. Thread-safe. */
    @FunctionalInterface
    public interface SampleTransform {
        Image apply(Image img, Rng rng);
    }

    private Transforms() {}

    /** Train: crop &rarr; flip &rarr; RandAugment &rarr; normalise &rarr; Random Erasing (each as configured). */
    public static SampleTransform train(AugmentConfig cfg) {
        RandAugment ra = cfg.randAugment() && cfg.raOps() > 0
                ? new RandAugment(cfg.channels(), cfg.raOps(), cfg.raMagnitude(), cfg.raMagnitudeStd(), cfg.mean())
                : null;
        float[] mean = cfg.mean(), std = cfg.std();
        int size = cfg.imageSize();
        return (img, rng) -> {
            checkChannels(img, mean.length);
            Image x;
            if (cfg.randomResizedCrop()) {
                x = Crops.randomResizedCrop(img, size, cfg.scaleMin(), cfg.scaleMax(), cfg.ratioMin(), cfg.ratioMax(),
                        cfg.interpolation(), rng);
            } else {
                x = (img.height() == size && img.width() == size) ? img : Resample.resize(img, size, size, cfg.interpolation());
                if (cfg.padCrop() > 0) x = Crops.padCrop(x, cfg.padCrop(), rng);
            }
            if (cfg.hflip() > 0 && rng.nextDouble() < cfg.hflip()) {
                if (x == img) x = img.copy();
                Crops.hflip(x);
            }
            if (ra != null) x = ra.apply(x, rng);
            x = normalize(x, mean, std);
            if (cfg.erasingProb() > 0) RandomErasing.apply(x, cfg.erasingProb(), rng);
            return x;
        };
    }

    /** Eval: resize + centre crop (crop fraction from the config), normalise. No randomness. */
    public static SampleTransform eval(AugmentConfig cfg) {
        float[] mean = cfg.mean(), std = cfg.std();
        return (img, rng) -> {
            checkChannels(img, mean.length);
            return normalize(Crops.resizeCentreCrop(img, cfg.imageSize(), cfg.evalCropFraction(), cfg.interpolation()),
                    mean, std);
        };
    }

    /** (x - mean[c]) / std[c] into a new image. */
    public static Image normalize(Image img, float[] mean, float[] std) {
        float[] d = img.data(), o = new float[d.length];
        int p = img.plane();
        for (int c = 0; c < img.channels(); c++) {
            float m = mean[c], inv = 1 / std[c];
            for (int i = c * p; i < (c + 1) * p; i++) o[i] = (d[i] - m) * inv;
        }
        return new Image(img.channels(), img.height(), img.width(), o);
    }

    private static void checkChannels(Image img, int channels) {
        if (img.channels() != channels)
            throw new DataException("image has " + img.channels() + " channels but the transform expects " + channels
                    + " (model in_chans and data set disagree)");
    }
}
