package org.nvit.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nvit.data.Preprocess;
import org.nvit.train.ModelFileMetadata;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine.Option;

/**
 * The evaluation preprocessing flags of {@code eval} and {@code infer} (timm's validate.py names). Without them a
 * model file's stored preprocessing is used, else the data set's defaults; each flag given replaces one field.
 */
final class PreprocessOptions {
    @Option(names = "--img-size", paramLabel = "N",
            description = "Input image size; another size than the model's resamples its position embedding (default: the model file's preprocessing, else the model's size).")
    Integer imgSize;
    @Option(names = {"--crop-pct", "--crop-fraction"}, paramLabel = "F",
            description = "Centre-crop fraction: the shorter side is resized to img-size / F, then cropped (default: the model file's, else the data set's: 0.875 for image folders, 1 for the small data sets).")
    Double cropPct;
    @Option(names = "--interpolation", paramLabel = "bilinear|bicubic",
            description = "Resize filter (default: the model file's, else the data set's: bicubic for image folders).")
    String interpolation;
    @Option(names = "--mean", split = ",", paramLabel = "M",
            description = "Normalisation mean per channel, or one for all (default: the model file's, else the data set's).")
    float[] mean;
    @Option(names = "--std", split = ",", paramLabel = "S",
            description = "Normalisation std per channel, or one for all (default: the model file's, else the data set's).")
    float[] std;

    /** The preprocessing to use and where it came from, for the console. */
    record Resolved(Preprocess preprocess, String source) {}

    /**
     * The file's preprocessing (or {@code defaults}, described by {@code defaultsName}, when it has none) with each
     * flag given applied.
     */
    Resolved resolve(WeightFiles.Loaded file, Preprocess defaults, String defaultsName) {
        Preprocess stored = ModelFileMetadata.preprocess(file);
        int channels = file.config().inChans();
        Preprocess p = stored != null && stored.channels() == channels ? stored : defaults;
        String source = p == stored ? "the model file's" : defaultsName;
        List<String> flags = new ArrayList<>();
        if (imgSize != null) {
            if (imgSize < 1 || imgSize > 4096) throw new IllegalArgumentException("--img-size must be in 1..4096, got " + imgSize);
            p = p.withImageSize(imgSize);
            flags.add("--img-size");
        }
        if (cropPct != null) {
            if (!(cropPct > 0 && cropPct <= 1)) throw new IllegalArgumentException("--crop-pct must be in (0, 1], got " + cropPct);
            p = p.withCropPct(cropPct);
            flags.add("--crop-pct");
        }
        if (interpolation != null) {
            p = p.withInterpolation(Preprocess.interpolation(interpolation));
            flags.add("--interpolation");
        }
        if (mean != null || std != null) {
            float[] m = mean != null ? perChannel(mean, channels, "--mean") : p.mean();
            float[] s = std != null ? perChannel(std, channels, "--std") : p.std();
            for (float v : s)
                if (!(v > 0) || !Float.isFinite(v)) throw new IllegalArgumentException("--std values must be positive, got " + v);
            for (float v : m) if (!Float.isFinite(v)) throw new IllegalArgumentException("--mean values must be finite, got " + v);
            p = p.withNormalization(m, s);
            if (mean != null) flags.add("--mean");
            if (std != null) flags.add("--std");
        }
        if (!flags.isEmpty()) source += ", with " + String.join(", ", flags);
        return new Resolved(p, source);
    }

    private static float[] perChannel(float[] v, int channels, String flag) {
        if (v.length == channels) return v.clone();
        if (v.length == 1) {
            float[] out = new float[channels];
            java.util.Arrays.fill(out, v[0]);
            return out;
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s has %d values but the model takes %d-channel images; "
                + "give %d values or one", flag, v.length, channels, channels));
    }
}
