package org.nvit.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Locale;

/**
 * How a model's input images are prepared for evaluation and inference: the shorter side resized to
 * {@code floor(imageSize / cropPct)} with {@code interpolation}, a centre crop of {@code imageSize}, then
 * {@code (x - mean) / std} per channel. Stored in model files as JSON with timm's {@code pretrained_cfg} names
 * ({@code input_size} [C, H, W], {@code interpolation}, {@code crop_pct}, {@code crop_mode}, {@code mean}, {@code std}),
 * so that evaluating a model uses the preprocessing it was trained with.
 */
public record Preprocess(int imageSize, double cropPct, Interpolation interpolation, float[] mean, float[] std) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Preprocess {
        if (imageSize < 1 || imageSize > 16384) throw new DataException("preprocessing: image size must be in 1..16384, got " + imageSize);
        if (!(cropPct > 0 && cropPct <= 1)) throw new DataException("preprocessing: crop fraction must be in (0, 1], got " + cropPct);
        if (interpolation == null) throw new DataException("preprocessing: no interpolation");
        if (mean == null || std == null || mean.length != std.length || mean.length == 0 || mean.length > 4)
            throw new DataException("preprocessing: mean and std need one value per channel (1 to 4 channels)");
        for (int c = 0; c < mean.length; c++)
            if (!Float.isFinite(mean[c]) || !Float.isFinite(std[c]) || std[c] <= 0)
                throw new DataException("preprocessing: mean must be finite and std positive, got mean "
                        + Arrays.toString(mean) + " std " + Arrays.toString(std));
        mean = mean.clone();
        std = std.clone();
    }

    public int channels() { return mean.length; }

    @Override public float[] mean() { return mean.clone(); }

    @Override public float[] std() { return std.clone(); }

    public Preprocess withImageSize(int size) { return new Preprocess(size, cropPct, interpolation, mean, std); }

    public Preprocess withCropPct(double pct) { return new Preprocess(imageSize, pct, interpolation, mean, std); }

    public Preprocess withInterpolation(Interpolation f) { return new Preprocess(imageSize, cropPct, f, mean, std); }

    public Preprocess withNormalization(float[] m, float[] s) { return new Preprocess(imageSize, cropPct, interpolation, m, s); }

    /** timm's pretrained_cfg form, one line. */
    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode size = n.putArray("input_size");
        size.add(channels()).add(imageSize).add(imageSize);
        n.put("interpolation", interpolation.name().toLowerCase(Locale.ROOT));
        n.put("crop_pct", cropPct);
        n.put("crop_mode", "center");
        ArrayNode m = n.putArray("mean"), s = n.putArray("std");
        for (float v : mean) m.add(v);
        for (float v : std) s.add(v);
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses {@link #toJson()}'s form; anything else is a {@link DataException} naming the field. */
    public static Preprocess fromJson(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new DataException("preprocessing metadata is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new DataException("preprocessing metadata is not a JSON object");
        JsonNode size = n.get("input_size");
        if (size == null || !size.isArray() || size.size() != 3 || !size.get(0).isInt() || !size.get(1).isInt()
                || !size.get(2).isInt() || size.get(1).asInt() != size.get(2).asInt())
            throw new DataException("preprocessing metadata: input_size must be [C, S, S] (square images)");
        String crop = n.path("crop_mode").asText("center");
        if (!crop.equals("center")) throw new DataException("preprocessing metadata: crop_mode '" + crop + "' is not supported (only center)");
        JsonNode pct = n.get("crop_pct");
        if (pct == null || !pct.isNumber()) throw new DataException("preprocessing metadata: crop_pct must be a number");
        Preprocess p = new Preprocess(size.get(1).asInt(), pct.asDouble(), interpolation(n.path("interpolation").asText("")),
                floats(n.get("mean"), "mean"), floats(n.get("std"), "std"));
        if (size.get(0).asInt() != p.channels())
            throw new DataException("preprocessing metadata: input_size has " + size.get(0).asInt() + " channels but mean/std "
                    + p.channels());
        return p;
    }

    /** bilinear or bicubic (case-insensitive); anything else names the choices. */
    public static Interpolation interpolation(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "bilinear" -> Interpolation.BILINEAR;
            case "bicubic" -> Interpolation.BICUBIC;
            default -> throw new DataException("unknown interpolation '" + name + "'; use bilinear or bicubic");
        };
    }

    private static float[] floats(JsonNode a, String field) {
        if (a == null || !a.isArray() || a.isEmpty() || a.size() > 4)
            throw new DataException("preprocessing metadata: " + field + " must be an array of 1 to 4 numbers");
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isNumber()) throw new DataException("preprocessing metadata: " + field + " must hold numbers");
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Preprocess p && imageSize == p.imageSize && cropPct == p.cropPct && interpolation == p.interpolation
                && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std);
    }

    @Override public int hashCode() { return toJson().hashCode(); }

    /** One line for the console: "224 px, crop 0.875, bicubic, mean [...], std [...]". */
    @Override public String toString() {
        return String.format(Locale.ROOT, "%d px, crop fraction %.3f, %s, mean %s, std %s", imageSize, cropPct,
                interpolation.name().toLowerCase(Locale.ROOT), Arrays.toString(mean), Arrays.toString(std));
    }
}
