package org.nvit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nvit.weights.AtomicFiles;

/**
 * metrics.jsonl: one JSON object per epoch (and metrics.csv, the same as a table). Rewritten whole (temp file + rename) on each append, so a crash never
 * leaves a torn line, and on resume entries past the resumed epoch are dropped.
 */
public final class MetricsLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final List<EpochMetrics> entries = new ArrayList<>();

    public MetricsLog(Path file) { this.file = file; }

    /** Loads the existing entries of the first {@code epochsDone} epochs (for resume; epochs count from 1). */
    public void load(int epochsDone) {
        entries.clear();
        if (!Files.exists(file)) return;
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                EpochMetrics m = JSON.readValue(line, EpochMetrics.class);
                if (m.epoch() <= epochsDone) entries.add(m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public void append(EpochMetrics m) {
        entries.add(m);
        StringBuilder sb = new StringBuilder();
        try {
            StringBuilder csv = new StringBuilder("epoch,train_loss,val_loss,val_top1,val_top5,lr,images_per_s,seconds\n");
            for (EpochMetrics e : entries) {
                sb.append(JSON.writeValueAsString(e)).append('\n');
                csv.append(String.format(java.util.Locale.ROOT, "%d,%.6g,%.6g,%.4f,%.4f,%.6g,%.2f,%.2f%n", e.epoch(), e.trainLoss(),
                        e.valLoss(), e.valTop1(), e.valTop5(), e.lr(), e.imagesPerS(), e.seconds()));
            }
            AtomicFiles.writeString(file, sb.toString());
            AtomicFiles.writeString(file.resolveSibling("metrics.csv"), csv.toString()); // the same, for spreadsheets
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public List<EpochMetrics> entries() { return List.copyOf(entries); }

}
