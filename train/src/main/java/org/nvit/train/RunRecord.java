package org.nvit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.nvit.data.AugmentConfig;
import org.nvit.models.VitConfig;
import org.nvit.weights.AtomicFiles;

/**
 * args.json in a run folder: the resolved recipe (every option, with the data set's defaults filled in), the
 * augmentation actually used, the model config, and the version and commit that ran it, so a run can be repeated
 * or compared without its command line.
 */
final class RunRecord {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunRecord() {}

    static void write(Path file, TrainOptions options, AugmentConfig aug, VitConfig cfg) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("created", Instant.now().toString());
        root.put("version", property("nvit.version", "dev"));
        root.put("commit", property("nvit.commit", "unknown"));
        root.put("java", Runtime.version().toString());
        root.set("options", JSON.valueToTree(options));
        root.put("effective_batch", options.effectiveBatch());
        root.put("effective_lr", options.peakLr());
        root.put("augmentation", aug.toString());
        root.set("model", JSON.readTree(cfg.toJson()));
        AtomicFiles.writeString(file, JSON.writeValueAsString(root) + "\n");
    }

    private static String property(String key, String fallback) {
        String v = System.getProperty(key);
        return v == null || v.isBlank() ? fallback : v;
    }
}
