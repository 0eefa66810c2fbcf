package org.nvit.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.Tensor;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;

/**
 * last.ckpt: everything a run needs to resume, in one safetensors file written atomically. Tensors: the weights
 * ("model.NAME"), the optimizer state ("optim.KEY": AdamW moments and step), the EMA weights ("ema.NAME"). Metadata:
 * the model config, the training options, and the position (epoch, next batch, global step, best top-1). The data
 * order and every random draw are functions of (seed, epoch, step), so the position is the whole RNG state.
 */
public final class TrainCheckpoint {
    static final String OPTIONS_KEY = "nvit.train.options", STATE_KEY = "nvit.train.state";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** The position is the whole RNG state of a run: every field must be there, spelt right, and of its type. */
    private static final ObjectMapper STRICT = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true)
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);

    /** Where training stands: the next batch to run is (epoch, batch); step counts optimizer steps done. */
    public record Position(@JsonProperty("epoch") int epoch, @JsonProperty("batch") int batch,
                           @JsonProperty("step") long step, @JsonProperty("best_top1") double bestTop1,
                           @JsonProperty("seed") long seed) {}

    public record Loaded(VitConfig config, TrainOptions options, Position position, Map<String, Tensor> model,
                         Map<String, Tensor> optimizer, Map<String, Tensor> ema) {}

    private TrainCheckpoint() {}

    public static void save(Path file, VitConfig config, TrainOptions options, Position pos, Map<String, Tensor> model,
                            Map<String, Tensor> optimizer, Map<String, Tensor> ema) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        model.forEach((k, v) -> all.put("model." + k, host(v)));
        optimizer.forEach((k, v) -> all.put("optim." + k, host(v)));
        if (ema != null) ema.forEach((k, v) -> all.put("ema." + k, host(v)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(WeightFiles.CONFIG_KEY, config.toJson());
        meta.put(OPTIONS_KEY, JSON.writeValueAsString(options));
        meta.put(STATE_KEY, JSON.writeValueAsString(pos));
        Safetensors.write(file, all, meta);
    }

    public static Loaded load(Path file) throws IOException {
        if (!Files.exists(file))
            throw new NoSuchFileException(file + " (nothing to resume: the folder has no last.ckpt)");
        Safetensors.Contents c = Safetensors.read(file);
        String cfg = c.metadata().get(WeightFiles.CONFIG_KEY), opt = c.metadata().get(OPTIONS_KEY),
                st = c.metadata().get(STATE_KEY);
        if (cfg == null || opt == null || st == null)
            throw new IllegalArgumentException(file + " is not an nvit training checkpoint (no training state in its metadata)");
        Map<String, Tensor> model = new LinkedHashMap<>(), optim = new LinkedHashMap<>(), ema = new LinkedHashMap<>();
        c.tensors().forEach((k, v) -> {
            if (k.startsWith("model.")) model.put(k.substring(6), v);
            else if (k.startsWith("optim.")) optim.put(k.substring(6), v);
            else if (k.startsWith("ema.")) ema.put(k.substring(4), v);
        });
        Position pos;
        TrainOptions options;
        try {
            pos = STRICT.readValue(st, Position.class);
            options = JSON.readValue(opt, TrainOptions.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + ": the saved training state is damaged ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
        }
        if (pos.epoch() < 0 || pos.batch() < 0 || pos.step() < 0 || !(pos.bestTop1() >= -1 && pos.bestTop1() <= 1))
            throw new IllegalArgumentException(file + ": the saved position (epoch " + pos.epoch() + ", batch " + pos.batch()
                    + ", step " + pos.step() + ", best top-1 " + pos.bestTop1() + ") is impossible: the file is damaged");
        return new Loaded(VitConfig.fromJson(cfg), options, pos, model, optim, ema.isEmpty() ? null : ema);
    }

    private static Tensor host(Tensor t) { return t.device() == Device.CPU ? t : Backends.of(t).toCpu(t); }
}
