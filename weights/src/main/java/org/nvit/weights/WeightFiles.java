package org.nvit.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nvit.engine.Tensor;
import org.nvit.models.VitConfig;

/**
 * Loading and exporting model weights whatever the file kind: safetensors (ours, with the config in metadata, or
 * timm's) and PyTorch checkpoints (timm/DeiT, NViT dense or sparse). The kind is decided by the file's first bytes.
 */
public final class WeightFiles {
    /** Metadata key under which our safetensors files store the model config JSON. */
    public static final String CONFIG_KEY = "nvit.config";
    /** Metadata key of the preprocessing the model was trained with (JSON in timm's pretrained_cfg names). */
    public static final String PREPROCESS_KEY = "nvit.preprocess";
    /** Metadata key of the class names, index = label (a JSON array of strings). */
    public static final String CLASSES_KEY = "nvit.classes";

    private WeightFiles() {}

    /**
     * A loaded model: its config, its state dict in our names and canonical order, and everything else the file held
     * (PyTorch: the checkpoint's other top-level entries such as 'epoch', 'args', 'dim'; safetensors: the metadata).
     * {@code warnings} are the lines {@link #load} printed about the weights (tensors holding NaN or infinity).
     */
    public record Loaded(VitConfig config, Map<String, Tensor> stateDict, Map<String, Object> extras, String format,
                         List<String> warnings) {
        public Loaded {
            warnings = List.copyOf(warnings);
        }

        public Loaded(VitConfig config, Map<String, Tensor> stateDict, Map<String, Object> extras, String format) {
            this(config, stateDict, extras, format, List.of());
        }

        /**
         * A text entry of ours ({@code nvit.*}): safetensors metadata under {@code key}, a .pth entry under the same
         * name with '_' for '.' ({@code nvit_preprocess}); null when the file has none.
         */
        public String metadata(String key) {
            Object v = extras.get(key);
            if (v == null) v = extras.get(PthWriter.entryName(key));
            return v instanceof String s ? s : null;
        }

        /** The {@code nvit.*} text entries other than the config, to carry into a file written from this one. */
        public Map<String, String> carriedMetadata() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String k : List.of(PREPROCESS_KEY, CLASSES_KEY)) if (metadata(k) != null) m.put(k, metadata(k));
            return m;
        }
    }

    public enum Kind { SAFETENSORS, PYTORCH }

    /** Which reader a file needs; refuses legacy PyTorch files and anything unrecognised with a clear message. */
    public static Kind kindOf(Path path) throws IOException {
        InputFiles.requireFile(path);
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) { head = in.readNBytes(16); }
        if (PthReader.isZip(head)) return Kind.PYTORCH;
        if (PthReader.isLegacy(head)) throw PthReader.legacyError(path);
        if (Safetensors.looksLike(head)) return Kind.SAFETENSORS;
        throw new WeightFileException(path + " is neither a safetensors file nor a PyTorch zip checkpoint");
    }

    /**
     * Reads a weight file, maps it to our names and works out its config: from the file's {@value #CONFIG_KEY}
     * metadata (safetensors) or {@value PthWriter#CONFIG_KEY} entry (.pth) when present (then {@code heads} is
     * ignored), else by {@link ConfigInference} with {@code heads}.
     * A tensor holding NaN or infinite values is loaded as it is, with a warning on standard error naming it: such a
     * model computes NaN, and the user should learn why from the file rather than from a 0% evaluation.
     */
    public static Loaded load(Path path, List<Integer> heads) throws IOException {
        Loaded l;
        try {
            l = read(path, heads);
        } catch (IllegalArgumentException e) {   // a config or state dict that does not fit: say which file
            String name = path.getFileName() + ": ";
            if (e.getMessage() == null || e.getMessage().startsWith(name)) throw e;
            if (e instanceof StateDictException) throw new StateDictException(name + e.getMessage());
            throw new IllegalArgumentException(name + e.getMessage(), e);
        }
        List<String> warnings = nonFiniteWarnings(path, l.stateDict());
        for (String w : warnings) System.err.println(w);
        return new Loaded(l.config(), l.stateDict(), l.extras(), l.format(), warnings);
    }

    /** One warning per tensor that holds NaN or infinite values (at most 5, then a count of the rest). */
    static List<String> nonFiniteWarnings(Path path, Map<String, Tensor> sd) {
        List<String> out = new ArrayList<>();
        int bad = 0;
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            Tensor t = e.getValue();
            float[] a = t.floats();
            long nan = 0, inf = 0;
            for (int i = t.off(), end = t.off() + (int) t.numel(); i < end; i++) {
                float v = a[i];
                if (Float.isNaN(v)) nan++;
                else if (Float.isInfinite(v)) inf++;
            }
            if (nan + inf == 0) continue;
            if (++bad <= 5)
                out.add(String.format(Locale.ROOT, "nvit: warning: %s: tensor '%s' holds %d NaN and %d infinite values (of %d); "
                        + "the model's outputs will not be finite", path.getFileName(), Printable.escape(e.getKey()), nan, inf, t.numel()));
        }
        if (bad > 5) out.add("nvit: warning: " + path.getFileName() + ": " + (bad - 5) + " more tensors hold NaN or infinite values");
        return out;
    }

    private static Loaded read(Path path, List<Integer> heads) throws IOException {
        if (kindOf(path) == Kind.SAFETENSORS) {
            Safetensors.Contents c = Safetensors.read(path);
            Map<String, Object> extras = new LinkedHashMap<>(c.metadata());
            Map<String, Tensor> sd = StateDicts.toOurNames(c.tensors(), 3);
            String json = c.metadata().get(CONFIG_KEY);
            if (json != null) {
                VitConfig cfg = VitConfig.fromJson(json);
                return new Loaded(cfg, StateDicts.checkAndOrder(cfg, sd), extras, "safetensors (nvit)");
            }
            VitConfig cfg = ConfigInference.infer(sd, heads, null, null);
            return new Loaded(cfg, StateDicts.checkAndOrder(cfg, sd), extras, "safetensors");
        }
        Map<String, Object> entries = PthReader.read(path);
        Map<String, Tensor> raw = StateDicts.unwrap(entries);
        if (entries.get(PthWriter.CONFIG_KEY) instanceof String json) {
            // ours (PthWriter): the config is in the file, as in our safetensors
            VitConfig cfg = VitConfig.fromJson(json);
            Map<String, Object> extras = new LinkedHashMap<>(entries);
            extras.remove(StateDicts.containerKey(entries));
            return new Loaded(cfg, StateDicts.checkAndOrder(cfg, StateDicts.toOurNames(raw, cfg.inChans())), extras, "pytorch (nvit config)");
        }
        Map<?, ?> dim = entries.get("dim") instanceof Map<?, ?> m ? m : null;
        boolean nvit = StateDicts.isNvit(raw);
        Map<String, Tensor> sd = StateDicts.toOurNames(raw, 3);
        // NViT keeps DeiT's 64^-0.5 attention scale after pruning the q/k width (models.py)
        VitConfig cfg = ConfigInference.infer(sd, heads, dim, nvit ? 0.125 : null);
        Map<String, Object> extras = new LinkedHashMap<>(entries);
        String container = StateDicts.containerKey(entries);
        if (container == null) extras.clear(); else extras.remove(container);
        return new Loaded(cfg, StateDicts.checkAndOrder(cfg, sd), extras, nvit ? "pytorch (nvit)" : "pytorch");
    }

    /**
     * Writes our safetensors file: F32 tensors in our (timm) names and canonical order, the config JSON under
     * {@value #CONFIG_KEY} and {@code format=pt} as timm's files have. For uniform models this is exactly timm's key
     * layout, so timm loads the file unchanged.
     */
    public static void export(Path out, VitConfig config, Map<String, Tensor> stateDict) throws IOException {
        export(out, config, stateDict, Map.of());
    }

    /**
     * The same with more of our metadata, e.g. {@value #PREPROCESS_KEY} and {@value #CLASSES_KEY}: keys must start
     * with {@code nvit.} and may not replace the config.
     */
    public static void export(Path out, VitConfig config, Map<String, Tensor> stateDict, Map<String, String> metadata)
            throws IOException {
        Map<String, Tensor> ordered = StateDicts.checkAndOrder(config, stateDict);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(CONFIG_KEY, config.toJson());
        meta.putAll(checkedMetadata(metadata));
        Safetensors.write(out, ordered, meta);
    }

    /** Our extra metadata entries, checked: {@code nvit.} keys other than the config's. */
    static Map<String, String> checkedMetadata(Map<String, String> metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata == null) return out;
        metadata.forEach((k, v) -> {
            if (!k.startsWith("nvit.") || k.equals(CONFIG_KEY) || v == null)
                throw new IllegalArgumentException("metadata key '" + k + "' is not one of ours (nvit.*, not the config)");
            out.put(k, v);
        });
        return out;
    }
}
