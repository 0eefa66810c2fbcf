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
 * metrics.jsonl: one JSON object per epoch. Rewritten whole (temp file + rename) on each append, so a crash never
 * leaves a torn line, and on resume entries past the resumed epoch are dropped.
 */
public final class MetricsLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final List<EpochMetrics> entries = new ArrayList<>();

    public MetricsLog(Path file) { this.file = file; }

    /** Loads existing entries with epoch < beforeEpoch (for resume). */
    public void load(int beforeEpoch) {
        entries.clear();
        if (!Files.exists(file)) return;
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                EpochMetrics m = JSON.readValue(line, EpochMetrics.class);
                if (m.epoch() < beforeEpoch) entries.add(m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public void append(EpochMetrics m) {
        entries.add(m);
        StringBuilder sb = new StringBuilder();
        try {
            for (EpochMetrics e : entries) sb.append(JSON.writeValueAsString(e)).append('\n');
            AtomicFiles.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public List<EpochMetrics> entries() { return List.copyOf(entries); }

    public double bestTop1() { return entries.stream().mapToDouble(EpochMetrics::valTop1).max().orElse(-1); }
}
