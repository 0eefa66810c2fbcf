package org.nvit.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.weights.hostile.HostileCorpus;

/**
 * The hostile corpus through the real command in a fresh JVM with a 256 MiB heap and the default thread stack:
 * {@code nvit info} and {@code nvit convert} refuse each hostile file in one line with exit 2 (never a stack trace,
 * never the JVM's own error), or show a valid checkpoint's deep, cyclic or shared extras in bounded form; each run
 * within 10 s.
 */
class HostileFilesCliTest {
    @TempDir Path dir;

    @Test void everyHostileFileIsRefusedInOneLineOrShownBounded() throws Exception {
        List<JsonNode> runs = probe();
        Map<String, HostileCorpus.Case> cases = new HashMap<>();
        for (HostileCorpus.Case c : HostileCorpus.cases()) cases.put(c.name(), c);
        assertEquals(2 * cases.size(), runs.size(), "one info and one convert run per case");
        List<String> problems = new ArrayList<>();
        for (JsonNode r : runs) {
            HostileCorpus.Case c = cases.get(r.get("case").asText());
            String what = c.name() + " (" + c.attack() + ") with nvit " + r.get("command").asText();
            String err = r.get("err").asText(), out = r.get("out").asText();
            List<String> errLines = err.strip().lines().filter(l -> !l.isBlank()).toList();
            if (r.get("ms").asLong() > 10_000) problems.add(what + " took " + r.get("ms").asLong() + " ms");
            if (err.contains("\tat ") || err.contains("Exception in thread")) problems.add(what + " printed a stack trace");
            if (hasControl(err) || hasControl(out)) problems.add(what + " printed a raw control character");
            boolean refusedHere = c.expect() == HostileCorpus.Expect.REFUSED;
            if (refusedHere) {
                if (r.get("code").asInt() != 2) problems.add(what + " exited " + r.get("code").asInt() + ", not 2: " + err);
                if (errLines.size() != 1 || !errLines.getFirst().startsWith("nvit: error: "))
                    problems.add(what + " did not fail in one line: " + err);
                else if (!err.contains(c.mustSay())) problems.add(what + " should say '" + c.mustSay() + "': " + err);
                else if (!err.contains(c.name())) problems.add(what + " should name the file: " + err);
            } else if (r.get("command").asText().equals("info")) {
                if (r.get("code").asInt() != 0) problems.add(what + " (a valid checkpoint) exited " + r.get("code").asInt() + ": " + err);
                if (!(out + err).contains(c.mustSay())) problems.add(what + " should show '" + c.mustSay() + "': " + out + err);
                if (r.get("out_chars").asInt() > 3000) problems.add(what + " printed " + r.get("out_chars").asInt() + " characters");
                for (String line : out.lines().toList())
                    if (line.startsWith("extra") && line.length() > 200) problems.add(what + ": an unbounded line: " + line);
            } else if (r.get("code").asInt() != 0) {
                problems.add(what + " (a valid checkpoint) could not be converted: " + err);
            }
        }
        if (!problems.isEmpty()) fail(problems.size() + " problems:\n" + String.join("\n", problems));
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(ch -> ch < 0x20 && ch != '\n' && ch != '\t' || ch == 0x1b || ch == 0x7f);
    }

    /** Starts {@link HostileProbe} in a child JVM and returns its report lines. */
    private List<JsonNode> probe() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                HostileProbe.class.getName(), dir.resolve("corpus").toString()));
        // the report stays in the build folder for a look at the messages and times
        Path report = Files.isDirectory(Path.of("target")) ? Path.of("target", "hostile-probe.jsonl") : dir.resolve("report.jsonl");
        Path log = dir.resolve("probe.log");
        Process p = new ProcessBuilder(cmd).redirectOutput(report.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the probe did not finish in 180 s; its log:\n" + Files.readString(log));
        }
        String stderr = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "the probe JVM failed:\n" + stderr);
        assertFalse(stderr.lines().anyMatch(l -> !l.startsWith("WARNING")), "the probe JVM printed:\n" + stderr);
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> runs = new ArrayList<>();
        for (String line : Files.readAllLines(report, StandardCharsets.UTF_8)) runs.add(json.readTree(line));
        assertTrue(!runs.isEmpty(), "the probe reported nothing");
        return runs;
    }
}
