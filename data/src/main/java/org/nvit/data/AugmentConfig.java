package org.nvit.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * Every augmentation knob, each switchable. Train order (timm's): crop (RandomResizedCrop, or resize + pad-and-crop)
 * &rarr; horizontal flip &rarr; RandAugment &rarr; normalise &rarr; Random Erasing; then, per batch, Mixup/CutMix
 * and label smoothing in the soft targets. Eval: resize the shorter side to {@code floor(imageSize/evalCropFraction)}
 * and centre-crop {@code imageSize}, then normalise.
 *
 * <p>Defaults from {@link #defaultsFor(String, int, int)}:
 * <ul>
 *   <li><b>imagefolder</b> (ImageNet-style; the DeiT recipe of the NViT paper): RandomResizedCrop scale (0.08, 1)
 *       ratio (3/4, 4/3) bicubic, flip 0.5, RandAugment rand-m9-mstd0.5-inc1 (2 ops), Random Erasing p 0.25 (pixel
 *       mode), Mixup 0.8 / CutMix 1.0 with switch prob 0.5, label smoothing 0.1, eval crop fraction 0.875,
 *       ImageNet mean/std.</li>
 *   <li><b>fashion-mnist</b> (1x28x28; sized for a budget of a few epochs): no crop (the test images are centred
 *       exactly like the training ones, and a shift moves content across the 7-pixel patches of the default model:
 *       at 18 epochs, 89.9% without against 89.2% with a pad-2 crop at 20, docs/RESULTS.md; {@code --random-crop}
 *       turns a pad-2 crop on: it slows the first half of a run and pays off late, so the 90-epoch recipe uses
 *       it), flip 0.5, RandAugment off, Random Erasing off, Mixup/CutMix off, smoothing 0.1, eval crop fraction 1
 *       (the objects fill the frame, a centre crop would cut them), mean 0.2860 std 0.3530.</li>
 *   <li><b>cifar10</b> (3x32x32): pad-4 random crop, flip 0.5, RandAugment on, Random Erasing p 0.25, Mixup/CutMix
 *       off (turn on with {@code mixup=0.8,cutmix=1} for long runs), smoothing 0.1, eval crop fraction 1, CIFAR-10
 *       mean/std.</li>
 *   <li><b>synthetic</b>: everything off (benchmarks measure the model, not the pipeline), smoothing 0.1.</li>
 * </ul>
 * When the model's image size differs from a small data set's native size, images are resized (bilinear) first.
 *
 * @param randomResizedCrop use RandomResizedCrop; when false, resize to imageSize then pad by {@code padCrop} and crop
 * @param hflip probability of a horizontal flip (0 = off)
 * @param raOps RandAugment ops per image; raMagnitude/raMagnitudeStd: level (0..10) and its gaussian noise
 * @param erasingProb Random Erasing probability (0 = off)
 * @param mixupAlpha Beta alpha of Mixup (0 = off); cutmixAlpha likewise; with both on, CutMix is picked with
 *        {@code mixSwitchProb}
 * @param labelSmoothing s: targets are 1 - s + s/C on, s/C off
 */
public record AugmentConfig(
        int imageSize,
        boolean randomResizedCrop, double scaleMin, double scaleMax, double ratioMin, double ratioMax,
        Interpolation interpolation,
        int padCrop,
        double hflip,
        boolean randAugment, int raOps, double raMagnitude, double raMagnitudeStd,
        double erasingProb,
        double mixupAlpha, double cutmixAlpha, double mixSwitchProb,
        double labelSmoothing,
        double evalCropFraction,
        float[] mean, float[] std) {

    public AugmentConfig {
        if (imageSize < 1) throw new DataException("image size must be positive, got " + imageSize);
        check(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1, "RandomResizedCrop scale must satisfy 0 < min <= max <= 1");
        check(ratioMin > 0 && ratioMin <= ratioMax, "RandomResizedCrop ratio must satisfy 0 < min <= max");
        check(padCrop >= 0 && padCrop < imageSize, "pad must be in [0, imageSize)");
        check(prob(hflip) && prob(erasingProb) && prob(mixSwitchProb), "probabilities must be in [0, 1]");
        check(raOps >= 0 && raMagnitude >= 0 && raMagnitude <= 10 && raMagnitudeStd >= 0, "RandAugment needs ops >= 0, 0 <= m <= 10, mstd >= 0");
        check(mixupAlpha >= 0 && cutmixAlpha >= 0, "mixup/cutmix alpha must be >= 0");
        check(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1)");
        check(evalCropFraction > 0 && evalCropFraction <= 1, "eval crop fraction must be in (0, 1]");
        if (mean == null || std == null || mean.length != std.length || mean.length == 0)
            throw new DataException("mean and std need one value per channel");
        for (float s : std) check(s > 0, "std must be positive");
        mean = mean.clone();
        std = std.clone();
    }

    private static boolean prob(double p) { return p >= 0 && p <= 1; }

    private static void check(boolean ok, String msg) { if (!ok) throw new DataException("augmentation: " + msg); }

    public int channels() { return mean.length; }

    public boolean mixing() { return mixupAlpha > 0 || cutmixAlpha > 0; }

    @Override public float[] mean() { return mean.clone(); }

    @Override public float[] std() { return std.clone(); }

    /** Defaults for an opened data source (its kind, channel count and normalisation) at the model's image size. */
    public static AugmentConfig defaultsFor(DataSource src, int imageSize) {
        AugmentConfig d = defaultsFor(src.kind(), src.channels(), imageSize);
        return d.withNormalization(src.mean(), src.std());
    }

    /** Defaults for a data-set kind (see the class comment); unknown kinds get the DeiT (imagefolder) recipe. */
    public static AugmentConfig defaultsFor(String kind, int channels, int imageSize) {
        float[] m = new float[channels], s = new float[channels];
        return switch (kind) {
            case "fashion-mnist" -> {
                Arrays.fill(m, FashionMnist.MEAN);
                Arrays.fill(s, FashionMnist.STD);
                yield new AugmentConfig(imageSize, false, 0.5, 1, 3 / 4.0, 4 / 3.0, Interpolation.BILINEAR,
                        0, 0.5, false, 2, 9, 0.5, 0, 0, 0, 0.5, 0.1, 1.0, m, s);
            }
            case "cifar10" -> new AugmentConfig(imageSize, false, 0.5, 1, 3 / 4.0, 4 / 3.0, Interpolation.BILINEAR,
                    Math.min(4, imageSize - 1), 0.5, true, 2, 9, 0.5, 0.25, 0, 0, 0.5, 0.1, 1.0,
                    perChannel(Cifar10.MEAN, channels), perChannel(Cifar10.STD, channels));
            case "synthetic" -> {
                Arrays.fill(m, 0.5f);
                Arrays.fill(s, (float) Math.sqrt(1.0 / 12));
                yield new AugmentConfig(imageSize, false, 0.08, 1, 3 / 4.0, 4 / 3.0, Interpolation.BILINEAR, 0, 0,
                        false, 2, 9, 0.5, 0, 0, 0, 0.5, 0.1, 1.0, m, s);
            }
            default -> new AugmentConfig(imageSize, true, 0.08, 1, 3 / 4.0, 4 / 3.0, Interpolation.BICUBIC, 0, 0.5,
                    true, 2, 9, 0.5, 0.25, 0.8, 1.0, 0.5, 0.1, 0.875,
                    perChannel(ImageFolder.IMAGENET_MEAN, channels), perChannel(ImageFolder.IMAGENET_STD, channels));
        };
    }

    private static float[] perChannel(float[] rgb, int channels) {
        if (channels == rgb.length) return rgb.clone();
        float[] out = new float[channels];
        float avg = (rgb[0] + rgb[1] + rgb[2]) / 3;
        Arrays.fill(out, avg);
        return out;
    }

    public AugmentConfig withNormalization(float[] newMean, float[] newStd) {
        Builder b = builder();
        b.mean = newMean;
        b.std = newStd;
        return b.build();
    }

    /** The eval half of this config (size, crop fraction, interpolation, normalisation), as stored in model files. */
    public Preprocess preprocess() { return new Preprocess(imageSize, evalCropFraction, interpolation, mean, std); }

    /**
     * A copy whose eval transform follows {@code p} (its image size, crop fraction, interpolation, mean and std; the
     * train-only fields are kept).
     */
    public AugmentConfig withPreprocess(Preprocess p) {
        if (p.channels() != channels())
            throw new DataException("the preprocessing has " + p.channels() + " channel(s) of mean/std but the images have "
                    + channels());
        Builder b = builder();
        b.imageSize = p.imageSize();
        b.crop = p.cropPct();
        b.interp = p.interpolation();
        b.mean = p.mean();
        b.std = p.std();
        if (b.pad >= b.imageSize) b.pad = 0;
        return b.build();
    }

    /** A copy with RandomResizedCrop on or off. */
    public AugmentConfig withRandomResizedCrop(boolean on) { Builder b = builder(); b.rrc = on; return b.build(); }

    /** A copy with a pad-and-random-crop of this many pixels (0: off). */
    public AugmentConfig withPadCrop(int pixels) { Builder b = builder(); b.pad = pixels; return b.build(); }

    public AugmentConfig withHflip(double p) { Builder b = builder(); b.flip = p; return b.build(); }

    public AugmentConfig withRandAugment(boolean on) { Builder b = builder(); b.ra = on; return b.build(); }

    public AugmentConfig withErasing(double p) { Builder b = builder(); b.erase = p; return b.build(); }

    public AugmentConfig withMixup(double alpha) { Builder b = builder(); b.mix = alpha; return b.build(); }

    public AugmentConfig withCutmix(double alpha) { Builder b = builder(); b.cut = alpha; return b.build(); }

    public AugmentConfig withSmoothing(double s) { Builder b = builder(); b.smooth = s; return b.build(); }

    /** The fields as mutable copies, for the withers and the overrides; build() validates again. */
    private static final class Builder {
        int imageSize, pad, ops;
        boolean rrc, ra;
        double sMin, sMax, rMin, rMax, flip, m, mstd, erase, mix, cut, sw, smooth, crop;
        Interpolation interp;
        float[] mean, std;

        AugmentConfig build() {
            return new AugmentConfig(imageSize, rrc, sMin, sMax, rMin, rMax, interp, pad, flip, ra, ops, m, mstd, erase,
                    mix, cut, sw, smooth, crop, mean, std);
        }
    }

    private Builder builder() {
        Builder b = new Builder();
        b.imageSize = imageSize; b.rrc = randomResizedCrop; b.sMin = scaleMin; b.sMax = scaleMax; b.rMin = ratioMin;
        b.rMax = ratioMax; b.interp = interpolation; b.pad = padCrop; b.flip = hflip; b.ra = randAugment; b.ops = raOps;
        b.m = raMagnitude; b.mstd = raMagnitudeStd; b.erase = erasingProb; b.mix = mixupAlpha; b.cut = cutmixAlpha;
        b.sw = mixSwitchProb; b.smooth = labelSmoothing; b.crop = evalCropFraction; b.mean = mean; b.std = std;
        return b;
    }

    /**
     * Applies {@code key=value} overrides separated by commas (for an {@code --aug} flag). Keys: rrc (0/1), scale
     * (MIN-MAX), ratio (MIN-MAX), interp (bilinear/bicubic), pad, hflip, randaug (0/1), ra-ops, ra-m, ra-mstd,
     * erasing, mixup, cutmix, switch, smoothing, crop-fraction. Example: {@code randaug=1,mixup=0.8,cutmix=1}.
     */
    public AugmentConfig withOverrides(String spec) {
        if (spec == null || spec.isBlank()) return this;
        Builder b = builder();
        for (String item : spec.split(",")) {
            String[] kv = item.strip().split("=", 2);
            if (kv.length != 2) throw new DataException("augmentation override '" + item + "' is not key=value");
            String k = kv[0].strip().toLowerCase(Locale.ROOT), v = kv[1].strip();
            try {
                switch (k) {
                    case "rrc" -> b.rrc = bool(v);
                    case "scale" -> { double[] r = range(v); b.sMin = r[0]; b.sMax = r[1]; }
                    case "ratio" -> { double[] r = range(v); b.rMin = r[0]; b.rMax = r[1]; }
                    case "interp" -> b.interp = Interpolation.valueOf(v.toUpperCase(Locale.ROOT));
                    case "pad" -> b.pad = Integer.parseInt(v);
                    case "hflip" -> b.flip = Double.parseDouble(v);
                    case "randaug" -> b.ra = bool(v);
                    case "ra-ops" -> b.ops = Integer.parseInt(v);
                    case "ra-m" -> b.m = Double.parseDouble(v);
                    case "ra-mstd" -> b.mstd = Double.parseDouble(v);
                    case "erasing" -> b.erase = Double.parseDouble(v);
                    case "mixup" -> b.mix = Double.parseDouble(v);
                    case "cutmix" -> b.cut = Double.parseDouble(v);
                    case "switch" -> b.sw = Double.parseDouble(v);
                    case "smoothing" -> b.smooth = Double.parseDouble(v);
                    case "crop-fraction" -> b.crop = Double.parseDouble(v);
                    default -> throw new DataException("unknown augmentation key '" + k + "'; use rrc, scale, ratio, "
                            + "interp, pad, hflip, randaug, ra-ops, ra-m, ra-mstd, erasing, mixup, cutmix, switch, "
                            + "smoothing, crop-fraction");
                }
            } catch (IllegalArgumentException e) {
                if (e instanceof DataException de) throw de;
                throw new DataException("augmentation override '" + item.strip() + "' has a bad value", e);
            }
        }
        return b.build();
    }

    private static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "true", "on", "yes" -> true;
            case "0", "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException(v);
        };
    }

    private static double[] range(String v) {
        String[] p = v.split("-", 2);
        if (p.length != 2) throw new IllegalArgumentException(v);
        return new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1])};
    }

    @Override public boolean equals(Object o) {
        return o instanceof AugmentConfig a && toString().equals(a.toString());
    }

    @Override public int hashCode() { return toString().hashCode(); }

    @Override public String toString() {
        return String.format(Locale.ROOT, "AugmentConfig[size=%d, rrc=%b scale=%.3g-%.3g ratio=%.3g-%.3g %s, pad=%d, "
                        + "hflip=%.2f, randaug=%b ops=%d m=%.1f mstd=%.2f, erasing=%.2f, mixup=%.2f, cutmix=%.2f, "
                        + "switch=%.2f, smoothing=%.2f, crop-fraction=%.3f, mean=%s, std=%s]",
                imageSize, randomResizedCrop, scaleMin, scaleMax, ratioMin, ratioMax,
                interpolation.name().toLowerCase(Locale.ROOT), padCrop, hflip, randAugment, raOps, raMagnitude,
                raMagnitudeStd, erasingProb, mixupAlpha, cutmixAlpha, mixSwitchProb, labelSmoothing, evalCropFraction,
                Arrays.toString(mean), Arrays.toString(std));
    }
}
