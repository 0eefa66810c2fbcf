package org.nvit.pruning;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvit.engine.Tensor;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;

/**
 * prune.ckpt: everything a pruning run needs to resume, in one safetensors file written atomically. Tensors: the
 * masked full-size weights ("model.NAME"), the optimizer state ("optim.KEY"), the keep flags ("prune.masks") and the
 * interval's saliency sum ("prune.importance_sum"). Metadata: the full model's config, the run's options, and the
 * schedule's state (data position, moving average of the importance, eta, step records, the teacher's checksum).
 */
public final class PruneCheckpoint {
    static final String OPTIONS_KEY = "nvit.prune.options", STATE_KEY = "nvit.prune.state";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final ObjectMapper STRICT = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);
    /** Every field of {@link Meta} must be in the file (the step records' configs may omit their optional fields). */
    private static final List<String> REQUIRED = List.of("epoch", "batch", "batches", "loss_sum", "loss_count", "eta",
            "importance_ema", "importance_batches", "importance_steps", "steps", "top1_before", "teacher_crc");

    /** The schedule's state beside the tensors. */
    public record Meta(@JsonProperty("epoch") int epoch, @JsonProperty("batch") int batch,
                       @JsonProperty("batches") long batches, @JsonProperty("loss_sum") double lossSum,
                       @JsonProperty("loss_count") int lossCount, @JsonProperty("eta") double eta,
                       @JsonProperty("importance_ema") double[] importanceEma,
                       @JsonProperty("importance_batches") int importanceBatches,
                       @JsonProperty("importance_steps") int importanceSteps,
                       @JsonProperty("steps") List<StepRecord> steps, @JsonProperty("stop") String stop,
                       @JsonProperty("top1_before") double top1Before, @JsonProperty("teacher_crc") long teacherCrc) {}

    public record Loaded(VitConfig config, PruneRunOptions options, Meta meta, Map<String, Tensor> model,
                         Map<String, Tensor> optimizer, float[] masks, float[] importanceSum) {
        PruneSchedule.State schedule() {
            return new PruneSchedule.State(masks, new Importance.State(importanceSum, meta.importanceEma(),
                    meta.importanceBatches(), meta.importanceSteps()), meta.eta(), meta.steps(), meta.batches(),
                    meta.lossSum(), meta.lossCount(), meta.stop());
        }
    }

    private PruneCheckpoint() {}

    public static void save(Path file, VitConfig config, PruneRunOptions options, PruneSchedule.State s, int epoch, int batch,
                            double top1Before, long teacherCrc, Map<String, Tensor> model, Map<String, Tensor> optimizer)
            throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        model.forEach((k, v) -> all.put("model." + k, v));
        optimizer.forEach((k, v) -> all.put("optim." + k, v));
        all.put("prune.masks", Tensor.of(s.masks(), s.masks().length));
        all.put("prune.importance_sum", Tensor.of(s.importance().sum(), s.importance().sum().length));
        Meta meta = new Meta(epoch, batch, s.batches(), s.lossSum(), s.lossCount(), s.eta(), s.importance().ema(),
                s.importance().batches(), s.importance().steps(), s.steps(), s.stop(), top1Before, teacherCrc);
        Map<String, String> m = new LinkedHashMap<>();
        m.put(WeightFiles.CONFIG_KEY, config.toJson());
        m.put(OPTIONS_KEY, JSON.writeValueAsString(options));
        m.put(STATE_KEY, JSON.writeValueAsString(meta));
        Safetensors.write(file, all, m);
    }

    public static Loaded load(Path file) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file + " (nothing to resume: the folder has no prune.ckpt)");
        Safetensors.Contents c = Safetensors.read(file);
        String cfg = c.metadata().get(WeightFiles.CONFIG_KEY), opt = c.metadata().get(OPTIONS_KEY), st = c.metadata().get(STATE_KEY);
        if (cfg == null || opt == null || st == null)
            throw new IllegalArgumentException(file + " is not an nvit pruning checkpoint (no pruning state in its metadata)");
        Map<String, Tensor> model = new LinkedHashMap<>(), optim = new LinkedHashMap<>();
        c.tensors().forEach((k, v) -> {
            if (k.startsWith("model.")) model.put(k.substring(6), v);
            else if (k.startsWith("optim.")) optim.put(k.substring(6), v);
        });
        Tensor masks = c.tensors().get("prune.masks"), sum = c.tensors().get("prune.importance_sum");
        if (masks == null || sum == null) throw new IllegalArgumentException(file + " lacks the pruning masks or importance");
        Meta meta;
        PruneRunOptions options;
        try {
            com.fasterxml.jackson.databind.JsonNode node = STRICT.readTree(st);
            for (String f : REQUIRED)
                if (node == null || !node.has(f)) throw new IllegalArgumentException(file + ": the saved pruning state lacks '" + f + "'");
            meta = STRICT.treeToValue(node, Meta.class);
            options = JSON.readValue(opt, PruneRunOptions.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + ": the saved pruning state is damaged ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
        }
        if (meta.epoch() < 0 || meta.batch() < 0 || meta.batches() < 0 || meta.steps() == null || meta.steps().isEmpty())
            throw new IllegalArgumentException(file + ": the saved position (epoch " + meta.epoch() + ", batch " + meta.batch()
                    + ", " + meta.batches() + " batches) is impossible: the file is damaged");
        return new Loaded(VitConfig.fromJson(cfg), options, meta, model, optim, masks.toFloatArray(), sum.toFloatArray());
    }
}
