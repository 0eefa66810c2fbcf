package org.nvit.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvit.data.AugmentConfig;
import org.nvit.data.DataException;
import org.nvit.data.Preprocess;
import org.nvit.weights.WeightFiles;

/**
 * What a model file says about its data beside the config: the evaluation preprocessing ({@value
 * WeightFiles#PREPROCESS_KEY}) and the class names ({@value WeightFiles#CLASSES_KEY}), written by training and read
 * by {@code nvit eval} and {@code nvit infer}.
 */
public final class ModelFileMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Class names longer than this, or more of them than this, are not stored (the metadata stays small). */
    private static final int MAX_NAME = 256, MAX_CLASSES = 100_000;

    private ModelFileMetadata() {}

    /** The entries for a model trained with {@code aug} on data whose classes are {@code classNames} (may be empty). */
    public static Map<String, String> of(AugmentConfig aug, List<String> classNames) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(WeightFiles.PREPROCESS_KEY, aug.preprocess().toJson());
        if (classNames != null && !classNames.isEmpty() && classNames.size() <= MAX_CLASSES) {
            try {
                m.put(WeightFiles.CLASSES_KEY, JSON.writeValueAsString(classNames));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }

    /** The file's preprocessing, or null when it has none (files from elsewhere, or written before it was stored). */
    public static Preprocess preprocess(WeightFiles.Loaded file) {
        String json = file.metadata(WeightFiles.PREPROCESS_KEY);
        if (json == null) return null;
        try {
            return Preprocess.fromJson(json);
        } catch (DataException e) {
            throw new DataException(e.getMessage() + " (in the file's " + WeightFiles.PREPROCESS_KEY + "); override it with "
                    + "--img-size, --crop-pct, --interpolation, --mean and --std, or rewrite the file");
        }
    }

    /** The file's class names, or an empty list when it has none or they do not fit the model's class count. */
    public static List<String> classNames(WeightFiles.Loaded file) {
        String json = file.metadata(WeightFiles.CLASSES_KEY);
        if (json == null) return List.of();
        List<String> names = new ArrayList<>();
        try {
            JsonNode a = JSON.readTree(json);
            if (a == null || !a.isArray() || a.size() != file.config().numClasses()) return List.of();
            for (JsonNode n : a) {
                if (!n.isTextual() || n.asText().length() > MAX_NAME) return List.of();
                names.add(n.asText());
            }
        } catch (JsonProcessingException e) {
            return List.of();
        }
        return List.copyOf(names);
    }
}
