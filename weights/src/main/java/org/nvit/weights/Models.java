package org.nvit.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;

/** Builds models from the ways users name them: a preset, a config JSON file, or a checkpoint file. */
public final class Models {
    private Models() {}

    /** A config from exactly one of a preset name or a config file. */
    public static VitConfig config(String presetName, String configFile) throws IOException {
        if (configFile != null) {
            Path p = Path.of(configFile);
            if (!Files.exists(p)) throw new NoSuchFileException(configFile + " (the --config file)");
            return readConfig(p);
        }
        return Presets.byName(presetName);
    }

    /** Reads a config JSON file (--config); the messages name the file. */
    public static VitConfig readConfig(Path file) throws IOException {
        String text = InputFiles.readText(file, "a model config (JSON)", VitConfig.MAX_FILE_BYTES);
        try {
            return VitConfig.fromJson(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Config and weights (our names) of any checkpoint the project reads (ours, DeiT/timm .pth or safetensors, NViT). */
    public static WeightFiles.Loaded read(Path checkpoint, List<Integer> heads) throws IOException {
        if (!Files.exists(checkpoint)) throw new NoSuchFileException(checkpoint.toString());
        return WeightFiles.load(checkpoint, heads);
    }

    /** A model with its weights from any checkpoint the project reads. */
    public static VisionTransformer load(Path checkpoint, List<Integer> heads) throws IOException {
        WeightFiles.Loaded l = read(checkpoint, heads);
        VisionTransformer m = new VisionTransformer(l.config(), 0);
        m.loadStateDict(l.stateDict());
        return m;
    }

    /** Parses "--heads N" (every block) or "--heads a,b,c" (one per block); null or blank = none (empty list). */
    public static List<Integer> parseHeads(String spec) {
        if (spec == null || spec.isBlank()) return List.of();
        List<Integer> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            try {
                int h = Integer.parseInt(s.strip());
                if (h < 1) throw new NumberFormatException();
                out.add(h);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--heads takes a positive integer or a comma-separated list, not '" + spec + "'");
            }
        }
        return out;
    }
}
