package org.nvit.tests;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nvit.train.EpochMetrics;

/** The epochs a run's metrics.jsonl records. */
final class MetricsLogs {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private MetricsLogs() {}

    static EpochMetrics last(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file);
        return JSON.readValue(lines.getLast(), EpochMetrics.class);
    }
}
